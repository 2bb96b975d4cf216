package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Optional;

/**
 * The logistic sigmoid, element by element: squashes any number into (0, 1).
 * <pre>
 *   y = 1 / (1 + e^(-x))          dy/dx = y * (1 - y)
 *
 *   input and output  (N, any shape...)
 * </pre>
 * Computed without overflow: for x &lt; 0 as e^x / (1 + e^x).
 */
public final class Sigmoid implements Layer {

    private final Shape shape;
    /** The output of the last training forward, from which the derivative follows. */
    private Tensor lastOutput;

    /** A sigmoid for inputs of the given per-sample shape (the output has the same shape). */
    public Sigmoid(Shape shape) {
        this.shape = shape;
    }

    @Override
    public String type() {
        return "Sigmoid";
    }

    @Override
    public Shape inputShape() {
        return shape;
    }

    @Override
    public Shape outputShape() {
        return shape;
    }

    /** y = 1 / (1 + e^(-x)). */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        Tensor output = Tensor.zeros(input.shape());
        float[] x = input.data();
        float[] y = output.data();
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (v >= 0) {
                y[i] = (float) (1 / (1 + Math.exp(-v)));
            } else {
                double e = Math.exp(v);
                y[i] = (float) (e / (1 + e));
            }
        }
        if (training) {
            lastOutput = output;
        }
        return output;
    }

    /** In the forward pass this was {@code y = 1 / (1 + e^(-x))}, whose derivative is y (1 - y): dx = dy y (1 - y). */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradient(this, outputGradient, lastOutput == null ? -1 : lastOutput.shape().dim(0));
        Tensor inputGradient = Tensor.zeros(lastOutput.shape());
        float[] y = lastOutput.data();
        float[] dy = outputGradient.data();
        float[] dx = inputGradient.data();
        for (int i = 0; i < y.length; i++) {
            dx[i] = dy[i] * y[i] * (1 - y[i]);
        }
        return inputGradient;
    }

    /** A new Sigmoid of the same shape: the layer has no parameters, only per-batch training state. */
    @Override
    public Optional<Layer> replica(int index) {
        return Optional.of(new Sigmoid(shape));
    }

    @Override
    public String toString() {
        return "Sigmoid";
    }
}
