package io.github.jcnn.kernels;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A quick single-threaded GFLOP/s measurement of {@link Gemm} (not a test; run by hand):
 * <pre>
 *   mvn -q test-compile
 *   java -cp target/classes:target/test-classes io.github.jcnn.kernels.GemmBench
 * </pre>
 * Each shape is warmed up, then timed for about a second; GFLOP/s = 2 m n k / time.
 */
public final class GemmBench {

    private GemmBench() {
    }

    /** Runs the measurement and prints one line per shape. */
    public static void main(String[] args) {
        run("1024^3        A.B    ", false, false, 1024, 1024, 1024);
        run("1024^3        A.B^T  ", false, true, 1024, 1024, 1024);
        run("1024^3        A^T.B  ", true, false, 1024, 1024, 1024);
        run("conv1 fwd  6x75.75x784", false, false, 6, 784, 75);
        run("conv1 dW   6x784.(75x784)^T", false, true, 6, 75, 784);
        run("conv1 dW   6x784.784x75 (im2colT)", false, false, 6, 75, 784);
        run("conv1 dcol (6x75)^T.6x784", true, false, 75, 784, 6);
        run("conv2 fwd  16x150.150x100", false, false, 16, 100, 150);
        run("conv2 dW   16x100.(150x100)^T", false, true, 16, 150, 100);
        run("conv2 dW   16x100.100x150 (im2colT)", false, false, 16, 150, 100);
        run("conv2 dcol (16x150)^T.16x100", true, false, 150, 100, 16);
    }

    private static void run(String name, boolean ta, boolean tb, int m, int n, int k) {
        SplittableRandom random = new SplittableRandom(1);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        float[] c = new float[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextDouble();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextDouble();
        }
        int lda = ta ? m : k;
        int ldb = tb ? k : n;
        double flops = 2.0 * m * n * k;
        int reps = (int) Math.max(1, 2e8 / flops);
        for (int w = 0; w < 3; w++) {
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                Gemm.multiply(ta, tb, m, n, k, a, 0, lda, b, 0, ldb, c, 0, n);
            }
            long t1 = System.nanoTime();
            if (w == 2 || (t1 - t0) > 3e9) {
                System.out.printf(Locale.ROOT, "%-32s %8.2f GFLOP/s%n", name, flops * reps / (t1 - t0));
                return;
            }
            reps = (int) Math.max(1, reps * 1e9 / Math.max(1, t1 - t0));
        }
    }
}
