package io.github.jcnn.model;

import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.Preprocessing;
import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.layers.Softmax;
import io.github.jcnn.losses.Loss;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.optim.OptimizerFactory;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.concurrent.locks.ReentrantReadWriteLock;

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
 *   TrainingStep step = model.forwardLoss(images, labels);   // a custom loop: then step.backward(), optimizer.step()
 *   Evaluation result = model.evaluate(test);       // loss, accuracy, confusion matrix
 *   model.save(Path.of("lenet5.safetensors"));
 *   Sequential again = Sequential.load(Path.of("lenet5.safetensors"));
 * </pre>
 *
 * <p><b>Softmax and the loss.</b> When the last layer is {@code softmax()} and the loss is softmax cross-entropy,
 * training feeds the loss the logits (the input of the softmax), so the fused, numerically stable loss is used and
 * softmax is not applied twice; {@link #predict} returns probabilities.
 *
 * <p><b>Threads.</b> {@link #predict}, {@link #predictClasses}, {@link #activations} and {@link #evaluate} may be
 * called from several threads at once: they use only inference mode ({@code forward(x, false)}: no dropout, batch-norm
 * running statistics), which writes no layer state. They may also run while {@link #fit} or {@link #trainBatch} trains
 * the model on another thread (a service that serves a model while it is fine-tuned): each inference call then sees the
 * weights after some whole number of training steps, the same for every sample of its batch, never a step half applied.
 * A read-write lock gives that: inference holds the read lock for the whole call, a training step the write lock while
 * the optimizer changes the weights (and, for a model with batch normalization, for the whole step, whose forward pass
 * updates the running statistics). A long inference call therefore delays the next training step and not the other way
 * round for longer than one optimizer step. Training calls ({@code fit}, {@code trainBatch}, {@link #forwardLoss},
 * {@link TrainingStep#backward()}) refuse to run while another one runs on the same model:
 * {@link IllegalStateException}. A custom loop's own {@code optimizer.step()} is outside the lock: a loop that must
 * serve predictions meanwhile synchronises them itself. Training uses the library's threads
 * ({@link Compute#setThreads}) by splitting each batch into chunks of 32 samples, each run forward and backward through
 * its own replica of the layers ({@link Layer#replica}) and the chunks' gradients added in chunk order; batch
 * normalization's replicas meet at barriers to use the whole batch's statistics (see {@code DataParallelStep}). A model
 * with a layer that cannot be replicated (a user-defined layer without {@link Layer#replica}) is trained on whole
 * batches, each layer splitting its own work. Either way the result does not depend on the thread count.
 *
 * <p><b>Determinism.</b> The builder's seed fixes the initial weights (each layer draws from its own generator derived
 * from the seed and its position), and, unless {@link FitOptions#seed} says otherwise, the shuffles, dropout and
 * augmentation; the same seed gives bit-identical weights after training.
 *
 * <p><b>Files.</b> {@link #save(Path)} writes the safetensors layout described in {@code docs/model-format.md}: tensor
 * names {@code "{layerIndex}.weight"} as in PyTorch's {@code nn.Sequential}, the architecture as JSON in the
 * metadata, CRC32C checksums of the header and the data, and, when attached with {@link #withPreprocessing} and
 * {@link #withClassNames}, how a picture becomes an input and the class names, so that an application needs the file
 * alone:
 * <pre>
 *   Sequential model = Sequential.load(Path.of("lenet5.safetensors"));
 *   List&lt;Prediction&gt; top = model.classify(ImageIO.read(new File("cat.png")), 3);
 * </pre>
 * Saves are atomic; loads check every declared size before allocating and stream the weights into the model.
 * {@link #loadWeights(Path)} loads a PyTorch state_dict into a model built with the builder.
 */
public final class Sequential {

    /**
     * The version of the model file format this code writes; it reads this one and "1" (version 2 added checksums,
     * residual blocks, global average pooling, and the preprocessing and class names, see docs/model-format.md).
     */
    public static final String FORMAT_VERSION = "2";

    private final Shape inputShape;
    private final List<Layer> layers;
    private final long seed;
    private final List<Parameter> parameters;
    /** The training loop (fit, trainBatch) and what only it needs. */
    private final Trainer trainer;
    /** Predict, activations, evaluate and classify. */
    private final Inference inference;
    /**
     * Inference holds the read lock, a training step the write lock while it changes what inference reads: predict
     * sees the weights between two whole steps, never a step half applied.
     */
    private final ReentrantReadWriteLock weightsLock;   // shared by the models withPreprocessing/withClassNames make
    /** How pictures become inputs, or null when not given (see {@link #withPreprocessing}). */
    private final Preprocessing preprocessing;
    /** One name per output class, or empty when not given (see {@link #withClassNames}). */
    private final List<String> classNames;

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
            if (layer instanceof Softmax && i != layers.size() - 1) {
                throw new IllegalArgumentException("Softmax #" + i + " is not the last layer (the last is "
                        + layers.get(layers.size() - 1).type() + " #" + (layers.size() - 1) + "): softmax may only end "
                        + "a model, where it turns the logits into probabilities; remove it or move it to the end");
            }
        }
        this.inputShape = inputShape;
        this.layers = List.copyOf(layers);
        this.seed = seed;
        List<Parameter> params = new ArrayList<>();
        for (Layer layer : layers) {
            params.addAll(layer.parameters());
        }
        this.parameters = List.copyOf(params);
        this.weightsLock = new ReentrantReadWriteLock();
        this.preprocessing = null;
        this.classNames = List.of();
        this.trainer = new Trainer(this);
        this.inference = new Inference(this);
    }

    /** The same layers (shared) with other preprocessing and class names. */
    private Sequential(Sequential model, Preprocessing preprocessing, List<String> classNames) {
        this.inputShape = model.inputShape;
        this.layers = model.layers;
        this.seed = model.seed;
        this.parameters = model.parameters;
        this.preprocessing = preprocessing;
        this.classNames = classNames;
        this.weightsLock = model.weightsLock;   // the same weights: the same lock
        this.trainer = new Trainer(this);
        this.inference = new Inference(this);
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

    /**
     * How a picture becomes this model's input (stored in the model file), if it was given with
     * {@link #withPreprocessing}.
     */
    public Optional<Preprocessing> preprocessing() {
        return Optional.ofNullable(preprocessing);
    }

    /** The names of the output classes (stored in the model file), or an empty list if none were given. */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * This model with the preprocessing that turns a picture into its input; {@link #save} stores it,
     * {@link #load} restores it, and {@link #predict(BufferedImage)} and {@link #classify} apply it. For a model
     * trained on jcnn's datasets normalised with {@code norm}: {@code model.withPreprocessing(Preprocessing
     * .normalized(norm))}. The returned model shares this model's layers and weights (training one trains both).
     *
     * @throws IllegalArgumentException if the model does not take (1 or 3, H, W) pictures or the normalisation has
     *                                  another number of channels
     */
    public Sequential withPreprocessing(Preprocessing preprocessing) {
        preprocessing.checkFits(inputShape);
        return new Sequential(this, preprocessing, classNames);
    }

    /**
     * This model with one name per output class, e.g. {@code train.classNames()}; {@link #save} stores them,
     * {@link #load} restores them and {@link #classify} reports them. The returned model shares this model's layers
     * and weights (training one trains both).
     *
     * @throws IllegalArgumentException if the number of names is not the number of outputs, or a name is null
     */
    public Sequential withClassNames(List<String> classNames) {
        List<String> names = List.copyOf(classNames);
        if (names.size() != outputShape().size()) {
            throw new IllegalArgumentException("the model has " + outputShape().size() + " outputs " + outputShape()
                    + " but " + names.size() + " class names were given: " + names);
        }
        return new Sequential(this, preprocessing, names);
    }

    /** The lecture-style table of layers, shapes and parameter counts; print it or read its {@code rows()}. */
    public Summary summary() {
        return Summary.of(this);
    }

    @Override
    public String toString() {
        return summary().toString();
    }

    // ---- inference (Inference.java) ----------------------------------------------------------------------------

    /**
     * The model's outputs for a batch, in inference mode (probabilities when the last layer is softmax). Safe to call
     * from several threads at once; a batch of more than 16 samples is cut into chunks that the library's threads
     * share out. A single sample (inputShape...) without the batch dimension is accepted too, and gives one output
     * without the batch dimension.
     *
     * @param inputs (N, inputShape...), e.g. (N, 3, 32, 32); or one sample (inputShape...), e.g. (3, 32, 32)
     * @return (N, outputShape...), e.g. (N, 10); for one sample (outputShape...), e.g. (10)
     * @throws IllegalArgumentException if the shape is wrong or a sample holds NaN or infinity (the first such sample
     *                                  is named: a network would turn it into finite-looking nonsense)
     */
    public Tensor predict(Tensor inputs) {
        return inference.predict(inputs);
    }

    /**
     * Test-time flip averaging: the mean of the model's outputs for the images and for their mirror images (each row
     * of pixels reversed), {@code (predict(x) + predict(flip(x))) / 2}: probabilities when the model ends in softmax,
     * as PyTorch's {@code model(x).softmax(1) + model(x.flip(3)).softmax(1)}. A network trained with random flips
     * has seen both; averaging the two views usually gains a little accuracy for twice the inference work.
     *
     * @param inputs (N, C, H, W), or one image (C, H, W)
     * @return (N, outputShape...), or (outputShape...) for one image
     */
    public Tensor predictWithFlip(Tensor inputs) {
        return inference.predictWithFlip(inputs);
    }

    /**
     * The index of the largest output of each sample: the predicted class. A single sample (inputShape...) gives an
     * array of one class.
     */
    public int[] predictClasses(Tensor inputs) {
        return inference.predictClasses(inputs);
    }

    /**
     * The model's outputs for a picture (probabilities when the last layer is softmax), prepared with the stored
     * {@link #preprocessing()}: resized to the input's W x H (stretched, no crop: halving steps with bilinear
     * filtering, then one bilinear step, bicubic when enlarging; see {@link Preprocessing}), converted to R, G, B
     * planes or grey, scaled and normalised. Safe to call from several threads at once.
     *
     * @return (outputShape...), e.g. (10)
     * @throws IllegalStateException if the model has no preprocessing (attach it with {@link #withPreprocessing})
     */
    public Tensor predict(BufferedImage image) {
        return inference.predict(image);
    }

    /**
     * The {@code k} most probable classes of a picture, most probable first (ties: the lower index first), with the
     * stored class names; the picture is prepared as {@link #predict(BufferedImage)} says:
     * <pre>
     *   Sequential model = Sequential.load(Path.of("lenet5.safetensors"));
     *   List&lt;Prediction&gt; top = model.classify(ImageIO.read(new File("cat.png")), 3);   // [cat 71.3% (#3), ...]
     * </pre>
     *
     * @param k how many classes, 1 to the number of classes
     * @throws IllegalStateException    if the model has no preprocessing or no class names (attach them with
     *                                  {@link #withPreprocessing} and {@link #withClassNames} before saving)
     * @throws IllegalArgumentException if k is out of range
     */
    public List<Prediction> classify(BufferedImage image, int k) {
        return inference.classify(image, k);
    }

    /**
     * The outputs of the first {@code depth} layers, in inference mode: the feature maps a network computes on the way
     * to its answer. {@code activations(x, 0)} is x itself; {@code activations(x, layers().size())} equals
     * {@link #predict(Tensor)}. For the lecture's LeNet-5, depth 1 gives the 6 maps of CONV 1 (N, 6, 28, 28) and
     * depth 3 the pooled maps (N, 6, 14, 14). Safe to call from several threads at once.
     *
     * @param inputs (N, inputShape...), or one sample (inputShape...) which gives a result without the batch
     *               dimension
     * @param depth  how many layers to run, 0 to layers().size()
     * @throws IllegalArgumentException if depth is out of range or the input shape is wrong
     */
    public Tensor activations(Tensor inputs, int depth) {
        return inference.activations(inputs, depth);
    }

    /** Loss (softmax cross-entropy), accuracy and confusion matrix on a dataset, in inference mode. */
    public Evaluation evaluate(Dataset data) {
        return evaluate(data, new SoftmaxCrossEntropy());
    }

    /** Loss, accuracy and confusion matrix on a dataset with the given loss, in inference mode. */
    public Evaluation evaluate(Dataset data, Loss loss) {
        return evaluate(data, loss, false);
    }

    /**
     * {@link #evaluate(Dataset, Loss)}, optionally with test-time flip averaging: each image and its mirror image
     * (left and right swapped) both go through the model and their outputs are averaged before the arg max, as in
     * {@link #predictWithFlip}. With softmax cross-entropy the probabilities are averaged and the loss is that of
     * the average, -ln((p + p_mirror)[y] / 2).
     *
     * @param flipAveraging whether to average each image with its mirror image (images (C, H, W) only)
     */
    public Evaluation evaluate(Dataset data, Loss loss, boolean flipAveraging) {
        return inference.evaluate(data, loss, flipAveraging, false);
    }

    /** The inference machinery (fit's validation uses it directly). */
    Inference inference() {
        return inference;
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
     * <p>Before the first step, fit checks the data once: the training and validation sets must have no more classes
     * than the model has outputs, every label must be one of them, and no sample may hold a NaN or infinity (the
     * message names the first bad sample's index). An empty validation set means no validation.
     *
     * @throws TrainingDivergedException when the loss, an output or a gradient becomes NaN or infinite, or a batch's
     *                                   loss is above {@link FitOptions#maxLoss()}
     * @throws IllegalArgumentException  when the data does not fit the model (shapes, classes, labels, NaN inputs)
     * @throws IllegalStateException     when another training call is running on this model
     * @throws java.io.UncheckedIOException when a checkpoint cannot be written
     */
    public History fit(Dataset train, FitOptions options, Optimizer optimizer) {
        return trainer.fit(train, options, optimizer);
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
     * @throws TrainingDivergedException if the loss or a gradient is not finite, or the loss is above
     *                                   {@link FitOptions#DEFAULT_MAX_LOSS} (the step is not taken)
     * @throws IllegalArgumentException  if a label is not one of the model's outputs or an image holds NaN/infinity
     * @throws IllegalStateException     if another training call is running on this model
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
        return trainer.trainBatch(images, labels, optimizer, loss);
    }

    // ---- custom training loops --------------------------------------------------------------------------------

    /**
     * The forward half of a training step with softmax cross-entropy: see {@link #forwardLoss(Tensor, int[], Loss)}.
     */
    public TrainingStep forwardLoss(Tensor images, int[] labels) {
        return forwardLoss(images, labels, new SoftmaxCrossEntropy());
    }

    /**
     * A training forward pass on one batch and its loss, for a custom training loop (PyTorch's {@code loss =
     * criterion(model(x), y)} in training mode): dropout on, batch statistics for batch normalization, each layer
     * remembering what backward needs. The returned step's {@link TrainingStep#backward()} adds dL/dW into every
     * parameter's gradient; then step the optimizer:
     * <pre>
     *   optimizer.zeroGrad();
     *   TrainingStep step = model.forwardLoss(images, labels, loss);
     *   step.backward();
     *   Gradients.clipNorm(model.parameters(), 5.0);   // optional: anything between backward and step
     *   optimizer.step();
     * </pre>
     * Used that way (without clipping) it gives the same bits as {@link #trainBatch(Tensor, int[], Optimizer, Loss)}:
     * the batch is split into the same chunks over the threads. Reading gradients needs no optimizer at all:
     * {@link #zeroGrad()}, forwardLoss, backward, then read {@code parameters().get(k).grad()}.
     *
     * @param images (N, inputShape...), finite
     * @param labels N labels, 0 to outputs - 1
     * @param loss   the loss (softmax cross-entropy is applied to the logits when the model ends in Softmax)
     * @throws TrainingDivergedException if the loss is NaN or infinite (naming the first layer whose output is)
     * @throws IllegalStateException     if another training call is running on this model
     */
    public TrainingStep forwardLoss(Tensor images, int[] labels, Loss loss) {
        return trainer.forwardLoss(images, labels, loss);
    }

    /** Sets every parameter's gradient to zero (what {@code optimizer.zeroGrad()} does, without an optimizer). */
    public void zeroGrad() {
        for (Parameter p : parameters) {
            p.zeroGrad();
        }
    }

    /** The lock between inference (read) and training steps (write); see "Threads" in the class comment. */
    ReentrantReadWriteLock weightsLock() {
        return weightsLock;
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
        ModelFiles.save(this, file, null);
    }

    /**
     * Saves the model and the optimizer's state (moments, step count, learning rate) so that training can resume;
     * restore it with {@link #loadOptimizer(Path, OptimizerFactory)}.
     */
    public void save(Path file, Optimizer optimizer) throws IOException {
        ModelFiles.save(this, file, optimizer);
    }

    /**
     * Loads a model saved by {@link #save(Path)}: the same layers, weights and statistics, ready to predict or to
     * train further. Reads format versions 1 and 2. The header is checked first (sizes against the file's length,
     * the header checksum, each layer's tensors against the data section before the layer is built), then the
     * weights are streamed in bounded chunks into the model and the data checksum verified; the file is never held
     * in memory whole. Never returns a half-loaded model.
     *
     * @throws FileFormatException if the file is truncated, corrupt (a checksum does not match), of an unknown format
     *                             version, or its tensors do not fit its architecture (the message names the file
     *                             and the problem)
     * @throws IOException         if it cannot be read
     */
    public static Sequential load(Path file) throws IOException {
        return ModelFiles.load(file);
    }

    /**
     * Loads the weights of a plain safetensors state_dict, e.g. one PyTorch wrote, into this model, strictly (as
     * PyTorch's {@code load_state_dict}): every tensor of the model must be in the file with its shape, and every
     * floating-point tensor of the file must belong to the model. The names are the model's, {@code
     * "{layerIndex}.{name}"}, which is what PyTorch's {@code nn.Sequential} of the same layers writes (see
     * docs/model-format.md for the correspondence). F16, BF16 and F64 tensors are converted to float; integer
     * tensors such as BatchNorm's {@code num_batches_tracked} are skipped. The model is changed only when everything
     * fits; otherwise one {@link FileFormatException} names the file and lists every missing, unexpected and
     * wrongly shaped tensor. A jcnn model file works too (its optimizer state is ignored).
     *
     * @return what was loaded and skipped
     * @throws FileFormatException if the weights do not fit, or the file is corrupt
     * @throws IOException         if it cannot be read
     */
    public LoadedWeights loadWeights(Path file) throws IOException {
        return WeightLoading.load(this, file, Function.identity(), true);
    }

    /**
     * {@link #loadWeights(Path)} for a file whose modules have other names: {@code modules} maps the file's module
     * names to the model's layer indices, e.g. for a PyTorch module with {@code conv1}, {@code conv2}, {@code fc1},
     * {@code fc2} built as conv-relu-pool twice, flatten, dense-relu, dense:
     * <pre>
     *   model.loadWeights(file, Map.of("conv1", "0", "conv2", "3", "fc1", "7", "fc2", "9"));
     * </pre>
     * A file tensor named {@code prefix.rest} whose prefix is a key is loaded as {@code value.rest} (the longest
     * matching key wins); other names are kept. See {@link WeightNames#modules}.
     */
    public LoadedWeights loadWeights(Path file, Map<String, String> modules) throws IOException {
        return WeightLoading.load(this, file, WeightNames.modules(modules), true);
    }

    /**
     * {@link #loadWeights(Path)} with any renaming of the file's tensor names to the model's ({@code
     * Function.identity()} for none), strictly or not. A non-strict load ({@code strict} false, PyTorch's
     * {@code strict=False}) leaves the model's tensors that the file lacks as they are and ignores the file's tensors
     * that the model lacks, both listed in the result; a tensor of the wrong shape still fails the whole load:
     * <pre>
     *   LoadedWeights report = model.loadWeights(file, WeightNames.modules(Map.of("conv1", "0")), false);
     *   report.missing();   // the model's tensors the file did not have
     * </pre>
     *
     * @param rename the model's name for each of the file's tensor names (never null)
     */
    public LoadedWeights loadWeights(Path file, Function<String, String> rename, boolean strict) throws IOException {
        return WeightLoading.load(this, file, rename, strict);
    }

    /**
     * Makes an optimizer for this model with {@code factory} and restores into it the state saved by
     * {@link #save(Path, Optimizer)}, so that training resumes exactly where it stopped.
     *
     * @throws FileFormatException if the file holds no optimizer state or one that does not fit
     */
    public Optimizer loadOptimizer(Path file, OptimizerFactory factory) throws IOException {
        return ModelFiles.loadOptimizer(this, file, factory);
    }
}
