package io.github.jcnn.model;

import io.github.jcnn.data.Dataset;
import io.github.jcnn.kernels.Elementwise;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Tensor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What {@link Sequential} refuses before it computes anything: inputs holding NaN or infinity (a network maps them to
 * finite-looking nonsense: an all-NaN image used to classify as class 0), and labels the model's outputs cannot
 * express (a 12-class data set on a 10-output model used to fail inside the loss, seconds into the first epoch).
 *
 * <p>The checks read every input number once, with no arithmetic: a small cost beside the forward pass, which does
 * hundreds of multiply-adds per input number (about 190 for the lecture's LeNet-5 on a 32 x 32 x 3 image); see
 * docs/training.md for the measured figure.
 */
final class InputChecks {

    private InputChecks() {
    }

    /**
     * Refuses a batch with a NaN or infinite number, naming the first such sample.
     *
     * @param batch (N, sample...)
     * @param what  what the batch is, for the message, e.g. "predict"
     */
    static void requireFinite(Tensor batch, String what) {
        float[] data = batch.data();
        int i = Elementwise.firstNonFinite(data, 0, batch.size());
        if (i >= 0) {
            int n = batch.shape().dim(0);
            int sampleSize = n == 0 ? 1 : batch.size() / n;
            throw new IllegalArgumentException(what + ": sample " + i / sampleSize + " of the batch of " + n
                    + " holds " + data[i] + " (at element " + i % sampleSize + " of the sample); the model refuses "
                    + "inputs that are NaN or infinite: clean or drop that sample");
        }
    }

    /**
     * Refuses a data set with a NaN or infinite number in a sample, naming the first such sample. The threads share the
     * samples out; the sample named is the first whatever the thread count.
     */
    static void requireFinite(Dataset data, String what) {
        int n = data.size();
        int sampleSize = data.sampleShape().size();
        AtomicInteger first = new AtomicInteger(Integer.MAX_VALUE);
        Parallel.forRange(n, (part, from, to) -> {
            float[] sample = new float[sampleSize];
            for (int i = from; i < to && i < first.get(); i++) {
                data.copySample(i, sample, 0);
                if (Elementwise.firstNonFinite(sample, 0, sampleSize) >= 0) {
                    first.accumulateAndGet(i, Math::min);
                    return;
                }
            }
        });
        int bad = first.get();
        if (bad != Integer.MAX_VALUE) {
            float[] sample = new float[sampleSize];
            data.copySample(bad, sample, 0);
            int at = 0;
            while (Float.isFinite(sample[at])) {
                at++;
            }
            throw new IllegalArgumentException(what + ": sample " + bad + " of " + n + " holds " + sample[at]
                    + " (at element " + at + " of the sample); the model refuses inputs that are NaN or infinite: "
                    + "clean or drop that sample");
        }
    }

    /**
     * Refuses a data set whose classes the model's outputs cannot express: more classes than outputs, or a label
     * outside 0..outputs-1 (the first one is named).
     *
     * @param outputs the number of outputs of the model (one per class)
     */
    static void requireLabels(Dataset data, int outputs, String what) {
        if (data.classCount() > outputs) {
            throw new IllegalArgumentException(what + " has " + data.classCount() + " classes but the model has "
                    + outputs + " outputs (one per class): build the last layer with dense(" + data.classCount()
                    + ")");
        }
        for (int i = 0; i < data.size(); i++) {
            int label = data.label(i);
            if (label < 0 || label >= outputs) {
                throw new IllegalArgumentException(what + ": sample " + i + " has label " + label + " but the model's "
                        + outputs + " outputs stand for labels 0 to " + (outputs - 1));
            }
        }
    }

    /** Refuses labels of a batch outside 0..outputs-1, naming the first. */
    static void requireLabels(int[] labels, int outputs, String what) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= outputs) {
                throw new IllegalArgumentException(what + ": sample " + i + " has label " + labels[i] + " but the "
                        + "model's " + outputs + " outputs stand for labels 0 to " + (outputs - 1));
            }
        }
    }
}
