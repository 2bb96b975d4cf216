package io.github.jcnn.optim;

import io.github.jcnn.layers.Parameter;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015) with bias correction, optional L2 weight decay, and decoupled weight decay (AdamW,
 * Loshchilov and Hutter, 2019), as PyTorch's {@code torch.optim.Adam} / {@code AdamW}. At step t = 1, 2, ... for each
 * parameter w with gradient g:
 * <pre>
 *   g = g + weightDecay * w                          (L2, "coupled": only when weightDecay &gt; 0)
 *   w = w - learningRate * decoupledWeightDecay * w  (AdamW: only when decoupledWeightDecay &gt; 0)
 *   m = beta1 * m + (1 - beta1) * g                  (first moment, m starts at 0)
 *   v = beta2 * v + (1 - beta2) * g^2                (second moment, v starts at 0)
 *   mHat = m / (1 - beta1^t),  vHat = v / (1 - beta2^t)      (bias correction)
 *   w = w - learningRate * mHat / (sqrt(vHat) + epsilon)
 * </pre>
 * So the very first step from zero state moves each weight by {@code learningRate * g / (|g| + epsilon)}: almost
 * exactly {@code learningRate} against the sign of its gradient, whatever the gradient's size.
 * <pre>
 *   Optimizer adam  = Adam.config(1e-3).create(model.parameters());
 *   Optimizer adamW = Adam.config(1e-3).decoupledWeightDecay(0.01).create(model.parameters());
 * </pre>
 */
public final class Adam extends ParameterOptimizer {

    /**
     * The settings of an Adam optimizer; immutable, each setter returns a new config.
     *
     * @param learningRate         the step size, positive
     * @param beta1                decay of the first moment, in [0, 1)
     * @param beta2                decay of the second moment, in [0, 1)
     * @param epsilon              added to sqrt(vHat), positive
     * @param weightDecay          L2 coefficient added to the gradient, 0 or more
     * @param decoupledWeightDecay AdamW's coefficient, 0 or more
     */
    public record Config(double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
                         double decoupledWeightDecay) implements OptimizerFactory {

        /** Checks the ranges. */
        public Config {
            requireSettings(learningRate, weightDecay, decoupledWeightDecay);
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + " and " + beta2);
            }
            if (!(epsilon > 0)) {
                throw new IllegalArgumentException("epsilon must be positive, got " + epsilon);
            }
        }

        // One-line copies with one setting changed, the same shape as SGD.Config's: a record has no copy-with.

        /** This config with other moment decays, each in [0, 1). */
        public Config betas(double beta1, double beta2) {
            return new Config(learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay);
        }

        /** This config with another epsilon (positive). */
        public Config epsilon(double epsilon) {
            return new Config(learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay);
        }

        /** This config with L2 weight decay added to the gradient (PyTorch Adam's {@code weight_decay}). */
        public Config weightDecay(double weightDecay) {
            return new Config(learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay);
        }

        /** This config with decoupled weight decay, i.e. AdamW (PyTorch AdamW's {@code weight_decay}). */
        public Config decoupledWeightDecay(double decoupledWeightDecay) {
            return new Config(learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay);
        }

        @Override
        public Adam create(List<Parameter> parameters) {
            return new Adam(parameters, this);
        }
    }

    private final Config config;
    private final List<Tensor> firstMoment;
    private final List<Tensor> secondMoment;
    private long steps;

    /** Adam settings with the usual defaults: beta1 0.9, beta2 0.999, epsilon 1e-8, no weight decay. */
    public static Config config(double learningRate) {
        return new Config(learningRate, 0.9, 0.999, 1e-8, 0, 0);
    }

    /** The usual defaults with learning rate 0.001. */
    public static Config config() {
        return config(1e-3);
    }

    /** AdamW settings: the usual defaults with decoupled weight decay. */
    public static Config adamW(double learningRate, double weightDecay) {
        return config(learningRate).decoupledWeightDecay(weightDecay);
    }

    /** Adam with the usual defaults over {@code parameters}. */
    public Adam(List<Parameter> parameters, double learningRate) {
        this(parameters, config(learningRate));
    }

    /** Adam over {@code parameters} with the given settings. */
    public Adam(List<Parameter> parameters, Config config) {
        super("Adam", parameters, config.learningRate());
        this.config = config;
        this.firstMoment = newBuffers("m");
        this.secondMoment = newBuffers("v");
    }

    /** The settings this optimizer was made with (the learning rate there is the initial one). */
    public Config settings() {
        return config;
    }

    /** The number of steps taken so far (t of the last step). */
    public long steps() {
        return steps;
    }

    @Override
    public void step() {
        steps++;
        double learningRate = learningRate();
        List<Parameter> parameters = parameters();
        double beta1 = config.beta1();
        double beta2 = config.beta2();
        // Bias corrections folded into the step size, computed in double once per step.
        double correction1 = 1 - Math.pow(beta1, steps);
        double correction2 = 1 - Math.pow(beta2, steps);
        float stepSize = (float) (learningRate / correction1);
        float sqrtCorrection2 = (float) Math.sqrt(correction2);
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float eps = (float) config.epsilon();
        float decay = (float) config.weightDecay();
        float shrink = (float) (1 - learningRate * config.decoupledWeightDecay());
        for (int p = 0; p < parameters.size(); p++) {
            float[] w = parameters.get(p).value().data();
            float[] g = parameters.get(p).grad().data();
            float[] m = firstMoment.get(p).data();
            float[] v = secondMoment.get(p).data();
            for (int i = 0; i < w.length; i++) {
                float grad = g[i] + decay * w[i];
                w[i] *= shrink;
                m[i] = b1 * m[i] + (1 - b1) * grad;
                v[i] = b2 * v[i] + (1 - b2) * grad * grad;
                // w -= lr * (m / c1) / (sqrt(v / c2) + eps)  ==  w -= (lr / c1) * m / (sqrt(v) / sqrt(c2) + eps)
                w[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) / sqrtCorrection2 + eps);
            }
        }
    }

    @Override
    void saveValues(Map<String, String> values) {
        values.put("step", Long.toString(steps));
        values.put("beta1", Double.toString(config.beta1()));
        values.put("beta2", Double.toString(config.beta2()));
        values.put("epsilon", Double.toString(config.epsilon()));
        values.put("weight_decay", Double.toString(config.weightDecay()));
        values.put("decoupled_weight_decay", Double.toString(config.decoupledWeightDecay()));
    }

    @Override
    Runnable readValues(OptimizerState state) {
        long step = Long.parseLong(state.value("step"));
        if (step < 0) {
            throw new IllegalArgumentException("Adam state has a negative step count " + step);
        }
        return () -> steps = step;
    }

    @Override
    public String toString() {
        return "Adam(lr " + learningRate() + ", betas " + config.beta1() + "/" + config.beta2() + ", eps "
                + config.epsilon() + ", weight decay " + config.weightDecay() + ", decoupled "
                + config.decoupledWeightDecay() + ", step " + steps + ")";
    }
}
