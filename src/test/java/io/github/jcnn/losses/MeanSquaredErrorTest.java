package io.github.jcnn.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.layers.GradientCheck;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Gradient checks as in {@link SoftmaxCrossEntropyTest}: checkStack with no layers, tolerance 1e-2. */
class MeanSquaredErrorTest {

    @Test
    void labelsBecomeOneHotTargets() {
        MeanSquaredError loss = new MeanSquaredError();
        assertThat(loss.name()).isEqualTo("mean squared error");
        Tensor p = Tensor.of(Shape.of(2, 2), 0.5f, 0.5f, 1, 0);
        // targets (1, 0) and (0, 1): squared errors 0.25, 0.25, 1, 1 -> mean 2.5 / 4
        assertThat(loss.loss(p, new int[] {0, 1})).isCloseTo(0.625, within(1e-9));
        // gradient 2 (p - t) / 4
        assertThat(loss.gradient(p, new int[] {0, 1}).toArray()).containsExactly(-0.25f, 0.25f, 0.5f, -0.5f);
    }

    @Test
    void explicitTargets() {
        MeanSquaredError loss = new MeanSquaredError();
        Tensor p = Tensor.of(Shape.of(1, 3), 1, 2, 3);
        Tensor t = Tensor.of(Shape.of(1, 3), 1, 0, 0);
        assertThat(loss.loss(p, t)).isCloseTo(13 / 3.0, within(1e-9));
        assertThat(loss.gradient(p, t).toArray()).containsExactly(0f, 4f / 3, 2f);
    }

    @Test
    void errorsNameTheShapes() {
        MeanSquaredError loss = new MeanSquaredError();
        assertThatThrownBy(() -> loss.loss(Tensor.zeros(2, 3), Tensor.zeros(3, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(2, 3)").hasMessageContaining("(3, 2)");
        assertThatThrownBy(() -> loss.gradient(Tensor.zeros(2, 3), new int[] {0, 3}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mean squared error").hasMessageContaining("label 3").hasMessageContaining("0..2");
    }

    @Property(tries = 60)
    void gradientMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 4) int batch,
                                          @ForAll @IntRange(min = 1, max = 10) int classes,
                                          @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor predictions = Tensor.zeros(batch, classes);
        for (int i = 0; i < predictions.size(); i++) {
            predictions.data()[i] = (float) (random.nextDouble() * 2 - 0.5);
        }
        int[] labels = random.ints(batch, 0, classes).toArray();
        GradientCheck.Report report = GradientCheck.checkStack(List.of(), new MeanSquaredError(), predictions,
                labels, 1e-2, 1e-2);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(SoftmaxCrossEntropyTest.TOLERANCE);
    }

    @Property(tries = 30)
    void explicitTargetGradientMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 4) int batch,
                                                        @ForAll @IntRange(min = 1, max = 6) int outputs,
                                                        @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor p = Tensor.zeros(batch, outputs);
        Tensor t = Tensor.zeros(batch, outputs);
        for (int i = 0; i < p.size(); i++) {
            p.data()[i] = (float) (random.nextDouble() * 4 - 2);
            t.data()[i] = (float) (random.nextDouble() * 4 - 2);
        }
        MeanSquaredError loss = new MeanSquaredError();
        Tensor analytic = loss.gradient(p, t);
        assertThat(analytic.shape()).isEqualTo(p.shape());
        double eps = 1e-2;
        for (int i = 0; i < p.size(); i++) {
            float saved = p.data()[i];
            p.data()[i] = (float) (saved + eps);
            double plus = loss.loss(p, t);
            p.data()[i] = (float) (saved - eps);
            double minus = loss.loss(p, t);
            p.data()[i] = saved;
            double numeric = (plus - minus) / (2 * eps);
            double error = Math.abs(numeric - analytic.data()[i])
                    / Math.max(1e-2, Math.max(Math.abs(numeric), Math.abs(analytic.data()[i])));
            assertThat(error).isLessThanOrEqualTo(SoftmaxCrossEntropyTest.TOLERANCE);
        }
    }
}
