package io.github.jcnn.data;

import io.github.jcnn.tensor.Shape;
import java.util.Arrays;
import java.util.Locale;

/**
 * Per-channel standardisation: each value x of channel c (already scaled to [0, 1]) becomes
 * <pre>
 *   x' = (x - mean[c]) / std[c]
 * </pre>
 * so that on the training set every channel has mean 0 and standard deviation 1. For byte images the whole
 * preparation is {@code x' = (b / 255 - mean[c]) / std[c]} with b in 0..255.
 *
 * <p>The mean and std are computed on the <em>training</em> set only ({@link #fit(Dataset)}) and then applied unchanged
 * to the validation and test sets and to new images (see {@link ByteImageDataset#normalized(Normalization)},
 * {@link Datasets#normalized(Dataset, Normalization)} and {@link Images#toTensor}). For CIFAR-10 the training set gives
 * about mean (0.491, 0.482, 0.447) and std (0.247, 0.243, 0.262).
 *
 * <p>Immutable. Samples are (C, ...) with the channel first, e.g. (C, H, W); a flat sample (D) counts as one channel
 * only when the normalisation has one channel.
 */
public final class Normalization {

    private final float[] mean;
    private final float[] std;

    private Normalization(float[] mean, float[] std) {
        this.mean = mean;
        this.std = std;
    }

    /**
     * A normalisation with the given per-channel means and standard deviations.
     *
     * @throws IllegalArgumentException if the arrays are empty or differ in length, or a std is not positive and finite
     */
    public static Normalization of(double[] mean, double[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("need one mean and one std per channel, got " + mean.length
                    + " means and " + std.length + " stds");
        }
        float[] m = new float[mean.length];
        float[] s = new float[std.length];
        for (int c = 0; c < m.length; c++) {
            if (!(std[c] > 0) || !Double.isFinite(std[c]) || !Double.isFinite(mean[c])) {
                throw new IllegalArgumentException("channel " + c + ": std must be positive and finite and mean finite,"
                        + " got mean " + mean[c] + ", std " + std[c]);
            }
            m[c] = (float) mean[c];
            s[c] = (float) std[c];
        }
        return new Normalization(m, s);
    }

    /**
     * Measures the per-channel mean and (population) standard deviation of a training set whose values are in [0, 1]
     * (e.g. a freshly loaded {@link ByteImageDataset}): mean[c] = average of all values of channel c over all images,
     * std[c] = sqrt(average of (x - mean[c])^2). A channel with std 0 (constant) gets std 1.
     *
     * @throws IllegalArgumentException if the dataset is empty
     */
    public static Normalization fit(Dataset train) {
        DatasetStats stats = DatasetStats.of(train);
        double[] std = stats.channelStd();
        for (int c = 0; c < std.length; c++) {
            if (std[c] == 0) {
                std[c] = 1;
            }
        }
        return of(stats.channelMean(), std);
    }

    /** The number of channels. */
    public int channels() {
        return mean.length;
    }

    /** A copy of the per-channel means. */
    public double[] mean() {
        double[] out = new double[mean.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = mean[c];
        }
        return out;
    }

    /** A copy of the per-channel standard deviations. */
    public double[] std() {
        double[] out = new double[std.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = std[c];
        }
        return out;
    }

    /** The mean of channel {@code c}. */
    public float mean(int c) {
        return mean[c];
    }

    /** The standard deviation of channel {@code c}. */
    public float std(int c) {
        return std[c];
    }

    /**
     * Applies x' = (x - mean[c]) / std[c] in place to one sample stored in {@code data} from {@code offset}.
     *
     * @throws IllegalArgumentException if the sample's first dimension is not the number of channels
     */
    public void applyInPlace(float[] data, int offset, Shape sampleShape) {
        int perChannel = perChannel(sampleShape);
        for (int c = 0; c < mean.length; c++) {
            float m = mean[c];
            float inv = 1f / std[c];
            int from = offset + c * perChannel;
            for (int i = from; i < from + perChannel; i++) {
                data[i] = (data[i] - m) * inv;
            }
        }
    }

    /** Undoes {@link #applyInPlace}: x = x' * std[c] + mean[c], e.g. to show a normalised image in its colours. */
    public void invertInPlace(float[] data, int offset, Shape sampleShape) {
        int perChannel = perChannel(sampleShape);
        for (int c = 0; c < mean.length; c++) {
            int from = offset + c * perChannel;
            for (int i = from; i < from + perChannel; i++) {
                data[i] = data[i] * std[c] + mean[c];
            }
        }
    }

    /** The number of values per channel of a sample of this shape; checks the channel count. */
    int perChannel(Shape sampleShape) {
        int channels = sampleShape.rank() >= 2 ? sampleShape.dim(0) : 1;
        if (channels != mean.length) {
            throw new IllegalArgumentException("normalisation has " + mean.length + " channels but the sample shape "
                    + sampleShape + " has " + channels);
        }
        return sampleShape.size() / channels;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization && Arrays.equals(mean, ((Normalization) o).mean)
                && Arrays.equals(std, ((Normalization) o).std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    /** E.g. {@code Normalization(mean (0.4914, 0.4822, 0.4465), std (0.2470, 0.2435, 0.2616))}. */
    @Override
    public String toString() {
        return "Normalization(mean " + format(mean) + ", std " + format(std) + ")";
    }

    private static String format(float[] values) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < values.length; i++) {
            s.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.4f", values[i]));
        }
        return s.append(')').toString();
    }
}
