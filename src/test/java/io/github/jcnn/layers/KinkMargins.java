package io.github.jcnn.layers;

import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.function.LongFunction;

/**
 * How far a stack's forward pass stays from the places where it is not differentiable: ReLU inputs near 0, and
 * max-pool windows whose two largest numbers are nearly tied. A gradient check of a whole stack nudges every input
 * and weight by epsilon; if some nudge moves a ReLU input across 0, or swaps a max-pool winner, the two gradient
 * estimates honestly disagree. Whole-stack tests therefore pick inputs (by trying seeds) whose margin is well above
 * what one nudge can move these numbers.
 */
final class KinkMargins {

    private KinkMargins() {
    }

    /**
     * The smallest margin over the stack for input x: min over ReLU inputs of |v|, and over max-pool windows whose
     * maximum is positive of (largest - second largest). A window whose maximum is 0 or less follows a ReLU that
     * zeroed it; its ties are harmless when the ReLU margin holds. Runs training forwards.
     */
    static double of(List<Layer> layers, Tensor x) {
        double margin = Double.POSITIVE_INFINITY;
        Tensor out = x;
        for (Layer layer : layers) {
            if (layer instanceof ReLU) {
                for (float v : out.data()) {
                    margin = Math.min(margin, Math.abs(v));
                }
            } else if (layer instanceof MaxPool2D) {
                margin = Math.min(margin, maxPoolGap((MaxPool2D) layer, out));
            }
            out = layer.forward(out, true);
        }
        return margin;
    }

    /**
     * The first seed at or after {@code seed} whose input keeps the stack at least {@code margin} away from every
     * kink, searching at most {@code attempts} seeds (then failing: the margin is too strict for the stack).
     */
    static long firstSeedOffKinks(List<Layer> layers, long seed, double margin, int attempts,
                                  LongFunction<Tensor> input) {
        for (int i = 0; i < attempts; i++) {
            if (of(layers, input.apply(seed + i)) >= margin) {
                return seed + i;
            }
        }
        throw new AssertionError("no input within " + attempts + " seeds from " + seed + " stays " + margin
                + " away from the kinks");
    }

    private static double maxPoolGap(MaxPool2D pool, Tensor x) {
        int planes = x.shape().dim(0) * x.shape().dim(1);
        int height = x.shape().dim(2);
        int width = x.shape().dim(3);
        int k = pool.poolSize();
        int s = pool.stride();
        int outHeight = pool.outputShape().dim(1);
        int outWidth = pool.outputShape().dim(2);
        float[] v = x.data();
        double gap = Double.POSITIVE_INFINITY;
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < outHeight; i++) {
                for (int j = 0; j < outWidth; j++) {
                    float first = Float.NEGATIVE_INFINITY;
                    float second = Float.NEGATIVE_INFINITY;
                    for (int a = 0; a < k; a++) {
                        for (int b = 0; b < k; b++) {
                            float value = v[(p * height + i * s + a) * width + j * s + b];
                            if (value > first) {
                                second = first;
                                first = value;
                            } else if (value > second) {
                                second = value;
                            }
                        }
                    }
                    if (first > 0 && k > 1) {
                        gap = Math.min(gap, first - second);
                    }
                }
            }
        }
        return gap;
    }
}
