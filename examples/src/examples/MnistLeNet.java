package examples;

import io.github.jcnn.data.ByteImageDataset;
import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.Datasets;
import io.github.jcnn.data.Mnist;
import io.github.jcnn.data.Normalization;
import io.github.jcnn.data.Preprocessing;
import io.github.jcnn.data.Split;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.WeightInit;
import io.github.jcnn.model.Compute;
import io.github.jcnn.model.Evaluation;
import io.github.jcnn.model.FitOptions;
import io.github.jcnn.model.History;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.model.SequentialBuilder;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.optim.LearningRateSchedule;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.viz.ConfusionMatrixPlot;
import io.github.jcnn.viz.ImageGrid;
import io.github.jcnn.viz.LineChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The classic: LeNet on the MNIST digits (LeCun et al., 1998), 1 x 28 x 28 grey images.
 * <pre>
 *   examples/run MnistLeNet                      # data from MNIST_DIR or data/mnist
 *   examples/run MnistLeNet /path/to/mnist --epochs 5
 * </pre>
 * Get the data first: {@code scripts/get-data} puts the four idx files into data/mnist (or put them, gzip'ed or not,
 * into any folder and pass it).
 * <p>The network: conv 6@5x5 "same" -> ReLU -> max-pool 2 -> conv 16@5x5 -> ReLU -> max-pool 2 -> dense 120 -> ReLU
 * -> dense 84 -> ReLU -> dense 10 -> softmax (61,706 parameters), initialised as PyTorch does (weights and biases
 * uniform in +-1/sqrt(fan-in)), trained with Adam (learning rate 0.001, cosine schedule) for 8 epochs on all 60,000
 * images.
 * Options: {@code --epochs 8 --batch 64 --lr 0.001 --init pytorch|he --validation 0 (images held out for validation)
 * --threads N --seed 42 --out jcnn-out/MnistLeNet --tiny}.
 * Writes samples.png, loss.png, confusion.png and mnist-lenet.safetensors into the output folder.
 */
public final class MnistLeNet {

    private MnistLeNet() {
    }

    public static void main(String[] argv) throws IOException {
        Args args = Args.parse(argv);
        boolean tiny = args.tiny();
        Path out = args.outDir("MnistLeNet");
        int epochs = args.integer("epochs", tiny ? 2 : 8);
        int batch = args.integer("batch", tiny ? 32 : 64);
        double lr = args.number("lr", 0.001);
        long seed = args.integer("seed", 42);
        String init = args.string("init", "pytorch");
        int validationCount = args.integer("validation", tiny ? 100 : 0);   // default: train on all 60,000
        Compute.setThreads(args.integer("threads", Compute.threads()));   // default: all processors
        Path dataDir = find(args, out, System.getenv("MNIST_DIR"));
        if (dataDir == null) {
            System.exit(2);
            return;
        }
        long start = System.nanoTime();
        ByteImageDataset trainAll = Mnist.load(dataDir, Split.TRAIN);
        ByteImageDataset test = Mnist.load(dataDir, Split.TEST);
        System.out.printf(Locale.ROOT, "MNIST: %,d training and %,d test images of %s from %s%n", trainAll.size(),
                test.size(), trainAll.sampleShape(), dataDir);
        Path samples = out.resolve("samples.png");
        ImageGrid.samplesPerClass(trainAll, 10).title("MNIST training digits").writePng(samples);
        System.out.println("sample digits -> " + samples);

        Normalization norm = Normalization.fit(trainAll);
        Dataset all = trainAll.normalized(norm);
        if (tiny) {
            all = Datasets.first(Datasets.shuffled(all, seed), 600);     // --tiny on real data: 600 images
        }
        Datasets.TrainValidation parts = Datasets.split(all, validationCount, seed);
        Dataset testNorm = test.normalized(norm);
        System.out.println("normalised with the training set's " + norm + "; " + parts.train().size()
                + " to train, " + parts.validation().size() + " for validation");

        SequentialBuilder builder = Sequential.builder(Shape.of(1, 28, 28))
                .conv2d(6, 5, 1, Padding.SAME).relu().maxPool(2)
                .conv2d(16, 5).relu().maxPool(2)
                .flatten()
                .dense(120).relu()
                .dense(84).relu()
                .dense(10).softmax()
                .seed(seed);
        Sequential model = switch (init) {
            case "pytorch" -> builder.defaultInit(WeightInit.PYTORCH).build();   // uniform in +-1/sqrt(fan-in)
            case "he" -> builder.build();          // the builder's default: He before ReLU, Glorot otherwise
            default -> throw new IllegalArgumentException("--init must be pytorch or he, got " + init);
        };
        System.out.println(model.summary());

        System.out.printf(Locale.ROOT, "Training: %d epochs, batch %d, Adam lr %s with a cosine schedule, %d threads%n",
                epochs, batch, lr, Compute.threads());
        FitOptions options = FitOptions.defaults()
                .epochs(epochs).batchSize(batch).seed(seed)
                .optimizer(Adam.config(lr))
                .schedule(LearningRateSchedule.cosine(epochs, 0.05));
        History history = model.fit(parts.train(), parts.validation().size() > 0
                ? options.validation(parts.validation()) : options);
        System.out.println(history);

        Evaluation result = model.evaluate(testNorm);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "Test accuracy %.2f%% (%,d of %,d), test loss %.4f; %.0f s in all%n",
                100 * result.accuracy(), result.confusion().correct(), result.count(), result.loss(), seconds);
        System.out.println(result.confusion());
        Path confusion = out.resolve("confusion.png");
        ConfusionMatrixPlot.of(LeNetCifar10.toInt(result.confusion()), test.classNames())
                .title("LeNet on the MNIST test set").writePng(confusion);
        Path loss = out.resolve("loss.png");
        LineChart.titled("LeNet on MNIST: loss").yLabel("cross-entropy")
                .series("train", history.trainLoss()).series("validation", history.validationLoss())
                .writePng(loss);
        Path modelFile = out.resolve("mnist-lenet.safetensors");
        model.withPreprocessing(Preprocessing.normalized(norm)).withClassNames(test.classNames()).save(modelFile);
        System.out.println("confusion matrix -> " + confusion + ", loss curve -> " + loss + ", model -> " + modelFile);
    }

    /**
     * The first positional argument or --data, else MNIST_DIR, else data/mnist; a {@code --tiny} run given no folder
     * uses synthetic idx files (see {@link Args}).
     */
    static Path find(Args args, Path out, String mnistDir) throws IOException {
        Path dir = args.dataFolder(mnistDir, Path.of("data", Mnist.FOLDER));
        if (dir == null) {
            System.out.println("(--tiny: a small synthetic set in the MNIST idx format; pass --data DIR to use a subset"
                    + " of the real one)");
            return SyntheticData.mnist(out.resolve("synthetic-data"), 500, 100, 7);
        }
        if (Files.exists(dir)) {
            return dir;
        }
        System.err.println("MNIST not found at " + dir.toAbsolutePath() + ".");
        System.err.println("Get the four idx files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                + "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzip'ed or not) into one folder:");
        System.err.println("  scripts/get-data     (gives data/mnist), or download them from " + Mnist.URL);
        System.err.println("Then run again, or pass the folder: examples/run MnistLeNet /path/to/mnist (or set "
                + "MNIST_DIR).");
        return null;
    }
}
