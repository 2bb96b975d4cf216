package io.github.jcnn.model;

import java.util.Locale;

/**
 * The result of {@link Sequential#evaluate}: the mean loss, the accuracy, and the confusion matrix from which the
 * per-class accuracies come.
 * <pre>
 *   Evaluation e = model.evaluate(test);
 *   System.out.println(e);        // loss, accuracy and the confusion matrix with class names
 * </pre>
 *
 * @param loss      the mean loss over the samples
 * @param confusion the counts of (actual, predicted) pairs
 */
public record Evaluation(double loss, ConfusionMatrix confusion) {

    /** The fraction of samples classified correctly. */
    public double accuracy() {
        return confusion.accuracy();
    }

    /** Each class's accuracy (its recall), NaN for a class without samples. */
    public double[] perClassAccuracy() {
        return confusion.perClassAccuracy();
    }

    /** The number of samples evaluated. */
    public long count() {
        return confusion.total();
    }

    /** The loss, the accuracy, and the confusion matrix as a table. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "loss %.4f, accuracy %.2f%% (%d of %d)%n", loss, 100 * accuracy(),
                confusion.correct(), confusion.total()) + confusion;
    }
}
