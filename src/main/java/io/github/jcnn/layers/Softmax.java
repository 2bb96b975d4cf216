package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Optional;

/**
 * Softmax over the last dimension: turns a row of K scores into K probabilities that sum to 1.
 * <pre>
 *   y[k] = e^(x[k] - m) / sum over j of e^(x[j] - m)          m = max over j of x[j]
 *
 *   input and output  (N, K)   (or (N, ..., K): each row along the last dimension separately)
 * </pre>
 * Subtracting the row maximum m changes nothing mathematically (it cancels between numerator and denominator) but
 * keeps e^(...) &le; 1, so large scores cannot overflow.
 *
 * <p>For training a classifier, prefer {@link io.github.jcnn.losses.SoftmaxCrossEntropy} on the raw scores: it fuses
 * softmax and the loss into the simpler and more accurate gradient (p - y) / N. Use this layer when the probabilities
 * themselves are the output you want.
 */
public final class Softmax implements Layer {

    private final Shape shape;
    /** The output of the last training forward, from which the derivative follows. */
    private Tensor lastOutput;

    /** A softmax over the last dimension of inputs of the given per-sample shape, usually (K). */
    public Softmax(Shape shape) {
        if (shape.rank() < 1) {
            throw new IllegalArgumentException("Softmax: input shape " + shape
                    + " has no dimension to take the softmax over; (K) was expected");
        }
        this.shape = shape;
    }

    @Override
    public String type() {
        return "Softmax";
    }

    @Override
    public Shape inputShape() {
        return shape;
    }

    @Override
    public Shape outputShape() {
        return shape;
    }

    /** y = e^(x - max) / sum of e^(x - max), row by row along the last dimension. */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        Tensor output = Tensor.zeros(input.shape());
        int classes = shape.dim(-1);
        float[] x = input.data();
        float[] y = output.data();
        for (int row = 0; row < x.length; row += classes) {
            float max = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, x[row + k]);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                double e = Math.exp(x[row + k] - max);
                y[row + k] = (float) e;
                sum += e;
            }
            for (int k = 0; k < classes; k++) {
                y[row + k] = (float) (y[row + k] / sum);
            }
        }
        if (training) {
            lastOutput = output;
        }
        return output;
    }

    /**
     * In the forward pass this was {@code y[k] = e^x[k] / sum of e^x[j]}, whose Jacobian is
     * dy[k]/dx[j] = y[k] (delta[k, j] - y[j]). Multiplying by dy gives, per row,
     * <pre>
     *   dx = y * (dy - sum over k of dy[k] * y[k])         (* element by element)
     * </pre>
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradient(this, outputGradient, lastOutput == null ? -1 : lastOutput.shape().dim(0));
        Tensor inputGradient = Tensor.zeros(lastOutput.shape());
        int classes = shape.dim(-1);
        float[] y = lastOutput.data();
        float[] dy = outputGradient.data();
        float[] dx = inputGradient.data();
        for (int row = 0; row < y.length; row += classes) {
            double dot = 0;
            for (int k = 0; k < classes; k++) {
                dot += (double) dy[row + k] * y[row + k];
            }
            for (int k = 0; k < classes; k++) {
                dx[row + k] = (float) (y[row + k] * (dy[row + k] - dot));
            }
        }
        return inputGradient;
    }

    /** A new Softmax of the same shape: the layer has no parameters, only per-batch training state. */
    @Override
    public Optional<Layer> replica(int index) {
        return Optional.of(new Softmax(shape));
    }

    @Override
    public String toString() {
        return "Softmax";
    }
}
