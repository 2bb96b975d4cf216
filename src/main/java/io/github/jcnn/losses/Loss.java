package io.github.jcnn.losses;

import io.github.jcnn.tensor.Tensor;

/**
 * A loss function over a batch: a number that training makes small, and its gradient.
 *
 * <p>Predictions are (N, K); targets are given as class labels (N integers in 0..K-1). The loss is the mean over the
 * batch, so the gradient carries a factor 1/N.
 */
public interface Loss {

    /** The loss's name, e.g. {@code "softmax cross-entropy"}. */
    String name();

    /**
     * The mean loss over the batch.
     *
     * @param predictions (N, K) network outputs
     * @param labels      N class labels in 0..K-1
     */
    double loss(Tensor predictions, int[] labels);

    /**
     * dL/dpredictions for the mean loss over the batch, shape (N, K).
     *
     * @param predictions (N, K) network outputs
     * @param labels      N class labels in 0..K-1
     */
    Tensor gradient(Tensor predictions, int[] labels);

    /**
     * {@link #gradient} written into {@code into} instead of a new tensor, the same numbers: the training step keeps
     * one per chunk of the batch, so that a step allocates nothing for it. The default copies what
     * {@link #gradient} returns; the library's losses write in place.
     *
     * @param into (N, K), every number overwritten
     * @return {@code into}
     * @throws IllegalArgumentException if {@code into} does not have the predictions' shape
     */
    default Tensor gradientInto(Tensor predictions, int[] labels, Tensor into) {
        return into.copyFromInPlace(gradient(predictions, labels));
    }
}
