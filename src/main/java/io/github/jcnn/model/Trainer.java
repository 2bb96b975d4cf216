package io.github.jcnn.model;

import io.github.jcnn.data.Batches;
import io.github.jcnn.data.Dataset;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.layers.Softmax;
import io.github.jcnn.losses.Loss;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import io.github.jcnn.viz.ProgressBar;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;

/**
 * The training loop of one {@link Sequential} model: {@link Sequential#fit} and {@link Sequential#trainBatch} are
 * the short paths to it. It owns what only training needs: the data-parallel step (the model's layers replicated per
 * chunk of a batch), the epoch loop with its listeners, progress bar, validation, checkpoints and early stopping, and
 * the diagnosis of a diverged step (which layer's weights, output or gradient went bad first).
 *
 * <p>One batch, in order: zero the gradients, forward and loss, backward (each layer adds its dL/dW), check every
 * gradient is finite, one optimizer step. The model itself keeps the layers, inference and files.
 *
 * <p>Custom training loops use the same machinery in two halves ({@link #forwardLoss}, {@link #backward}), which
 * give the same bits as {@link #trainBatch}. One training call runs at a time on a model (a flag refuses a second
 * one), and a step takes the model's write lock while it changes what inference reads (see {@link Sequential}).
 */
final class Trainer {

    private final Sequential model;
    private final List<Layer> layers;
    private final List<Parameter> parameters;
    /** Which layer's weights, output or gradient went bad first when a step diverges. */
    private final Divergence divergence;
    /** The data-parallel step (made on first use) and the depth it was made for; -1 before. */
    private Optional<DataParallelStep> dataParallel = Optional.empty();
    private int dataParallelDepth = -1;
    /** Whether the model has non-trainable buffers that a training forward writes (batch-norm statistics). */
    private final boolean writesBuffers;
    /** Set while fit, trainBatch, forwardLoss or backward runs: a second one at the same time is refused. */
    private final AtomicBoolean busy = new AtomicBoolean();
    /** Counts forwardLoss calls: only the newest {@link TrainingStep} may run backward. */
    private long generation;
    /** The pending custom-loop step on the whole-batch path: the loss's input and the labels. */
    private Tensor pendingOutput;
    private int[] pendingLabels;
    private Loss pendingLoss;
    private int pendingDepth;

    Trainer(Sequential model) {
        this.model = model;
        this.layers = model.layers();
        this.parameters = model.parameters();
        this.divergence = new Divergence(layers, parameters);
        this.writesBuffers = model.nonTrainableCount() > 0;
    }

    /**
     * How many layers training runs before the loss: all of them, or all but a final softmax when the loss is softmax
     * cross-entropy (the fused, numerically stable loss then takes the logits).
     */
    static int lossDepth(List<Layer> layers, Loss loss) {
        boolean fused = layers.get(layers.size() - 1) instanceof Softmax && loss instanceof SoftmaxCrossEntropy;
        return fused ? layers.size() - 1 : layers.size();
    }

    /** See {@link Sequential#fit(Dataset, FitOptions, Optimizer)}. */
    History fit(Dataset train, FitOptions options, Optimizer optimizer) {
        enter("fit");
        try {
            return runFit(train, options, optimizer);
        } finally {
            busy.set(false);
        }
    }

    private History runFit(Dataset train, FitOptions options, Optimizer optimizer) {
        Optional<Dataset> validation = checkData(train, options, optimizer);
        Loss loss = options.loss().orElseGet(SoftmaxCrossEntropy::new);
        int depth = lossDepth(layers, loss);
        Batches batches = new Batches(train, options.batchSize(), options.shuffle(),
                options.seed().orElse(model.seed()), options.transforms());
        ProgressBar bar = options.progressBar().orElse(null);
        Tensor[] outputsKept = new Tensor[depth];
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
            boolean stop = false;
            for (Batches.Batch b : batches.epoch(epoch)) {
                if (options.schedule().isPresent() && options.schedule().get().perStep()) {
                    optimizer.setLearningRate(optimizer.initialLearningRate()
                            * options.schedule().get().factor(epoch, b.index(), batches.batchCount()));
                }
                DataParallelStep.Result r = step(b.images(), b.labels(), loss, depth, outputsKept, optimizer,
                        options.maxLoss(), epoch, b.index());
                double batchLoss = r.loss();
                int batchCorrect = r.correct();
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
                if (stopRequested(options)) {
                    stop = true;
                    break;   // the epoch ends here: its figures are over the batches done
                }
            }
            double valLoss = Double.NaN;
            double valAccuracy = Double.NaN;
            if (validation.isPresent()) {
                // checked for NaN once, above: not again each epoch
                Evaluation v = model.inference().evaluate(validation.get(), loss, false, true);
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
                        model.save(c.file());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("could not write the checkpoint " + c.file(), e);
                    }
                }
            }
            if (stop || stopRequested(options)) {
                history.markStoppedByListener();
                break;
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
     * What fit checks once, before the first step: the shapes, the optimizer, the monitors' need of a validation set,
     * and every label and input number of the training and validation sets.
     *
     * @return the validation set, empty when none was given or the one given is empty
     */
    private Optional<Dataset> checkData(Dataset train, FitOptions options, Optimizer optimizer) {
        if (train.size() == 0) {
            throw new IllegalArgumentException("fit: the training set is empty");
        }
        if (!train.sampleShape().equals(model.inputShape())) {
            throw new IllegalArgumentException("the training samples are " + train.sampleShape()
                    + " but the model takes " + model.inputShape());
        }
        requireOwnOptimizer(optimizer);
        Optional<Dataset> validation = options.validation().filter(v -> v.size() > 0);   // empty: no validation
        for (Monitor m : monitors(options)) {
            if (m.needsValidation() && validation.isEmpty()) {
                throw new IllegalArgumentException(m + " needs a validation set: add .validation(data)"
                        + (options.validation().isPresent() ? " with at least one sample (the one given is empty)"
                        : ""));
            }
        }
        int outputs = model.outputShape().size();
        InputChecks.requireLabels(train, outputs, "the training set");
        InputChecks.requireFinite(train, "the training set");
        if (validation.isPresent()) {
            Dataset v = validation.get();
            if (!v.sampleShape().equals(model.inputShape())) {
                throw new IllegalArgumentException("the validation samples are " + v.sampleShape()
                        + " but the model takes " + model.inputShape());
            }
            InputChecks.requireLabels(v, outputs, "the validation set");
            InputChecks.requireFinite(v, "the validation set");
        }
        return validation;
    }

    private static boolean stopRequested(FitOptions options) {
        for (TrainingListener l : options.listeners()) {
            if (l.stopRequested()) {
                return true;
            }
        }
        return false;
    }

    /** See {@link Sequential#trainBatch(Tensor, int[], Optimizer, Loss)}. */
    double trainBatch(Tensor images, int[] labels, Optimizer optimizer, Loss loss) {
        enter("trainBatch");
        try {
            requireBatch(images, labels);
            requireOwnOptimizer(optimizer);
            int depth = lossDepth(layers, loss);
            return step(images, labels, loss, depth, new Tensor[depth], optimizer, FitOptions.DEFAULT_MAX_LOSS, 0, 0)
                    .loss();
        } finally {
            busy.set(false);
        }
    }

    /**
     * One step of fit or trainBatch: zero the gradients, forward and backward, check the loss and the gradients, one
     * optimizer step. The step holds the model's write lock (see {@link Sequential#predict}) while it changes what
     * predict reads: the weights (the optimizer step), and the batch-norm statistics (the whole pass) when the model
     * has them.
     */
    private DataParallelStep.Result step(Tensor images, int[] labels, Loss loss, int depth, Tensor[] outputs,
                                         Optimizer optimizer, double maxLoss, int epoch, int batchIndex) {
        generation++;   // the layers' saved state is this step's now: a custom loop's pending step is stale
        pendingOutput = null;
        Lock write = model.weightsLock().writeLock();
        if (writesBuffers) {
            write.lock();
        }
        try {
            for (Parameter p : parameters) {
                p.zeroGrad();
            }
            DataParallelStep.Result r = trainingPass(images, labels, loss, depth, outputs, optimizer, epoch,
                    batchIndex);
            if (r.loss() > maxLoss) {
                throw Divergence.lossAboveBound(epoch, batchIndex, r.loss(), maxLoss, optimizer);
            }
            String badGradient = divergence.badGradient();
            if (badGradient != null) {
                throw Divergence.inFit(epoch, batchIndex, badGradient, Double.NaN, optimizer);
            }
            if (!writesBuffers) {
                write.lock();
            }
            try {
                optimizer.step();
            } finally {
                if (!writesBuffers) {
                    write.unlock();
                }
            }
            return r;
        } finally {
            if (writesBuffers) {
                write.unlock();
            }
        }
    }

    // ---- custom training loops --------------------------------------------------------------------------------

    /** See {@link Sequential#forwardLoss(Tensor, int[], Loss)}. */
    TrainingStep forwardLoss(Tensor images, int[] labels, Loss loss) {
        enter("forwardLoss");
        try {
            requireBatch(images, labels);
            int depth = lossDepth(layers, loss);
            int n = images.shape().dim(0);
            Lock write = model.weightsLock().writeLock();
            if (writesBuffers) {
                write.lock();
            }
            try {
                generation++;
                pendingOutput = null;
                Tensor[] outputs = new Tensor[depth];
                Optional<DataParallelStep> dp = dataParallel(depth);
                DataParallelStep.Result r;
                if (dp.isPresent()) {
                    r = dp.get().forward(images, labels, loss);
                    if (!Double.isFinite(r.loss())) {
                        trainingForward(images, depth, outputs);
                        throw Divergence.outsideFit("in forwardLoss", divergence.forwardCulprit(outputs, depth, loss),
                                r.loss());
                    }
                } else {
                    Tensor x = trainingForward(images, depth, outputs);
                    Tensor rows = x.reshape(n, x.size() / n);
                    double batchLoss = loss.loss(rows, labels);
                    if (!Double.isFinite(batchLoss)) {
                        throw Divergence.outsideFit("in forwardLoss", divergence.forwardCulprit(outputs, depth, loss),
                                batchLoss);
                    }
                    r = new DataParallelStep.Result(batchLoss, correct(rows, labels));
                    pendingOutput = x;
                    pendingLabels = labels.clone();
                    pendingLoss = loss;
                    pendingDepth = depth;
                }
                return new TrainingStep(this, generation, r.loss(), r.correct(), n, images.shape());
            } finally {
                if (writesBuffers) {
                    write.unlock();
                }
            }
        } finally {
            busy.set(false);
        }
    }

    /** See {@link TrainingStep#backward()}; returns dL/dx when {@code inputGradient}, else null. */
    Tensor backward(TrainingStep step, boolean inputGradient) {
        enter("backward");
        try {
            if (step.generation() != generation) {
                throw new IllegalStateException("this step's forward is no longer the model's latest: forwardLoss "
                        + "ran again since, and backward can only follow the latest one");
            }
            generation++;   // a step runs backward once
            Tensor dx = inputGradient ? Tensor.zeros(step.inputShape()) : null;
            if (pendingOutput == null) {
                dataParallel(dataParallelDepth).orElseThrow().backward(dx);
            } else {
                int depth = pendingDepth;
                Tensor x = pendingOutput;
                pendingOutput = null;
                int n = step.size();
                Tensor dy = pendingLoss.gradient(x.reshape(n, x.size() / n), pendingLabels).reshape(x.shape());
                for (int i = depth - 1; i > 0; i--) {
                    dy = layers.get(i).backward(dy);
                }
                if (depth > 0 && !inputGradient) {
                    backwardFirst(layers.get(0), dy);
                } else if (depth > 0) {
                    dy = layers.get(0).backward(dy);
                }
                if (inputGradient) {
                    dx.copyFromInPlace(dy);
                }
            }
            String badGradient = divergence.badGradient();
            if (badGradient != null) {
                throw Divergence.outsideFit("in backward", badGradient, Double.NaN);
            }
            return dx;
        } finally {
            busy.set(false);
        }
    }

    // ---- shared -----------------------------------------------------------------------------------------------

    /** Marks the model busy with {@code what}, refusing if another training call is running on it. */
    private void enter(String what) {
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException(what + ": the model is already training (fit, trainBatch, forwardLoss or "
                    + "backward is running on another thread); one model trains on one thread at a time");
        }
    }

    private void requireOwnOptimizer(Optimizer optimizer) {
        if (!optimizer.parameters().equals(parameters)) {
            throw new IllegalArgumentException("the optimizer is not over this model's parameters;"
                    + " create it with factory.create(model.parameters())");
        }
    }

    private void requireBatch(Tensor images, int[] labels) {
        Shape shape = images.shape();
        Shape inputShape = model.inputShape();
        if (!shape.isBatchOf(inputShape)) {
            throw new IllegalArgumentException("the model takes a batch of " + inputShape + ", i.e. (N, "
                    + inputShape.toString().substring(1) + ", but got " + shape);
        }
        if (labels.length != shape.dim(0)) {
            throw new IllegalArgumentException(shape.dim(0) + " images but " + labels.length + " labels");
        }
        InputChecks.requireLabels(labels, model.outputShape().size(), "the batch");
        InputChecks.requireFinite(images, "the batch");
    }

    private static int correct(Tensor rows, int[] labels) {
        int right = 0;
        int[] predicted = rows.argMaxRows();
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == labels[i]) {
                right++;
            }
        }
        return right;
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
                throw Divergence.inFit(epoch, batchIndex, divergence.forwardCulprit(outputs, depth, loss), r.loss(),
                        optimizer);
            }
            return r;
        }
        Tensor x = trainingForward(images, depth, outputs);
        Tensor rows = x.reshape(n, x.size() / n);
        double batchLoss = loss.loss(rows, labels);
        if (!Double.isFinite(batchLoss)) {
            throw Divergence.inFit(epoch, batchIndex, divergence.forwardCulprit(outputs, depth, loss), batchLoss,
                    optimizer);
        }
        Tensor dy = loss.gradient(rows, labels).reshape(x.shape());
        for (int i = depth - 1; i > 0; i--) {
            dy = layers.get(i).backward(dy);
        }
        if (depth > 0) {
            backwardFirst(layers.get(0), dy);
        }
        return new DataParallelStep.Result(batchLoss, correct(rows, labels));
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

    /** Training forward through layers 0..depth-1 of the model itself, keeping each output in {@code outputs}. */
    private Tensor trainingForward(Tensor x, int depth, Tensor[] outputs) {
        Tensor y = x;
        for (int i = 0; i < depth; i++) {
            y = layers.get(i).forward(y, true);
            outputs[i] = y;
        }
        return y;
    }
}
