package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.data.ByteImageDataset;
import io.github.jcnn.data.Cifar10;
import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.Datasets;
import io.github.jcnn.data.Mnist;
import io.github.jcnn.data.Normalization;
import io.github.jcnn.data.Split;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.tensor.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Training on the real data, short runs with floors far above chance (10%) so that a broken layer, loss or optimizer
 * shows. Opt-in: {@code JCNN_DATA=/path mvn -B verify -Preal-data -Dgroups=real-data}, where the folder holds
 * {@code cifar-10-batches-bin/} and {@code mnist/}. Skips with a message when the data is absent.
 */
@Tag("real-data")
class RealDataTrainingTest {

    private static Path data(String folder) {
        String env = System.getenv("JCNN_DATA");
        Assumptions.assumeTrue(env != null && Files.isDirectory(Path.of(env, folder)),
                "JCNN_DATA is not set to a folder holding " + folder + "/; skipping (run scripts/get-data DEST,"
                        + " then JCNN_DATA=DEST)");
        return Path.of(env);
    }

    @Test
    void lenet5LearnsCifar10InTwoEpochs() throws Exception {
        Path dir = data(Cifar10.FOLDER);
        ByteImageDataset train = Cifar10.load(dir, Split.TRAIN);
        ByteImageDataset test = Cifar10.load(dir, Split.TEST);
        Normalization norm = Normalization.fit(train);
        Sequential model = Sequential.builder(Shape.of(3, 32, 32))
                .conv2d(6, 5).relu().maxPool(2)
                .conv2d(16, 5).relu().maxPool(2)
                .flatten().dense(120).relu().dense(84).relu().dense(10).softmax()
                .seed(42).build();
        History history = model.fit(train.normalized(norm),
                FitOptions.defaults().epochs(2).batchSize(64).optimizer(Adam.config(1e-3)).quiet());
        Evaluation result = model.evaluate(Datasets.normalized(test, norm));
        System.out.printf("LeNet-5, 2 epochs of CIFAR-10: train loss %.3f, test accuracy %.2f%%%n",
                history.last().trainLoss(), 100 * result.accuracy());
        assertThat(result.accuracy()).isGreaterThan(0.45);
    }

    @Test
    void lenetLearnsMnistInOneEpoch() throws Exception {
        Path dir = data("mnist");
        Dataset train = Mnist.load(dir, Split.TRAIN);
        Dataset test = Mnist.load(dir, Split.TEST);
        Normalization norm = Normalization.fit(train);
        Sequential model = Sequential.builder(Shape.of(1, 28, 28))
                .conv2d(6, 5).relu().maxPool(2)
                .conv2d(16, 5).relu().maxPool(2)
                .flatten().dense(120).relu().dense(84).relu().dense(10).softmax()
                .seed(7).build();
        model.fit(Datasets.normalized(train, norm),
                FitOptions.defaults().epochs(1).batchSize(64).optimizer(Adam.config(1e-3)).quiet());
        Evaluation result = model.evaluate(Datasets.normalized(test, norm));
        System.out.printf("LeNet on MNIST, 1 epoch: test accuracy %.2f%%%n", 100 * result.accuracy());
        assertThat(result.accuracy()).isGreaterThan(0.96);
    }
}
