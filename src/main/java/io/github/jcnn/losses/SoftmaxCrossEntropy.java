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
 */
public final class SoftmaxCrossEntropy implements Loss {

    /** The loss; it has no settings. */
    public SoftmaxCrossEntropy() {
    }

    @Override
    public String name() {
        return "softmax cross-entropy";
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
        int classes = logits.shape().dim(-1);
        Tensor out = Tensor.zeros(logits.shape());
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

    /** L = (1/N) sum over n of (logsumexp(z[n]) - z[n, y_n]), in double. */
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
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(z[row + k] - max);
            }
            total += max + Math.log(sum) - z[row + labels[n]];
        }
        return total / batch;
    }

    /** dL/dz = (softmax(z) - onehot(y)) / N. */
    @Override
    public Tensor gradient(Tensor predictions, int[] labels) {
        check(name(), predictions, labels);
        int batch = predictions.shape().dim(0);
        int classes = predictions.shape().dim(1);
        Tensor grad = softmax(predictions);
        float[] g = grad.data();
        for (int n = 0; n < batch; n++) {
            g[n * classes + labels[n]] -= 1f;
        }
        return grad.scaleInPlace(1f / batch);
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
