package io.github.jcnn.bench;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.model.SequentialBuilder;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * VGG-16 (configuration D: 13 convolutions 3x3 SAME with ReLU in five stages of 64, 128, 256, 512, 512 channels,
 * each stage max-pooled, then dense 4096, 4096, 1000; 138,357,544 parameters, 553 MB of weights) on one 224 x 224
 * image: how long building the model and predicting one image take, and how many bytes of heap they need. Meant to
 * run in a heap of 800 MB, the bound, next to {@code bench/vgg16.py} (the same network in PyTorch):
 * <pre>
 *   java -Xmx800m -cp target/benchmarks.jar io.github.jcnn.bench.Vgg16 [--threads 1 2] [--reps 5]
 * </pre>
 * Prints the build time, then per thread count the median (min, max) of {@code --reps} predictions after one
 * untimed, and the heap in use after the predictions.
 */
public final class Vgg16 {

    private Vgg16() {
    }

    /** VGG-16 for 224 x 224 RGB images, 1000 classes, the builder's default initialisation. */
    public static Sequential build(long seed) {
        SequentialBuilder b = Sequential.builder(Shape.of(3, 224, 224));
        int[][] stages = {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
        for (int[] stage : stages) {
            for (int filters : stage) {
                b.conv2d(filters, 3, 1, Padding.SAME).relu();
            }
            b.maxPool(2);
        }
        return b.flatten().dense(4096).relu().dense(4096).relu().dense(1000).seed(seed).build();
    }

    /** Runs the measurement. */
    public static void main(String[] args) {
        List<Integer> threads = new ArrayList<>(List.of(1, 2));
        int reps = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> i = Options.ints(args, i, threads);
                case "--reps" -> reps = Options.intAfter(args, i++);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        long t0 = System.nanoTime();
        Sequential model = build(1);
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "jcnn VGG-16: %,d parameters, built in %.2f s, max heap %d MB%n",
                model.parameterCount(), buildSeconds, Runtime.getRuntime().maxMemory() >> 20);
        Tensor image = Tensor.zeros(Shape.of(1, 3, 224, 224));
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < image.size(); i++) {
            image.data()[i] = (float) random.nextGaussian();
        }
        for (int t : threads) {
            Parallel.setThreads(t);
            model.predict(image);
            double[] seconds = new double[reps];
            for (int r = 0; r < reps; r++) {
                long s = System.nanoTime();
                model.predict(image);
                seconds[r] = (System.nanoTime() - s) / 1e9;
            }
            Arrays.sort(seconds);
            Runtime rt = Runtime.getRuntime();
            System.out.printf(Locale.ROOT, "jcnn VGG-16 one image, %d threads: median %.3f s (min %.3f, max %.3f), "
                            + "heap in use %d MB%n", t, seconds[reps / 2], seconds[0], seconds[reps - 1],
                    (rt.totalMemory() - rt.freeMemory()) >> 20);
        }
    }
}
