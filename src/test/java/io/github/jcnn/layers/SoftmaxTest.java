package io.github.jcnn.layers;

import static io.github.jcnn.layers.LayerTesting.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SoftmaxTest {

    @Test
    void softmaxOfAKnownVector() {
        Softmax softmax = new Softmax(Shape.of(3));
        assertThat(softmax.type()).isEqualTo("Softmax");
        // e^0 : e^(ln 2) : e^(ln 5) = 1 : 2 : 5, so p = (1/8, 2/8, 5/8)
        Tensor x = Tensor.of(Shape.of(2, 3), 0, (float) Math.log(2), (float) Math.log(5), 1000, 1000, 1000);
        Tensor y = softmax.forward(x, false);
        assertThat(y.toArray()).containsExactly(new float[] {0.125f, 0.25f, 0.625f, 1 / 3f, 1 / 3f, 1 / 3f},
                within(1e-6f));
        assertThat(SoftmaxCrossEntropy.softmax(x).toArray()).containsExactly(y.toArray(), within(1e-6f));
    }

    @Test
    void backwardIsYTimesDyMinusItsWeightedMean() {
        Softmax softmax = new Softmax(Shape.of(2));
        Tensor y = softmax.forward(Tensor.of(Shape.of(1, 2), 0, 0), true);   // (1/2, 1/2)
        // dx = y * (dy - (dy . y)) with dy = (1, 0): dy . y = 1/2, dx = (1/4, -1/4)
        Tensor dx = softmax.backward(Tensor.of(Shape.of(1, 2), 1, 0));
        assertThat(y.toArray()).containsExactly(0.5f, 0.5f);
        assertThat(dx.toArray()).containsExactly(0.25f, -0.25f);
    }

    @Test
    void errorsNameTheShapes() {
        Softmax softmax = new Softmax(Shape.of(10));
        assertThatThrownBy(() -> softmax.forward(Tensor.zeros(4, 9), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Softmax").hasMessageContaining("(4, 9)").hasMessageContaining("(10)");
        softmax.forward(Tensor.zeros(4, 10), true);
        assertThatThrownBy(() -> softmax.backward(Tensor.zeros(4, 9)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(4, 9)").hasMessageContaining("(4, 10)");
    }

    @Test
    void inferenceIsPure() throws Exception {
        Softmax softmax = new Softmax(Shape.of(6));
        LayerTesting.assertInferenceIsPure(softmax, LayerTesting.uniform(Shape.of(3, 6), 1),
                LayerTesting.uniform(Shape.of(5, 6), 2));
    }

    @Property(tries = 60)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int batch,
                                          @ForAll @IntRange(min = 1, max = 10) int classes,
                                          @ForAll long seed) {
        Softmax softmax = new Softmax(Shape.of(classes));
        Tensor x = LayerTesting.uniform(Shape.of(batch, classes), seed).scaleInPlace(3f);
        GradientCheck.Report report = GradientCheck.of(softmax).seed(seed).check(x);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    @Property(tries = 30)
    void rowsSumToOneAndOutputShapeMatchesForward(@ForAll @IntRange(min = 1, max = 3) int batch,
                                                  @ForAll @IntRange(min = 1, max = 12) int classes,
                                                  @ForAll long seed) {
        Softmax softmax = new Softmax(Shape.of(classes));
        Tensor y = softmax.forward(LayerTesting.uniform(Shape.of(batch, classes), seed).scaleInPlace(50f), true);
        assertThat(y.shape()).isEqualTo(softmax.outputShape().withBatch(batch));
        assertThat(y.sum()).isCloseTo(batch, within(1e-5));
    }
}
