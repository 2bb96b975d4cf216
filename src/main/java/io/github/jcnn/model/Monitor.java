package io.github.jcnn.model;

/**
 * A figure of {@link EpochMetrics} watched by early stopping and checkpoints, and which direction is better.
 */
public enum Monitor {
    /** Validation loss; lower is better. */
    VALIDATION_LOSS(true),
    /** Validation accuracy; higher is better. */
    VALIDATION_ACCURACY(false),
    /** Training loss; lower is better. */
    TRAINING_LOSS(true),
    /** Training accuracy; higher is better. */
    TRAINING_ACCURACY(false);

    private final boolean lowerIsBetter;

    Monitor(boolean lowerIsBetter) {
        this.lowerIsBetter = lowerIsBetter;
    }

    /** Whether smaller values are better (losses). */
    public boolean lowerIsBetter() {
        return lowerIsBetter;
    }

    /** Whether this monitor needs a validation set. */
    public boolean needsValidation() {
        return this == VALIDATION_LOSS || this == VALIDATION_ACCURACY;
    }

    /** The watched figure of one epoch. */
    public double value(EpochMetrics m) {
        switch (this) {
            case VALIDATION_LOSS:
                return m.validationLoss();
            case VALIDATION_ACCURACY:
                return m.validationAccuracy();
            case TRAINING_LOSS:
                return m.trainLoss();
            default:
                return m.trainAccuracy();
        }
    }

    /**
     * Whether {@code value} beats {@code best} by more than {@code minDelta} (any number beats NaN, the "no best yet"
     * value).
     */
    public boolean improves(double value, double best, double minDelta) {
        if (Double.isNaN(best)) {
            return !Double.isNaN(value);
        }
        return lowerIsBetter ? value < best - minDelta : value > best + minDelta;
    }
}
