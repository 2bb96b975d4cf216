package io.github.jcnn.model;

import io.github.jcnn.data.Batches;
import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.Preprocessing;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.kernels.Scratch;
import io.github.jcnn.layers.AvgPool2D;
import io.github.jcnn.layers.BatchNorm;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Dense;
import io.github.jcnn.layers.GlobalAvgPool2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.MaxPool2D;
import io.github.jcnn.layers.ReLU;
import io.github.jcnn.layers.Residual;
import io.github.jcnn.losses.Loss;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.concurrent.locks.Lock;

/**
 * Inference for one {@link Sequential} model: {@link Sequential#predict}, {@link Sequential#activations},
 * {@link Sequential#evaluate} and {@link Sequential#classify} are the short paths to it (their javadoc is the
 * contract; this class is how it is kept).
 *
 * <p>Every call checks its input (shape, no NaN or infinity), then takes the model's read lock and runs the layers
 * in inference mode ({@code forward(x, false)}), which writes no layer state: several threads may infer at once, and
 * a training step (which takes the write lock) is never seen half applied. The layers run are those of
 * {@link Reordering#inferencePlan}: each batch norm that follows a convolution is folded into it. A batch of more
 * than {@value #CHUNK} samples is cut into chunks that the library's threads share out, each chunk going through all
 * the layers on one thread (its activations stay in that core's cache); a smaller batch, one image above all, goes
 * through the layers whole, each layer splitting its own work over the threads. Every sample's numbers are the same
 * either way.
 */
final class Inference {

    /**
     * Samples per chunk of a parallel inference run (see {@link #compute}): small enough that LeNet's biggest
     * activation (16 x 6 x 28 x 28 floats, 301 KB) stays under G1's humongous-object size even in a 1 GB heap.
     */
    private static final int CHUNK = 16;
    /** Samples per batch that {@link #evaluate} reads from a dataset. */
    private static final int EVALUATION_BATCH = 256;

    private final Sequential model;
    private final Shape inputShape;
    private final List<Layer> layers;

    Inference(Sequential model) {
        this.model = model;
        this.inputShape = model.inputShape();
        this.layers = model.layers();
    }

    /** See {@link Sequential#predict(Tensor)}. */
    Tensor predict(Tensor inputs) {
        return run(inputs, layers.size());
    }

    /** See {@link Sequential#predictWithFlip}: (predict(x) + predict(flip(x))) / 2. */
    Tensor predictWithFlip(Tensor inputs) {
        requireImages(true);
        return predict(inputs).addInPlace(predict(flipped(inputs))).scaleInPlace(0.5f);
    }

    /** See {@link Sequential#predictClasses}. */
    int[] predictClasses(Tensor inputs) {
        Tensor out = predict(inputs);
        int n = isSingle(inputs) ? 1 : out.shape().dim(0);
        return out.reshape(n, out.size() / n).argMaxRows();
    }

    /** See {@link Sequential#predict(BufferedImage)}. */
    Tensor predict(BufferedImage image) {
        Preprocessing preprocessing = model.preprocessing().orElseThrow(() -> new IllegalStateException(
                "the model has no preprocessing, so it cannot prepare a picture: attach it with model = model"
                        + ".withPreprocessing(Preprocessing.normalized(norm)) (or Preprocessing.unit() for pixels in"
                        + " 0..1) before saving, or prepare the input yourself and call predict(Tensor)"));
        return predict(preprocessing.apply(image, inputShape));
    }

    /** See {@link Sequential#classify}. */
    List<Prediction> classify(BufferedImage image, int k) {
        List<String> classNames = model.classNames();
        if (classNames.isEmpty()) {
            throw new IllegalStateException("the model has no class names: attach them with model = model"
                    + ".withClassNames(train.classNames()) before saving, or use predict(image) for the raw outputs");
        }
        if (k < 1 || k > classNames.size()) {
            throw new IllegalArgumentException("k must be 1 to " + classNames.size() + " (the number of classes), got "
                    + k);
        }
        return Prediction.top(predict(image).data(), classNames, k);
    }

    /** See {@link Sequential#activations}. */
    Tensor activations(Tensor inputs, int depth) {
        if (depth < 0 || depth > layers.size()) {
            throw new IllegalArgumentException("depth must be 0 to " + layers.size() + " (the number of layers), got "
                    + depth);
        }
        return run(inputs, depth);
    }

    /**
     * See {@link Sequential#evaluate(Dataset, Loss, boolean)}.
     *
     * @param inputsChecked whether the caller has already refused NaN and infinite samples of this very dataset
     *                      (fit checks its validation set once, before the first epoch, and not again each epoch)
     */
    Evaluation evaluate(Dataset data, Loss loss, boolean flipAveraging, boolean inputsChecked) {
        if (!data.sampleShape().equals(inputShape)) {
            throw new IllegalArgumentException("the dataset's samples are " + data.sampleShape()
                    + " but the model takes " + inputShape);
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("evaluate: the dataset is empty");
        }
        InputChecks.requireLabels(data, model.outputShape().size(), "the evaluated dataset");
        if (!inputsChecked) {
            InputChecks.requireFinite(data, "the evaluated dataset");
        }
        requireImages(flipAveraging);
        int depth = Trainer.lossDepth(layers, loss);
        boolean logits = depth < layers.size();
        ConfusionMatrix confusion = new ConfusionMatrix(data.classNames());
        double lossSum = 0;
        Lock read = model.weightsLock().readLock();
        read.lock();   // the whole evaluation sees one set of weights, even while another thread trains
        try {
            for (Batches.Batch b : new Batches(data, EVALUATION_BATCH).epoch(0)) {
                Tensor out = compute(b.images(), depth);
                Tensor rows = out.reshape(b.size(), out.size() / b.size());
                if (flipAveraging) {
                    Tensor mirrored = compute(flipped(b.images()), depth);
                    Tensor other = mirrored.reshape(rows.shape());
                    rows = logits ? logOfMean(SoftmaxCrossEntropy.softmax(rows), SoftmaxCrossEntropy.softmax(other))
                            : rows.copy().addInPlace(other).scaleInPlace(0.5f);
                }
                lossSum += loss.loss(rows, b.labels()) * b.size();
                confusion.addAll(b.labels(), rows.argMaxRows());
            }
        } finally {
            read.unlock();
        }
        return new Evaluation(lossSum / data.size(), confusion);
    }

    // ---- the run ----------------------------------------------------------------------------------------------

    /** Inference through the first {@code depth} layers: the checks, then {@link #compute} under the read lock. */
    private Tensor run(Tensor inputs, int depth) {
        if (isSingle(inputs)) {
            Tensor out = run(inputs.reshape(inputShape.withBatch(1)), depth);
            return out.reshape(out.shape().dropFirst());
        }
        Shape shape = inputs.shape();
        if (!shape.isBatchOf(inputShape)) {
            throw new IllegalArgumentException("the model takes a batch of " + inputShape + ", i.e. (N, "
                    + inputShape.toString().substring(1) + ", or one sample " + inputShape + ", but got " + shape);
        }
        InputChecks.requireFinite(inputs, depth == layers.size() ? "predict" : "activations");
        Lock read = model.weightsLock().readLock();
        read.lock();
        try {
            return compute(inputs, depth);
        } finally {
            read.unlock();
        }
    }

    /**
     * The inference plan of the first {@code depth} layers on a checked batch, under the read lock: whole when it is
     * one chunk, else chunk by chunk over the threads (one thread too: a chunk's activations stay in the core's
     * cache, where a whole batch of 256 would not).
     */
    private Tensor compute(Tensor inputs, int depth) {
        Shape shape = inputs.shape();
        int n = shape.dim(0);
        int chunks = (n + CHUNK - 1) / CHUNK;
        List<Layer> plan = Reordering.inferencePlan(layers.subList(0, depth), chunks > 1);
        if (chunks <= 1) {
            return forward(plan, inputs);
        }
        Shape outSample = depth == 0 ? inputShape : layers.get(depth - 1).outputShape();
        Tensor out = Tensor.zeros(outSample.withBatch(n));
        int inSize = inputShape.size();
        int outSize = outSample.size();
        Parallel.forRange(chunks, (part, c0, c1) -> {
            Scratch scratch = Scratch.open();   // one run for all this thread's chunks: each reuses the last's arrays
            try {
                for (int c = c0; c < c1; c++) {
                    int from = Parallel.start(n, chunks, c);
                    int count = Parallel.start(n, chunks, c + 1) - from;
                    float[] chunk = Scratch.exactly(count * inSize);
                    System.arraycopy(inputs.data(), from * inSize, chunk, 0, chunk.length);
                    Tensor y = forward(plan, Tensor.wrap(inputShape.withBatch(count), chunk));
                    System.arraycopy(y.data(), 0, out.data(), from * outSize, count * outSize);
                    Scratch.give(y.data());
                }
            } finally {
                scratch.close();
            }
        });
        return out;
    }

    /**
     * The layers one after the other; a ReLU right after a layer that writes a new tensor (see
     * {@link #writesNewTensor}) works in place on it, which gives the same numbers without a second tensor. The run
     * has this thread's {@link Scratch} open: the large arrays of one layer's output are handed back once the next
     * layer has read them, and reused by the layers after it, by the next chunk and by the next run. Without it a
     * large model makes the garbage collector run all the time (see Scratch), and so do a batch's chunks: {@code vgg}'s
     * first activation is 2 MB for 16 images, a "humongous" array to G1, and each one started a concurrent marking
     * cycle, on a third thread that took its time from the two computing (at 2 threads, batch 256, 2,002 / 2,376 /
     * 2,127 images/s without, 2,709 / 2,427 / 3,013 with, alternating; docs/performance.md). The arrays kept are
     * bounded (Scratch: an eighth of the heap).
     */
    private static Tensor forward(List<Layer> plan, Tensor x) {
        Scratch scratch = Scratch.open();
        try {
            Tensor y = x;
            for (int i = 0; i < plan.size(); i++) {
                Layer layer = plan.get(i);
                Tensor in = y;
                if (layer instanceof ReLU relu && i > 0 && writesNewTensor(plan.get(i - 1))) {
                    y = relu.forwardInPlace(in);
                } else {
                    y = layer.forward(in, false);
                }
                if (y.data() != in.data()) {
                    // nothing reads this layer's input any more (unless it is the output itself, or a view of it, as
                    // after Flatten or Dropout): its array goes back for the next layer or run, if it came from there
                    Scratch.give(in.data());
                }
            }
            return y;
        } finally {
            scratch.close();
        }
    }

    /**
     * Whether {@code forward(x, false)} of this layer always returns a new tensor that only its caller holds. Not so
     * for Flatten (a view of its input) or Dropout (its input itself in inference), nor for a layer this class does
     * not know.
     */
    private static boolean writesNewTensor(Layer layer) {
        return layer instanceof Conv2D || layer instanceof Dense || layer instanceof BatchNorm
                || layer instanceof MaxPool2D || layer instanceof AvgPool2D || layer instanceof GlobalAvgPool2D
                || layer instanceof Residual;
    }

    /** Whether {@code inputs} is one sample without the batch dimension. */
    private boolean isSingle(Tensor inputs) {
        return inputs.shape().equals(inputShape);
    }

    // ---- flip averaging ---------------------------------------------------------------------------------------

    private void requireImages(boolean flipAveraging) {
        if (flipAveraging && inputShape.rank() != 3) {
            throw new IllegalArgumentException("flip averaging needs images (channels, height, width), but the model"
                    + " takes " + inputShape);
        }
    }

    /** The batch with each image mirrored left to right: x'[n, c, i, j] = x[n, c, i, W - 1 - j]. */
    static Tensor flipped(Tensor images) {
        Shape s = images.shape();
        int width = s.dim(-1);
        int rowsCount = images.size() / width;
        Tensor out = Tensor.zeros(s);
        float[] x = images.data();
        float[] y = out.data();
        for (int r = 0; r < rowsCount; r++) {
            int base = r * width;
            for (int j = 0; j < width; j++) {
                y[base + j] = x[base + width - 1 - j];
            }
        }
        return out;
    }

    /** ln((p + q) / 2), element-wise: logits whose softmax is the mean of two probability rows. */
    private static Tensor logOfMean(Tensor p, Tensor q) {
        Tensor out = Tensor.zeros(p.shape());
        for (int i = 0; i < out.size(); i++) {
            out.data()[i] = (float) Math.log(Math.max((p.data()[i] + (double) q.data()[i]) / 2, Float.MIN_NORMAL));
        }
        return out;
    }
}
