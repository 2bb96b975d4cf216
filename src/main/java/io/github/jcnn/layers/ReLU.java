package io.github.jcnn.layers;

import io.github.jcnn.kernels.Elementwise;
import io.github.jcnn.tensor.Shape;

/**
 * The rectified linear unit, element by element: negative numbers become zero, the rest pass unchanged.
 * <pre>
 *   y = max(0, x)
 *
 *   input and output  (N, any shape...)
 * </pre>
 * The derivative is 1 for x &gt; 0 and 0 for x &lt; 0; at x = 0 (the kink) this layer uses 0, as PyTorch does.
 * A NaN passes through unchanged, as in PyTorch (it is not below zero): it must reach the loss, where training's
 * divergence check catches it, instead of becoming a silent 0.
 */
public final class ReLU extends Activation {

    /** A ReLU for inputs of the given per-sample shape (the output has the same shape). */
    public ReLU(Shape shape) {
        super("ReLU", shape);
    }

    /** y = max(0, x). */
    @Override
    void apply(float[] x, float[] y) {
        Elementwise.relu(x, y, 0, x.length);        // y[i] = x[i] > 0 ? x[i] : 0, without branches (NaN kept)
    }

    /** In the forward pass this was {@code y = max(0, x)}, so dx = dy where x &gt; 0 and 0 elsewhere. */
    @Override
    void applyBackward(float[] x, float[] y, float[] dy, float[] dx) {
        Elementwise.reluBackward(x, dy, dx, 0, x.length);      // dx[i] = x[i] > 0 ? dy[i] : 0
    }

    @Override
    ReLU fresh() {
        return new ReLU(inputShape());
    }
}
