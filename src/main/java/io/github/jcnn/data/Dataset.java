package io.github.jcnn.data;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Labelled samples for classification: what {@code Sequential.fit} and {@code evaluate} read.
 *
 * <p>A dataset has {@link #size()} samples, each of shape {@link #sampleShape()} (for images (C, H, W)) with an integer
 * label in 0..{@link #classCount()}-1. Samples are copied out one at a time into a caller's buffer, so that a dataset
 * may keep its images compactly (as bytes) and convert only a batch at a time.
 * Implementations must allow concurrent calls to {@link #copySample} and {@link #label}.
 */
public interface Dataset {

    /** The number of samples. */
    int size();

    /** The shape of one sample, e.g. (3, 32, 32). */
    Shape sampleShape();

    /** The number of classes; labels are 0 to classCount()-1. */
    int classCount();

    /** The label of sample {@code index}. */
    int label(int index);

    /**
     * Writes sample {@code index} (sampleShape().size() floats, row-major) into {@code target} from {@code offset}.
     */
    void copySample(int index, float[] target, int offset);

    /** The class names, by label; "0", "1", ... unless the data set knows better. */
    default List<String> classNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < classCount(); i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }

    /** Samples {@code from} (inclusive) to {@code to} (exclusive) as one (N, sampleShape...) tensor. */
    default Tensor images(int from, int to) {
        int n = to - from;
        Shape sample = sampleShape();
        Tensor out = Tensor.zeros(sample.withBatch(n));
        for (int i = 0; i < n; i++) {
            copySample(from + i, out.data(), i * sample.size());
        }
        return out;
    }

    /** The labels of samples {@code from} (inclusive) to {@code to} (exclusive). */
    default int[] labels(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = label(from + i);
        }
        return out;
    }
}
