package io.github.jcnn.data;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The lecture's "prepare the data" step: views that select, shuffle, split and normalise a {@link Dataset} without
 * copying its images, and one-hot labels.
 * <pre>
 *   ByteImageDataset train = Cifar10.load(dir, Split.TRAIN);
 *   Normalization norm = Normalization.fit(train);               // mean/std of the training set only
 *   Datasets.TrainValidation parts = Datasets.split(train.normalized(norm), 0.1, 42);
 *   Dataset tiny = Datasets.first(parts.train(), 1000);          // for a quick run
 * </pre>
 * Every view reads through to the dataset below it on each {@link Dataset#copySample} call, so views are cheap
 * (an int array of indices at most) and safe for concurrent reads when the dataset below is. Seeds fix every random
 * choice: the same seed gives the same order on every machine ({@link SplittableRandom}, Fisher-Yates).
 */
public final class Datasets {

    private Datasets() {
    }

    /**
     * A training part and a validation part of one dataset, as returned by {@link Datasets#split}.
     *
     * @param train      the samples to train on
     * @param validation the samples held out to measure generalisation while training
     */
    public record TrainValidation(Dataset train, Dataset validation) {
    }

    /**
     * The samples at the given indices, in that order (indices may repeat).
     *
     * @throws IllegalArgumentException if an index is outside 0..size-1
     */
    public static Dataset select(Dataset ds, int[] indices) {
        int[] copy = indices.clone();
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] < 0 || copy[i] >= ds.size()) {
                throw new IllegalArgumentException("index " + copy[i] + " at position " + i + " is outside 0.."
                        + (ds.size() - 1));
            }
        }
        return new IndexView(ds, copy);
    }

    /**
     * Samples {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @throws IllegalArgumentException unless 0 &lt;= from &lt;= to &lt;= size
     */
    public static Dataset subset(Dataset ds, int from, int to) {
        if (from < 0 || from > to || to > ds.size()) {
            throw new IllegalArgumentException("subset [" + from + ", " + to + ") does not fit in a dataset of "
                    + ds.size() + " samples");
        }
        int[] indices = new int[to - from];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = from + i;
        }
        return new IndexView(ds, indices);
    }

    /** The first {@code n} samples (all of them when the dataset is smaller), e.g. for a tiny example run. */
    public static Dataset first(Dataset ds, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("cannot take " + n + " samples");
        }
        return subset(ds, 0, Math.min(n, ds.size()));
    }

    /** All samples in an order fixed by {@code seed} (a random permutation). */
    public static Dataset shuffled(Dataset ds, long seed) {
        return new IndexView(ds, permutation(ds.size(), seed));
    }

    /**
     * A random permutation of 0..n-1, fixed by the seed (Fisher-Yates with {@link SplittableRandom}).
     */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * Splits off a random fraction of the samples for validation, e.g. {@code split(train, 0.1, 42)} keeps 90% for
     * training. The validation count is round(fraction * size). Both parts keep the original order of their samples.
     *
     * @throws IllegalArgumentException unless 0 &lt; fraction &lt; 1
     */
    public static TrainValidation split(Dataset ds, double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("the validation fraction must be between 0 and 1 (exclusive), got "
                    + validationFraction);
        }
        return split(ds, (int) Math.round(validationFraction * ds.size()), seed);
    }

    /**
     * Splits off {@code validationCount} randomly chosen samples for validation; the rest are for training.
     * Both parts keep the original order of their samples, and together hold every sample exactly once.
     *
     * @throws IllegalArgumentException unless 0 &lt;= validationCount &lt;= size
     */
    public static TrainValidation split(Dataset ds, int validationCount, long seed) {
        if (validationCount < 0 || validationCount > ds.size()) {
            throw new IllegalArgumentException("cannot hold out " + validationCount + " of " + ds.size()
                    + " samples for validation");
        }
        int[] p = permutation(ds.size(), seed);
        int[] validation = Arrays.copyOfRange(p, 0, validationCount);
        int[] train = Arrays.copyOfRange(p, validationCount, p.length);
        Arrays.sort(validation);
        Arrays.sort(train);
        return new TrainValidation(new IndexView(ds, train), new IndexView(ds, validation));
    }

    /**
     * A view that applies {@code x' = (x - mean[c]) / std[c]} to each sample after reading it; the dataset below
     * should give values in [0, 1]. For a {@link ByteImageDataset} this returns
     * {@link ByteImageDataset#normalized(Normalization)} (the two steps fused).
     *
     * @throws IllegalArgumentException if the channel counts differ
     */
    public static Dataset normalized(Dataset ds, Normalization norm) {
        if (ds instanceof ByteImageDataset) {
            return ((ByteImageDataset) ds).normalized(norm);
        }
        norm.perChannel(ds.sampleShape());
        return new NormalizedView(ds, norm);
    }

    /**
     * One-hot targets: row i of the (N, K) result is all zeros except a 1 in column labels[i].
     *
     * @throws IllegalArgumentException if a label is outside 0..classes-1
     */
    public static Tensor oneHot(int[] labels, int classes) {
        if (classes <= 0) {
            throw new IllegalArgumentException("need at least one class, got " + classes);
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException("no labels to encode");
        }
        Tensor out = Tensor.zeros(labels.length, classes);
        float[] data = out.data();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " at position " + i + " is outside 0.."
                        + (classes - 1));
            }
            data[i * classes + labels[i]] = 1f;
        }
        return out;
    }

    /** A dataset seen through another: the sample shape and the classes are the base's. */
    private abstract static class View implements Dataset {
        final Dataset base;

        View(Dataset base) {
            this.base = base;
        }

        @Override
        public Shape sampleShape() {
            return base.sampleShape();
        }

        @Override
        public int classCount() {
            return base.classCount();
        }

        @Override
        public List<String> classNames() {
            return base.classNames();
        }
    }

    /** A view through an index array. */
    private static final class IndexView extends View {
        private final int[] indices;

        IndexView(Dataset base, int[] indices) {
            super(base);
            this.indices = indices;
        }

        @Override
        public int size() {
            return indices.length;
        }

        @Override
        public int label(int index) {
            return base.label(indices[index]);
        }

        @Override
        public void copySample(int index, float[] target, int offset) {
            base.copySample(indices[index], target, offset);
        }

        @Override
        public String toString() {
            return "view of " + indices.length + " samples of " + base;
        }
    }

    /** A view that normalises each sample after reading it. */
    private static final class NormalizedView extends View {
        private final Normalization norm;

        NormalizedView(Dataset base, Normalization norm) {
            super(base);
            this.norm = norm;
        }

        @Override
        public int size() {
            return base.size();
        }

        @Override
        public int label(int index) {
            return base.label(index);
        }

        @Override
        public void copySample(int index, float[] target, int offset) {
            base.copySample(index, target, offset);
            norm.applyInPlace(target, offset, base.sampleShape());
        }

        @Override
        public String toString() {
            return base + " normalised with " + norm;
        }
    }
}
