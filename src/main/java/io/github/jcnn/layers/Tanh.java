package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Optional;

/**
 * The hyperbolic tangent, element by element: squashes any number into (-1, 1).
 * <pre>
 *   y = tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x))          dy/dx = 1 - y^2
 *
 *   input and output  (N, any shape...)
 * </pre>
 */
public final class Tanh implements Layer {

    private final Shape shape;
    /** The output of the last training forward, from which the derivative follows. */
    private Tensor lastOutput;

    /** A tanh for inputs of the given per-sample shape (the output has the same shape). */
    public Tanh(Shape shape) {
        this.shape = shape;
    }

    @Override
    public String type() {
        return "Tanh";
    }

    @Override
    public Shape inputShape() {
        return shape;
    }

    @Override
    public Shape outputShape() {
        return shape;
    }

    /** y = tanh(x). */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        Tensor output = Tensor.zeros(input.shape());
        float[] x = input.data();
        float[] y = output.data();
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) Math.tanh(x[i]);
        }
        if (training) {
            lastOutput = output;
        }
        return output;
    }

    /** In the forward pass this was {@code y = tanh(x)}, whose derivative is 1 - y^2: dx = dy (1 - y^2). */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradient(this, outputGradient, lastOutput == null ? -1 : lastOutput.shape().dim(0));
        Tensor inputGradient = Tensor.zeros(lastOutput.shape());
        float[] y = lastOutput.data();
        float[] dy = outputGradient.data();
        float[] dx = inputGradient.data();
        for (int i = 0; i < y.length; i++) {
            dx[i] = dy[i] * (1 - y[i] * y[i]);
        }
        return inputGradient;
    }

    /** A new Tanh of the same shape: the layer has no parameters, only per-batch training state. */
    @Override
    public Optional<Layer> replica(int index) {
        return Optional.of(new Tanh(shape));
    }

    @Override
    public String toString() {
        return "Tanh";
    }
}
