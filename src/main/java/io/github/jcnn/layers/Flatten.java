package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Optional;

/**
 * Flattening: each sample's numbers laid out in one row, in row-major order, so that a dense layer can follow.
 * <pre>
 *   y[n, (c * H + h) * W + w] = x[n, c, h, w]
 *
 *   input   (N, d1, d2, ...)     e.g. (N, 16, 5, 5)
 *   output  (N, d1 * d2 * ...)   e.g. (N, 400)
 * </pre>
 * Nothing is copied: the output is a view over the input's numbers (and the input gradient a view over the output
 * gradient's), since row-major order already is the flat order. There are no parameters and no state.
 */
public final class Flatten extends LayerBase {

    /** A flattening layer for inputs of the given per-sample shape. */
    public Flatten(Shape in) {
        super("Flatten", in, Shape.of(in.size()));
    }

    /** The views the last training forward and backward returned, handed out again for the same array and shape. */
    private Tensor outputView;
    private Tensor gradientView;

    /** y = x viewed as (N, size): the same numbers, no copy. */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        Tensor view = view(training ? outputView : null, input, outputShape().withBatch(input.shape().dim(0)));
        if (training) {
            outputView = view;
        }
        return view;
    }

    /**
     * In the forward pass this was {@code y = reshape(x)}: every number keeps its value, so dx is dy viewed in the
     * input's shape.
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradientBatch(this, outputGradient);
        gradientView = view(gradientView, outputGradient, inputShape().withBatch(outputGradient.shape().dim(0)));
        return gradientView;
    }

    /** {@code last} if it views t's array with this shape already (training: no new view per step), else a new one. */
    private static Tensor view(Tensor last, Tensor t, Shape shape) {
        return last != null && last.data() == t.data() && last.shape().equals(shape) ? last : t.reshape(shape);
    }

    /** A new Flatten of the same shape: the layer has no parameters, only per-batch training state. */
    @Override
    public Optional<Layer> replica(int index) {
        return Optional.of(new Flatten(inputShape()));
    }

    @Override
    public String toString() {
        return "Flatten(" + inputShape() + " -> " + outputShape() + ")";
    }
}
