package io.github.jcnn.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The per-epoch record of a training run, as returned by {@link Sequential#fit}: losses, accuracies, learning rates
 * and times, ready to print or plot.
 * <pre>
 *   History h = model.fit(train, options);
 *   h.last().validationAccuracy();     // after the last epoch
 *   double[] curve = h.trainLoss();    // one value per epoch
 * </pre>
 */
public final class History {

    private final List<EpochMetrics> epochs = new ArrayList<>();
    private boolean stoppedEarly;
    private boolean stoppedByListener;

    /** An empty history; training adds to it. */
    public History() {
    }

    /** Appends an epoch's metrics. */
    public void add(EpochMetrics metrics) {
        epochs.add(metrics);
    }

    /** Marks that early stopping ended the run before the planned number of epochs. */
    void markStoppedEarly() {
        stoppedEarly = true;
    }

    /** Whether early stopping ended the run before the planned number of epochs. */
    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    /** Marks that a listener asked to stop ({@link TrainingListener#stopRequested()}). */
    void markStoppedByListener() {
        stoppedByListener = true;
    }

    /**
     * Whether a listener ended the run ({@link TrainingListener#stopRequested()}); the last epoch then covers only
     * the batches done before the request.
     */
    public boolean stoppedByListener() {
        return stoppedByListener;
    }

    /** The epochs in order (unmodifiable). */
    public List<EpochMetrics> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** The number of epochs recorded. */
    public int size() {
        return epochs.size();
    }

    /**
     * The last epoch.
     *
     * @throws IllegalStateException if no epoch was recorded
     */
    public EpochMetrics last() {
        if (epochs.isEmpty()) {
            throw new IllegalStateException("the history is empty");
        }
        return epochs.get(epochs.size() - 1);
    }

    /**
     * The epoch with the best value of {@code monitor}.
     *
     * @throws IllegalStateException if no epoch has that figure
     */
    public EpochMetrics best(Monitor monitor) {
        EpochMetrics best = null;
        double bestValue = Double.NaN;
        for (EpochMetrics m : epochs) {
            if (monitor.improves(monitor.value(m), bestValue, 0)) {
                best = m;
                bestValue = monitor.value(m);
            }
        }
        if (best == null) {
            throw new IllegalStateException("no epoch has a value for " + monitor);
        }
        return best;
    }

    /** Training loss per epoch. */
    public double[] trainLoss() {
        return epochs.stream().mapToDouble(EpochMetrics::trainLoss).toArray();
    }

    /** Training accuracy per epoch. */
    public double[] trainAccuracy() {
        return epochs.stream().mapToDouble(EpochMetrics::trainAccuracy).toArray();
    }

    /** Validation loss per epoch (NaN without validation). */
    public double[] validationLoss() {
        return epochs.stream().mapToDouble(EpochMetrics::validationLoss).toArray();
    }

    /** Validation accuracy per epoch (NaN without validation). */
    public double[] validationAccuracy() {
        return epochs.stream().mapToDouble(EpochMetrics::validationAccuracy).toArray();
    }

    /** Learning rate per epoch. */
    public double[] learningRate() {
        return epochs.stream().mapToDouble(EpochMetrics::learningRate).toArray();
    }

    /** One line per epoch. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (EpochMetrics m : epochs) {
            s.append(m).append('\n');
        }
        if (stoppedEarly) {
            s.append("stopped early\n");
        }
        if (stoppedByListener) {
            s.append("stopped by a listener\n");
        }
        return s.toString();
    }
}
