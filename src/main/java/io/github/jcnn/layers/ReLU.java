package io.github.jcnn.layers;

import io.github.jcnn.kernels.Elementwise;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Optional;

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
public final class ReLU implements Layer {

    private final Shape shape;
    /** The input of the last training forward (a reference: it must not change before backward). */
    private Tensor lastInput;
    /** Training output and input gradient, reused while the batch shape stays the same. */
    private Tensor outputBuffer;
    private Tensor gradientBuffer;

    /** A ReLU for inputs of the given per-sample shape (the output has the same shape). */
    public ReLU(Shape shape) {
        this.shape = shape;
    }

    @Override
    public String type() {
        return "ReLU";
    }

    @Override
    public Shape inputShape() {
        return shape;
    }

    @Override
    public Shape outputShape() {
        return shape;
    }

    /** y = max(0, x). */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        Tensor output = training ? outputBuffer = Buffers.reuse(outputBuffer, input.shape())
                : Tensor.zeros(input.shape());
        float[] x = input.data();
        float[] y = output.data();
        Elementwise.relu(x, y, 0, x.length);        // y[i] = x[i] > 0 ? x[i] : 0, without branches
        if (training) {
            lastInput = input;
        }
        return output;
    }

    /** In the forward pass this was {@code y = max(0, x)}, so dx = dy where x &gt; 0 and 0 elsewhere. */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradient(this, outputGradient, lastInput == null ? -1 : lastInput.shape().dim(0));
        Tensor inputGradient = gradientBuffer = Buffers.reuse(gradientBuffer, lastInput.shape());
        float[] x = lastInput.data();
        float[] dy = outputGradient.data();
        float[] dx = inputGradient.data();
        Elementwise.reluBackward(x, dy, dx, 0, x.length);      // dx[i] = x[i] > 0 ? dy[i] : 0
        return inputGradient;
    }

    /** A new ReLU of the same shape: the layer has no parameters, only per-batch training state. */
    @Override
    public Optional<Layer> replica(int index) {
        return Optional.of(new ReLU(shape));
    }

    @Override
    public String toString() {
        return "ReLU";
    }
}
