package io.github.jcnn.optim;

import io.github.jcnn.layers.Parameter;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay, as PyTorch's
 * {@code torch.optim.SGD} (dampening 0). For each parameter w with gradient g, one step is:
 * <pre>
 *   g = g + weightDecay * w                  (coupled L2, PyTorch SGD's weight_decay: penalty weightDecay/2 |w|^2)
 *   w = w - learningRate * decoupledWeightDecay * w     (decoupled, "SGDW": only when decoupledWeightDecay &gt; 0)
 *   v = momentum * v + g                     (v starts at 0, so the first v is g)
 *   d = nesterov ? g + momentum * v : v      (plain SGD when momentum = 0: d = g)
 *   w = w - learningRate * d
 * </pre>
 * Which is which: {@link Config#weightDecay} is exactly PyTorch's {@code SGD(weight_decay=...)} (the decay goes
 * through the momentum buffer, so it is amplified by 1 / (1 - momentum) like the gradient);
 * {@link Config#decoupledWeightDecay} shrinks the weights directly, proportionally to the learning rate, outside the
 * momentum (Loshchilov and Hutter's decoupled weight decay, as AdamW does for Adam). With
 * {@link Config#decayVectors(boolean) decayVectors(false)} neither applies to parameters of rank 1, which are the
 * biases and batch norm's &gamma; and &beta; (the usual "no decay on BN and biases" parameter group): decaying
 * &gamma; only fights the normalisation, and biases do not make a network more complex.
 * <p>
 * Example: minimising w^2/2 (g = w) from w = 1 with learning rate 0.1 and momentum 0.9 gives w = 0.9, 0.72, 0.486.
 * <pre>
 *   Optimizer sgd = SGD.config(0.01).momentum(0.9).nesterov(true).weightDecay(5e-4).create(model.parameters());
 * </pre>
 */
public final class SGD extends ParameterOptimizer {

    /**
     * The settings of an SGD optimizer; immutable, each setter returns a new config.
     *
     * @param learningRate the step size, positive
     * @param momentum     0 (none) to below 1
     * @param nesterov     whether to use Nesterov momentum (needs momentum &gt; 0)
     * @param weightDecay  the coupled L2 coefficient (PyTorch SGD's weight_decay), 0 or more
     * @param decoupledWeightDecay the decoupled coefficient, 0 or more
     * @param decayVectors whether weight decay also applies to rank-1 parameters (biases, batch norm's gamma, beta)
     */
    public record Config(double learningRate, double momentum, boolean nesterov, double weightDecay,
                         double decoupledWeightDecay, boolean decayVectors) implements OptimizerFactory {

        /** Checks the ranges. */
        public Config {
            requireSettings(learningRate, weightDecay, decoupledWeightDecay);
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
            }
            if (nesterov && momentum == 0) {
                throw new IllegalArgumentException("Nesterov momentum needs a momentum above 0");
            }
        }

        // The setters below repeat one shape (and Adam.Config's too): a record has no copy-with in Java 17.

        /** This config with another momentum in [0, 1). */
        public Config momentum(double momentum) {
            return new Config(learningRate, momentum, nesterov, weightDecay, decoupledWeightDecay, decayVectors);
        }

        /** This config with Nesterov momentum on or off. */
        public Config nesterov(boolean nesterov) {
            return new Config(learningRate, momentum, nesterov, weightDecay, decoupledWeightDecay, decayVectors);
        }

        /** This config with decoupled weight decay (0 or more): w -= learningRate * decay * w each step. */
        public Config decoupledWeightDecay(double decoupledWeightDecay) {
            return new Config(learningRate, momentum, nesterov, weightDecay, decoupledWeightDecay, decayVectors);
        }

        /**
         * This config with weight decay (coupled and decoupled) on rank-1 parameters (biases, batch norm's gamma and
         * beta) or not; default true, as PyTorch with one parameter group.
         */
        public Config decayVectors(boolean decayVectors) {
            return new Config(learningRate, momentum, nesterov, weightDecay, decoupledWeightDecay, decayVectors);
        }

        /** This config with another coupled L2 weight decay (0 or more), PyTorch SGD's {@code weight_decay}. */
        public Config weightDecay(double weightDecay) {
            return new Config(learningRate, momentum, nesterov, weightDecay, decoupledWeightDecay, decayVectors);
        }

        @Override
        public SGD create(List<Parameter> parameters) {
            return new SGD(parameters, this);
        }
    }

    private final Config config;
    private final List<Tensor> velocity;

    /** Plain SGD settings: the given learning rate, no momentum, no weight decay. */
    public static Config config(double learningRate) {
        return new Config(learningRate, 0, false, 0, 0, true);
    }

    /** Plain SGD (no momentum, no weight decay) over {@code parameters}. */
    public SGD(List<Parameter> parameters, double learningRate) {
        this(parameters, config(learningRate));
    }

    /** SGD over {@code parameters} with the given settings. */
    public SGD(List<Parameter> parameters, Config config) {
        super("SGD", parameters, config.learningRate());
        this.config = config;
        this.velocity = config.momentum() > 0 ? newBuffers("momentum_buffer") : List.of();
    }

    /** The settings this optimizer was made with (the learning rate there is the initial one). */
    public Config settings() {
        return config;
    }

    @Override
    public void step() {
        double learningRate = learningRate();
        List<Parameter> parameters = parameters();
        float lr = (float) learningRate;
        float mu = (float) config.momentum();
        boolean nesterov = config.nesterov();
        for (int p = 0; p < parameters.size(); p++) {
            boolean decays = config.decayVectors() || parameters.get(p).value().shape().rank() > 1;
            float decay = decays ? (float) config.weightDecay() : 0f;
            float shrink = decays ? (float) (1 - learningRate * config.decoupledWeightDecay()) : 1f;
            float[] w = parameters.get(p).value().data();
            float[] g = parameters.get(p).grad().data();
            float[] v = mu > 0 ? velocity.get(p).data() : null;
            for (int i = 0; i < w.length; i++) {
                float grad = g[i] + decay * w[i];
                if (shrink != 1f) {
                    w[i] *= shrink;
                }
                float direction = grad;
                if (v != null) {
                    v[i] = mu * v[i] + grad;
                    direction = nesterov ? grad + mu * v[i] : v[i];
                }
                w[i] -= lr * direction;
            }
        }
    }

    @Override
    void saveValues(Map<String, String> values) {
        values.put("momentum", Double.toString(config.momentum()));
        values.put("nesterov", Boolean.toString(config.nesterov()));
        values.put("weight_decay", Double.toString(config.weightDecay()));
        values.put("decoupled_weight_decay", Double.toString(config.decoupledWeightDecay()));
        values.put("decay_vectors", Boolean.toString(config.decayVectors()));
    }

    @Override
    public String toString() {
        return "SGD(lr " + learningRate() + ", momentum " + config.momentum() + (config.nesterov() ? ", Nesterov" : "")
                + ", weight decay " + config.weightDecay()
                + (config.decoupledWeightDecay() > 0 ? ", decoupled weight decay " + config.decoupledWeightDecay() : "")
                + (config.decayVectors() ? "" : ", no decay on biases and batch norm") + ")";
    }
}
