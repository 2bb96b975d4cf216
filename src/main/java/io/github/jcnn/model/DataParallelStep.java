package io.github.jcnn.model;

import io.github.jcnn.kernels.Lanes;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.losses.Loss;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The forward and backward half of a training step with the batch split over the threads (data parallelism).
 *
 * <p>A batch of N samples is cut into {@code ceil(N / CHUNK)} chunks of near-equal size; the cut depends on N only,
 * never on the thread count. Chunk c runs forward and backward through replica c of the network (see
 * {@link Layer#replica(int)}: the replicas share the model's weights but keep their own gradients and training
 * buffers), and the threads share out the chunks, each taking the next one left. When all chunks are done, each
 * model gradient gets the chunks' gradients added in chunk order:
 * <pre>
 *   dL/dW = sum over chunks c = 0, 1, ... of dL_c/dW          (each element: the same sum in the same order)
 * </pre>
 * so a step gives the same bits with 1, 2 or 16 threads. The batch's loss is the mean over all N samples,
 * L = (1/N) sum_n l_n, so each chunk's loss gradient, which the loss computes as the mean over its own m samples,
 * is scaled by m / N.
 *
 * <p>Why not split each layer's work over the threads instead? That costs a hand-over between threads per layer and
 * direction (two dozen per LeNet-5 step) and sweeps the whole batch's activations through the cache layer by layer;
 * a chunk of 32 CIFAR images keeps its activations (conv1's output: 32 x 6 x 28 x 28 floats = 600 KB) in the
 * core's own cache from the forward pass to the backward pass, and a step needs one hand-over.
 *
 * <p>Inside a replica, each ReLU followed by a max pool runs after it instead, and each batch norm followed by a ReLU
 * runs as one layer with it ({@link Reordering}): the same numbers, less work.
 *
 * <p><b>Layers whose replicas meet (batch normalization).</b> Batch norm needs the statistics of the whole batch in
 * the middle of the forward pass (and two sums over the whole batch in the backward pass). When a layer's
 * {@code replica} asks for it ({@link Lanes#requireLanes()}), the step runs chunk c in lane c of {@link Lanes}: every
 * chunk on a thread of its own, at most as many computing at once as the library has threads, so that the replicas
 * of one batch-norm layer can wait for each other at a barrier, each contributing its chunk's partial sums, which
 * each then merges in chunk order. A lane waiting at a barrier gives its turn to another, so this cannot deadlock
 * for any thread count, and it works wherever the batch norm sits (inside a layer made of layers too). After the
 * loss the lanes meet once more, so that all of them skip the backward pass when one chunk's loss is not finite.
 */
final class DataParallelStep {

    /**
     * Samples per chunk (the last chunks of a batch may have one fewer each, see {@link Parallel#start}). 32 rather
     * than 16: a batch of 64 makes two chunks, one per core of a 2-core machine. With more batch-norm lanes than
     * threads, the lanes take turns, and the cores sat idle about a quarter of the time (process CPU time against
     * wall time, vgg, 2 threads: 1.50 with 16 per chunk, 1.90 with 32; on one thread the two run at the same speed).
     * Measured with bench/Throughput, 2 threads, batch 64, images/s at 16 / 32 per chunk: vgg 517 / 707, resnet 368 /
     * 518, LeNet-5 ~17,700 / ~21,000 (docs/performance.md, round 5); in one JVM, switching every 6 steps, vgg 649 /
     * 898 (round 19).
     */
    static final int CHUNK = 32;

    private final List<Layer> layers;
    private final int depth;
    private final List<Parameter> parameters;
    /** Where each parameter starts when all gradients are laid end to end: offsets[p] to offsets[p + 1]. */
    private final int[] offsets;
    /** replicas.get(c) = chunk c's copy of layers 0..depth-1 */
    private final List<Layer[]> replicas = new ArrayList<>();
    /** chunkParameters.get(c) = the parameters of chunk c's replica, in the model's order */
    private final List<List<Parameter>> chunkParameters = new ArrayList<>();
    /** Per chunk: what its forward and backward keep from step to step. */
    private final List<Chunk> chunkState = new ArrayList<>();
    /** Per chunk of the last pass: its loss summed over its samples, and its right predictions. */
    private double[] losses = new double[0];
    private int[] correct = new int[0];
    /** Between {@link #forward} and {@link #backward}: the chunk count (0 when no backward is due), loss and N. */
    private int pendingChunks;
    private Loss pendingLoss;
    private int pendingBatch;
    /** Whether a replica asked for {@link Lanes} (its replicas meet at barriers). */
    private boolean lanes;

    /** The result of one step: the mean loss over the batch and how many samples were classified right. */
    record Result(double loss, int correct) {
    }

    private DataParallelStep(List<Layer> layers, int depth, List<Parameter> parameters) {
        this.layers = layers;
        this.depth = depth;
        this.parameters = parameters;
        this.offsets = new int[parameters.size() + 1];
        for (int p = 0; p < parameters.size(); p++) {
            offsets[p + 1] = offsets[p] + parameters.get(p).value().size();
        }
    }

    /**
     * The data-parallel step for layers 0..depth-1 of a model, or empty when one of them cannot be replicated (it
     * does not implement {@link Layer#replica}).
     *
     * @param parameters the model's parameters in its order (the layers' parameters, layer by layer)
     */
    static Optional<DataParallelStep> of(List<Layer> layers, int depth, List<Parameter> parameters) {
        DataParallelStep step = new DataParallelStep(layers, depth, parameters);
        return step.addReplica() ? Optional.of(step) : Optional.empty();
    }

    /** Makes replica number replicas.size(); false if a layer has none. */
    private boolean addReplica() {
        int index = replicas.size();
        Layer[] copy = new Layer[depth];
        List<Parameter> params = new ArrayList<>();
        Lanes.takeRequirement();
        for (int i = 0; i < depth; i++) {
            Optional<Layer> r = layers.get(i).replica(index);
            if (r.isEmpty()) {
                Lanes.takeRequirement();
                return false;
            }
            copy[i] = r.get();
            params.addAll(copy[i].parameters());
        }
        lanes |= Lanes.takeRequirement();
        if (params.size() != parameters.size()) {
            throw new IllegalStateException("a replica has " + params.size() + " parameters, the model "
                    + parameters.size());
        }
        copy = Reordering.trainingPlan(List.of(copy)).toArray(new Layer[0]);
        if (depth > 0 && copy[0] instanceof Conv2D conv) {
            conv.setInputGradientNeeded(false);   // dL/d(images) is never read
        }
        replicas.add(copy);
        chunkParameters.add(params);
        chunkState.add(new Chunk());
        return true;
    }

    /**
     * One chunk's slice of the batch (its images and labels), the tensors its forward and backward pass hand on, and
     * the loss's gradient: all kept while the chunk's size stays the same, so that a step allocates nothing per
     * chunk. The tensors are views of the replica's buffers, valid until its next forward.
     */
    private static final class Chunk {
        float[] images = new float[0];
        int[] labels = new int[0];
        /** The images as a batch, the input of the replica's first layer. */
        Tensor input;
        /** The output of the last forward (valid until the replica's next forward), and the same viewed as (m, K). */
        Tensor output;
        Tensor rows;
        /** dL/d(rows) from the loss, and the same viewed in the output's shape. */
        Tensor gradient;
        Tensor gradientView;

        /** {@code last} if it views the array of t with this shape already, else a new view. */
        static Tensor view(Tensor last, Tensor t, Shape shape) {
            return last != null && last.data() == t.data() && last.shape().equals(shape) ? last : t.reshape(shape);
        }
    }

    /**
     * Forward and backward for one batch: adds dL/dW of the batch's mean loss into the model's parameter gradients
     * (the caller zeroes them first and steps the optimizer after).
     *
     * @param images (N, inputShape...)
     * @param labels N class labels
     * @param loss   the loss on the outputs of layer depth - 1
     * @return the mean loss (not finite if the step diverged) and the number of right predictions
     */
    Result run(Tensor images, int[] labels, Loss loss) {
        return pass(images, labels, loss, true);
    }

    /**
     * The first half of {@link #run}: forward and loss of every chunk, each replica keeping what its backward needs
     * until the next forward. Finish with {@link #backward}.
     */
    Result forward(Tensor images, int[] labels, Loss loss) {
        return pass(images, labels, loss, false);
    }

    /**
     * The second half of {@link #run}, after {@link #forward}: every chunk's backward, then the chunks' gradients
     * added into the model's, exactly as run does.
     *
     * @param inputGradient where to write dL/d(images), (N, inputShape...), or null when nobody reads it (the first
     *                      layer then skips computing it)
     */
    void backward(Tensor inputGradient) {
        int chunks = pendingChunks;
        if (chunks == 0) {
            throw new IllegalStateException("backward needs a forward first, and runs once per forward");
        }
        pendingChunks = 0;
        if (lanes) {
            Lanes.run(chunks, c -> backwardChunk(c, inputGradient));
        } else {
            AtomicInteger next = new AtomicInteger();
            Parallel.forRange(Parallel.parts(chunks), (part, p0, p1) -> {
                for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                    backwardChunk(c, inputGradient);
                }
            });
        }
        addChunkGradients(chunks);
    }

    private Result pass(Tensor images, int[] labels, Loss loss, boolean withBackward) {
        int n = images.shape().dim(0);
        int chunks = (n + CHUNK - 1) / CHUNK;
        while (replicas.size() < chunks) {
            addReplica();
        }
        if (losses.length < chunks) {
            losses = new double[chunks];
            correct = new int[chunks];
        }
        double[] losses = this.losses;
        int[] correct = this.correct;
        pendingLoss = loss;
        pendingBatch = n;
        pendingChunks = 0;
        // each thread takes the next chunk not yet taken: a thread slowed down (by another process on its core)
        // does fewer chunks. Who computes a chunk never changes what it computes.
        if (lanes) {
            Lanes.run(chunks, c -> {
                forwardChunk(c, images, labels, Parallel.start(n, chunks, c), Parallel.start(n, chunks, c + 1), loss,
                        losses, correct);
                if (withBackward) {
                    Lanes.current().await();   // every chunk's loss is in: all go on to the backward pass, or none
                    for (double l : losses) {
                        if (!Double.isFinite(l)) {
                            return;   // the caller reports the divergence
                        }
                    }
                    backwardChunk(c, null);
                }
            });
        } else {
            AtomicInteger next = new AtomicInteger();
            Parallel.forRange(Parallel.parts(chunks), (part, p0, p1) -> {
                for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                    int from = Parallel.start(n, chunks, c);
                    int to = Parallel.start(n, chunks, c + 1);
                    forwardChunk(c, images, labels, from, to, loss, losses, correct);
                    if (withBackward && Double.isFinite(losses[c])) {
                        backwardChunk(c, null);   // a non-finite loss: the caller reports the divergence
                    }
                }
            });
        }
        double lossSum = 0;
        int right = 0;
        for (int c = 0; c < chunks; c++) {
            lossSum += losses[c];
            right += correct[c];
        }
        if (withBackward) {
            addChunkGradients(chunks);
        } else {
            pendingChunks = chunks;
        }
        return new Result(lossSum / n, right);
    }

    /** Chunk c: samples from..to-1 forward and loss, through replica c. */
    private void forwardChunk(int c, Tensor images, int[] labels, int from, int to, Loss loss,
                              double[] losses, int[] correct) {
        Chunk chunk = chunkState.get(c);
        int count = to - from;
        Shape inputShape = layers.get(0).inputShape();
        int sampleSize = inputShape.size();
        if (chunk.images.length != count * sampleSize) {
            chunk.images = new float[count * sampleSize];
            chunk.input = Tensor.wrap(inputShape.withBatch(count), chunk.images);
        }
        System.arraycopy(images.data(), from * sampleSize, chunk.images, 0, chunk.images.length);
        if (chunk.labels.length != count) {
            chunk.labels = new int[count];
        }
        int[] y = chunk.labels;
        System.arraycopy(labels, from, y, 0, count);
        List<Parameter> params = chunkParameters.get(c);
        for (int p = 0; p < params.size(); p++) {
            params.get(p).zeroGrad();
        }
        Layer[] net = replicas.get(c);
        Tensor out = chunk.input;
        for (Layer layer : net) {
            out = layer.forward(out, true);
        }
        chunk.output = out;
        int classes = out.size() / count;
        Tensor rows = chunk.rows;
        if (rows == null || rows.data() != out.data() || rows.shape().dim(0) != count
                || rows.shape().dim(1) != classes) {
            rows = out.reshape(count, classes);   // the output viewed as (m, K), kept while it stays the same
            chunk.rows = rows;
        }
        double chunkLoss = loss.loss(rows, y);
        losses[c] = chunkLoss * count;
        float[] z = rows.data();
        int right = 0;
        for (int i = 0; i < count; i++) {
            int best = 0;   // the first of the largest scores, as Tensor.argMaxRows
            for (int k = 1; k < classes; k++) {
                if (z[i * classes + k] > z[i * classes + best]) {
                    best = k;
                }
            }
            if (best == y[i]) {
                right++;
            }
        }
        correct[c] = right;
    }

    /** Chunk c's backward into replica c's gradients (after its forward); dL/dx into inputGradient unless null. */
    private void backwardChunk(int c, Tensor inputGradient) {
        Chunk chunk = chunkState.get(c);
        Tensor out = chunk.output;
        int count = chunk.labels.length;
        Tensor rows = chunk.rows;
        if (chunk.gradient == null || !chunk.gradient.shape().equals(rows.shape())) {
            chunk.gradient = Tensor.zeros(rows.shape());
        }
        pendingLoss.gradientInto(rows, chunk.labels, chunk.gradient).scaleInPlace((float) count / pendingBatch);
        chunk.gradientView = Chunk.view(chunk.gradientView, chunk.gradient, out.shape());
        Tensor dy = chunk.gradientView;
        Layer[] net = replicas.get(c);
        for (int i = net.length - 1; i > 0; i--) {
            dy = net[i].backward(dy);
        }
        if (inputGradient == null) {
            if (net.length > 0) {
                net[0].backward(dy);   // a first Conv2D skips dL/dx (see addReplica)
            }
            return;
        }
        Tensor dx;
        if (net.length == 0) {
            dx = dy;
        } else if (net[0] instanceof Conv2D conv) {
            conv.setInputGradientNeeded(true);
            try {
                dx = conv.backward(dy);
            } finally {
                conv.setInputGradientNeeded(false);
            }
        } else {
            dx = net[0].backward(dy);
        }
        int n = pendingBatch;
        int from = Parallel.start(n, (n + CHUNK - 1) / CHUNK, c);
        System.arraycopy(dx.data(), 0, inputGradient.data(), from * (dx.size() / count), dx.size());
    }

    /** model grad += sum over chunks, in chunk order, of the chunk's grad; the elements are split over threads. */
    private void addChunkGradients(int chunks) {
        int count = parameters.size();
        Parallel.forRange(offsets[count], (part, from, to) -> {
            for (int p = 0; p < count; p++) {
                int start = Math.max(from, offsets[p]);
                int end = Math.min(to, offsets[p + 1]);
                if (start >= end) {
                    continue;
                }
                float[] sum = parameters.get(p).grad().data();
                int base = offsets[p];
                for (int c = 0; c < chunks; c++) {
                    float[] g = chunkParameters.get(c).get(p).grad().data();
                    for (int i = start - base; i < end - base; i++) {
                        sum[i] += g[i];
                    }
                }
            }
        });
    }
}
