package io.github.jcnn.layers;

import io.github.jcnn.kernels.Gemm;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Dense forward (training) and backward, microseconds per sample on one thread, next to the kernels the layer used
 * before its training forward kept a transposed copy of its weights (not a test; run by hand). Inference and backward
 * still run the old kernels: their rows are a check on the noise (and inference also allocates its output).
 * <pre>
 *   mvn -q -o test-compile
 *   java -cp target/classes:target/test-classes io.github.jcnn.layers.DenseBench
 * </pre>
 * The machine is noisy (shared, two cores), so old and new take turns for many short rounds; the best round and the
 * median are printed, and the best is the steadier of the two when other processes compete for the cores.
 * GFLOP/s = 2 N in units / time for each of forward, dX and dW (backward does two such products).
 */
public final class DenseBench {

    private static final int ROUNDS = 31;

    private DenseBench() {
    }

    /** Prints one block per shape and batch size. */
    public static void main(String[] args) {
        Parallel.setThreads(1);
        int[][] cases = {{400, 120, 16}, {120, 84, 16}, {84, 10, 16}, {400, 120, 256}, {120, 84, 256}};
        for (int[] c : cases) {
            run(c[0], c[1], c[2]);
        }
    }

    private static void run(int in, int units, int batch) {
        Dense dense = new Dense(Shape.of(in), units);
        dense.initialize(WeightInit.HE, new SplittableRandom(1));
        dense.parameters().get(1).value().copyFromInPlace(LayerTesting.uniform(Shape.of(units), 2));
        Tensor x = LayerTesting.uniform(Shape.of(batch, in), 3);
        Tensor dy = LayerTesting.uniform(Shape.of(batch, units), 4);
        float[] w = dense.parameters().get(0).value().data();
        float[] b = dense.parameters().get(1).value().data();
        float[] y = new float[batch * units];
        float[] dx = new float[batch * in];
        float[] dw = new float[units * in];
        float[] db = new float[units];
        Runnable[] ops = {
            () -> oldForward(in, units, batch, x.data(), w, b, y),
            () -> dense.forward(x, true),
            () -> dense.forward(x, false),
            () -> oldBackward(in, units, batch, x.data(), w, dy.data(), dx, dw, db),
            () -> dense.backward(dy),
        };
        String[] names = {"old forward", "new forward (training)", "inference (unchanged)", "old backward",
            "backward (unchanged)"};
        double[] flops = {2.0 * batch * in * units, 2.0 * batch * in * units, 2.0 * batch * in * units,
            4.0 * batch * in * units, 4.0 * batch * in * units};
        dense.forward(x, true);
        double[][] micros = new double[ops.length][ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            for (int k = 0; k < ops.length; k++) {
                int reps = (int) Math.max(1, 2e7 / flops[k]);
                long t0 = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    ops[k].run();
                }
                micros[k][round] = (System.nanoTime() - t0) / 1e3 / reps / batch;
            }
        }
        System.out.printf(Locale.ROOT, "Dense %d -> %d, batch %d, 1 thread, us per sample (median, best of %d rounds)%n",
                in, units, batch, ROUNDS);
        for (int k = 0; k < ops.length; k++) {
            double[] sorted = micros[k].clone();
            Arrays.sort(sorted);
            double median = sorted[ROUNDS / 2];
            System.out.printf(Locale.ROOT, "  %-24s %8.3f  %8.3f   %6.1f GFLOP/s (best)%n", names[k], median,
                    sorted[0], flops[k] / batch / (sorted[0] * 1e3));
        }
    }

    /** Dense.forward before this change: Y = X . W^T through Gemm.multiply, which packs W^T on every call. */
    private static void oldForward(int in, int units, int batch, float[] x, float[] w, float[] b, float[] y) {
        Arrays.fill(y, 0f);
        Gemm.multiply(false, true, batch, units, in, x, 0, in, w, 0, in, y, 0, units);
        for (int n = 0; n < batch; n++) {
            for (int o = 0; o < units; o++) {
                y[n * units + o] += b[o];
            }
        }
    }

    /** Dense.backward before this change: dX = dY W and dW += dY^T X through Gemm.multiply, db by column sums. */
    private static void oldBackward(int in, int units, int batch, float[] x, float[] w, float[] dy, float[] dx,
                                    float[] dw, float[] db) {
        Arrays.fill(dx, 0f);
        Gemm.multiply(false, false, batch, in, units, dy, 0, units, w, 0, in, dx, 0, in);
        Gemm.multiply(true, false, units, in, batch, dy, 0, units, x, 0, in, dw, 0, in);
        for (int o = 0; o < units; o++) {
            float biasSum = 0;
            for (int n = 0; n < batch; n++) {
                biasSum += dy[n * units + o];
            }
            db[o] += biasSum;
        }
    }
}
