package io.github.jcnn.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Counts of (actual class, predicted class) pairs: row = the true label, column = the model's answer. The diagonal
 * holds the correct answers.
 * <pre>
 *   ConfusionMatrix m = new ConfusionMatrix(List.of("cat", "dog"));
 *   m.add(0, 0); m.add(0, 1); m.add(1, 1);
 *   m.count(0, 1)          // 1: one cat was taken for a dog
 *   m.accuracy()           // 2/3
 *   m.classAccuracy(0)     // 1/2 (the recall of "cat")
 * </pre>
 */
public final class ConfusionMatrix {

    private final List<String> classNames;
    private final long[][] counts;

    /** An empty matrix for these classes (the number of names is the class count). */
    public ConfusionMatrix(List<String> classNames) {
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("a confusion matrix needs at least one class");
        }
        this.classNames = List.copyOf(classNames);
        this.counts = new long[classNames.size()][classNames.size()];
    }

    /** An empty matrix for classes named "0", "1", .... */
    public ConfusionMatrix(int classCount) {
        this(defaultNames(classCount));
    }

    private static List<String> defaultNames(int classCount) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < classCount; i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }

    /**
     * Counts one answer.
     *
     * @throws IllegalArgumentException if a class is out of range
     */
    public void add(int actual, int predicted) {
        if (actual < 0 || actual >= counts.length || predicted < 0 || predicted >= counts.length) {
            throw new IllegalArgumentException("classes must be in 0.." + (counts.length - 1) + ", got actual "
                    + actual + " and predicted " + predicted);
        }
        counts[actual][predicted]++;
    }

    /** Counts many answers, pairwise. */
    public void addAll(int[] actual, int[] predicted) {
        if (actual.length != predicted.length) {
            throw new IllegalArgumentException(actual.length + " labels but " + predicted.length + " predictions");
        }
        for (int i = 0; i < actual.length; i++) {
            add(actual[i], predicted[i]);
        }
    }

    /** The number of classes. */
    public int classCount() {
        return counts.length;
    }

    /** The class names, by label. */
    public List<String> classNames() {
        return classNames;
    }

    /** How many samples of class {@code actual} were predicted as {@code predicted}. */
    public long count(int actual, int predicted) {
        return counts[actual][predicted];
    }

    /** The number of samples counted. */
    public long total() {
        long n = 0;
        for (long[] row : counts) {
            for (long c : row) {
                n += c;
            }
        }
        return n;
    }

    /** The number of correct answers (the diagonal). */
    public long correct() {
        long n = 0;
        for (int i = 0; i < counts.length; i++) {
            n += counts[i][i];
        }
        return n;
    }

    /** Correct / total, or NaN when empty. */
    public double accuracy() {
        long total = total();
        return total == 0 ? Double.NaN : (double) correct() / total;
    }

    /** The number of samples whose true class is {@code actual}. */
    public long support(int actual) {
        long n = 0;
        for (long c : counts[actual]) {
            n += c;
        }
        return n;
    }

    /** The fraction of class {@code actual}'s samples predicted correctly (its recall), or NaN if it has none. */
    public double classAccuracy(int actual) {
        long support = support(actual);
        return support == 0 ? Double.NaN : (double) counts[actual][actual] / support;
    }

    /** {@link #classAccuracy(int)} for every class. */
    public double[] perClassAccuracy() {
        double[] out = new double[counts.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = classAccuracy(i);
        }
        return out;
    }

    /** A copy of the counts, [actual][predicted]. */
    public long[][] counts() {
        long[][] copy = new long[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            copy[i] = counts[i].clone();
        }
        return copy;
    }

    /**
     * The matrix as a text table with class names, rows = actual, columns = predicted, and each class's accuracy:
     * <pre>
     *   actual \ predicted    cat    dog | accuracy
     *   cat                     1      1 |    50.0%
     *   dog                     0      1 |   100.0%
     * </pre>
     */
    @Override
    public String toString() {
        int nameWidth = "actual \\ predicted".length();
        int cell = 5;
        for (String n : classNames) {
            nameWidth = Math.max(nameWidth, n.length());
            cell = Math.max(cell, n.length());
        }
        for (long[] row : counts) {
            for (long c : row) {
                cell = Math.max(cell, Long.toString(c).length());
            }
        }
        StringBuilder s = new StringBuilder();
        s.append(pad("actual \\ predicted", nameWidth, false));
        for (String n : classNames) {
            s.append(' ').append(pad(n, cell, true));
        }
        s.append(" | accuracy\n");
        for (int i = 0; i < counts.length; i++) {
            s.append(pad(classNames.get(i), nameWidth, false));
            for (long c : counts[i]) {
                s.append(' ').append(pad(Long.toString(c), cell, true));
            }
            double a = classAccuracy(i);
            s.append(" | ").append(Double.isNaN(a) ? "       -" : String.format(Locale.ROOT, "%7.1f%%", 100 * a))
                    .append('\n');
        }
        return s.toString();
    }

    private static String pad(String s, int width, boolean right) {
        if (s.length() >= width) {
            return s;
        }
        String spaces = " ".repeat(width - s.length());
        return right ? spaces + s : s + spaces;
    }
}
