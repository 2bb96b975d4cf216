package examples;

import io.github.jcnn.data.ByteImageDataset;
import io.github.jcnn.data.Cifar10;
import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.Datasets;
import io.github.jcnn.data.Split;
import io.github.jcnn.model.FitOptions;
import io.github.jcnn.model.History;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.viz.LineChart;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Why not a fully connected network on images? First the lecture's arithmetic: one hidden layer of 1,000 units on a
 * 64x64x3 image already has 12 million weights, on a 1000x1000x3 image 3 billion. Then a fully connected network and
 * LeNet-5 trained side by side on the same CIFAR-10 subset: parameters, test accuracy and the train/test gap.
 *
 * <pre>
 *   Run:  examples/run CnnVsFullyConnected [CIFAR10_DIR] [--epochs 5] [--train-size 5000] [--out DIR]
 * </pre>
 * Defaults: 5,000 training images, 2,000 test images, 5 epochs, Adam 1e-3 (a minute or two on two cores); without the
 * data (or with {@code --tiny}) synthetic shapes. Prints a table and writes accuracy.png, the train and test accuracy
 * of both networks per epoch (default folder {@code jcnn-out/CnnVsFullyConnected}).
 */
public final class CnnVsFullyConnected {

    private CnnVsFullyConnected() {
    }

    public static void main(String[] args) throws Exception {
        Args a = Args.parse(args);
        Path out = a.outDir("CnnVsFullyConnected");

        System.out.println("A fully connected layer joins every input to every unit: inputs x units weights + units"
                + " biases.");
        arithmetic(64, 64, 1_000);
        arithmetic(1000, 1000, 1_000);
        System.out.println("A convolution shares its filters over the image: LeNet-5's first layer, 6 filters of"
                + " 5x5x3, has (5 x 5 x 3 + 1) x 6 = 456 parameters whatever the image size.");
        System.out.println();

        int epochs = a.integer("epochs", a.tiny() ? 2 : 5);
        ByteImageDataset cifarTrain = LectureData.cifarOrNull(a, Split.TRAIN, "synthetic shapes");
        Dataset train;
        Dataset test;
        int classes;
        if (cifarTrain != null) {
            train = Datasets.first(Datasets.shuffled(cifarTrain, 1), a.integer("train-size", 5_000));
            test = Datasets.first(Datasets.shuffled(Cifar10.load(LectureData.cifarPath(a), Split.TEST), 2),
                    a.integer("test-size", 2_000));
            classes = 10;
        } else {
            train = LectureData.shapes(a.integer("train-size", a.tiny() ? 200 : 2_000), 1);
            test = LectureData.shapes(a.integer("test-size", a.tiny() ? 100 : 1_000), 2);
            classes = 4;
        }
        Sequential dense = Sequential.builder(train.sampleShape())
                .flatten()
                .dense(512).relu()
                .dense(128).relu()
                .dense(classes).softmax()
                .seed(42).build();
        Sequential lenet = LectureData.lenet5(classes, 42);
        System.out.printf("training both on %,d images for %d epochs, testing on %,d%n", train.size(), epochs,
                test.size());
        FitOptions options = FitOptions.defaults().epochs(epochs).batchSize(32).optimizer(Adam.config(1e-3))
                .validation(test).quiet();
        long t0 = System.nanoTime();
        History hd = dense.fit(train, options);
        long t1 = System.nanoTime();
        History hl = lenet.fit(train, options);
        long t2 = System.nanoTime();

        System.out.println();
        System.out.printf(Locale.ROOT, "%-34s %12s %10s %10s %10s %8s%n", "network", "parameters", "train acc",
                "test acc", "gap", "time");
        row("fully connected 3072-512-128-" + classes, dense.parameterCount(), hd, (t1 - t0) / 1e9);
        row("LeNet-5 (conv-pool-conv-pool-3 FC)", lenet.parameterCount(), hl, (t2 - t1) / 1e9);
        System.out.printf(Locale.ROOT, "LeNet-5 has %.0fx fewer parameters than the fully connected network.%n",
                (double) dense.parameterCount() / lenet.parameterCount());
        System.out.println("(train acc: measured during the last epoch, while the weights were still changing)");

        LineChart.titled("Fully connected vs LeNet-5: accuracy per epoch").yLabel("accuracy")
                .series("fully connected, train", hd.trainAccuracy())
                .series("fully connected, test", hd.validationAccuracy())
                .series("LeNet-5, train", hl.trainAccuracy())
                .series("LeNet-5, test", hl.validationAccuracy())
                .writePng(out.resolve("accuracy.png"));
        System.out.println("wrote accuracy.png to " + out.toAbsolutePath());
    }

    private static void arithmetic(int height, int width, int units) {
        long inputs = (long) height * width * 3;
        long params = inputs * units + units;
        System.out.printf(Locale.ROOT, "  %dx%dx3 image: %,d inputs; into %,d units: %,d x %,d + %,d = %,d parameters%n",
                height, width, inputs, units, inputs, units, units, params);
    }

    private static void row(String name, long parameters, History h, double seconds) {
        double train = h.last().trainAccuracy();
        double test = h.last().validationAccuracy();
        System.out.printf(Locale.ROOT, "%-34s %,12d %9.1f%% %9.1f%% %9.1f%% %7.1fs%n", name, parameters,
                100 * train, 100 * test, 100 * (train - test), seconds);
    }
}
