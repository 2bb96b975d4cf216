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

class MaxPool2DTest {

    /** The lecture's 6 x 6 feature map. */
    static final float[] LECTURE = {
        3, 4, 6, 2, 1, 7,
        3, 5, 4, 9, 8, 8,
        1, 7, 5, 4, 6, 6,
        7, 2, 6, 5, 4, 5,
        6, 1, 7, 7, 2, 4,
        5, 3, 3, 1, 4, 3,
    };

    @Test
    void lectureExampleThreeByThreeStrideThree() {
        MaxPool2D pool = new MaxPool2D(Shape.of(1, 6, 6), 3);
        assertThat(pool.stride()).isEqualTo(3);
        assertThat(pool.poolSize()).isEqualTo(3);
        assertThat(pool.type()).isEqualTo("MaxPool2D");
        Tensor y = pool.forward(Tensor.of(Shape.of(1, 1, 6, 6), LECTURE), false);
        assertThat(y.shape()).isEqualTo(Shape.of(1, 1, 2, 2));
        assertThat(y.toArray()).containsExactly(7, 9, 7, 7);
    }

    @Test
    void aNanAnywhereInAWindowPropagatesAndTakesTheGradientAsInPyTorch() {
        float nan = Float.NaN;
        for (int[] window : new int[][] {{2, 2}, {3, 3}}) {   // the fast 2 x 2 kernel and the plain loop
            int k = window[0];
            MaxPool2D pool = new MaxPool2D(Shape.of(1, 2 * k, k), k);
            // window 0 is [1, NaN, 2, 3, ...]: PyTorch gives NaN (jcnn gave 3 before); window 1 has two NaNs
            float[] data = new float[2 * k * k];
            for (int i = 0; i < data.length; i++) {
                data[i] = i % 7;
            }
            data[1] = nan;
            data[k * k + 1] = nan;
            data[2 * k * k - 1] = nan;
            Tensor x = Tensor.of(Shape.of(1, 1, 2 * k, k), data);
            assertThat(pool.forward(x, false).toArray()).containsExactly(nan, nan);
            Tensor y = pool.forward(x, true);
            assertThat(y.toArray()).containsExactly(nan, nan);
            float[] dx = pool.backward(Tensor.of(Shape.of(1, 1, 2, 1), 10, 20)).toArray();
            float[] expected = new float[data.length];
            expected[1] = 10;                  // the only NaN of window 0
            expected[2 * k * k - 1] = 20;      // the last NaN of window 1 (PyTorch's index)
            assertThat(dx).containsExactly(expected);
        }
    }

    @Test
    void fourByFourTwoByTwoRoutesTheGradientToEachMaximum() {
        MaxPool2D pool = new MaxPool2D(Shape.of(1, 4, 4), 2);
        Tensor x = Tensor.of(Shape.of(1, 1, 4, 4),
                1, 3, 2, 1,
                4, 2, 0, 5,
                3, 1, 1, 2,
                0, 2, 4, 3);
        Tensor y = pool.forward(x, true);
        assertThat(y.toArray()).containsExactly(4, 5, 3, 4);
        Tensor dx = pool.backward(Tensor.of(Shape.of(1, 1, 2, 2), 10, 20, 30, 40));
        assertThat(dx.toArray()).containsExactly(
                0, 0, 0, 0,
                10, 0, 0, 20,
                30, 0, 0, 0,
                0, 0, 40, 0);
    }

    @Test
    void tiesGoToTheFirstMaximumInRowMajorOrder() {
        MaxPool2D pool = new MaxPool2D(Shape.of(1, 2, 2), 2);
        pool.forward(Tensor.of(Shape.of(1, 1, 2, 2), 1, 5, 5, 5), true);
        assertThat(pool.backward(Tensor.of(Shape.of(1, 1, 1, 1), 1)).toArray()).containsExactly(0, 1, 0, 0);
    }

    @Test
    void overlappingWindowsAddTheirGradients() {
        MaxPool2D pool = new MaxPool2D(Shape.of(1, 1, 3), 1, 1);
        assertThat(pool.outputShape()).isEqualTo(Shape.of(1, 1, 3));
        MaxPool2D wide = new MaxPool2D(Shape.of(1, 3, 3), 2, 1);
        Tensor x = Tensor.of(Shape.of(1, 1, 3, 3), 0, 0, 0, 0, 9, 0, 0, 0, 0);
        assertThat(wide.forward(x, true).toArray()).containsExactly(9, 9, 9, 9);
        assertThat(wide.backward(Tensor.full(Shape.of(1, 1, 2, 2), 1f)).get(0, 0, 1, 1)).isEqualTo(4f);
    }

    @Test
    void errorsNameTheShapes() {
        assertThatThrownBy(() -> new MaxPool2D(Shape.of(4, 2, 2), 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MaxPool2D").hasMessageContaining("2x2x4").hasMessageContaining("3x3");
        assertThatThrownBy(() -> new MaxPool2D(Shape.of(16), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(16)");
        assertThatThrownBy(() -> new MaxPool2D(Shape.of(1, 4, 4), 2, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stride");
        MaxPool2D pool = new MaxPool2D(Shape.of(1, 6, 6), 3);
        assertThatThrownBy(() -> pool.forward(Tensor.zeros(2, 3, 6, 6), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MaxPool2D").hasMessageContaining("(2, 3, 6, 6)").hasMessageContaining("(1, 6, 6)");
        assertThatThrownBy(() -> pool.backward(Tensor.zeros(1, 1, 2, 2)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("training forward");
        pool.forward(Tensor.zeros(2, 1, 6, 6), true);
        assertThatThrownBy(() -> pool.backward(Tensor.zeros(3, 1, 2, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(3, 1, 2, 2)").hasMessageContaining("(2, 1, 2, 2)");
    }

    @Test
    void inferenceIsPure() throws Exception {
        MaxPool2D pool = new MaxPool2D(Shape.of(2, 5, 5), 2, 1);
        LayerTesting.assertInferenceIsPure(pool, LayerTesting.distinct(Shape.of(3, 2, 5, 5), 0.1, 1),
                LayerTesting.distinct(Shape.of(2, 2, 5, 5), 0.1, 2));
    }

    /**
     * Inputs are distinct values 0.025 apart (more than 2 epsilon = 0.02), so no nudge changes a window's winner.
     */
    @Property(tries = 60)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int batch,
                                          @ForAll @IntRange(min = 1, max = 3) int channels,
                                          @ForAll @IntRange(min = 1, max = 3) int poolSize,
                                          @ForAll @IntRange(min = 1, max = 3) int stride,
                                          @ForAll @IntRange(min = 0, max = 5) int extraHeight,
                                          @ForAll @IntRange(min = 0, max = 5) int extraWidth,
                                          @ForAll long seed) {
        int height = poolSize + extraHeight;
        int width = poolSize + extraWidth;
        MaxPool2D pool = new MaxPool2D(Shape.of(channels, height, width), poolSize, stride);
        Tensor x = LayerTesting.distinct(Shape.of(batch, channels, height, width), 0.025, seed);
        GradientCheck.Report report = GradientCheck.of(pool).seed(seed).check(x);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    @Property(tries = 60)
    void outputShapeMatchesForward(@ForAll @IntRange(min = 1, max = 3) int batch,
                                   @ForAll @IntRange(min = 1, max = 3) int channels,
                                   @ForAll @IntRange(min = 1, max = 3) int poolSize,
                                   @ForAll @IntRange(min = 1, max = 3) int stride,
                                   @ForAll @IntRange(min = 0, max = 6) int extraHeight,
                                   @ForAll @IntRange(min = 0, max = 6) int extraWidth) {
        int height = poolSize + extraHeight;
        int width = poolSize + extraWidth;
        MaxPool2D pool = new MaxPool2D(Shape.of(channels, height, width), poolSize, stride);
        Tensor y = pool.forward(Tensor.zeros(batch, channels, height, width), true);
        assertThat(y.shape()).isEqualTo(pool.outputShape().withBatch(batch));
        assertThat(pool.outputShape()).isEqualTo(Shape.of(channels, (height - poolSize) / stride + 1,
                (width - poolSize) / stride + 1));
    }
}
