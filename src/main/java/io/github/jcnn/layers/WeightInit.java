package io.github.jcnn.layers;

import io.github.jcnn.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * How initial weights are drawn. fanIn is the number of inputs to one output unit (C * KH * KW for a convolution,
 * the input size for a dense layer); fanOut the number of outputs one input reaches (F * KH * KW, or the output
 * size).
 * <pre>
 *   HE       w ~ Normal(0, sqrt(2 / fanIn))                      b = 0   (Kaiming He et al., 2015)
 *   GLOROT   w ~ Uniform(-a, a), a = sqrt(6 / (fanIn + fanOut))  b = 0   (Glorot and Bengio, 2010)
 *   PYTORCH  w ~ Uniform(-a, a), a = 1 / sqrt(fanIn)             b ~ Uniform(-a, a)   (PyTorch's default)
 * </pre>
 * Why each exists (docs/layers.md has the longer story): He keeps the variance of ReLU activations constant from
 * layer to layer (ReLU zeroes half of them, hence the 2); Glorot keeps both the forward and the backward variance
 * roughly constant for symmetric activations (tanh, sigmoid, a last linear layer); PYTORCH is what
 * {@code nn.Conv2d} and {@code nn.Linear} do by default ({@code kaiming_uniform_(a=sqrt(5))}, which works out to
 * the bound 1/&radic;fanIn, and a bias drawn with the same bound): its weights are &radic;6 &asymp; 2.45 times
 * smaller in standard deviation than He's, which on the lecture's LeNet-5 trained with SGD gave better accuracy.
 */
public enum WeightInit {
    /** He (Kaiming) normal initialisation, for layers followed by ReLU; biases zero. */
    HE {
        @Override
        public void fill(Tensor weights, int fanIn, int fanOut, RandomGenerator random) {
            double std = Math.sqrt(2.0 / fanIn);
            float[] w = weights.data();
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (random.nextGaussian() * std);
            }
        }
    },
    /** Glorot (Xavier) uniform initialisation, for layers not followed by ReLU; biases zero. */
    GLOROT {
        @Override
        public void fill(Tensor weights, int fanIn, int fanOut, RandomGenerator random) {
            uniform(weights, Math.sqrt(6.0 / (fanIn + fanOut)), random);
        }
    },
    /**
     * PyTorch's default for {@code Conv2d} and {@code Linear}: weights and biases uniform in &plusmn;1/&radic;fanIn.
     */
    PYTORCH {
        @Override
        public void fill(Tensor weights, int fanIn, int fanOut, RandomGenerator random) {
            uniform(weights, 1 / Math.sqrt(fanIn), random);
        }

        @Override
        public void fillBias(Tensor bias, int fanIn, RandomGenerator random) {
            uniform(bias, 1 / Math.sqrt(fanIn), random);
        }
    };

    /** Fills {@code weights} with fresh random values for the given fan-in and fan-out. */
    public abstract void fill(Tensor weights, int fanIn, int fanOut, RandomGenerator random);

    /**
     * Sets the initial bias of a layer whose weights have {@code fanIn}: zero, except for {@link #PYTORCH}, which
     * draws it uniformly in &plusmn;1/&radic;fanIn. Called after {@link #fill}, from the same generator.
     */
    public void fillBias(Tensor bias, int fanIn, RandomGenerator random) {
        bias.fillInPlace(0f);
    }

    private static void uniform(Tensor t, double limit, RandomGenerator random) {
        float[] w = t.data();
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
    }
}
