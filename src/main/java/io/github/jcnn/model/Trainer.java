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

/**
 * The training loop of one {@link Sequential} model: {@link Sequential#fit} and {@link Sequential#trainBatch} are
 * the short paths to it. It owns what only training needs: the data-parallel step (the model's layers replicated per
 * chunk of a batch), the epoch loop with its listeners, progress bar, validation, checkpoints and early stopping, and
 * the diagnosis of a diverged step (which layer's weights, output or gradient went bad first).
 *
 * <p>One batch, in order: zero the gradients, forward and loss, backward (each layer adds its dL/dW), check every
 * gradient is finite, one optimizer step. The model itself keeps the layers, inference and files.
 */
final class Trainer {

    private final Sequential model;
    private final List<Layer> layers;
    private final List<Parameter> parameters;
    /** parameterLayer[k] = the index of the layer that owns parameters.get(k) */
    private final int[] parameterLayer;
    /** The data-parallel step (made on first use) and the depth it was made for; -1 before. */
    private Optional<DataParallelStep> dataParallel = Optional.empty();
    private int dataParallelDepth = -1;

    Trainer(Sequential model) {
        this.model = model;
        this.layers = model.layers();
        this.parameters = model.parameters();
        this.parameterLayer = new int[parameters.size()];
        int k = 0;
        for (int i = 0; i < layers.size(); i++) {
            for (int j = 0; j < layers.get(i).parameters().size(); j++) {
                parameterLayer[k++] = i;
            }
        }
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
        if (!train.sampleShape().equals(model.inputShape())) {
            throw new IllegalArgumentException("the training samples are " + train.sampleShape()
                    + " but the model takes " + model.inputShape());
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
        int depth = lossDepth(layers, loss);
        Batches batches = new Batches(train, options.batchSize(), options.shuffle(),
                options.seed().orElse(model.seed()), options.transforms());
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
                Evaluation v = model.evaluate(options.validation().get(), loss);
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

    /** See {@link Sequential#trainBatch(Tensor, int[], Optimizer, Loss)}. */
    double trainBatch(Tensor images, int[] labels, Optimizer optimizer, Loss loss) {
        Shape shape = images.shape();
        Shape inputShape = model.inputShape();
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
        int depth = lossDepth(layers, loss);
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
