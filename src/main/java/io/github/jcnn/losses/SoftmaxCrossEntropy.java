package io.github.jcnn.losses;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;

/**
 * Softmax followed by cross-entropy, computed together from the raw scores (logits) of a classifier.
 * <pre>
 *   p[n, k] = e^z[n, k] / sum over j of e^z[n, j]                    softmax of sample n's logits
 *   L       = (1/N) sum over n of  -ln p[n, y_n]
 *           = (1/N) sum over n of  ( logsumexp(z[n]) - z[n, y_n] )
 *   logsumexp(z) = m + ln( sum over j of e^(z[j] - m) ),  m = max over j of z[j]     (no overflow)
 *
 *   dL/dz[n, k] = ( p[n, k] - onehot(y_n)[k] ) / N
 *
 *   logits z  (N, K),   labels y  N integers in 0..K-1
 * </pre>
 * Why fused: the gradient of -ln softmax with respect to the logits collapses to p - onehot(y), which is cheaper and
 * more accurate than chaining a softmax layer's Jacobian with the gradient -1/p of the logarithm (that one overflows
 * when p is tiny). The last layer of the network should therefore output raw scores, not probabilities.
 *
 * <p>Example: K equal logits give p = 1/K for every class and a loss of ln K (ln 10 &asymp; 2.303 for CIFAR-10).
 *
 * <p><b>Label smoothing</b> ({@link #withLabelSmoothing(double)}, PyTorch's {@code cross_entropy(...,
 * label_smoothing=eps)}): the target is no longer the one-hot vector but
 * <pre>
 *   t[n, k] = (1 - eps) * onehot(y_n)[k] + eps / K
 *   L       = (1/N) sum over n, k of  -t[n, k] ln p[n, k]
 *           = (1/N) sum over n of  ( logsumexp(z[n]) - (1 - eps) z[n, y_n] - (eps / K) sum over k of z[n, k] )
 *   dL/dz[n, k] = ( p[n, k] - t[n, k] ) / N
 * </pre>
 * so the network is never pushed to make one logit infinitely larger than the others: the best it can do is
 * p = t, which keeps the logits (and the weights) bounded. With eps = 0.1 and K = 10 the right class's target is
 * 0.91 and each other class's 0.01.
 */
public final class SoftmaxCrossEntropy implements Loss {

    private final double smoothing;

    /** The plain loss (no label smoothing). */
    public SoftmaxCrossEntropy() {
        this(0);
    }

    private SoftmaxCrossEntropy(double smoothing) {
        if (!(smoothing >= 0 && smoothing <= 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1], got " + smoothing);
        }
        this.smoothing = smoothing;
    }

    /**
     * The loss with label smoothing {@code eps} in [0, 1] (0.1 is usual): targets (1 - eps) onehot + eps / K, as
     * PyTorch's {@code label_smoothing}.
     */
    public static SoftmaxCrossEntropy withLabelSmoothing(double eps) {
        return new SoftmaxCrossEntropy(eps);
    }

    /** The label smoothing eps (0 for the plain loss). */
    public double labelSmoothing() {
        return smoothing;
    }

    @Override
    public String name() {
        return smoothing == 0 ? "softmax cross-entropy"
                : "softmax cross-entropy (label smoothing " + smoothing + ")";
    }

    /**
     * Softmax over the last dimension: each row of K scores becomes K probabilities summing to 1. The row maximum is
     * subtracted first so that e^(...) cannot overflow.
     *
     * @param logits shape (N, K) (or any shape: rows are taken along the last dimension)
     * @return a new tensor of the same shape
     */
    public static Tensor softmax(Tensor logits) {
        if (logits.shape().rank() < 1) {
            throw new IllegalArgumentException("softmax: logits " + logits.shape() + " have no dimension; (N, K) "
                    + "was expected");
        }
        return softmax(logits, Tensor.zeros(logits.shape()));
    }

    /** {@link #softmax(Tensor)} into {@code out}, a tensor as large as the logits; returns out. */
    private static Tensor softmax(Tensor logits, Tensor out) {
        // Not the Softmax layer's loop: this one keeps e^(...) in double to the end, so its bits differ slightly.
        int classes = logits.shape().dim(-1);
        float[] z = logits.data();
        float[] p = out.data();
        for (int row = 0; row < z.length; row += classes) {
            float max = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, z[row + k]);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(z[row + k] - max);
            }
            for (int k = 0; k < classes; k++) {
                p[row + k] = (float) (Math.exp(z[row + k] - max) / sum);
            }
        }
        return out;
    }

    /** L = (1/N) sum over n of (logsumexp(z[n]) - (1 - eps) z[n, y_n] - (eps / K) sum of z[n]), in double. */
    @Override
    public double loss(Tensor predictions, int[] labels) {
        check(name(), predictions, labels);
        int batch = predictions.shape().dim(0);
        int classes = predictions.shape().dim(1);
        float[] z = predictions.data();
        double total = 0;
        for (int n = 0; n < batch; n++) {
            int row = n * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, z[row + k]);
            }
            double sum = 0;
            double logits = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(z[row + k] - max);
                logits += z[row + k];
            }
            total += max + Math.log(sum) - (1 - smoothing) * z[row + labels[n]]
                    - (smoothing == 0 ? 0 : smoothing / classes * logits);
        }
        return total / batch;
    }

    /** dL/dz = (softmax(z) - t) / N with t = (1 - eps) onehot(y) + eps / K. */
    @Override
    public Tensor gradient(Tensor predictions, int[] labels) {
        return gradientInto(predictions, labels, Tensor.zeros(predictions.shape()));
    }

    /** {@link #gradient}, into {@code into}. */
    @Override
    public Tensor gradientInto(Tensor predictions, int[] labels, Tensor into) {
        check(name(), predictions, labels);
        requireShape(predictions, into);
        int batch = predictions.shape().dim(0);
        int classes = predictions.shape().dim(1);
        Tensor grad = softmax(predictions, into);
        float[] g = grad.data();
        float spread = (float) (smoothing / classes);
        for (int n = 0; n < batch; n++) {
            if (smoothing != 0) {
                for (int k = 0; k < classes; k++) {
                    g[n * classes + k] -= spread;
                }
            }
            g[n * classes + labels[n]] -= (float) (1 - smoothing);
        }
        return grad.scaleInPlace(1f / batch);
    }

    /** Checks that a gradient's {@code into} has the predictions' shape. */
    static void requireShape(Tensor predictions, Tensor into) {
        if (!into.shape().equals(predictions.shape())) {
            throw new IllegalArgumentException("the gradient for predictions " + predictions.shape()
                    + " cannot be written into a tensor of shape " + into.shape());
        }
    }

    /** Checks that predictions are (N, K) and that there are N labels, each in 0..K-1. */
    static void check(String loss, Tensor predictions, int[] labels) {
        Shape shape = predictions.shape();
        if (shape.rank() != 2) {
            throw new IllegalArgumentException(loss + ": predictions have shape " + shape
                    + " but (N, K) was expected (N samples, K classes)");
        }
        if (labels.length != shape.dim(0)) {
            throw new IllegalArgumentException(loss + ": predictions " + shape + " are for " + shape.dim(0)
                    + " samples but " + labels.length + " labels were given");
        }
        int classes = shape.dim(1);
        for (int n = 0; n < labels.length; n++) {
            if (labels[n] < 0 || labels[n] >= classes) {
                throw new IllegalArgumentException(loss + ": label " + labels[n] + " of sample " + n
                        + " is outside 0.." + (classes - 1) + " (predictions " + shape + " have " + classes
                        + " classes)");
            }
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
