package io.github.jcnn.optim;

import static io.github.jcnn.optim.LearningRateSchedule.cosine;
import static io.github.jcnn.optim.LearningRateSchedule.linearWarmup;
import static io.github.jcnn.optim.LearningRateSchedule.stepDecay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    private static double[] factors(LearningRateSchedule s, int epochs) {
        double[] out = new double[epochs];
        for (int e = 0; e < epochs; e++) {
            out[e] = s.factor(e);
        }
        return out;
    }

    @Test
    void stepDecayHalvesEveryTwoEpochs() {
        assertThat(factors(stepDecay(2, 0.5), 6)).containsExactly(1, 1, 0.5, 0.5, 0.25, 0.25);
        assertThat(stepDecay(2, 0.5).learningRate(0.1, 4)).isCloseTo(0.025, within(1e-15));
    }

    @Test
    void cosineGoesFromOneToTheMinimumThroughTheMidpoint() {
        LearningRateSchedule s = cosine(4, 0.2);
        // min + (1 - min)(1 + cos(pi e / 4)) / 2
        assertThat(factors(s, 6)).containsExactly(new double[] {1, 0.2 + 0.8 * (1 + Math.sqrt(0.5)) / 2, 0.6,
                0.2 + 0.8 * (1 - Math.sqrt(0.5)) / 2, 0.2, 0.2}, within(1e-12));
    }

    @Test
    void warmupRisesLinearlyThenHolds() {
        assertThat(factors(linearWarmup(4), 6)).containsExactly(0.25, 0.5, 0.75, 1, 1, 1);
    }

    @Test
    void schedulesCompose() {
        LearningRateSchedule s = LearningRateSchedule.warmupThen(2, stepDecay(1, 0.5));
        assertThat(factors(s, 5)).containsExactly(0.5, 1, 1, 0.5, 0.25);
        assertThat(factors(stepDecay(1, 0.5).times(linearWarmup(2)), 3)).containsExactly(0.5, 0.5, 0.25);
        assertThat(factors(stepDecay(1, 0.5).delayedBy(2), 4)).containsExactly(1, 1, 1, 0.5);
        assertThat(factors(LearningRateSchedule.constant(), 2)).containsExactly(1, 1);
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> stepDecay(0, 0.5)).hasMessageContaining("step size");
        assertThatThrownBy(() -> cosine(10, 2)).hasMessageContaining("minimum");
        assertThatThrownBy(() -> linearWarmup(0)).hasMessageContaining("warm-up");
    }
}
