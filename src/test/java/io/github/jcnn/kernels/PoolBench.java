package io.github.jcnn.kernels;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The 2 x 2 / stride 2 max pool kernels side by side with the plain loops on LeNet-5's first pool as one training
 * thread sees it: a chunk of 16 images of 6 x 28 x 28 random normal numbers (a convolution's raw output, before its
 * ReLU). Not a test; run by hand:
 * <pre>
 *   mvn -q -o test-compile
 *   java -cp target/classes:target/test-classes io.github.jcnn.kernels.PoolBench [rounds [channels side]]
 * </pre>
 * ({@code 40 16 10} is LeNet-5's second pool.) The candidates take turns within each round (the machine may be busy with other work: all of them see the same
 * noise); it prints the minimum and the median over the rounds, in microseconds per image.
 */
public final class PoolBench {

    private static final int IMAGES = 16;

    private PoolBench() {
    }

    /** Prints microseconds per image for each kernel. */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int channels = args.length > 2 ? Integer.parseInt(args[1]) : 6;
        int side = args.length > 2 ? Integer.parseInt(args[2]) : 28;
        int planes = IMAGES * channels;
        int out = side / 2;
        SplittableRandom random = new SplittableRandom(7);
        float[] x = new float[planes * side * side];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] dy = new float[planes * out * out];
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) random.nextGaussian();
        }
        float[] y = new float[dy.length];
        int[] where = new int[dy.length];
        float[] dx = new float[x.length];
        String[] names = {"forward (training), plain loop", "forward (training), 2x2 kernel",
            "forward (inference), plain loop", "forward (inference), 2x2 kernel",
            "backward, plain (+=)", "backward, disjoint (=)"};
        Runnable[] kernels = {
            () -> Pooling.maxPoolReference(x, y, where, 0, planes, side, side, 2, 2),
            () -> Pooling.maxPool2x2(x, y, where, 0, planes, side, side),
            () -> Pooling.maxPoolReference(x, y, null, 0, planes, side, side, 2, 2),
            () -> Pooling.maxPool2x2(x, y, null, 0, planes, side, side),
            () -> {
                Arrays.fill(dx, 0f);
                Pooling.maxPoolBackwardReference(dy, where, dx, 0, dy.length);
            },
            () -> {
                Arrays.fill(dx, 0f);
                Pooling.maxPoolBackwardDisjoint(dy, where, dx, 0, dy.length);
            },
        };
        double[][] micros = new double[kernels.length][rounds];
        int repeats = 100;
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < kernels.length; k++) {
                long start = System.nanoTime();
                for (int r = 0; r < repeats; r++) {
                    kernels[k].run();
                }
                micros[k][round] = (System.nanoTime() - start) / 1e3 / repeats / IMAGES;
            }
        }
        System.out.printf(Locale.ROOT, "(%d, %d, %d, %d) random normal, 2x2 stride 2, %d rounds: us per image%n",
                IMAGES, channels, side, side, rounds);
        for (int k = 0; k < kernels.length; k++) {
            double[] sorted = Arrays.copyOfRange(micros[k], rounds / 4, rounds);   // the first quarter warms up
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "  %-34s min %6.2f   median %6.2f%n", names[k], sorted[0],
                    sorted[sorted.length / 2]);
        }
    }
}
