package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;

/**
 * Reused tensors for the training path: a layer keeps its training output and its input gradient from one step to
 * the next while the batch shape stays the same, so a training step allocates no big arrays (the steady state of
 * {@code Sequential.fit}). Such a tensor is valid until the layer's next training forward (outputs) or backward
 * (gradients), which is how a training loop uses them. Inference ({@code forward(x, false)}) never uses them.
 */
final class Buffers {

    private Buffers() {
    }

    /** {@code buffer} if it has {@code shape} (contents left as they are), else a new zero tensor of that shape. */
    static Tensor reuse(Tensor buffer, Shape shape) {
        return buffer != null && buffer.shape().equals(shape) ? buffer : Tensor.zeros(shape);
    }

    /** {@code buffer} if it has {@code shape}, filled with zeros, else a new zero tensor of that shape. */
    static Tensor reuseZeroed(Tensor buffer, Shape shape) {
        if (buffer != null && buffer.shape().equals(shape)) {
            java.util.Arrays.fill(buffer.data(), 0f);
            return buffer;
        }
        return Tensor.zeros(shape);
    }
}
