package io.github.jcnn.data;

import io.github.jcnn.tensor.Shape;
import java.util.List;

/**
 * Images kept as bytes (0..255) in memory and turned into floats one sample at a time: what the CIFAR-10 and MNIST
 * loaders return.
 *
 * <p>Sample i occupies bytes {@code [i * S, (i + 1) * S)} of the pixel array, S = C * H * W, in the order
 * (C, H, W): all of channel 0 row by row, then channel 1, ... (for CIFAR-10 the R, G and B planes). {@link #copySample}
 * writes
 * <pre>
 *   x = b / 255                          (scaled to [0, 1])
 *   x = (b / 255 - mean[c]) / std[c]     (after {@link #normalized(Normalization)})
 * </pre>
 * Bytes take a quarter of the memory of floats: 150 MB instead of 600 MB for the 50,000 CIFAR-10 training images.
 *
 * <p>Immutable and safe for concurrent reads. The arrays given to the constructor are used as they are (not copied),
 * and {@link #normalized(Normalization)} shares them; do not change them afterwards.
 */
public final class ByteImageDataset implements Dataset {

    /** b / 255 for every byte value b. */
    private static final float[] UNIT = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            UNIT[b] = b / 255f;
        }
    }

    private final Shape sampleShape;
    private final byte[] pixels;
    private final byte[] labels;
    private final List<String> classNames;
    private final Normalization normalization;
    private final int sampleSize;

    /**
     * A dataset over {@code pixels} (N * sampleShape.size() bytes) and N labels.
     *
     * @param sampleShape the shape of one image, (C, H, W)
     * @param pixels      the images one after the other, each (C, H, W) row-major, unsigned bytes
     * @param labels      one label per image, unsigned, each below {@code classNames.size()}
     * @param classNames  the class names by label (at most 256)
     * @throws IllegalArgumentException if the lengths disagree or a label is out of range
     */
    public ByteImageDataset(Shape sampleShape, byte[] pixels, byte[] labels, List<String> classNames) {
        this(sampleShape, pixels, labels, List.copyOf(classNames), null);
        int s = sampleShape.size();
        if ((long) labels.length * s != pixels.length) {
            throw new IllegalArgumentException(labels.length + " labels need " + (long) labels.length * s
                    + " pixel bytes (" + labels.length + " x " + sampleShape + "), got " + pixels.length);
        }
        if (classNames.isEmpty() || classNames.size() > 256) {
            throw new IllegalArgumentException("need 1 to 256 class names, got " + classNames.size());
        }
        for (int i = 0; i < labels.length; i++) {
            if ((labels[i] & 0xFF) >= classNames.size()) {
                throw new IllegalArgumentException("label " + (labels[i] & 0xFF) + " of image " + i
                        + " is outside 0.." + (classNames.size() - 1));
            }
        }
    }

    private ByteImageDataset(Shape sampleShape, byte[] pixels, byte[] labels, List<String> classNames,
            Normalization normalization) {
        this.sampleShape = sampleShape;
        this.pixels = pixels;
        this.labels = labels;
        this.classNames = classNames;
        this.normalization = normalization;
        this.sampleSize = sampleShape.size();
        if (normalization != null) {
            normalization.perChannel(sampleShape);
        }
    }

    /**
     * The same images with a per-channel normalisation applied in {@link #copySample} (replacing any earlier one).
     * Shares the bytes: no copy.
     *
     * @throws IllegalArgumentException if the normalisation's channel count is not C
     */
    public ByteImageDataset normalized(Normalization norm) {
        return new ByteImageDataset(sampleShape, pixels, labels, classNames, norm);
    }

    /** The same images scaled to [0, 1] only, without normalisation. */
    public ByteImageDataset unnormalized() {
        return normalization == null ? this
                : new ByteImageDataset(sampleShape, pixels, labels, classNames, null);
    }

    /** The normalisation applied by {@link #copySample}, or null when the values are just scaled to [0, 1]. */
    public Normalization normalization() {
        return normalization;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public int classCount() {
        return classNames.size();
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int label(int index) {
        checkIndex(index);
        return labels[index] & 0xFF;
    }

    /**
     * The raw byte value (0..255) of element {@code position} (0 to C*H*W-1, row-major (C, H, W)) of image
     * {@code index}.
     */
    public int pixel(int index, int position) {
        checkIndex(index);
        if (position < 0 || position >= sampleSize) {
            throw new IllegalArgumentException("pixel position " + position + " is outside 0.." + (sampleSize - 1));
        }
        return pixels[index * sampleSize + position] & 0xFF;
    }

    @Override
    public void copySample(int index, float[] target, int offset) {
        checkIndex(index);
        int from = index * sampleSize;
        if (normalization == null) {
            for (int i = 0; i < sampleSize; i++) {
                target[offset + i] = UNIT[pixels[from + i] & 0xFF];
            }
            return;
        }
        int channels = normalization.channels();
        int perChannel = sampleSize / channels;
        for (int c = 0; c < channels; c++) {
            // x' = (b / 255 - mean) / std, computed as Normalization.applyInPlace does, so both give the same floats
            float mean = normalization.mean(c);
            float inv = 1f / normalization.std(c);
            int base = c * perChannel;
            for (int i = base; i < base + perChannel; i++) {
                target[offset + i] = (UNIT[pixels[from + i] & 0xFF] - mean) * inv;
            }
        }
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= labels.length) {
            throw new IndexOutOfBoundsException("image " + index + " is outside 0.." + (labels.length - 1));
        }
    }

    /** E.g. {@code ByteImageDataset(50000 x (3, 32, 32), 10 classes)}. */
    @Override
    public String toString() {
        return "ByteImageDataset(" + labels.length + " x " + sampleShape + ", " + classNames.size() + " classes"
                + (normalization == null ? "" : ", " + normalization) + ")";
    }
}
