package io.github.jcnn.model;

import java.util.Locale;

/**
 * What one epoch of training measured. Validation figures are NaN when there was no validation set.
 *
 * @param epoch              the epoch, from 0
 * @param trainLoss          mean training loss over the epoch's batches (weighted by batch size)
 * @param trainAccuracy      fraction of training samples classified correctly during the epoch, in [0, 1]
 * @param validationLoss     mean loss on the validation set after the epoch, or NaN
 * @param validationAccuracy accuracy on the validation set after the epoch, or NaN
 * @param learningRate       the learning rate used during the epoch
 * @param seconds            wall-clock time of the epoch, validation included
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double validationLoss,
                           double validationAccuracy, double learningRate, double seconds) {

    /** Whether validation figures were measured. */
    public boolean hasValidation() {
        return !Double.isNaN(validationLoss);
    }

    /**
     * One readable line, e.g. {@code epoch 3: loss 0.8123 acc 71.2% | val loss 0.9 val acc 68.0% | lr 0.001 | 12.3 s}.
     */
    @Override
    public String toString() {
        String s = String.format(Locale.ROOT, "epoch %d: loss %.4f acc %.1f%%", epoch + 1, trainLoss,
                100 * trainAccuracy);
        if (hasValidation()) {
            s += String.format(Locale.ROOT, " | val loss %.4f val acc %.1f%%", validationLoss,
                    100 * validationAccuracy);
        }
        return s + String.format(Locale.ROOT, " | lr %.3g | %.1f s", learningRate, seconds);
    }
}
