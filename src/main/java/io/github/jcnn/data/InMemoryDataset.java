package io.github.jcnn.data;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Dataset} over a tensor of samples (N, ...) and an array of labels, held as floats in memory.
 */
public final class InMemoryDataset implements Dataset {

    private final Tensor samples;
    private final int[] labels;
    private final int classCount;
    private final List<String> classNames;
    private final Shape sampleShape;

    /**
     * @param samples    shape (N, sample...)
     * @param labels     N labels in 0..classCount-1
     * @param classCount the number of classes
     * @throws IllegalArgumentException if the counts disagree or a label is out of range
     */
    public InMemoryDataset(Tensor samples, int[] labels, int classCount) {
        this(samples, labels, defaultNames(classCount));
    }

    /** As {@link #InMemoryDataset(Tensor, int[], int)} with class names (their number is the class count). */
    public InMemoryDataset(Tensor samples, int[] labels, List<String> classNames) {
        if (samples.shape().rank() < 2) {
            throw new IllegalArgumentException("samples need a batch dimension, got shape " + samples.shape());
        }
        if (samples.shape().dim(0) != labels.length) {
            throw new IllegalArgumentException("samples " + samples.shape() + " hold " + samples.shape().dim(0)
                    + " samples but there are " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside 0.."
                        + (classNames.size() - 1));
            }
        }
        this.samples = samples;
        this.labels = labels.clone();
        this.classCount = classNames.size();
        this.classNames = List.copyOf(classNames);
        this.sampleShape = samples.shape().dropFirst();
    }

    private static List<String> defaultNames(int classCount) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < classCount; i++) {
            names.add(Integer.toString(i));
        }
        return names;
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
        return classCount;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public void copySample(int index, float[] target, int offset) {
        int n = sampleShape.size();
        System.arraycopy(samples.data(), index * n, target, offset, n);
    }
}
