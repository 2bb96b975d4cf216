package io.github.jcnn.data;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.Locale;

/**
 * The lecture's "analyze the dataset" step in one call: how many images per class, and the per-channel mean, standard
 * deviation and value range of the values as {@link Dataset#copySample} gives them.
 * <pre>
 *   DatasetStats stats = DatasetStats.of(train);
 *   System.out.println(stats.table());
 * </pre>
 * For each channel c over all N images and all H * W positions (M = N * H * W values):
 * <pre>
 *   mean[c] = (1/M) sum x          std[c] = sqrt((1/M) sum x^2 - mean[c]^2)   (population std)
 * </pre>
 * accumulated in double in index order, so the result is the same on every run. A sample of shape (C, ...) has C
 * channels; a flat sample (D) has one.
 */
public final class DatasetStats {

    private final int size;
    private final Shape sampleShape;
    private final List<String> classNames;
    private final int[] classCounts;
    private final double[] mean;
    private final double[] std;
    private final float[] min;
    private final float[] max;

    private DatasetStats(Dataset ds, int[] classCounts, double[] mean, double[] std, float[] min, float[] max) {
        this.size = ds.size();
        this.sampleShape = ds.sampleShape();
        this.classNames = List.copyOf(ds.classNames());
        this.classCounts = classCounts;
        this.mean = mean;
        this.std = std;
        this.min = min;
        this.max = max;
    }

    /**
     * Reads every sample once and computes the statistics.
     *
     * @throws IllegalArgumentException if the dataset is empty
     */
    public static DatasetStats of(Dataset ds) {
        int n = ds.size();
        if (n == 0) {
            throw new IllegalArgumentException("cannot compute statistics of an empty dataset");
        }
        Shape shape = ds.sampleShape();
        int channels = shape.rank() >= 2 ? shape.dim(0) : 1;
        int perChannel = shape.size() / channels;
        int[] counts = new int[ds.classCount()];
        double[] sum = new double[channels];
        double[] sumSq = new double[channels];
        float[] min = new float[channels];
        float[] max = new float[channels];
        java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        float[] buffer = new float[shape.size()];
        for (int i = 0; i < n; i++) {
            counts[ds.label(i)]++;
            ds.copySample(i, buffer, 0);
            for (int c = 0; c < channels; c++) {
                // per image in float-safe double partial sums, then added in image order
                double s = 0;
                double s2 = 0;
                float lo = min[c];
                float hi = max[c];
                for (int j = c * perChannel; j < (c + 1) * perChannel; j++) {
                    float v = buffer[j];
                    s += v;
                    s2 += (double) v * v;
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                sum[c] += s;
                sumSq[c] += s2;
                min[c] = lo;
                max[c] = hi;
            }
        }
        double m = (double) n * perChannel;
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = sum[c] / m;
            std[c] = Math.sqrt(Math.max(0, sumSq[c] / m - mean[c] * mean[c]));
        }
        return new DatasetStats(ds, counts, mean, std, min, max);
    }

    /** The number of samples. */
    public int size() {
        return size;
    }

    /** The shape of one sample. */
    public Shape sampleShape() {
        return sampleShape;
    }

    /** The class names, by label. */
    public List<String> classNames() {
        return classNames;
    }

    /** The number of samples of each class, by label (a copy). */
    public int[] classCounts() {
        return classCounts.clone();
    }

    /** The per-channel means (a copy). */
    public double[] channelMean() {
        return mean.clone();
    }

    /** The per-channel population standard deviations (a copy). */
    public double[] channelStd() {
        return std.clone();
    }

    /** The per-channel smallest values (a copy). */
    public float[] channelMin() {
        return min.clone();
    }

    /** The per-channel largest values (a copy). */
    public float[] channelMax() {
        return max.clone();
    }

    /** The smallest value over all channels. */
    public float min() {
        return Tensor.wrap(Shape.of(min.length), min).min();
    }

    /** The largest value over all channels. */
    public float max() {
        return Tensor.wrap(Shape.of(max.length), max).max();
    }

    /**
     * A small text table, e.g.
     * <pre>
     * 50,000 samples of shape (3, 32, 32), 10 classes
     *  label  class        count  share
     *      0  airplane     5,000  10.0%
     *  ...
     *  channel    mean     std      min      max
     *        0  0.4914  0.2470   0.0000   1.0000
     * </pre>
     */
    public String table() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%,d samples of shape %s, %d classes%n", size, sampleShape,
                classNames.size()));
        int width = 5;
        for (String name : classNames) {
            width = Math.max(width, name.length());
        }
        s.append(String.format(Locale.ROOT, " label  %-" + width + "s  %8s  %6s%n", "class", "count", "share"));
        for (int k = 0; k < classCounts.length; k++) {
            s.append(String.format(Locale.ROOT, " %5d  %-" + width + "s  %,8d  %5.1f%%%n", k, classNames.get(k),
                    classCounts[k], 100.0 * classCounts[k] / size));
        }
        s.append(String.format(Locale.ROOT, " channel  %8s  %8s  %8s  %8s%n", "mean", "std", "min", "max"));
        for (int c = 0; c < mean.length; c++) {
            s.append(String.format(Locale.ROOT, " %7d  %8.4f  %8.4f  %8.4f  %8.4f%n", c, mean[c], std[c], min[c],
                    max[c]));
        }
        return s.toString();
    }

    /** The same as {@link #table()}. */
    @Override
    public String toString() {
        return table();
    }
}
