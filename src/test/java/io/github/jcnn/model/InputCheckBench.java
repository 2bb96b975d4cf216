package io.github.jcnn.model;

import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.InMemoryDataset;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * What the NaN/infinity check on inputs ({@link InputChecks}) costs beside the work it guards, on the lecture's
 * LeNet-5 and CIFAR-sized random images. Not a test; run by hand:
 * <pre>
 *   mvn -q -o test-compile
 *   java -cp target/classes:target/test-classes io.github.jcnn.model.InputCheckBench [rounds]
 * </pre>
 * Prints, in microseconds per image (minimum and median over the rounds): the check of a predict batch, predict
 * itself, the up-front check of a data set in fit, and a training step.
 */
public final class InputCheckBench {

    private InputCheckBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int n = 256;
        Sequential model = Synthetic.lenet5();
        Tensor x = Synthetic.images(Shape.of(3, 32, 32), n, 1);
        Dataset data = new InMemoryDataset(Synthetic.images(Shape.of(3, 32, 32), 2048, 2), new int[2048], 10);
        Optimizer adam = Adam.config().create(model.parameters());
        Tensor batch = Synthetic.images(Shape.of(3, 32, 32), 64, 3);
        int[] labels = new int[64];
        double[] checkBatch = new double[rounds];
        double[] predict = new double[rounds];
        double[] checkData = new double[rounds];
        double[] train = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            InputChecks.requireFinite(x, "predict");
            long t1 = System.nanoTime();
            model.predict(x);
            long t2 = System.nanoTime();
            InputChecks.requireFinite(data, "the training set");
            long t3 = System.nanoTime();
            model.trainBatch(batch, labels, adam);
            long t4 = System.nanoTime();
            checkBatch[r] = (t1 - t0) / 1e3 / n;
            predict[r] = (t2 - t1) / 1e3 / n;
            checkData[r] = (t3 - t2) / 1e3 / data.size();
            train[r] = (t4 - t3) / 1e3 / 64;
        }
        System.out.printf(Locale.ROOT, "LeNet-5, 3x32x32 random images, %d rounds: us per image (min, median)%n", rounds);
        print("check of a predict batch (256)", checkBatch);
        print("predict (256, includes the check)", predict);
        print("fit's up-front check of a data set", checkData);
        print("training step (64, includes the check)", train);
    }

    private static void print(String what, double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "  %-40s min %8.3f   median %8.3f%n", what, s[0], s[s.length / 2]);
    }
}
