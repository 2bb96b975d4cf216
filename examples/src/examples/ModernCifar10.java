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
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.WeightInit;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.model.Compute;
import io.github.jcnn.model.EpochMetrics;
import io.github.jcnn.model.Evaluation;
import io.github.jcnn.model.FitOptions;
import io.github.jcnn.model.History;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.model.SequentialBuilder;
import io.github.jcnn.model.TrainingListener;
import io.github.jcnn.optim.LearningRateSchedule;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import io.github.jcnn.viz.LineChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The library's second main job: a small residual network trained on CIFAR-10 with a modern recipe, beside the
 * PyTorch peer script torch_cifar10_modern.py (same network, same recipe, same flags). See docs/modern-cnn.md.
 * <pre>
 *   examples/run ModernCifar10                        # data from CIFAR10_DIR or data/cifar-10-batches-bin
 *   examples/run ModernCifar10 --epochs 15 --batch 128 --lr 0.1     # the peer script's own defaults
 * </pre>
 * The network (default width 32, depth 1): torch_cnn_speed.py's ResNet-8, a 3x3 convolution stem, then three
 * stages of basic residual blocks (widths w, 2w, 4w; the second and third stage start with stride 2 and a 1x1
 * projection shortcut), global average pooling and a dense layer: 308,650 parameters at width 32.
 * <p>Steps: load -> analyze -> prepare (normalise with the training set's per-channel mean and std) -> define (the
 * table) -> train (random crop with padding 4 + horizontal flip, SGD with momentum, weight decay, label smoothing,
 * a one-cycle or cosine rate per step; test accuracy and elapsed seconds after every epoch, as the peer prints) ->
 * summarize (final test accuracy, with flip averaging if --tta; accuracy.png: test accuracy against minutes) -> save -> predict a test image.
 * <p>Options (defaults as the peer script's, but 22 epochs of batch 64 at lr 0.05 instead of 15 of batch 128 at
 * 0.1: on two cores jcnn trains about a quarter faster per image at batch 64; see docs/modern-cnn.md):
 * {@code --epochs 22 --batch 64 --lr 0.05 --momentum 0.9 --nesterov
 * --weight-decay 5e-4 (PyTorch SGD's coupled weight_decay) --decoupled (the decay decoupled instead)
 * --no-decay-bn (no decay on biases and batch norm) --label-smoothing 0.1 --schedule onecycle|cosine|none
 * --warmup 2 (epochs) --tta true|false (flip averaging at the end, default true) --width 32 --depth 1 (blocks per stage) --init pytorch|he --subset N (the first N
 * training images) --threads N --seed 42 --out jcnn-out/ModernCifar10 --tiny}.
 */
public final class ModernCifar10 {

    private ModernCifar10() {
    }

    public static void main(String[] argv) throws IOException {
        Args args = Args.parse(argv);
        boolean tiny = args.tiny();
        Path out = args.outDir("ModernCifar10");
        int epochs = args.integer("epochs", tiny ? 2 : 22);
        int batch = args.integer("batch", tiny ? 32 : 64);
        double lr = args.number("lr", tiny ? 0.1 : 0.05);
        double momentum = args.number("momentum", 0.9);
        boolean nesterov = args.flag("nesterov");
        double weightDecay = args.number("weight-decay", 5e-4);
        boolean decoupled = args.flag("decoupled");
        boolean noDecayBn = args.flag("no-decay-bn");
        double smoothing = args.number("label-smoothing", 0.1);
        String scheduleName = args.string("schedule", "onecycle").toLowerCase(Locale.ROOT);
        double warmup = args.number("warmup", tiny ? 0.5 : 2);
        boolean tta = !"false".equals(args.string("tta", "true"));   // --tta false: no flip averaging
        int width = args.integer("width", tiny ? 8 : 32);
        int depth = args.integer("depth", 1);
        String init = args.string("init", "pytorch").toLowerCase(Locale.ROOT);
        int subset = args.integer("subset", tiny ? 200 : 0);
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

        // ---- 3. prepare ---------------------------------------------------------------------------------------
        Normalization norm = Normalization.fit(trainAll);
        Dataset train = trainAll.normalized(norm);
        if (subset > 0) {
            train = Datasets.first(train, Math.min(subset, train.size()));
        }
        Dataset testNorm = test.normalized(norm);
        System.out.println("3. Prepare: normalise each channel with the training set's " + norm);
        System.out.printf(Locale.ROOT, "   %,d images to train on, the %,d test images measured after every epoch%n",
                train.size(), testNorm.size());

        // ---- 4. define ----------------------------------------------------------------------------------------
        System.out.println();
        System.out.printf(Locale.ROOT, "4. Define the model: a residual network, width %d, %d block(s) per stage, "
                + "%s initialisation%n", width, depth, init);
        Sequential model = resnet(width, depth, init.equals("he") ? null : WeightInit.PYTORCH, seed);
        System.out.println(model.summary());

        // ---- 5. train -----------------------------------------------------------------------------------------
        SGD.Config sgd = SGD.config(lr).momentum(momentum).nesterov(nesterov)
                .weightDecay(decoupled ? 0 : weightDecay).decoupledWeightDecay(decoupled ? weightDecay : 0)
                .decayVectors(!noDecayBn);
        FitOptions options = FitOptions.defaults()
                .epochs(epochs).batchSize(batch).optimizer(sgd).seed(seed)
                .loss(SoftmaxCrossEntropy.withLabelSmoothing(smoothing))
                .validation(testNorm)
                .transforms(new RandomCrop(4), new RandomHorizontalFlip(0.5));
        switch (scheduleName) {
            case "onecycle" -> options = options.schedule(LearningRateSchedule.oneCycle(epochs, warmup));
            case "cosine" -> options = options.schedule(LearningRateSchedule.cosineSteps(epochs));
            case "none" -> { }
            default -> throw new IllegalArgumentException("--schedule must be onecycle, cosine or none, got "
                    + scheduleName);
        }
        long trainStart = System.nanoTime();
        double[] elapsed = new double[epochs];
        options = options.listeners(new TrainingListener() {
            @Override
            public void onEpochEnd(EpochMetrics m) {
                elapsed[m.epoch()] = seconds(trainStart);
                System.out.printf(Locale.ROOT, "epoch %3d  train loss %.4f  test acc %.2f%%  elapsed %.1fs%n",
                        m.epoch() + 1, m.trainLoss(), 100 * m.validationAccuracy(), elapsed[m.epoch()]);
            }
        });
        System.out.println();
        String sgdText = String.format(Locale.ROOT, "SGD lr %s momentum %s%s, %s weight decay %s%s", lr, momentum,
                nesterov ? " (Nesterov)" : "", decoupled ? "decoupled" : "coupled (PyTorch's)", weightDecay,
                noDecayBn ? " (not on biases and batch norm)" : "");
        System.out.printf(Locale.ROOT, "5. Train: %d epochs, batch %d, %s, label smoothing %s, %s schedule (warm-up %s"
                        + " epochs), random crop (pad 4) + flip, %d threads%n", epochs, batch, sgdText, smoothing,
                scheduleName, warmup, Compute.threads());
        History history = model.fit(train, options);
        double trainSeconds = seconds(trainStart);

        // ---- 6. summarize -------------------------------------------------------------------------------------
        System.out.println();
        Evaluation result = model.evaluate(testNorm);
        System.out.printf(Locale.ROOT, "6. Summarize: test accuracy %.2f%% after %d epochs, %.1f s of training "
                + "(%.1f minutes)%n", 100 * result.accuracy(), epochs, trainSeconds, trainSeconds / 60);
        if (tta) {
            Evaluation flipped = model.evaluate(testNorm, new SoftmaxCrossEntropy(), true);
            System.out.printf(Locale.ROOT, "   test accuracy with flip TTA %.2f%%%n", 100 * flipped.accuracy());
        }
        double[] accuracy = LeNetCifar10.percent(history.validationAccuracy());
        System.out.println("   minutes  test acc");
        for (int e = 0; e < history.size(); e++) {
            System.out.printf(Locale.ROOT, "   %7.2f  %7.2f%%%n", elapsed[e] / 60, accuracy[e]);
        }
        Path accuracyPng = out.resolve("accuracy.png");
        double[] minutes = new double[history.size()];
        for (int e = 0; e < minutes.length; e++) {
            minutes[e] = elapsed[e] / 60;
        }
        LineChart.titled("Residual network on CIFAR-10: test accuracy against training time")
                .xLabel("minutes (training and the per-epoch test)").yLabel("test accuracy (%)")
                .series("jcnn", minutes, accuracy).writePng(accuracyPng);
        System.out.println("   curve -> " + accuracyPng);

        // ---- 7. save ------------------------------------------------------------------------------------------
        System.out.println();
        Path modelFile = out.resolve("resnet.safetensors");
        model.withPreprocessing(Preprocessing.normalized(norm)).withClassNames(test.classNames()).save(modelFile);
        System.out.printf(Locale.ROOT, "7. Save: the model, the class names and the normalisation -> %s (%,d bytes)%n",
                modelFile, Files.size(modelFile));

        // ---- 8. predict ---------------------------------------------------------------------------------------
        System.out.println();
        int index = args.integer("image", 7);
        Tensor picture = test.images(index, index + 1).reshape(test.sampleShape());
        Sequential loaded = Sequential.load(modelFile);
        Tensor x = picture.copy().reshape(picture.shape().withBatch(1));
        loaded.preprocessing().flatMap(Preprocessing::normalization).orElseThrow()
                .applyInPlace(x.data(), 0, test.sampleShape());         // the normalisation stored in the file
        Tensor probabilities = tta ? loaded.predictWithFlip(x) : loaded.predict(x);
        System.out.printf("8. Predict test image %d (a %s) with the saved model%s; top 3:%n", index,
                test.classNames().get(test.label(index)), tta ? " and flip averaging" : "");
        System.out.print(TopClasses.format(softmaxIfLogits(probabilities), loaded.classNames(), 3));
    }

    /**
     * The residual network: stem conv3x3(w)-BN-ReLU, three stages of {@code depth} basic blocks (w, 2w, 4w
     * channels; the first block of stages 2 and 3 with stride 2, whose shortcut the builder makes a 1x1 conv + BN),
     * global average pooling, dense 10. Width 32, depth 1 is torch_cnn_speed.py's resnet8 (308,650 parameters).
     *
     * @param init the initialisation of every layer, or null for the builder's default (He before ReLU)
     */
    static Sequential resnet(int width, int depth, WeightInit init, long seed) {
        SequentialBuilder b = Sequential.builder(Shape.of(3, 32, 32))
                .conv2d(width, 3, 3, 1, Padding.SAME, false).batchNorm().relu();
        for (int stage = 0; stage < 3; stage++) {
            int filters = width << stage;
            for (int block = 0; block < depth; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                b = b.residual(body -> body.conv2d(filters, 3, 3, stride, Padding.SAME, false).batchNorm().relu()
                        .conv2d(filters, 3, 3, 1, Padding.SAME, false).batchNorm()).relu();
            }
        }
        b = b.globalAvgPool().dense(10);
        if (init != null) {
            b = b.defaultInit(init);
        }
        return b.seed(seed).build();
    }

    /** The model ends in a dense layer (logits): softmax for the top-3 table. */
    private static Tensor softmaxIfLogits(Tensor outputs) {
        return SoftmaxCrossEntropy.softmax(outputs);
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
