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

class GlobalAvgPool2DTest {

    @Test
    void handComputedMeansPerChannel() {
        GlobalAvgPool2D pool = new GlobalAvgPool2D(Shape.of(2, 2, 2));
        assertThat(pool.type()).isEqualTo("GlobalAvgPool2D");
        assertThat(pool.outputShape()).isEqualTo(Shape.of(2));
        // sample 0: channel 0 = 1 2 / 3 6 -> 12/4 = 3, channel 1 = -1 -1 / -1 -5 -> -8/4 = -2
        // sample 1: channel 0 = 0 0 / 0 2 -> 0.5,      channel 1 = 4 4 / 4 4 -> 4
        Tensor x = Tensor.of(Shape.of(2, 2, 2, 2), 1, 2, 3, 6, -1, -1, -1, -5, 0, 0, 0, 2, 4, 4, 4, 4);
        assertThat(pool.forward(x, true).toArray()).containsExactly(3f, -2f, 0.5f, 4f);
        assertThat(pool.forward(x, false).shape()).isEqualTo(Shape.of(2, 2));
        // each input receives dy / (H W) = dy / 4
        Tensor dx = pool.backward(Tensor.of(Shape.of(2, 2), 4, -8, 2, 0));
        assertThat(dx.toArray()).containsExactly(1, 1, 1, 1, -2, -2, -2, -2, 0.5f, 0.5f, 0.5f, 0.5f, 0, 0, 0, 0);
    }

    @Test
    void equalsAnAveragePoolOverTheWholeMap() {
        Shape in = Shape.of(3, 5, 5);
        Tensor x = LayerTesting.uniform(in.withBatch(2), 7);
        Tensor global = new GlobalAvgPool2D(in).forward(x, false);
        Tensor whole = new AvgPool2D(in, 5).forward(x, false);
        float[] a = global.toArray();
        float[] b = whole.toArray();
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).isCloseTo(b[i], org.assertj.core.api.Assertions.within(1e-6f));
        }
    }

    @Test
    void errorsNameTheShapes() {
        assertThatThrownBy(() -> new GlobalAvgPool2D(Shape.of(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GlobalAvgPool2D").hasMessageContaining("(10)")
                .hasMessageContaining("(channels, height, width)");
        GlobalAvgPool2D pool = new GlobalAvgPool2D(Shape.of(2, 3, 3));
        assertThatThrownBy(() -> pool.forward(Tensor.zeros(1, 3, 3, 3), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(1, 3, 3, 3)").hasMessageContaining("(N, 2, 3, 3)");
        assertThatThrownBy(() -> pool.backward(Tensor.zeros(1, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(1, 3)").hasMessageContaining("(2)");
    }

    @Test
    void inferenceIsPureAndReplicasAreIndependent() throws Exception {
        GlobalAvgPool2D pool = new GlobalAvgPool2D(Shape.of(2, 4, 3));
        LayerTesting.assertInferenceIsPure(pool, LayerTesting.uniform(Shape.of(3, 2, 4, 3), 1),
                LayerTesting.uniform(Shape.of(2, 2, 4, 3), 2));
        assertThat(pool.replica(1)).get().isNotSameAs(pool);
    }

    @Property(tries = 60)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int batch,
                                          @ForAll @IntRange(min = 1, max = 4) int channels,
                                          @ForAll @IntRange(min = 1, max = 5) int height,
                                          @ForAll @IntRange(min = 1, max = 5) int width,
                                          @ForAll long seed) {
        GlobalAvgPool2D pool = new GlobalAvgPool2D(Shape.of(channels, height, width));
        Tensor x = LayerTesting.uniform(Shape.of(batch, channels, height, width), seed);
        GradientCheck.Report report = GradientCheck.of(pool).seed(seed).check(x);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    @Property(tries = 30)
    void outputShapeMatchesForward(@ForAll @IntRange(min = 1, max = 3) int batch,
                                   @ForAll @IntRange(min = 1, max = 4) int channels,
                                   @ForAll @IntRange(min = 1, max = 6) int height,
                                   @ForAll @IntRange(min = 1, max = 6) int width,
                                   @ForAll boolean training) {
        GlobalAvgPool2D pool = new GlobalAvgPool2D(Shape.of(channels, height, width));
        Tensor y = pool.forward(LayerTesting.uniform(Shape.of(batch, channels, height, width), 1), training);
        assertThat(y.shape()).isEqualTo(pool.outputShape().withBatch(batch));
    }
}
