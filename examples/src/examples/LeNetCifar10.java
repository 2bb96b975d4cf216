package examples;

import io.github.jcnn.data.ByteImageDataset;
import io.github.jcnn.data.Cifar10;
import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.DatasetStats;
import io.github.jcnn.data.Datasets;
import io.github.jcnn.data.Images;
import io.github.jcnn.data.Normalization;
import io.github.jcnn.data.Preprocessing;
import io.github.jcnn.data.RandomCrop;
import io.github.jcnn.data.RandomHorizontalFlip;
import io.github.jcnn.data.Split;
import io.github.jcnn.layers.WeightInit;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.model.Compute;
import io.github.jcnn.model.ConfusionMatrix;
import io.github.jcnn.model.EpochMetrics;
import io.github.jcnn.model.Evaluation;
import io.github.jcnn.model.FitOptions;
import io.github.jcnn.model.History;
import io.github.jcnn.model.Monitor;
import io.github.jcnn.model.Prediction;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.model.SequentialBuilder;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.optim.LearningRateSchedule;
import io.github.jcnn.optim.OptimizerFactory;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import io.github.jcnn.viz.ConfusionMatrixPlot;
import io.github.jcnn.viz.ImageGrid;
import io.github.jcnn.viz.LineChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The lecture's exercise end to end: LeNet-5 on CIFAR-10.
 * <pre>
 *   examples/run LeNetCifar10                          # data from CIFAR10_DIR or data/cifar-10-batches-bin
 *   examples/run LeNetCifar10 /path/to/cifar-10-batches-bin --epochs 20 --optimizer adam --lr 0.001
 * </pre>
 * Get the data first: {@code scripts/get-data} puts the "CIFAR-10 binary version" (from
 * https://www.cs.toronto.edu/~kriz/cifar.html) into {@code data/cifar-10-batches-bin}.
 * <p>Steps: load -> analyze (class counts, channel means, samples.png) -> prepare (normalise with the training set's
 * mean and std; by default all 50,000 images are trained on, {@code --validation 5000} splits off a validation
 * set) -> define (the lecture's table, 62,006 parameters) -> train and evaluate each epoch (progress bar, train (and
 * validation) loss and accuracy; the best epoch by validation accuracy, else by training accuracy, is kept) -> summarize (test accuracy, per-class accuracy, confusion matrix, loss and accuracy curves) -> save the model
 * -> predict a new image (a test image written as PNG and read back as a new picture would be).
 * <p>Options: {@code --epochs 20 --batch 64 --optimizer sgd|adam --lr 0.02 --momentum 0.9 --weight-decay 5e-4
 * --schedule cosine|step|onecycle|cosine-steps|none (--warmup E for onecycle) --init pytorch|he (default pytorch:
 * weights and biases uniform in +-1/sqrt(fan-in), 71% against He's 66.5% in the measurement) --tta true|false
 * (default true: also report the test accuracy with flip averaging) --augment flip|crop+flip|none --validation 0
 * (images held out for validation; default 0) --subset N (train on the first N images, for quick experiments) --threads N --seed 42 --out jcnn-out/LeNetCifar10 --tiny}.
 * Writes into the output folder: samples.png, loss.png, accuracy.png, confusion.png, new-image.png (and
 * new-image-x8.png, enlarged), lenet5.safetensors.
 */
public final class LeNetCifar10 {

    private LeNetCifar10() {
    }

    public static void main(String[] argv) throws IOException {
        Args args = Args.parse(argv);
        boolean tiny = args.tiny();
        Path out = args.outDir("LeNetCifar10");
        int epochs = args.integer("epochs", tiny ? 2 : 20);
        int batch = args.integer("batch", tiny ? 32 : 64);
        String optimizerName = args.string("optimizer", "sgd").toLowerCase(Locale.ROOT);
        double lr = args.number("lr", optimizerName.equals("adam") ? 0.001 : 0.02);
        double momentum = args.number("momentum", 0.9);
        double weightDecay = args.number("weight-decay", 5e-4);
        String scheduleName = args.string("schedule", "cosine");
        String init = args.string("init", "pytorch").toLowerCase(Locale.ROOT);
        boolean tta = !"false".equals(args.string("tta", "true"));   // --tta false: no flip averaging
        String augment = args.string("augment", "crop+flip").toLowerCase(Locale.ROOT);
        int validationCount = args.integer("validation", tiny ? 100 : 0);  // default: train on all 50,000
        int subset = args.integer("subset", tiny ? 400 : 0);      // --tiny on real data: 400 images
        long seed = args.integer("seed", 42);
        Compute.setThreads(args.integer("threads", Compute.threads()));   // default: all processors

        // ---- 1. load ------------------------------------------------------------------------------------------
        Path dataDir = CifarData.folderOrExit(args, out);
        long t0 = System.nanoTime();
        ByteImageDataset trainAll = Cifar10.load(dataDir, Split.TRAIN);
        ByteImageDataset test = Cifar10.load(dataDir, Split.TEST);
        System.out.printf(Locale.ROOT, "1. Load: %,d training and %,d test images of %s from %s (%.1f s)%n",
                trainAll.size(), test.size(), trainAll.sampleShape(), dataDir, seconds(t0));

        // ---- 2. analyze ---------------------------------------------------------------------------------------
        System.out.println();
        System.out.println("2. Analyze the training set (values scaled to [0, 1]):");
        System.out.println(DatasetStats.of(trainAll).table());
        Path samples = out.resolve("samples.png");
        ImageGrid.samplesPerClass(trainAll, 8).title("CIFAR-10 training images, 8 per class").writePng(samples);
        System.out.println("   sample images per class -> " + samples);

        // ---- 3. prepare ---------------------------------------------------------------------------------------
        System.out.println();
        Normalization norm = Normalization.fit(trainAll);
        Dataset all = trainAll.normalized(norm);
        if (subset > 0) {
            all = Datasets.first(Datasets.shuffled(all, seed), subset + validationCount);
        }
        Datasets.TrainValidation parts = Datasets.split(all, validationCount, seed);
        Dataset train = parts.train();
        Dataset validation = parts.validation();
        Dataset testNorm = test.normalized(norm);
        System.out.println("3. Prepare: normalise each channel, x' = (x - mean) / std, with the training set's " + norm);
        System.out.printf(Locale.ROOT, "   split: %,d images to train on, %,d for validation, %,d test images kept "
                + "for the end%n", train.size(), validation.size(), testNorm.size());

        // ---- 4. define ----------------------------------------------------------------------------------------
        System.out.println();
        System.out.println("4. Define the model: LeNet-5");
        Sequential model = lenet5(seed, switch (init) {
            case "pytorch" -> WeightInit.PYTORCH;
            case "he" -> null;                      // the builder's default: He before ReLU, Glorot otherwise
            default -> throw new IllegalArgumentException("--init must be pytorch or he, got " + init);
        });
        System.out.println("   initialisation: " + (init.equals("he") ? "He before ReLU, Glorot otherwise"
                : "PyTorch's default, weights and biases uniform in +-1/sqrt(fan-in)"));
        System.out.println(model.summary());

        // ---- 5. train and evaluate ----------------------------------------------------------------------------
        System.out.println();
        OptimizerFactory optimizer = optimizerName.equals("adam")
                ? Adam.config(lr).weightDecay(args.string("weight-decay", null) == null ? 0 : weightDecay)
                : SGD.config(lr).momentum(momentum).weightDecay(weightDecay);
        Path modelFile = out.resolve("lenet5.safetensors");
        // --validation 0: no validation set, so the checkpoint keeps the epoch with the best training accuracy
        Monitor keep = validation.size() > 0 ? Monitor.VALIDATION_ACCURACY : Monitor.TRAINING_ACCURACY;
        FitOptions options = FitOptions.defaults()
                .epochs(epochs)
                .batchSize(batch)
                .optimizer(optimizer)
                .seed(seed)
                .checkpoint(modelFile, keep);
        if (validation.size() > 0) {
            options = options.validation(validation);
        }
        LearningRateSchedule schedule = switch (scheduleName) {
            case "cosine" -> LearningRateSchedule.cosine(epochs, 0.01);
            case "step" -> LearningRateSchedule.stepDecay(Math.max(1, epochs / 3), 0.2);
            case "none" -> LearningRateSchedule.constant();
            case "onecycle" -> LearningRateSchedule.oneCycle(epochs, args.number("warmup", Math.min(2, epochs / 2.0)));
            case "cosine-steps" -> LearningRateSchedule.cosineSteps(epochs);
            default -> throw new IllegalArgumentException("--schedule must be cosine, step, onecycle, cosine-steps or "
                    + "none, got " + scheduleName);
        };
        options = options.schedule(schedule);
        String augmentText = switch (augment) {
            case "flip" -> {
                options = options.transforms(new RandomHorizontalFlip(0.5));
                yield "random horizontal flip";
            }
            case "crop+flip", "true" -> {
                options = options.transforms(new RandomCrop(4), new RandomHorizontalFlip(0.5));
                yield "random crop (shift up to 4 pixels) + horizontal flip";
            }
            case "none", "false" -> "off";
            default -> throw new IllegalArgumentException("--augment must be flip, crop+flip or none, got "
                    + augment);
        };
        String optimizerText = optimizerName.equals("adam") ? String.format(Locale.ROOT, "Adam lr %s", lr)
                : String.format(Locale.ROOT, "SGD lr %s momentum %s weight decay %s", lr, momentum, weightDecay);
        System.out.printf(Locale.ROOT, "5. Train: %d epochs, batch %d, %s, %s schedule, augmentation %s, %d "
                        + "threads%n", epochs, batch, optimizerText, scheduleName,
                augmentText, Compute.threads());
        long trainStart = System.nanoTime();
        History history = model.fit(train, options);
        double trainSeconds = seconds(trainStart);
        System.out.println();
        System.out.println("   epoch  train loss  train acc  val loss  val acc       lr   seconds");
        for (EpochMetrics m : history.epochs()) {
            String val = m.hasValidation() ? String.format(Locale.ROOT, "%8.4f  %6.1f%%", m.validationLoss(),
                    100 * m.validationAccuracy()) : "       -        -";
            System.out.printf(Locale.ROOT, "   %5d  %10.4f  %8.1f%%  %s  %7.5f  %8.1f%n", m.epoch() + 1,
                    m.trainLoss(), 100 * m.trainAccuracy(), val, m.learningRate(), m.seconds());
        }
        EpochMetrics best = history.best(keep);
        System.out.printf(Locale.ROOT, "   trained in %.0f s (%.0f images/s); best %s accuracy %.1f%% after "
                        + "epoch %d: that model is kept%n", trainSeconds,
                (double) train.size() * history.size() / trainSeconds, validation.size() > 0 ? "validation"
                        : "training", 100 * keep.value(best), best.epoch() + 1);

        // ---- 6. summarize -------------------------------------------------------------------------------------
        System.out.println();
        Sequential kept = Sequential.load(modelFile);
        Evaluation result = kept.evaluate(testNorm);
        System.out.printf(Locale.ROOT, "6. Summarize: test accuracy %.2f%% (%,d of %,d), test loss %.4f%n",
                100 * result.accuracy(), result.confusion().correct(), result.count(), result.loss());
        if (tta) {
            Evaluation flipped = kept.evaluate(testNorm, new SoftmaxCrossEntropy(), true);
            System.out.printf(Locale.ROOT, "   with test-time flip averaging: test accuracy %.2f%%%n",
                    100 * flipped.accuracy());
        }
        System.out.println();
        System.out.println("   Confusion matrix on the test set (rows: true class, columns: predicted):");
        System.out.println(result.confusion());
        Path confusion = out.resolve("confusion.png");
        ConfusionMatrixPlot.of(toInt(result.confusion()), test.classNames())
                .title("LeNet-5 on the CIFAR-10 test set").writePng(confusion);
        Path lossPng = out.resolve("loss.png");
        LineChart.titled("LeNet-5 on CIFAR-10: loss").yLabel("cross-entropy")
                .series("train", history.trainLoss()).series("validation", history.validationLoss())
                .writePng(lossPng);
        Path accuracyPng = out.resolve("accuracy.png");
        LineChart.titled("LeNet-5 on CIFAR-10: accuracy").yLabel("accuracy (%)")
                .series("train", percent(history.trainAccuracy()))
                .series("validation", percent(history.validationAccuracy()))
                .writePng(accuracyPng);
        System.out.println("   confusion matrix -> " + confusion);
        System.out.println("   curves -> " + lossPng + ", " + accuracyPng);

        // ---- 7. save ------------------------------------------------------------------------------------------
        System.out.println();
        kept.withPreprocessing(Preprocessing.normalized(norm)).withClassNames(test.classNames()).save(modelFile);
        System.out.printf(Locale.ROOT, "7. Save: the model, the class names and the normalisation -> %s (%,d bytes)%n",
                modelFile, Files.size(modelFile));

        // ---- 8. predict a new image ---------------------------------------------------------------------------
        System.out.println();
        int index = args.integer("image", 7);
        Tensor picture = test.images(index, index + 1).reshape(test.sampleShape());     // values in [0, 1]
        Path newImage = out.resolve("new-image.png");
        Images.writePng(Images.toImage(picture, 0f, 1f, 1), newImage);
        Images.writePng(Images.toImage(picture, 0f, 1f, 8), out.resolve("new-image-x8.png"));    // to look at
        Sequential loaded = Sequential.load(modelFile);       // with its normalisation and class names
        List<Prediction> top = loaded.classify(Images.read(newImage), 3);
        System.out.printf("8. Predict a new image: %s (test image %d, a %s; enlarged in new-image-x8.png), read "
                        + "back from the PNG as any new picture would be; top 3:%n",
                newImage, index, test.classNames().get(test.label(index)));
        System.out.print(TopClasses.format(top));
        System.out.println();
        System.out.println("Try your own picture: examples/run PredictImage my-photo.jpg --model " + modelFile);
    }

    /** The lecture's LeNet-5 for 32 x 32 colour images: 62,006 parameters, PyTorch's initialisation. */
    static Sequential lenet5(long seed) {
        return lenet5(seed, WeightInit.PYTORCH);
    }

    /**
     * The lecture's LeNet-5 with the given initialisation of every layer, or the builder's default (He before ReLU,
     * Glorot otherwise) for null.
     */
    static Sequential lenet5(long seed, WeightInit init) {
        SequentialBuilder builder = Sequential.builder(Shape.of(3, 32, 32))
                .conv2d(6, 5).relu().maxPool(2)
                .conv2d(16, 5).relu().maxPool(2)
                .flatten()
                .dense(120).relu()
                .dense(84).relu()
                .dense(10).softmax()
                .seed(seed);
        return (init == null ? builder : builder.defaultInit(init)).build();
    }

    static int[][] toInt(ConfusionMatrix m) {
        long[][] counts = m.counts();
        int[][] out = new int[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            out[i] = new int[counts[i].length];
            for (int j = 0; j < counts[i].length; j++) {
                out[i][j] = Math.toIntExact(counts[i][j]);
            }
        }
        return out;
    }

    static double[] percent(double[] fractions) {
        double[] out = new double[fractions.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = 100 * fractions[i];
        }
        return out;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
