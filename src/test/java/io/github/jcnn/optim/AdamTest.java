package io.github.jcnn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.layers.Parameter;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdamTest {

    private static Parameter parameter(float... values) {
        return new Parameter("weight", Tensor.of(Shape.of(values.length), values));
    }

    private static void setGrad(Parameter p, float... g) {
        System.arraycopy(g, 0, p.grad().data(), 0, g.length);
    }

    @Test
    void firstStepFromZeroStateMovesByLearningRateTimesSignOfGradient() {
        // m1 = (1-b1) g, v1 = (1-b2) g^2, mHat = g, vHat = g^2, so w1 = w0 - lr * g / (|g| + eps)
        float[] w0 = {1f, -2f, 0.5f, 3f};
        float[] g = {0.3f, -4f, 1e-3f, -1e-6f};
        double lr = 0.01;
        double eps = 1e-8;
        Parameter p = parameter(w0);
        Optimizer adam = Adam.config(lr).create(List.of(p));
        setGrad(p, g);
        adam.step();
        for (int i = 0; i < w0.length; i++) {
            double expected = w0[i] - lr * g[i] / (Math.abs(g[i]) + eps);
            assertThat((double) p.value().data()[i]).as("weight %d", i).isCloseTo(expected, within(1e-6));
        }
        // the tiny gradient -1e-6 still moves its weight by about lr (eps makes it 0.99 lr)
        assertThat(3f - p.value().data()[3]).isCloseTo(-0.0099f, within(1e-5f));
    }

    @Test
    void twoStepsMatchTheClosedForm() {
        double lr = 0.1;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double g1 = 0.5;
        double g2 = -0.2;
        Parameter p = parameter(1f);
        Optimizer adam = Adam.config(lr).create(List.of(p));
        setGrad(p, (float) g1);
        adam.step();
        setGrad(p, (float) g2);
        adam.step();
        double m2 = b1 * (1 - b1) * g1 + (1 - b1) * g2;
        double v2 = b2 * (1 - b2) * g1 * g1 + (1 - b2) * g2 * g2;
        double mHat = m2 / (1 - b1 * b1);
        double vHat = v2 / (1 - b2 * b2);
        double w = 1 - lr * g1 / (Math.abs(g1) + eps);
        w -= lr * mHat / (Math.sqrt(vHat) + eps);
        assertThat((double) p.value().data()[0]).isCloseTo(w, within(1e-6));
    }

    @Test
    void constantGradientMovesByLearningRateEveryStep() {
        // with g constant, mHat = g and vHat = g^2 at every step: bias correction removes the zero start exactly
        Parameter p = parameter(0f);
        Optimizer adam = Adam.config(0.01).create(List.of(p));
        for (int t = 1; t <= 5; t++) {
            setGrad(p, 2f);
            adam.step();
            assertThat(p.value().data()[0]).isCloseTo(-0.01f * t, within(1e-6f));
        }
    }

    @Test
    void decoupledWeightDecayShrinksWeightsWithoutTouchingTheMoments() {
        // AdamW with g = 0: m = v = 0, so only w <- w (1 - lr * wd) = 1 - 0.01 * 0.1 = 0.999
        Parameter p = parameter(1f, -2f);
        Adam adamW = Adam.adamW(0.01, 0.1).create(List.of(p));
        adamW.step();
        assertThat(p.value().toArray()).containsExactly(new float[] {0.999f, -1.998f}, within(1e-7f));
        assertThat(adamW.state().tensor("0.m").sumOfSquares()).isZero();
    }

    @Test
    void coupledWeightDecayIsAddedToTheGradient() {
        // Adam with L2: g = 0 + 0.1 * w, so the first step moves by lr against sign(w)
        Parameter p = parameter(1f, -2f);
        Adam.config(0.01).weightDecay(0.1).create(List.of(p)).step();
        assertThat(p.value().toArray()).containsExactly(new float[] {0.99f, -1.99f}, within(1e-6f));
    }

    @Test
    void restoredStateContinuesBitForBit() {
        float[][] grads = {{0.1f, -0.3f}, {0.5f, 0.2f}, {-0.7f, 0.05f}, {0.2f, 0.2f}, {1f, -1f}};
        Parameter a = parameter(1f, 2f);
        Adam first = Adam.config(0.05).create(List.of(a));
        for (int s = 0; s < 3; s++) {
            setGrad(a, grads[s]);
            first.step();
        }
        OptimizerState saved = first.state();
        float[] weightsAtPause = a.value().toArray();
        for (int s = 3; s < 5; s++) {
            setGrad(a, grads[s]);
            first.step();
        }

        Parameter b = parameter(weightsAtPause);
        Adam second = Adam.config(0.05).create(List.of(b));
        second.restore(saved);
        assertThat(second.steps()).isEqualTo(3);
        for (int s = 3; s < 5; s++) {
            setGrad(b, grads[s]);
            second.step();
        }
        assertThat(b.value().toArray()).containsExactly(a.value().toArray());
    }

    @Test
    void refusesStateOfTheWrongShapeWithoutChangingAnything() {
        Parameter small = parameter(1f);
        Adam one = Adam.config().create(List.of(small));
        setGrad(small, 1f);
        one.step();
        Parameter big = parameter(1f, 2f);
        Adam other = Adam.config().create(List.of(big));
        assertThatThrownBy(() -> other.restore(one.state())).hasMessageContaining("shape");
        assertThat(other.steps()).isZero();
    }

    @Test
    void aWrongSecondMomentLeavesTheFirstAsItWas() {
        Parameter a = parameter(1f, 2f);
        Adam trained = Adam.config(0.05).create(List.of(a));
        setGrad(a, new float[] {0.5f, -0.5f});
        trained.step();
        OptimizerState saved = trained.state();
        java.util.Map<String, Tensor> tensors = new java.util.HashMap<>(saved.tensors());
        tensors.put("0.v", Tensor.zeros(3));
        OptimizerState badV = new OptimizerState("Adam", saved.values(), tensors);

        Parameter b = parameter(1f, 2f);
        Adam fresh = Adam.config(0.05).create(List.of(b));
        assertThatThrownBy(() -> fresh.restore(badV)).hasMessageContaining("0.v").hasMessageContaining("(3)");
        assertThat(fresh.steps()).isZero();
        assertThat(fresh.state().tensors().get("0.m").toArray()).containsOnly(0f);
    }
}
