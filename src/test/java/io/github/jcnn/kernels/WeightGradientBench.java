package io.github.jcnn.kernels;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A quick measurement of the weight gradient on LeNet-5's two convolutions, microseconds per image on one thread,
 * 16 images per call (not a test; run by hand):
 * <pre>
 *   mvn -q test-compile
 *   java -cp target/classes:target/test-classes io.github.jcnn.kernels.WeightGradientBench [rounds]
 * </pre>
 * The candidates run interleaved in the same JVM, round after round; the minimum and the median over the rounds
 * are printed (the minimum is the least disturbed by other work on the machine).
 */
public final class WeightGradientBench {

    private WeightGradientBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        measure("conv1: 3x32x32, 6 filters 5x5", new Im2Col(3, 32, 32, 5, 5, 1, 0, 0), 6, rounds);
        measure("conv2: 6x14x14, 16 filters 5x5", new Im2Col(6, 14, 14, 5, 5, 1, 0, 0), 16, rounds);
    }

    private static void measure(String name, Im2Col geometry, int filters, int rounds) {
        int images = 16;
        SplittableRandom random = new SplittableRandom(1);
        float[] x = new float[images * geometry.imageSize()];
        float[] dy = new float[images * filters * geometry.columns()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() - 0.5);
        }
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) (random.nextDouble() - 0.5);
        }
        int positions = geometry.columns();
        int patch = geometry.rows();
        float[] dw = new float[filters * patch];
        String[] names = {"accumulate", "by rows", "as a product"};
        double[][] micros = new double[names.length][rounds];
        int calls = Math.max(1, 200_000 / (filters * patch * positions / 8));
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < names.length; k++) {
                long start = System.nanoTime();
                for (int call = 0; call < calls; call++) {
                    switch (k) {
                        case 0 -> WeightGradient.accumulate(geometry, filters, x, 0, dy, 0, images, dw);
                        case 1 -> WeightGradient.accumulateByRows(geometry, filters, x, 0, dy, 0, images, dw);
                        default -> WeightGradient.accumulateByProduct(geometry, filters, x, 0, dy, 0, images, dw);
                    }
                }
                micros[k][round] = (System.nanoTime() - start) / 1e3 / calls / images;
            }
        }
        System.out.println(name + ", us per image (min / median of " + rounds + " rounds):");
        for (int k = 0; k < names.length; k++) {
            double[] sorted = micros[k].clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "  %-14s %7.1f / %7.1f%n", names[k], sorted[0], sorted[rounds / 2]);
        }
    }
}
