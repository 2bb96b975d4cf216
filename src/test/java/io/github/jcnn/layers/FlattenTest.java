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

class FlattenTest {

    @Test
    void rowMajorOrderIsTheFlatOrder() {
        Flatten flatten = new Flatten(Shape.of(2, 2, 2));
        assertThat(flatten.type()).isEqualTo("Flatten");
        assertThat(flatten.outputShape()).isEqualTo(Shape.of(8));
        Tensor x = Tensor.of(Shape.of(1, 2, 2, 2), 1, 2, 3, 4, 5, 6, 7, 8);
        Tensor y = flatten.forward(x, true);
        assertThat(y.shape()).isEqualTo(Shape.of(1, 8));
        assertThat(y.get(0, 5)).isEqualTo(x.get(0, 1, 0, 1));
        Tensor dx = flatten.backward(Tensor.of(Shape.of(1, 8), 8, 7, 6, 5, 4, 3, 2, 1));
        assertThat(dx.shape()).isEqualTo(Shape.of(1, 2, 2, 2));
        assertThat(dx.toArray()).containsExactly(8, 7, 6, 5, 4, 3, 2, 1);
    }

    @Test
    void errorsNameTheShapes() {
        Flatten flatten = new Flatten(Shape.of(16, 5, 5));
        assertThatThrownBy(() -> flatten.forward(Tensor.zeros(2, 16, 4, 4), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Flatten").hasMessageContaining("(2, 16, 4, 4)")
                .hasMessageContaining("(16, 5, 5)");
        assertThatThrownBy(() -> flatten.backward(Tensor.zeros(2, 300)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(2, 300)").hasMessageContaining("(400)");
    }

    @Test
    void inferenceIsPure() throws Exception {
        Flatten flatten = new Flatten(Shape.of(2, 3, 3));
        LayerTesting.assertInferenceIsPure(flatten, LayerTesting.uniform(Shape.of(3, 2, 3, 3), 1),
                LayerTesting.uniform(Shape.of(2, 2, 3, 3), 2));
    }

    @Property(tries = 30)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int batch,
                                          @ForAll @IntRange(min = 1, max = 3) int channels,
                                          @ForAll @IntRange(min = 1, max = 6) int height,
                                          @ForAll @IntRange(min = 1, max = 6) int width,
                                          @ForAll long seed) {
        Flatten flatten = new Flatten(Shape.of(channels, height, width));
        Tensor x = LayerTesting.uniform(Shape.of(batch, channels, height, width), seed);
        GradientCheck.Report report = GradientCheck.of(flatten).seed(seed).check(x);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    @Property(tries = 30)
    void outputShapeMatchesForward(@ForAll @IntRange(min = 1, max = 3) int batch,
                                   @ForAll @IntRange(min = 1, max = 4) int channels,
                                   @ForAll @IntRange(min = 1, max = 8) int height,
                                   @ForAll @IntRange(min = 1, max = 8) int width) {
        Flatten flatten = new Flatten(Shape.of(channels, height, width));
        Tensor y = flatten.forward(Tensor.zeros(batch, channels, height, width), true);
        assertThat(y.shape()).isEqualTo(flatten.outputShape().withBatch(batch));
        assertThat(flatten.outputShape()).isEqualTo(Shape.of(channels * height * width));
    }
}
