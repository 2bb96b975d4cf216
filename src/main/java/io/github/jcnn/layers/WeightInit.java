package io.github.jcnn.layers;

import io.github.jcnn.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * How initial weights are drawn. fanIn is the number of inputs to one output unit (C * KH * KW for a convolution,
 * the input size for a dense layer); fanOut the number of outputs one input reaches (F * KH * KW, or the output
 * size).
 * <pre>
 *   HE      w ~ Normal(0, sqrt(2 / fanIn))            for layers followed by ReLU  (Kaiming He et al., 2015)
 *   GLOROT  w ~ Uniform(-a, a), a = sqrt(6 / (fanIn + fanOut))   otherwise    (Glorot and Bengio, 2010)
 * </pre>
 * Biases start at zero.
 */
public enum WeightInit {
    /** He (Kaiming) normal initialisation, for layers followed by ReLU. */
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
    /** Glorot (Xavier) uniform initialisation, for layers not followed by ReLU. */
    GLOROT {
        @Override
        public void fill(Tensor weights, int fanIn, int fanOut, RandomGenerator random) {
            double limit = Math.sqrt(6.0 / (fanIn + fanOut));
            float[] w = weights.data();
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
            }
        }
    };

    /** Fills {@code weights} with fresh random values for the given fan-in and fan-out. */
    public abstract void fill(Tensor weights, int fanIn, int fanOut, RandomGenerator random);
}
