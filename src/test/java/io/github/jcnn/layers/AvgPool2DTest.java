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

class AvgPool2DTest {

    @Test
    void lectureExampleThreeByThreeStrideThree() {
        AvgPool2D pool = new AvgPool2D(Shape.of(1, 6, 6), 3);
        assertThat(pool.type()).isEqualTo("AvgPool2D");
        assertThat(pool.stride()).isEqualTo(3);
        Tensor y = pool.forward(Tensor.of(Shape.of(1, 1, 6, 6), MaxPool2DTest.LECTURE), false);
        assertThat(y.shape()).isEqualTo(Shape.of(1, 1, 2, 2));
        // top left:     3+4+6 + 3+5+4 + 1+7+5 = 38      top right:    2+1+7 + 9+8+8 + 4+6+6 = 51
        // bottom left:  7+2+6 + 6+1+7 + 5+3+3 = 40      bottom right: 5+4+5 + 7+2+4 + 1+4+3 = 35
        assertThat(y.toArray()).containsExactly(38f / 9f, 51f / 9f, 40f / 9f, 35f / 9f);
    }

    @Test
    void backwardSpreadsEvenlyAndOverlapsAdd() {
        AvgPool2D pool = new AvgPool2D(Shape.of(1, 4, 4), 2);
        Tensor dx = pool.backward(Tensor.of(Shape.of(1, 1, 2, 2), 4, 8, 12, 16));
        assertThat(dx.toArray()).containsExactly(
                1, 1, 2, 2,
                1, 1, 2, 2,
                3, 3, 4, 4,
                3, 3, 4, 4);
        AvgPool2D overlapping = new AvgPool2D(Shape.of(1, 3, 3), 2, 1);
        Tensor dxo = overlapping.backward(Tensor.full(Shape.of(1, 1, 2, 2), 4f));
        // the centre is in all four windows, edges in two, corners in one
        assertThat(dxo.toArray()).containsExactly(1, 2, 1, 2, 4, 2, 1, 2, 1);
    }

    @Test
    void errorsNameTheShapes() {
        assertThatThrownBy(() -> new AvgPool2D(Shape.of(2, 5, 1), 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AvgPool2D").hasMessageContaining("5x1x2").hasMessageContaining("2x2");
        AvgPool2D pool = new AvgPool2D(Shape.of(1, 4, 4), 2);
        assertThatThrownBy(() -> pool.forward(Tensor.zeros(1, 4, 4), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AvgPool2D").hasMessageContaining("(1, 4, 4)").hasMessageContaining("(N, 1, 4, 4)");
        assertThatThrownBy(() -> pool.backward(Tensor.zeros(1, 1, 3, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(1, 1, 3, 3)").hasMessageContaining("(1, 2, 2)");
    }

    @Test
    void inferenceIsPure() throws Exception {
        AvgPool2D pool = new AvgPool2D(Shape.of(2, 5, 5), 3, 2);
        LayerTesting.assertInferenceIsPure(pool, LayerTesting.uniform(Shape.of(3, 2, 5, 5), 1),
                LayerTesting.uniform(Shape.of(2, 2, 5, 5), 2));
    }

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
        AvgPool2D pool = new AvgPool2D(Shape.of(channels, height, width), poolSize, stride);
        Tensor x = LayerTesting.uniform(Shape.of(batch, channels, height, width), seed);
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
        AvgPool2D pool = new AvgPool2D(Shape.of(channels, height, width), poolSize, stride);
        Tensor y = pool.forward(Tensor.zeros(batch, channels, height, width), true);
        assertThat(y.shape()).isEqualTo(pool.outputShape().withBatch(batch));
        assertThat(pool.outputShape()).isEqualTo(Shape.of(channels, (height - poolSize) / stride + 1,
                (width - poolSize) / stride + 1));
    }
}
