package io.github.jcnn.bench;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Tensor;
import java.util.Locale;

/**
 * How much a second thread can give on this machine, next to how much jcnn's data-parallel step gets from it.
 * <pre>
 *   java [-Dbatches=16] -cp target/benchmarks.jar io.github.jcnn.bench.Scaling [rounds]
 * </pre>
 * Each round measures, one after the other, LeNet-5 training at batch 64 (wall clock, 100 steps cycling over 16
 * different synthetic batches, or {@code -Dbatches} of them):
 * <ol>
 *   <li>one thread: one model, {@code Parallel.setThreads(1)};</li>
 *   <li>two independent loops: two models, each trained by its own Java thread on batches of 32, library threads 1,
 *       so the two never wait for each other or share anything: the most two threads can do here;</li>
 *   <li>data parallel: one model, {@code Parallel.setThreads(2)}, batches of 64 split over the two threads.</li>
 * </ol>
 * If (2) is well under twice (1), the machine (two vCPUs that share a physical core, or a busy host), not the
 * library, caps the speed-up.
 */
public final class Scaling {

    private static final int STEPS = 100;
    private static final int BATCHES = Integer.getInteger("batches", 16);

    private Scaling() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.println("LeNet-5 training, images/s (wall clock, " + STEPS + " steps of 64 images per figure)");
        System.out.println("round  1 thread  2 independent loops  data parallel (2 threads)  ratios 2ind/1, dp/1");
        loop(1, 64);   // warm-up
        independent();
        dataParallel();
        for (int r = 1; r <= rounds; r++) {
            double one = loop(1, 64);
            double two = independent();
            double dp = dataParallel();
            System.out.printf(Locale.ROOT, "%5d  %8.0f  %19.0f  %25.0f  %6.2f %6.2f%n", r, one, two, dp, two / one,
                    dp / one);
        }
    }

    /** One model trained on the calling thread for STEPS batches of {@code batch}, with library threads 1. */
    private static double loop(int threads, int batch) {
        Parallel.setThreads(threads);
        long start = System.nanoTime();
        train(batch, STEPS);
        return (double) STEPS * batch / ((System.nanoTime() - start) / 1e9);
    }

    private static void train(int batch, int steps) {
        Sequential model = LeNet.build(1);
        SGD sgd = new SGD(model.parameters(), SGD.config(0.01).momentum(0.9));
        Tensor[] x = new Tensor[BATCHES];
        int[][] y = new int[BATCHES][];
        for (int b = 0; b < BATCHES; b++) {
            x[b] = LeNet.images(batch, b);
            y[b] = LeNet.labels(batch, b);
        }
        for (int s = 0; s < steps; s++) {
            model.trainBatch(x[s % BATCHES], y[s % BATCHES], sgd);
        }
    }

    /** Two models, each on its own Java thread with batches of 32: 64 images per step in all. */
    private static double independent() throws InterruptedException {
        Parallel.setThreads(1);
        Thread[] threads = new Thread[2];
        long start = System.nanoTime();
        for (int i = 0; i < 2; i++) {
            threads[i] = new Thread(() -> train(32, STEPS));
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return (double) STEPS * 64 / ((System.nanoTime() - start) / 1e9);
    }

    private static double dataParallel() {
        return loop(2, 64);
    }
}
