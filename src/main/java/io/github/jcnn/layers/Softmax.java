package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;

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
public final class Softmax extends Activation {

    /** A softmax over the last dimension of inputs of the given per-sample shape, usually (K). */
    public Softmax(Shape shape) {
        super("Softmax", requireLastDimension(shape));
    }

    private static Shape requireLastDimension(Shape shape) {
        if (shape.rank() < 1) {
            throw new IllegalArgumentException("Softmax: input shape " + shape
                    + " has no dimension to take the softmax over; (K) was expected");
        }
        return shape;
    }

    /** y = e^(x - max) / sum of e^(x - max), row by row along the last dimension. */
    @Override
    void apply(float[] x, float[] y) {
        int classes = inputShape().dim(-1);
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
    }

    /**
     * In the forward pass this was {@code y[k] = e^x[k] / sum of e^x[j]}, whose Jacobian is
     * dy[k]/dx[j] = y[k] (delta[k, j] - y[j]). Multiplying by dy gives, per row,
     * <pre>
     *   dx = y * (dy - sum over k of dy[k] * y[k])         (* element by element)
     * </pre>
     */
    @Override
    void applyBackward(float[] x, float[] y, float[] dy, float[] dx) {
        int classes = inputShape().dim(-1);
        for (int row = 0; row < y.length; row += classes) {
            double dot = 0;
            for (int k = 0; k < classes; k++) {
                dot += (double) dy[row + k] * y[row + k];
            }
            for (int k = 0; k < classes; k++) {
                dx[row + k] = (float) (y[row + k] * (dy[row + k] - dot));
            }
        }
    }

    @Override
    Softmax fresh() {
        return new Softmax(inputShape());
    }
}
