package io.github.jcnn.layers;

import io.github.jcnn.kernels.Elementwise;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;

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

    /** Floats below which {@link #forwardInPlace} stays on the calling thread. */
    private static final int PARALLEL_SIZE = 1 << 16;

    /** A ReLU for inputs of the given per-sample shape (the output has the same shape). */
    public ReLU(Shape shape) {
        super("ReLU", shape);
    }

    /**
     * y = max(0, x) written over x itself, with the numbers of {@code forward(input, false)}: for inference after a
     * layer whose output is a new tensor that nothing else holds (a convolution's, say), where a second tensor of the
     * same size would only cost memory and time. Checks the shape as forward does; a large tensor is shared out over
     * the library's threads.
     *
     * @return {@code input}, now holding max(0, x)
     */
    public Tensor forwardInPlace(Tensor input) {
        Layer.requireBatchOf(this, input);
        float[] x = input.data();
        if (x.length < PARALLEL_SIZE) {
            Elementwise.relu(x, x, 0, x.length);
        } else {
            Parallel.forRange(x.length, (part, from, to) -> Elementwise.relu(x, x, from, to));
        }
        return input;
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
