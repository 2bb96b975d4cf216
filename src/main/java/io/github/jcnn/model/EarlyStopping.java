package io.github.jcnn.model;

/**
 * Stops training when a monitored figure has not improved for {@code patience} epochs in a row.
 * <pre>
 *   FitOptions.defaults().validation(val).earlyStopping(EarlyStopping.on(Monitor.VALIDATION_LOSS, 3))
 * </pre>
 *
 * @param monitor  the figure watched
 * @param patience epochs without improvement allowed before stopping, at least 1
 * @param minDelta the smallest change that counts as an improvement, 0 or more
 */
public record EarlyStopping(Monitor monitor, int patience, double minDelta) {

    /** Checks the ranges. */
    public EarlyStopping {
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be at least 1 epoch, got " + patience);
        }
        if (!(minDelta >= 0)) {
            throw new IllegalArgumentException("minDelta must be 0 or more, got " + minDelta);
        }
    }

    /** Early stopping on {@code monitor} with the given patience and any improvement counting. */
    public static EarlyStopping on(Monitor monitor, int patience) {
        return new EarlyStopping(monitor, patience, 0);
    }
}
