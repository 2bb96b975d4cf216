package io.github.jcnn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.layers.Parameter;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class SGDTest {

    /** One weight w minimising f(w) = w^2 / 2, whose gradient is w itself. */
    private static Parameter weight(float w) {
        return new Parameter("weight", Tensor.of(Shape.of(1), w));
    }

    private static float[] run(Optimizer optimizer, Parameter p, int steps) {
        float[] trace = new float[steps];
        for (int s = 0; s < steps; s++) {
            p.zeroGrad();
            p.grad().data()[0] = p.value().data()[0];   // g = w
            optimizer.step();
            trace[s] = p.value().data()[0];
        }
        return trace;
    }

    @Test
    void plainSgdStepsAgainstTheGradient() {
        Parameter p = weight(1f);
        // w <- w - 0.1 w = 0.9 w each step
        assertThat(run(new SGD(List.of(p), 0.1), p, 3)).containsExactly(new float[] {0.9f, 0.81f, 0.729f},
                within(1e-6f));
    }

    @Test
    void momentumByHand() {
        Parameter p = weight(1f);
        // v1 = 1, w1 = 1 - 0.1 = 0.9; v2 = 0.9 + 0.9 = 1.8, w2 = 0.72; v3 = 1.62 + 0.72 = 2.34, w3 = 0.486
        Optimizer sgd = SGD.config(0.1).momentum(0.9).create(List.of(p));
        assertThat(run(sgd, p, 3)).containsExactly(new float[] {0.9f, 0.72f, 0.486f}, within(1e-6f));
    }

    @Test
    void nesterovByHand() {
        Parameter p = weight(1f);
        // g=1: v=1, d = 1 + 0.9 = 1.9, w = 0.81; g=0.81: v = 0.9 + 0.81 = 1.71, d = 0.81 + 1.539 = 2.349, w = 0.5751
        Optimizer sgd = SGD.config(0.1).momentum(0.9).nesterov(true).create(List.of(p));
        assertThat(run(sgd, p, 2)).containsExactly(new float[] {0.81f, 0.5751f}, within(1e-6f));
    }

    @Test
    void weightDecayAddsToTheGradient() {
        Parameter p = weight(1f);
        // g = w + 0.5 w = 1.5, w = 1 - 0.15 = 0.85
        Optimizer sgd = SGD.config(0.1).weightDecay(0.5).create(List.of(p));
        assertThat(run(sgd, p, 1)[0]).isCloseTo(0.85f, within(1e-6f));
    }

    @Test
    void settingTheLearningRateChangesTheNextStep() {
        Parameter p = weight(1f);
        SGD sgd = new SGD(List.of(p), 0.1);
        sgd.setLearningRate(0.5);
        assertThat(run(sgd, p, 1)[0]).isCloseTo(0.5f, within(1e-6f));
        assertThat(sgd.learningRate()).isEqualTo(0.5);
    }

    @Test
    void stateRestoresMomentumExactly() {
        Parameter a = weight(1f);
        Optimizer first = SGD.config(0.1).momentum(0.9).create(List.of(a));
        run(first, a, 2);
        OptimizerState saved = first.state();
        float atPause = a.value().data()[0];
        float[] continued = run(first, a, 2);

        Parameter b = weight(atPause);
        Optimizer second = SGD.config(0.3).momentum(0.9).create(List.of(b));
        second.restore(saved);
        assertThat(second.learningRate()).isEqualTo(0.1);
        assertThat(run(second, b, 2)).containsExactly(continued);
    }

    @Test
    void refusesBadSettingsAndForeignState() {
        assertThatThrownBy(() -> SGD.config(-1)).hasMessageContaining("learning rate");
        assertThatThrownBy(() -> SGD.config(0.1).momentum(1)).hasMessageContaining("momentum");
        assertThatThrownBy(() -> SGD.config(0.1).nesterov(true)).hasMessageContaining("Nesterov");
        Parameter p = weight(1f);
        OptimizerState adam = Adam.config().create(List.of(p)).state();
        assertThatThrownBy(() -> new SGD(List.of(p), 0.1).restore(adam)).hasMessageContaining("Adam");
    }

    @Test
    void aRefusedRestoreChangesNothing() {
        Parameter a = weight(1f);
        Optimizer trained = SGD.config(0.1).momentum(0.9).create(List.of(a));
        run(trained, a, 2);
        OptimizerState saved = trained.state();
        java.util.Map<String, String> values = new java.util.HashMap<>(saved.values());
        values.put("learning_rate", "-1");
        OptimizerState badRate = new OptimizerState("SGD", values, saved.tensors());

        Parameter b = weight(1f);
        Optimizer fresh = SGD.config(0.3).momentum(0.9).create(List.of(b));
        assertThatThrownBy(() -> fresh.restore(badRate)).hasMessageContaining("learning rate").hasMessageContaining("-1");
        // momentum and rate are still the fresh ones: the first step from w = 1 is w - 0.3 * 1
        assertThat(fresh.learningRate()).isEqualTo(0.3);
        assertThat(run(fresh, b, 1)[0]).isCloseTo(0.7f, within(1e-6f));
    }
}
