package io.github.jcnn.layers;

import static io.github.jcnn.layers.LayerTesting.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ReLUTest {

    @Test
    void handComputedExample() {
        Tensor x = Tensor.of(Shape.of(1, 4), -2, -0.5f, 0.5f, 3);
        ReLU layer = new ReLU(Shape.of(4));
        assertThat(layer.forward(x, true).toArray()).containsExactly(0, 0, 0.5f, 3);
        assertThat(layer.backward(Tensor.of(Shape.of(1, 4), 1, 2, 3, 4)).toArray()).containsExactly(0, 0, 3, 4);
        assertThat(layer.type()).isEqualTo("ReLU");
    }

    @Test
    void aNanPassesThroughAsInPyTorch() {
        Tensor x = Tensor.of(Shape.of(1, 3), Float.NaN, -1, 2);
        ReLU layer = new ReLU(Shape.of(3));
        assertThat(layer.forward(x, false).toArray()).containsExactly(Float.NaN, 0, 2);
        assertThat(layer.forward(x, true).toArray()).containsExactly(Float.NaN, 0, 2);
        assertThat(layer.backward(Tensor.of(Shape.of(1, 3), 1, 1, 1)).toArray()).containsExactly(0, 0, 1);
    }

    @Test
    void inPlaceGivesTheBitsOfForwardAndWritesOverItsInput() {
        // small (one thread) and past the size that is shared out over the threads; NaN, -0, +-infinity included
        for (int size : new int[] {7, 3 * (1 << 16) + 5}) {
            java.util.SplittableRandom random = new java.util.SplittableRandom(size);
            float[] values = new float[size];
            float[] specials = {Float.NaN, -0f, 0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.MIN_VALUE};
            for (int i = 0; i < size; i++) {
                values[i] = i < specials.length ? specials[i] : (float) random.nextGaussian();
            }
            ReLU layer = new ReLU(Shape.of(size));
            Tensor x = Tensor.wrap(Shape.of(1, size), values.clone());
            float[] expected = layer.forward(x, false).toArray();
            Tensor same = layer.forwardInPlace(x);
            assertThat(same).isSameAs(x);
            for (int i = 0; i < size; i++) {
                assertThat(Float.floatToRawIntBits(x.data()[i])).as("element %d", i)
                        .isEqualTo(Float.floatToRawIntBits(expected[i]));
            }
        }
        assertThatThrownBy(() -> new ReLU(Shape.of(4)).forwardInPlace(Tensor.zeros(1, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ReLU").hasMessageContaining("(1, 5)");
    }

    @Test
    void errorsNameTheShapes() {
        Layer layer = new ReLU(Shape.of(2, 3, 3));
        assertThatThrownBy(() -> layer.forward(Tensor.zeros(4, 2, 3, 4), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ReLU").hasMessageContaining("(4, 2, 3, 4)").hasMessageContaining("(2, 3, 3)");
        assertThatThrownBy(() -> layer.backward(Tensor.zeros(4, 2, 3, 3)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("training forward");
        layer.forward(Tensor.zeros(4, 2, 3, 3), true);
        assertThatThrownBy(() -> layer.backward(Tensor.zeros(3, 2, 3, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(3, 2, 3, 3)").hasMessageContaining("(4, 2, 3, 3)");
    }

    @Test
    void inferenceIsPure() throws Exception {
        Layer layer = new ReLU(Shape.of(2, 3, 3));
        LayerTesting.assertInferenceIsPure(layer, LayerTesting.offKinks(Shape.of(3, 2, 3, 3), 1),
                LayerTesting.offKinks(Shape.of(2, 2, 3, 3), 2));
    }

    @Property(tries = 40)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int batch,
                                          @ForAll @IntRange(min = 1, max = 3) int channels,
                                          @ForAll @IntRange(min = 1, max = 6) int height,
                                          @ForAll @IntRange(min = 1, max = 6) int width,
                                          @ForAll long seed) {
        Layer layer = new ReLU(Shape.of(channels, height, width));
        Tensor x = LayerTesting.offKinks(Shape.of(batch, channels, height, width), seed);
        GradientCheck.Report report = GradientCheck.of(layer).seed(seed).check(x);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    @Property(tries = 30)
    void outputShapeMatchesForward(@ForAll @IntRange(min = 1, max = 3) int batch,
                                   @ForAll @IntRange(min = 1, max = 12) int features) {
        Layer layer = new ReLU(Shape.of(features));
        Tensor y = layer.forward(Tensor.zeros(batch, features), true);
        assertThat(y.shape()).isEqualTo(layer.outputShape().withBatch(batch));
        assertThat(layer.outputShape()).isEqualTo(Shape.of(features));
    }
}
