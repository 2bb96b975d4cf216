package io.github.jcnn.model;

import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.Transform;
import io.github.jcnn.losses.Loss;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.optim.LearningRateSchedule;
import io.github.jcnn.optim.OptimizerFactory;
import io.github.jcnn.viz.ProgressBar;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link Sequential#fit} trains. Immutable: every setter returns a new object, so one set of options can be the
 * base of several.
 * <pre>
 *   FitOptions options = FitOptions.defaults()
 *           .epochs(10).batchSize(64)
 *           .optimizer(SGD.config(0.01).momentum(0.9))
 *           .schedule(LearningRateSchedule.cosine(10, 0.01))
 *           .validation(testSet)
 *           .transforms(randomCrop, horizontalFlip)          // training batches only
 *           .earlyStopping(EarlyStopping.on(Monitor.VALIDATION_LOSS, 3))
 *           .checkpoint(Path.of("best.safetensors"), Monitor.VALIDATION_ACCURACY);
 * </pre>
 * Defaults: 10 epochs, batch size 32, Adam with learning rate 0.001, softmax cross-entropy, shuffled with the model's
 * seed, a console progress bar, no validation, no transforms, no schedule, no early stopping, no checkpoint, and a
 * divergence bound of {@value #DEFAULT_MAX_LOSS} on the batch loss.
 */
public final class FitOptions {

    /**
     * The default bound on a batch's mean loss above which training counts as diverged: 10,000, over 4,000 times the
     * loss of an untrained 10-class softmax (ln 10 = 2.3). A run that gets there is not learning, it is blowing up
     * (Adam with learning rate 1e6 reaches 6e37 while staying finite); see {@link #maxLoss(double)}.
     */
    public static final double DEFAULT_MAX_LOSS = 1e4;

    /**
     * Where and on what figure to save the best model.
     *
     * @param file    the model file, rewritten (atomically) each time the figure improves
     * @param monitor the figure
     */
    public record Checkpoint(Path file, Monitor monitor) {
        /** Checks for nulls. */
        public Checkpoint {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(monitor, "monitor");
        }
    }

    private int epochs = 10;
    private int batchSize = 32;
    private OptimizerFactory optimizer = Adam.config();
    private Loss loss;
    private boolean shuffle = true;
    private Long seed;
    private Dataset validation;
    private List<Transform> transforms = List.of();
    private List<TrainingListener> listeners = List.of();
    private LearningRateSchedule schedule;
    private EarlyStopping earlyStopping;
    private Checkpoint checkpoint;
    private ProgressBar progressBar = ProgressBar.console();
    private int initialEpoch;
    private double maxLoss = DEFAULT_MAX_LOSS;

    private FitOptions() {
    }

    private FitOptions copy() {
        FitOptions c = new FitOptions();
        c.epochs = epochs;
        c.batchSize = batchSize;
        c.optimizer = optimizer;
        c.loss = loss;
        c.shuffle = shuffle;
        c.seed = seed;
        c.validation = validation;
        c.transforms = transforms;
        c.listeners = listeners;
        c.schedule = schedule;
        c.earlyStopping = earlyStopping;
        c.checkpoint = checkpoint;
        c.progressBar = progressBar;
        c.initialEpoch = initialEpoch;
        c.maxLoss = maxLoss;
        return c;
    }

    /** The default options (see the class description). */
    public static FitOptions defaults() {
        return new FitOptions();
    }

    /** With the total number of epochs (at least 1; counted from 0, including any {@link #initialEpoch}). */
    public FitOptions epochs(int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        }
        FitOptions c = copy();
        c.epochs = epochs;
        return c;
    }

    /** With samples per batch (at least 1). */
    public FitOptions batchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        FitOptions c = copy();
        c.batchSize = batchSize;
        return c;
    }

    /** With the optimizer made for the model's parameters when training starts, e.g. {@code SGD.config(0.01)}. */
    public FitOptions optimizer(OptimizerFactory optimizer) {
        FitOptions c = copy();
        c.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        return c;
    }

    /**
     * With the loss. Softmax cross-entropy on a model ending in {@code softmax()} is computed on the logits (the
     * softmax is not applied twice).
     */
    public FitOptions loss(Loss loss) {
        FitOptions c = copy();
        c.loss = Objects.requireNonNull(loss, "loss");
        return c;
    }

    /** With shuffling of the training set each epoch on or off. */
    public FitOptions shuffle(boolean shuffle) {
        FitOptions c = copy();
        c.shuffle = shuffle;
        return c;
    }

    /** With the seed of the shuffles and transforms (default: the model's seed). */
    public FitOptions seed(long seed) {
        FitOptions c = copy();
        c.seed = seed;
        return c;
    }

    /**
     * With a validation set, measured after every epoch (never transformed). An empty one means no validation (as if
     * none were given).
     */
    public FitOptions validation(Dataset validation) {
        FitOptions c = copy();
        c.validation = Objects.requireNonNull(validation, "validation");
        return c;
    }

    /** With augmentation transforms applied, in order, to every training sample (never to validation data). */
    public FitOptions transforms(Transform... transforms) {
        FitOptions c = copy();
        c.transforms = List.of(transforms);
        return c;
    }

    /** With listeners told about epochs and batches. */
    public FitOptions listeners(TrainingListener... listeners) {
        FitOptions c = copy();
        c.listeners = List.of(listeners);
        return c;
    }

    /**
     * With a learning-rate schedule, applied to the optimizer's initial rate at the start of each epoch, or before
     * every step for a per-step schedule ({@code LearningRateSchedule.oneCycle}, {@code cosineSteps}).
     */
    public FitOptions schedule(LearningRateSchedule schedule) {
        FitOptions c = copy();
        c.schedule = Objects.requireNonNull(schedule, "schedule");
        return c;
    }

    /** With early stopping. */
    public FitOptions earlyStopping(EarlyStopping earlyStopping) {
        FitOptions c = copy();
        c.earlyStopping = Objects.requireNonNull(earlyStopping, "earlyStopping");
        return c;
    }

    /** With a checkpoint of the best model so far, saved to {@code file} whenever {@code monitor} improves. */
    public FitOptions checkpoint(Path file, Monitor monitor) {
        FitOptions c = copy();
        c.checkpoint = new Checkpoint(file, monitor);
        return c;
    }

    /** With this progress bar, or none when {@code null} (quiet training, e.g. in tests). */
    public FitOptions progressBar(ProgressBar progressBar) {
        FitOptions c = copy();
        c.progressBar = progressBar;
        return c;
    }

    /** Without a progress bar. */
    public FitOptions quiet() {
        return progressBar(null);
    }

    /**
     * Starting at epoch {@code initialEpoch} (0-based) instead of 0, to resume a run: shuffles, transforms and the
     * schedule are those of the later epochs, as if the run had not stopped.
     */
    public FitOptions initialEpoch(int initialEpoch) {
        if (initialEpoch < 0) {
            throw new IllegalArgumentException("initial epoch must be 0 or more, got " + initialEpoch);
        }
        FitOptions c = copy();
        c.initialEpoch = initialEpoch;
        return c;
    }

    /**
     * With the divergence bound: training stops with {@link TrainingDivergedException} when a batch's mean loss is
     * above {@code maxLoss} (as it does, whatever the bound, when the loss or a gradient is NaN or infinite).
     * {@code Double.POSITIVE_INFINITY} keeps only the NaN and infinity checks.
     *
     * @param maxLoss greater than 0; default {@value #DEFAULT_MAX_LOSS}
     */
    public FitOptions maxLoss(double maxLoss) {
        if (!(maxLoss > 0)) {
            throw new IllegalArgumentException("maxLoss must be greater than 0, got " + maxLoss);
        }
        FitOptions c = copy();
        c.maxLoss = maxLoss;
        return c;
    }

    /** The divergence bound on a batch's mean loss. */
    public double maxLoss() {
        return maxLoss;
    }

    /** The total number of epochs. */
    public int epochs() {
        return epochs;
    }

    /** Samples per batch. */
    public int batchSize() {
        return batchSize;
    }

    /** The optimizer factory. */
    public OptimizerFactory optimizer() {
        return optimizer;
    }

    /** The loss, when one was set (empty means softmax cross-entropy). */
    public Optional<Loss> loss() {
        return Optional.ofNullable(loss);
    }

    /** Whether the training set is shuffled each epoch. */
    public boolean shuffle() {
        return shuffle;
    }

    /** The seed, when one was set (empty means the model's seed). */
    public Optional<Long> seed() {
        return Optional.ofNullable(seed);
    }

    /** The validation set, if any. */
    public Optional<Dataset> validation() {
        return Optional.ofNullable(validation);
    }

    /** The training transforms. */
    public List<Transform> transforms() {
        return transforms;
    }

    /** The listeners. */
    public List<TrainingListener> listeners() {
        return listeners;
    }

    /** The learning-rate schedule, if any. */
    public Optional<LearningRateSchedule> schedule() {
        return Optional.ofNullable(schedule);
    }

    /** Early stopping, if any. */
    public Optional<EarlyStopping> earlyStopping() {
        return Optional.ofNullable(earlyStopping);
    }

    /** The checkpoint, if any. */
    public Optional<Checkpoint> checkpoint() {
        return Optional.ofNullable(checkpoint);
    }

    /** The progress bar, if any. */
    public Optional<ProgressBar> progressBar() {
        return Optional.ofNullable(progressBar);
    }

    /** The first epoch to run. */
    public int initialEpoch() {
        return initialEpoch;
    }
}
