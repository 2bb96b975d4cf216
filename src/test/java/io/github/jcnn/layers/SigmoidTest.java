package io.github.jcnn.layers;

import static io.github.jcnn.layers.LayerTesting.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SigmoidTest {

    @Test
    void handComputedExample() {
        Tensor x = Tensor.of(Shape.of(1, 4), 0, (float) Math.log(3), -1000, 1000);
        Sigmoid layer = new Sigmoid(Shape.of(4));
        // sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4; extreme inputs saturate without NaN
        assertThat(layer.forward(x, true).toArray()).containsExactly(new float[] {0.5f, 0.75f, 0, 1}, within(1e-6f));
        // derivative y (1 - y): 1/4 and 3/16
        assertThat(layer.backward(Tensor.of(Shape.of(1, 4), 1, 1, 1, 1)).toArray())
                .containsExactly(new float[] {0.25f, 0.1875f, 0, 0}, within(1e-6f));
        assertThat(layer.type()).isEqualTo("Sigmoid");
    }

    @Test
    void errorsNameTheShapes() {
        Layer layer = new Sigmoid(Shape.of(2, 3, 3));
        assertThatThrownBy(() -> layer.forward(Tensor.zeros(4, 2, 3, 4), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Sigmoid").hasMessageContaining("(4, 2, 3, 4)").hasMessageContaining("(2, 3, 3)");
        assertThatThrownBy(() -> layer.backward(Tensor.zeros(4, 2, 3, 3)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("training forward");
        layer.forward(Tensor.zeros(4, 2, 3, 3), true);
        assertThatThrownBy(() -> layer.backward(Tensor.zeros(3, 2, 3, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(3, 2, 3, 3)").hasMessageContaining("(4, 2, 3, 3)");
    }

    @Test
    void inferenceIsPure() throws Exception {
        Layer layer = new Sigmoid(Shape.of(2, 3, 3));
        LayerTesting.assertInferenceIsPure(layer, LayerTesting.offKinks(Shape.of(3, 2, 3, 3), 1),
                LayerTesting.offKinks(Shape.of(2, 2, 3, 3), 2));
    }

    @Property(tries = 40)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int batch,
                                          @ForAll @IntRange(min = 1, max = 3) int channels,
                                          @ForAll @IntRange(min = 1, max = 6) int height,
                                          @ForAll @IntRange(min = 1, max = 6) int width,
                                          @ForAll long seed) {
        Layer layer = new Sigmoid(Shape.of(channels, height, width));
        Tensor x = LayerTesting.uniform(Shape.of(batch, channels, height, width), seed).scaleInPlace(3f);
        GradientCheck.Report report = GradientCheck.of(layer).seed(seed).check(x);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    @Property(tries = 30)
    void outputShapeMatchesForward(@ForAll @IntRange(min = 1, max = 3) int batch,
                                   @ForAll @IntRange(min = 1, max = 12) int features) {
        Layer layer = new Sigmoid(Shape.of(features));
        Tensor y = layer.forward(Tensor.zeros(batch, features), true);
        assertThat(y.shape()).isEqualTo(layer.outputShape().withBatch(batch));
        assertThat(layer.outputShape()).isEqualTo(Shape.of(features));
    }
}
