package io.github.jcnn.model;

import io.github.jcnn.data.Batches;
import io.github.jcnn.data.Dataset;
import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.Json;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.layers.Softmax;
import io.github.jcnn.losses.Loss;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.optim.OptimizerFactory;
import io.github.jcnn.optim.OptimizerState;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import io.github.jcnn.viz.ProgressBar;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A network that is a chain of layers, each feeding the next: define it, print its table, train it, evaluate it,
 * save it and load it back. The lecture's LeNet-5 on CIFAR-10 images:
 * <pre>
 *   Sequential model = Sequential.builder(Shape.of(3, 32, 32))   // one image: channels, height, width
 *           .conv2d(6, 5).relu().maxPool(2)                     // 6 filters of 5x5; pool 2x2
 *           .conv2d(16, 5).relu().maxPool(2)
 *           .flatten()
 *           .dense(120).relu()
 *           .dense(84).relu()
 *           .dense(10).softmax()
 *           .seed(42)
 *           .build();
 *   System.out.println(model.summary());
 *   long n = model.parameterCount();          // 62006
 *   Tensor p = model.predict(images);         // (N, 3, 32, 32) -&gt; (N, 10), rows sum to 1
 *   int[] classes = model.predictClasses(images);
 *   List&lt;Layer&gt; layers = model.layers();      // each with parameters(): name(), value(), grad()
 *
 *   History history = model.fit(train, FitOptions.defaults().epochs(10).validation(test));
 *   Evaluation result = model.evaluate(test);       // loss, accuracy, confusion matrix
 *   model.save(Path.of("lenet5.safetensors"));
 *   Sequential again = Sequential.load(Path.of("lenet5.safetensors"));
 * </pre>
 *
 * <p><b>Softmax and the loss.</b> When the last layer is {@code softmax()} and the loss is softmax cross-entropy,
 * training feeds the loss the logits (the input of the softmax), so the fused, numerically stable loss is used and
 * softmax is not applied twice; {@link #predict} returns probabilities.
 *
 * <p><b>Threads.</b> {@link #predict}, {@link #predictClasses} and {@link #evaluate} may be called from several threads
 * at once: they use only inference mode ({@code forward(x, false)}: no dropout, batch-norm running statistics), which
 * writes no layer state. Training ({@link #fit}) must not run at the same time as anything else on the same model.
 * Training uses the library's threads ({@code kernels/Parallel}) by splitting each batch into chunks of 16 samples,
 * each run forward and backward through its own replica of the layers ({@link Layer#replica}) and the chunks'
 * gradients added in chunk order; batch normalization's replicas meet at barriers to use the whole batch's
 * statistics (see {@code DataParallelStep}). A model with a layer that cannot be replicated (a user-defined layer
 * without {@link Layer#replica}) is trained on whole batches, each layer splitting its own work. Either way the
 * result does not depend on the thread count.
 *
 * <p><b>Determinism.</b> The builder's seed fixes the initial weights (each layer draws from its own generator derived
 * from the seed and its position), and, unless {@link FitOptions#seed} says otherwise, the shuffles, dropout and
 * augmentation; the same seed gives bit-identical weights after training.
 *
 * <p><b>Files.</b> {@link #save(Path)} writes the safetensors layout described in {@code docs/model-format.md}: tensor
 * names {@code "{layerIndex}.weight"} as in PyTorch's {@code nn.Sequential}, the architecture as JSON in the
 * metadata.
 */
public final class Sequential {

    /** The version of the model file format this code writes and reads. */
    public static final String FORMAT_VERSION = "1";

    private static final int PREDICT_CHUNK = 256;
    /**
     * Samples per chunk of a parallel inference run (see {@link #run}): small enough that LeNet's biggest
     * activation (16 x 6 x 28 x 28 floats, 301 KB) stays under G1's humongous-object size even in a 1 GB heap.
     */
    private static final int INFERENCE_CHUNK = 16;

    private final Shape inputShape;
    private final List<Layer> layers;
    private final long seed;
    private final List<Parameter> parameters;
    /** fit's data-parallel step (made on first use) and the depth it was made for; -1 before. */
    private Optional<DataParallelStep> dataParallel = Optional.empty();
    private int dataParallelDepth = -1;
    private final int[] parameterLayer;

    Sequential(Shape inputShape, List<Layer> layers, long seed) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        Shape shape = inputShape;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (!layer.inputShape().equals(shape)) {
                throw new IllegalArgumentException(layer.type() + " #" + i + " expects input " + layer.inputShape()
                        + " but " + (i == 0 ? "the model input is " : layers.get(i - 1).type() + " #" + (i - 1)
                        + " outputs ") + shape);
            }
            shape = layer.outputShape();
        }
        this.inputShape = inputShape;
        this.layers = List.copyOf(layers);
        this.seed = seed;
        List<Parameter> params = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            for (Parameter p : layers.get(i).parameters()) {
                params.add(p);
                owner.add(i);
            }
        }
        this.parameters = List.copyOf(params);
        this.parameterLayer = owner.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * A builder for a model taking samples of {@code inputShape}: (C, H, W) for images, (D) for vectors.
     * See {@link SequentialBuilder}.
     */
    public static SequentialBuilder builder(Shape inputShape) {
        return new SequentialBuilder(inputShape);
    }

    // ---- structure --------------------------------------------------------------------------------------------

    /** The shape of one input sample, e.g. (3, 32, 32). */
    public Shape inputShape() {
        return inputShape;
    }

    /** The shape of one output sample, e.g. (10). */
    public Shape outputShape() {
        return layers.get(layers.size() - 1).outputShape();
    }

    /** The layers in order (unmodifiable); position i is the {@code i} of "Conv2D #i" and of the tensor "i.weight". */
    public List<Layer> layers() {
        return layers;
    }

    /** The seed the model was built with. */
    public long seed() {
        return seed;
    }

    /** All learnable parameters, layer by layer, in a fixed order (what an optimizer is given). */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The number of learnable numbers (62,006 for the lecture's LeNet-5). */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters) {
            n += p.value().size();
        }
        return n;
    }

    /** The number of saved numbers that are not learned (batch-norm running statistics). */
    public long nonTrainableCount() {
        long n = 0;
        for (Layer layer : layers) {
            for (Parameter b : layer.buffers()) {
                n += b.value().size();
            }
        }
        return n;
    }

    /** The lecture-style table of layers, shapes and parameter counts; print it or read its {@code rows()}. */
    public Summary summary() {
        return Summary.of(this);
    }

    @Override
    public String toString() {
        return summary().toString();
    }

    // ---- inference --------------------------------------------------------------------------------------------

    /**
     * The model's outputs for a batch, in inference mode (probabilities when the last layer is softmax). Safe to call
     * from several threads at once; a batch of more than 16 samples is cut into chunks that the library's threads
     * share out.
     *
     * @param inputs (N, inputShape...), e.g. (N, 3, 32, 32)
     * @return (N, outputShape...), e.g. (N, 10)
     */
    public Tensor predict(Tensor inputs) {
        return run(inputs, layers.size());
    }

    /** The index of the largest output of each sample: the predicted class. */
    public int[] predictClasses(Tensor inputs) {
        Tensor out = predict(inputs);
        return out.reshape(out.shape().dim(0), out.size() / out.shape().dim(0)).argMaxRows();
    }

    /**
     * The outputs of the first {@code depth} layers, in inference mode: the feature maps a network computes on the way
     * to its answer. {@code activations(x, 0)} is x itself; {@code activations(x, layers().size())} equals
     * {@link #predict(Tensor)}. For the lecture's LeNet-5, depth 1 gives the 6 maps of CONV 1 (N, 6, 28, 28) and
     * depth 3 the pooled maps (N, 6, 14, 14). Safe to call from several threads at once.
     *
     * @param inputs (N, inputShape...)
     * @param depth  how many layers to run, 0 to layers().size()
     * @throws IllegalArgumentException if depth is out of range or the input shape is wrong
     */
    public Tensor activations(Tensor inputs, int depth) {
        if (depth < 0 || depth > layers.size()) {
            throw new IllegalArgumentException("depth must be 0 to " + layers.size() + " (the number of layers), got "
                    + depth);
        }
        return run(inputs, depth);
    }

    /**
     * Inference through the first {@code depth} layers. A batch of more than {@value #INFERENCE_CHUNK} samples is
     * cut into chunks of about that size which the threads share out, each chunk going through all the layers on
     * one thread (its activations stay in that core's cache); a smaller batch goes through the layers whole, each
     * layer splitting its own work over the threads. Every sample's numbers are the same either way. The layers run
     * are {@link Reordering#inferencePlan}'s: each batch norm that follows a convolution is folded into it.
     */
    private Tensor run(Tensor inputs, int depth) {
        Shape shape = inputs.shape();
        if (shape.rank() != inputShape.rank() + 1 || !shape.dropFirst().equals(inputShape)) {
            throw new IllegalArgumentException("the model takes a batch of " + inputShape + ", i.e. (N, "
                    + inputShape.toString().substring(1) + ", but got " + shape);
        }
        List<Layer> plan = Reordering.inferencePlan(layers.subList(0, depth));
        int n = shape.dim(0);
        int chunks = (n + INFERENCE_CHUNK - 1) / INFERENCE_CHUNK;
        if (chunks <= 1 || Parallel.threads() == 1) {
            return inference(plan, inputs);
        }
        Shape outSample = depth == 0 ? inputShape : layers.get(depth - 1).outputShape();
        Tensor out = Tensor.zeros(outSample.withBatch(n));
        int inSize = inputShape.size();
        int outSize = outSample.size();
        Parallel.forRange(chunks, (part, c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int from = Parallel.start(n, chunks, c);
                int count = Parallel.start(n, chunks, c + 1) - from;
                float[] chunk = new float[count * inSize];
                System.arraycopy(inputs.data(), from * inSize, chunk, 0, chunk.length);
                Tensor y = inference(plan, Tensor.wrap(inputShape.withBatch(count), chunk));
                System.arraycopy(y.data(), 0, out.data(), from * outSize, count * outSize);
            }
        });
        return out;
    }

    private static Tensor inference(List<Layer> plan, Tensor x) {
        Tensor y = x;
        for (Layer layer : plan) {
            y = layer.forward(y, false);
        }
        return y;
    }

    /** Training forward through layers 0..depth-1 of the model itself, keeping each output in {@code outputs}. */
    private Tensor trainingForward(Tensor x, int depth, Tensor[] outputs) {
        Tensor y = x;
        for (int i = 0; i < depth; i++) {
            y = layers.get(i).forward(y, true);
            outputs[i] = y;
        }
        return y;
    }

    /** Whether the model ends in softmax and the loss is softmax cross-entropy: train and score on logits. */
    private boolean fused(Loss loss) {
        return layers.get(layers.size() - 1) instanceof Softmax && loss instanceof SoftmaxCrossEntropy;
    }

    // ---- evaluation -------------------------------------------------------------------------------------------

    /** Loss (softmax cross-entropy), accuracy and confusion matrix on a dataset, in inference mode. */
    public Evaluation evaluate(Dataset data) {
        return evaluate(data, new SoftmaxCrossEntropy());
    }

    /** Loss, accuracy and confusion matrix on a dataset with the given loss, in inference mode. */
    public Evaluation evaluate(Dataset data, Loss loss) {
        if (!data.sampleShape().equals(inputShape)) {
            throw new IllegalArgumentException("the dataset's samples are " + data.sampleShape()
                    + " but the model takes " + inputShape);
        }
        int depth = fused(loss) ? layers.size() - 1 : layers.size();
        ConfusionMatrix confusion = new ConfusionMatrix(data.classNames());
        double lossSum = 0;
        for (Batches.Batch b : new Batches(data, PREDICT_CHUNK).epoch(0)) {
            Tensor out = run(b.images(), depth);
            Tensor rows = out.reshape(b.size(), out.size() / b.size());
            lossSum += loss.loss(rows, b.labels()) * b.size();
            confusion.addAll(b.labels(), rows.argMaxRows());
        }
        return new Evaluation(lossSum / data.size(), confusion);
    }

    // ---- training ---------------------------------------------------------------------------------------------

    /**
     * Trains with a fresh optimizer from {@code options.optimizer()}; see {@link #fit(Dataset, FitOptions, Optimizer)}.
     */
    public History fit(Dataset train, FitOptions options) {
        return fit(train, options, options.optimizer().create(parameters));
    }

    /**
     * Trains with the given optimizer (which must be over {@link #parameters()}), for example one restored with
     * {@link #loadOptimizer} to resume a run.
     *
     * <p>Each epoch: a shuffled pass over {@code train} in mini-batches (transformed when options say so), a console
     * progress bar, then validation if a validation set is given; early stopping and checkpoints act on the epoch's
     * metrics. Each batch is one {@link #trainBatch} step (see "Threads" in the class comment for how it is split).
     *
     * @return the per-epoch metrics
     * @throws TrainingDivergedException when the loss, an output or a gradient becomes NaN or infinite
     * @throws java.io.UncheckedIOException when a checkpoint cannot be written
     */
    public History fit(Dataset train, FitOptions options, Optimizer optimizer) {
        if (!train.sampleShape().equals(inputShape)) {
            throw new IllegalArgumentException("the training samples are " + train.sampleShape()
                    + " but the model takes " + inputShape);
        }
        if (!optimizer.parameters().equals(parameters)) {
            throw new IllegalArgumentException("the optimizer is not over this model's parameters;"
                    + " create it with factory.create(model.parameters())");
        }
        for (Monitor m : monitors(options)) {
            if (m.needsValidation() && options.validation().isEmpty()) {
                throw new IllegalArgumentException(m + " needs a validation set: add .validation(data)");
            }
        }
        Loss loss = options.loss().orElseGet(SoftmaxCrossEntropy::new);
        int depth = fused(loss) ? layers.size() - 1 : layers.size();
        Batches batches = new Batches(train, options.batchSize(), options.shuffle(),
                options.seed().orElse(seed), options.transforms());
        ProgressBar bar = options.progressBar().orElse(null);
        Tensor[] outputs = new Tensor[depth];
        History history = new History();
        double bestCheckpoint = Double.NaN;
        double bestStopping = Double.NaN;
        int epochsWithoutImprovement = 0;
        for (int epoch = options.initialEpoch(); epoch < options.epochs(); epoch++) {
            long start = System.nanoTime();
            if (options.schedule().isPresent()) {
                optimizer.setLearningRate(options.schedule().get()
                        .learningRate(optimizer.initialLearningRate(), epoch));
            }
            for (TrainingListener l : options.listeners()) {
                l.onEpochStart(epoch, options.epochs());
            }
            if (bar != null) {
                bar.start(String.format(Locale.ROOT, "Epoch %d/%d", epoch + 1, options.epochs()),
                        batches.batchCount());
            }
            double lossSum = 0;
            long correct = 0;
            long seen = 0;
            for (Batches.Batch b : batches.epoch(epoch)) {
                for (Parameter p : parameters) {
                    p.zeroGrad();
                }
                DataParallelStep.Result r = trainingPass(b.images(), b.labels(), loss, depth, outputs, optimizer,
                        epoch, b.index());
                double batchLoss = r.loss();
                int batchCorrect = r.correct();
                checkGradients(epoch, b.index(), optimizer);
                optimizer.step();

                lossSum += batchLoss * b.size();
                correct += batchCorrect;
                seen += b.size();
                if (bar != null) {
                    bar.update(b.index() + 1, seen, lossSum / seen, (double) correct / seen);
                }
                for (TrainingListener l : options.listeners()) {
                    l.onBatchEnd(epoch, b.index(), batches.batchCount(), batchLoss,
                            (double) batchCorrect / b.size());
                }
            }
            double valLoss = Double.NaN;
            double valAccuracy = Double.NaN;
            if (options.validation().isPresent()) {
                Evaluation v = evaluate(options.validation().get(), loss);
                valLoss = v.loss();
                valAccuracy = v.accuracy();
            }
            EpochMetrics metrics = new EpochMetrics(epoch, lossSum / seen, (double) correct / seen, valLoss,
                    valAccuracy, optimizer.learningRate(), (System.nanoTime() - start) / 1e9);
            history.add(metrics);
            if (bar != null) {
                bar.finish(metrics.hasValidation() ? String.format(Locale.ROOT, "val loss %.4f  val acc %.1f%%",
                        valLoss, 100 * valAccuracy) : "");
            }
            for (TrainingListener l : options.listeners()) {
                l.onEpochEnd(metrics);
            }
            if (options.checkpoint().isPresent()) {
                FitOptions.Checkpoint c = options.checkpoint().get();
                double value = c.monitor().value(metrics);
                if (c.monitor().improves(value, bestCheckpoint, 0)) {
                    bestCheckpoint = value;
                    try {
                        save(c.file());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("could not write the checkpoint " + c.file(), e);
                    }
                }
            }
            if (options.earlyStopping().isPresent()) {
                EarlyStopping s = options.earlyStopping().get();
                double value = s.monitor().value(metrics);
                if (s.monitor().improves(value, bestStopping, s.minDelta())) {
                    bestStopping = value;
                    epochsWithoutImprovement = 0;
                } else if (++epochsWithoutImprovement >= s.patience()) {
                    history.markStoppedEarly();
                    break;
                }
            }
        }
        return history;
    }

    /**
     * One training step on one batch, outside {@link #fit}: zero the gradients, forward, loss, backward, one
     * optimizer step, exactly as fit does for each of its batches (softmax cross-entropy on the logits when the
     * model ends in Softmax; see {@link #fit(Dataset, FitOptions, Optimizer)}). For custom training loops and
     * benchmarks.
     *
     * @param images    (N, inputShape...)
     * @param labels    N class labels
     * @param optimizer an optimizer over this model's {@link #parameters()}
     * @return the batch's mean loss before the step
     * @throws TrainingDivergedException if the loss or a gradient is not finite (the step is not taken)
     */
    public double trainBatch(Tensor images, int[] labels, Optimizer optimizer) {
        return trainBatch(images, labels, optimizer, new SoftmaxCrossEntropy());
    }

    /**
     * {@link #trainBatch(Tensor, int[], Optimizer)} with another loss (softmax cross-entropy is applied to the logits
     * when the model ends in Softmax, as in fit).
     *
     * @param loss the loss on the model's outputs, e.g. {@code new MeanSquaredError()}
     * @return the batch's mean loss before the step
     */
    public double trainBatch(Tensor images, int[] labels, Optimizer optimizer, Loss loss) {
        Shape shape = images.shape();
        if (shape.rank() != inputShape.rank() + 1 || !shape.dropFirst().equals(inputShape)) {
            throw new IllegalArgumentException("the model takes a batch of " + inputShape + ", i.e. (N, "
                    + inputShape.toString().substring(1) + ", but got " + shape);
        }
        if (labels.length != shape.dim(0)) {
            throw new IllegalArgumentException(shape.dim(0) + " images but " + labels.length + " labels");
        }
        if (!optimizer.parameters().equals(parameters)) {
            throw new IllegalArgumentException("the optimizer is not over this model's parameters;"
                    + " create it with factory.create(model.parameters())");
        }
        int depth = fused(loss) ? layers.size() - 1 : layers.size();
        for (Parameter p : parameters) {
            p.zeroGrad();
        }
        DataParallelStep.Result r = trainingPass(images, labels, loss, depth, new Tensor[depth], optimizer, 0, 0);
        checkGradients(0, 0, optimizer);
        optimizer.step();
        return r.loss();
    }

    /**
     * Forward and backward for one batch, adding dL/dW into the (zeroed) gradients: chunk by chunk over the threads
     * when every layer can be replicated ({@link DataParallelStep}), else whole, layer by layer.
     */
    private DataParallelStep.Result trainingPass(Tensor images, int[] labels, Loss loss, int depth, Tensor[] outputs,
                                                 Optimizer optimizer, int epoch, int batchIndex) {
        Optional<DataParallelStep> dataParallel = dataParallel(depth);
        int n = images.shape().dim(0);
        if (dataParallel.isPresent()) {
            DataParallelStep.Result r = dataParallel.get().run(images, labels, loss);
            if (!Double.isFinite(r.loss())) {
                // run the batch once more, whole, to find the layer where it went wrong
                trainingForward(images, depth, outputs);
                throw diverged(epoch, batchIndex, forwardCulprit(outputs, depth, loss), r.loss(), optimizer);
            }
            return r;
        }
        Tensor x = trainingForward(images, depth, outputs);
        Tensor rows = x.reshape(n, x.size() / n);
        double batchLoss = loss.loss(rows, labels);
        if (!Double.isFinite(batchLoss)) {
            throw diverged(epoch, batchIndex, forwardCulprit(outputs, depth, loss), batchLoss, optimizer);
        }
        Tensor dy = loss.gradient(rows, labels).reshape(x.shape());
        for (int i = depth - 1; i > 0; i--) {
            dy = layers.get(i).backward(dy);
        }
        if (depth > 0) {
            backwardFirst(layers.get(0), dy);
        }
        int right = 0;
        int[] predicted = rows.argMaxRows();
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == labels[i]) {
                right++;
            }
        }
        return new DataParallelStep.Result(batchLoss, right);
    }

    /** The data-parallel step over layers 0..depth-1, made once per depth; empty if a layer cannot be replicated. */
    private Optional<DataParallelStep> dataParallel(int depth) {
        if (dataParallelDepth != depth) {
            List<Parameter> trained = new ArrayList<>();
            for (int i = 0; i < depth; i++) {
                trained.addAll(layers.get(i).parameters());
            }
            dataParallel = trained.equals(parameters) ? DataParallelStep.of(layers, depth, parameters)
                    : Optional.empty();
            dataParallelDepth = depth;
        }
        return dataParallel;
    }

    /**
     * Backward through the first layer, whose dL/dx (the gradient for the data) nobody reads: a first Conv2D is told
     * to skip it (see {@link Conv2D#setInputGradientNeeded(boolean)}) for this call only.
     */
    private static void backwardFirst(Layer first, Tensor dy) {
        if (first instanceof Conv2D conv && conv.isInputGradientNeeded()) {
            conv.setInputGradientNeeded(false);
            try {
                conv.backward(dy);
            } finally {
                conv.setInputGradientNeeded(true);
            }
        } else {
            first.backward(dy);
        }
    }

    private static List<Monitor> monitors(FitOptions options) {
        List<Monitor> out = new ArrayList<>();
        options.earlyStopping().ifPresent(s -> out.add(s.monitor()));
        options.checkpoint().ifPresent(c -> out.add(c.monitor()));
        return out;
    }

    /** Which forward quantity went bad first: a layer's weights, else a layer's output, else the loss itself. */
    private String forwardCulprit(Tensor[] outputs, int depth, Loss loss) {
        for (int i = 0; i < depth; i++) {
            Layer layer = layers.get(i);
            for (Parameter p : layer.parameters()) {
                if (!p.value().isFinite()) {
                    return layer.type() + " #" + i + " " + p.name();
                }
            }
            if (!outputs[i].isFinite()) {
                return layer.type() + " #" + i + " output";
            }
        }
        return "loss (" + loss.name() + ")";
    }

    /** Checks every gradient, from the last layer back (the order backward computed them). */
    private void checkGradients(int epoch, int batch, Optimizer optimizer) {
        for (int k = parameters.size() - 1; k >= 0; k--) {
            Parameter p = parameters.get(k);
            if (!p.grad().isFinite()) {
                Layer layer = layers.get(parameterLayer[k]);
                throw diverged(epoch, batch, layer.type() + " #" + parameterLayer[k] + " " + p.name() + " gradient",
                        Double.NaN, optimizer);
            }
        }
    }

    private static TrainingDivergedException diverged(int epoch, int batch, String quantity, double loss,
                                                      Optimizer optimizer) {
        String message = String.format(Locale.ROOT, "training diverged at epoch %d, batch %d: %s became NaN or "
                        + "infinite%s. The learning rate (%s) is probably too high: try one 10 times smaller, "
                        + "normalise the inputs, or add batch normalisation.", epoch + 1, batch + 1, quantity,
                Double.isNaN(loss) ? "" : " (loss " + loss + ")", optimizer.learningRate());
        return new TrainingDivergedException(epoch, batch, quantity, message);
    }

    // ---- files ------------------------------------------------------------------------------------------------

    /**
     * Saves the architecture and the weights (and batch-norm statistics) to {@code file} in the safetensors layout,
     * atomically: a failed save leaves any previous file intact.
     *
     * @throws IOException if the file cannot be written
     * @throws IllegalStateException if a layer has no file description (a user-defined layer)
     */
    public void save(Path file) throws IOException {
        save(file, null);
    }

    /**
     * Saves the model and the optimizer's state (moments, step count, learning rate) so that training can resume;
     * restore it with {@link #loadOptimizer(Path, OptimizerFactory)}.
     */
    public void save(Path file, Optimizer optimizer) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            for (Parameter p : layers.get(i).parameters()) {
                tensors.put(i + "." + p.name(), p.value());
            }
            for (Parameter b : layers.get(i).buffers()) {
                tensors.put(i + "." + b.name(), b.value());
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "jcnn");
        metadata.put("format_version", FORMAT_VERSION);
        metadata.put("architecture", Json.write(LayerCodec.architecture(this)));
        if (optimizer != null) {
            OptimizerState state = optimizer.state();
            Map<String, Object> description = new LinkedHashMap<>();
            description.put("type", state.type());
            description.put("values", state.values());
            metadata.put("optimizer", Json.write(description));
            for (Map.Entry<String, Tensor> e : state.tensors().entrySet()) {
                tensors.put("optimizer." + e.getKey(), e.getValue());
            }
        }
        SafeTensors.write(file, tensors, metadata);
    }

    /**
     * Loads a model saved by {@link #save(Path)}: the same layers, weights and statistics, ready to predict or to
     * train further. Never returns a half-loaded model.
     *
     * @throws FileFormatException if the file is truncated, corrupt, of an unknown format version, or its tensors do
     *                             not fit its architecture (the message names the file and the problem)
     * @throws IOException         if it cannot be read
     */
    public static Sequential load(Path file) throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(file);
        Map<String, String> metadata = contents.metadata();
        if (!"jcnn".equals(metadata.get("format"))) {
            throw new FileFormatException(file, "not a jcnn model file (its metadata has no \"format\": \"jcnn\")");
        }
        String version = metadata.get("format_version");
        if (!FORMAT_VERSION.equals(version)) {
            throw new FileFormatException(file, "unknown model format version " + version + "; this jcnn reads "
                    + "version " + FORMAT_VERSION);
        }
        Sequential model = LayerCodec.model(file, metadata.get("architecture"));
        Map<String, Tensor> tensors = contents.tensors();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < model.layers.size(); i++) {
            List<Parameter> all = new ArrayList<>(model.layers.get(i).parameters());
            all.addAll(model.layers.get(i).buffers());
            for (Parameter p : all) {
                String name = i + "." + p.name();
                expected.add(name);
                Tensor t = tensors.get(name);
                if (t == null) {
                    throw new FileFormatException(file, "tensor '" + name + "' of " + model.layers.get(i).type()
                            + " #" + i + " is missing");
                }
                if (!t.shape().equals(p.value().shape())) {
                    throw new FileFormatException(file, "tensor '" + name + "' has shape " + t.shape() + " but "
                            + model.layers.get(i).type() + " #" + i + " needs " + p.value().shape());
                }
                p.value().copyFromInPlace(t);
            }
        }
        for (String name : tensors.keySet()) {
            if (!name.startsWith("optimizer.") && !expected.contains(name)) {
                throw new FileFormatException(file, "tensor '" + name + "' belongs to no layer of the architecture");
            }
        }
        return model;
    }

    /**
     * Makes an optimizer for this model with {@code factory} and restores into it the state saved by
     * {@link #save(Path, Optimizer)}, so that training resumes exactly where it stopped.
     *
     * @throws FileFormatException if the file holds no optimizer state or one that does not fit
     */
    public Optimizer loadOptimizer(Path file, OptimizerFactory factory) throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(file);
        String description = contents.metadata().get("optimizer");
        if (description == null) {
            throw new FileFormatException(file, "holds no optimizer state; save it with save(path, optimizer)");
        }
        Optimizer optimizer = factory.create(parameters);
        try {
            Map<String, Object> json = Json.parseObject(description);
            Map<String, String> values = new LinkedHashMap<>();
            Object rawValues = json.get("values");
            if (!(json.get("type") instanceof String) || !(rawValues instanceof Map)) {
                throw new IllegalArgumentException("the optimizer description needs a type and values");
            }
            for (Map.Entry<?, ?> e : ((Map<?, ?>) rawValues).entrySet()) {
                values.put((String) e.getKey(), String.valueOf(e.getValue()));
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : contents.tensors().entrySet()) {
                if (e.getKey().startsWith("optimizer.")) {
                    tensors.put(e.getKey().substring("optimizer.".length()), e.getValue());
                }
            }
            optimizer.restore(new OptimizerState((String) json.get("type"), values, tensors));
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, "the optimizer state does not fit: " + e.getMessage(), e);
        }
        return optimizer;
    }

    /** The layers as an unmodifiable list (for the codec and the summary). */
    List<Layer> layerList() {
        return Collections.unmodifiableList(layers);
    }
}
