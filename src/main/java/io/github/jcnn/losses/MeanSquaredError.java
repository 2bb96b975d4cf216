package io.github.jcnn.losses;

import io.github.jcnn.tensor.Tensor;

/**
 * Mean squared error between predictions and targets, averaged over every number.
 * <pre>
 *   L = (1 / (N K)) sum over n, k of (p[n, k] - t[n, k])^2
 *
 *   dL/dp[n, k] = 2 (p[n, k] - t[n, k]) / (N K)
 *
 *   predictions p  (N, K),   targets t  (N, K)
 * </pre>
 * With class labels, the targets are their one-hot vectors: t[n, k] = 1 if k = y_n, else 0. Explicit target tensors
 * (for regression) go to {@link #loss(Tensor, Tensor)} and {@link #gradient(Tensor, Tensor)}.
 */
public final class MeanSquaredError implements Loss {

    /** The loss; it has no settings. */
    public MeanSquaredError() {
    }

    @Override
    public String name() {
        return "mean squared error";
    }

    /** L = mean of (p - onehot(y))^2 over the N * K numbers. */
    @Override
    public double loss(Tensor predictions, int[] labels) {
        return loss(predictions, oneHot(predictions, labels));
    }

    /** dL/dp = 2 (p - onehot(y)) / (N K). */
    @Override
    public Tensor gradient(Tensor predictions, int[] labels) {
        return gradient(predictions, oneHot(predictions, labels));
    }

    /** {@link #gradient(Tensor, int[])}, into {@code into}: the same numbers, without the one-hot targets. */
    @Override
    public Tensor gradientInto(Tensor predictions, int[] labels, Tensor into) {
        SoftmaxCrossEntropy.check(name(), predictions, labels);
        SoftmaxCrossEntropy.requireShape(predictions, into);
        int classes = predictions.shape().dim(1);
        float[] p = predictions.data();
        float[] g = into.data();
        float factor = 2f / p.length;
        for (int i = 0; i < p.length; i++) {
            float target = i % classes == labels[i / classes] ? 1f : 0f;
            g[i] = factor * (p[i] - target);
        }
        return into;
    }

    /**
     * L = mean of (p - t)^2 over all numbers, in double.
     *
     * @throws IllegalArgumentException if the shapes differ
     */
    public double loss(Tensor predictions, Tensor targets) {
        requireSameShape(predictions, targets);
        float[] p = predictions.data();
        float[] t = targets.data();
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            double d = (double) p[i] - t[i];
            sum += d * d;
        }
        return sum / p.length;
    }

    /**
     * dL/dp = 2 (p - t) / (number of elements), a new tensor of the predictions' shape.
     *
     * @throws IllegalArgumentException if the shapes differ
     */
    public Tensor gradient(Tensor predictions, Tensor targets) {
        requireSameShape(predictions, targets);
        Tensor grad = Tensor.zeros(predictions.shape());
        float[] p = predictions.data();
        float[] t = targets.data();
        float[] g = grad.data();
        float factor = 2f / p.length;
        for (int i = 0; i < p.length; i++) {
            g[i] = factor * (p[i] - t[i]);
        }
        return grad;
    }

    private Tensor oneHot(Tensor predictions, int[] labels) {
        SoftmaxCrossEntropy.check(name(), predictions, labels);
        int classes = predictions.shape().dim(1);
        Tensor targets = Tensor.zeros(predictions.shape());
        for (int n = 0; n < labels.length; n++) {
            targets.data()[n * classes + labels[n]] = 1f;
        }
        return targets;
    }

    private void requireSameShape(Tensor predictions, Tensor targets) {
        if (!predictions.shape().equals(targets.shape())) {
            throw new IllegalArgumentException(name() + ": predictions have shape " + predictions.shape()
                    + " but the targets have shape " + targets.shape() + "; they must match");
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
