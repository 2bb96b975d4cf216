package io.github.jcnn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.layers.Parameter;
import io.github.jcnn.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientsTest {

    private static Parameter withGrad(String name, float... grad) {
        Parameter p = new Parameter(name, Shape.of(grad.length));
        System.arraycopy(grad, 0, p.grad().data(), 0, grad.length);
        return p;
    }

    @Test
    void theNormIsTakenOverAllParametersTogether() {
        // (3, 4) and (12): sqrt(9 + 16 + 144) = 13
        List<Parameter> params = List.of(withGrad("weight", 3, 4), withGrad("bias", 12));
        assertThat(Gradients.norm(params)).isEqualTo(13.0);
    }

    @Test
    void clippingScalesEveryGradientBy_maxNormOverNorm() {
        List<Parameter> params = List.of(withGrad("weight", 3, 4), withGrad("bias", 12));
        double norm = Gradients.clipNorm(params, 1.0);
        assertThat(norm).isEqualTo(13.0);
        float scale = (float) (1.0 / (13.0 + 1e-6));   // PyTorch's clip_grad_norm_ factor
        assertThat(params.get(0).grad().toArray()).containsExactly(3 * scale, 4 * scale);
        assertThat(params.get(1).grad().toArray()).containsExactly(12 * scale);
        assertThat(Gradients.norm(params)).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void gradientsWithinTheBoundAreLeftAlone() {
        List<Parameter> params = List.of(withGrad("weight", 0.3f, 0.4f));
        assertThat(Gradients.clipNorm(params, 1.0)).isCloseTo(0.5, within(1e-7));
        assertThat(params.get(0).grad().toArray()).containsExactly(0.3f, 0.4f);
    }

    @Test
    void aNonFiniteNormLeavesTheGradientsForTheDivergenceCheck() {
        List<Parameter> params = List.of(withGrad("weight", Float.NaN, 1f));
        assertThat(Gradients.clipNorm(params, 1.0)).isNaN();
        assertThat(params.get(0).grad().toArray()[1]).isEqualTo(1f);
        assertThatThrownBy(() -> Gradients.clipNorm(params, 0)).hasMessageContaining("maxNorm must be greater than 0");
    }

    @Test
    void zeroGradZeroesTheOptimizersParameters() {
        Parameter p = withGrad("weight", 1, 2);
        Optimizer sgd = SGD.config(0.1).create(List.of(p));
        sgd.zeroGrad();
        assertThat(p.grad().toArray()).containsExactly(0f, 0f);
    }
}
