package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;

/**
 * Shape checks shared by the layers of this package, so that every layer words its errors the same way: the layer,
 * the shape received and the shape expected.
 */
final class LayerChecks {

    private LayerChecks() {
    }

    /**
     * Checks that {@code outputGradient} is (batch, outputShape...) for the batch of the last training forward.
     *
     * @param batch the batch size of the last training forward, or -1 when there was none
     */
    static void requireGradient(Layer layer, Tensor outputGradient, int batch) {
        if (batch < 0) {
            throw new IllegalStateException(layer.type() + ": backward called before a training forward "
                    + "(forward(x, true) remembers what backward needs; forward(x, false) does not)");
        }
        Shape want = layer.outputShape().withBatch(batch);
        if (!outputGradient.shape().equals(want)) {
            throw new IllegalArgumentException(layer.type() + ": output gradient has shape " + outputGradient.shape()
                    + " but " + want + " was expected (the shape of the last training forward's output)");
        }
    }

    /** Checks that {@code outputGradient} is a batch of the layer's output shape, of any batch size. */
    static void requireGradientBatch(Layer layer, Tensor outputGradient) {
        Shape got = outputGradient.shape();
        Shape want = layer.outputShape();
        if (!got.isBatchOf(want)) {
            throw new IllegalArgumentException(layer.type() + ": output gradient has shape " + got
                    + " but a batch of " + want + " was expected, i.e. (N, " + want.toString().substring(1));
        }
    }

    /** Checks that a per-sample shape has the given rank, naming what the layer expects. */
    static void requireRank(String type, Shape in, int rank, String expected) {
        if (in.rank() != rank) {
            throw new IllegalArgumentException(type + ": input shape " + in + " has rank " + in.rank()
                    + " but " + expected + " was expected");
        }
    }
}
