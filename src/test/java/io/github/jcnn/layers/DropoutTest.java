package io.github.jcnn.layers;

import static io.github.jcnn.layers.LayerTesting.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class DropoutTest {

    @Test
    void inferenceIsTheIdentity() {
        Dropout dropout = new Dropout(Shape.of(100), 0.5);
        assertThat(dropout.type()).isEqualTo("Dropout");
        assertThat(dropout.rate()).isEqualTo(0.5);
        Tensor x = LayerTesting.uniform(Shape.of(3, 100), 1);
        assertThat(dropout.forward(x, false).toArray()).containsExactly(x.toArray());
    }

    @Test
    void trainingKeepsAboutOneMinusRateAndScalesThem() {
        Dropout dropout = new Dropout(Shape.of(1000), 0.3);
        dropout.initialize(WeightInit.HE, new SplittableRandom(42));
        Tensor x = Tensor.full(Shape.of(10, 1000), 2f);
        Tensor y = dropout.forward(x, true);
        int kept = 0;
        for (float v : y.data()) {
            if (v != 0) {
                assertThat(v).isCloseTo(2f / 0.7f, within(1e-6f));
                kept++;
            }
        }
        // 10,000 draws with p = 0.7: standard deviation sqrt(10000 * 0.7 * 0.3) = 46, i.e. 0.0046 as a fraction
        assertThat(kept / 10000.0).isCloseTo(0.7, within(0.02));
        // the mean is preserved (in expectation): 2 * kept fraction / 0.7
        assertThat(y.mean()).isCloseTo(2.0, within(0.06));
        // backward applies the same mask
        Tensor dx = dropout.backward(Tensor.full(Shape.of(10, 1000), 1f));
        for (int i = 0; i < y.size(); i++) {
            assertThat(dx.data()[i] == 0).isEqualTo(y.data()[i] == 0);
        }
    }

    @Test
    void theSameSeedGivesTheSameMask() {
        Tensor x = Tensor.full(Shape.of(4, 50), 1f);
        Dropout a = new Dropout(Shape.of(50), 0.5);
        Dropout b = new Dropout(Shape.of(50), 0.5);
        a.initialize(WeightInit.HE, new SplittableRandom(7));
        b.initialize(WeightInit.HE, new SplittableRandom(7));
        assertThat(a.forward(x, true).toArray()).containsExactly(b.forward(x, true).toArray());
    }

    @Test
    void errorsNameTheShapesAndTheRate() {
        assertThatThrownBy(() -> new Dropout(Shape.of(4), 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 1)").hasMessageContaining("1.0");
        assertThatThrownBy(() -> new Dropout(Shape.of(4), -0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Dropout(Shape.of(4), Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        Dropout dropout = new Dropout(Shape.of(4), 0.5);
        assertThatThrownBy(() -> dropout.forward(Tensor.zeros(2, 5), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Dropout").hasMessageContaining("(2, 5)").hasMessageContaining("(4)");
        dropout.forward(Tensor.zeros(2, 4), true);
        assertThatThrownBy(() -> dropout.backward(Tensor.zeros(3, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(3, 4)").hasMessageContaining("(2, 4)");
    }

    @Test
    void inferenceIsPure() throws Exception {
        Dropout dropout = new Dropout(Shape.of(2, 3, 3), 0.4);
        LayerTesting.assertInferenceIsPure(dropout, LayerTesting.uniform(Shape.of(3, 2, 3, 3), 1),
                LayerTesting.uniform(Shape.of(2, 2, 3, 3), 2),
                () -> dropout.initialize(WeightInit.HE, new SplittableRandom(5)));
    }

    /** Every forward of the check is preceded by the same reseeding, so the mask is fixed and y is linear in x. */
    @Property(tries = 40)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int batch,
                                          @ForAll @IntRange(min = 1, max = 3) int channels,
                                          @ForAll @IntRange(min = 1, max = 6) int height,
                                          @ForAll @IntRange(min = 1, max = 6) int width,
                                          @ForAll @DoubleRange(min = 0, max = 0.9) double rate,
                                          @ForAll long seed) {
        Dropout dropout = new Dropout(Shape.of(channels, height, width), rate);
        Tensor x = LayerTesting.uniform(Shape.of(batch, channels, height, width), seed);
        GradientCheck.Report report = GradientCheck.of(dropout).seed(seed)
                .beforeEachForward(() -> dropout.initialize(WeightInit.HE, new SplittableRandom(seed)))
                .check(x);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    @Property(tries = 30)
    void outputShapeMatchesForward(@ForAll @IntRange(min = 1, max = 3) int batch,
                                   @ForAll @IntRange(min = 1, max = 12) int features,
                                   @ForAll boolean training) {
        Dropout dropout = new Dropout(Shape.of(features), 0.5);
        Tensor y = dropout.forward(Tensor.zeros(batch, features), training);
        assertThat(y.shape()).isEqualTo(dropout.outputShape().withBatch(batch));
    }
}
