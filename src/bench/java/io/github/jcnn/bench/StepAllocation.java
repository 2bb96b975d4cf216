package io.github.jcnn.bench;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Bytes allocated per training step, by every thread, at several batch sizes: the check that a step's allocation
 * does not grow with the batch (the data-parallel step cuts a batch into chunks of 32 images; nothing is allocated
 * per chunk). For each model and batch: a fresh model, {@code --warmup} steps, then {@code --steps} steps counted
 * with HotSpot's per-thread allocation counters ({@code com.sun.management.ThreadMXBean}) summed over all threads,
 * in {@code --rounds} rounds; the least round is printed (a one-off, such as a class loaded, is not a step's cost).
 * <pre>
 *   java -cp target/benchmarks.jar io.github.jcnn.bench.StepAllocation [--models vgg resnet lenet]
 *        [--batches 32 64 128 256] [--threads 2] [--warmup 30] [--steps 10] [--rounds 3]
 * </pre>
 * JMH's {@code -prof gc} gives the same figure per benchmark call, plus a few KB per measurement iteration that JMH
 * itself allocates, spread over the iteration's calls: that makes a slow step look as if it allocated more.
 */
public final class StepAllocation {

    private StepAllocation() {
    }

    /** Runs the measurements and prints one line per model and batch. */
    public static void main(String[] args) {
        List<String> models = new ArrayList<>(List.of("vgg", "resnet", "lenet"));
        List<Integer> batches = new ArrayList<>(List.of(32, 64, 128, 256));
        int threads = 2;
        int warmup = 30;
        int steps = 10;
        int rounds = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--models" -> i = Options.words(args, i, models);
                case "--batches" -> i = Options.ints(args, i, batches);
                case "--threads" -> threads = Options.intAfter(args, i++);
                case "--warmup" -> warmup = Options.intAfter(args, i++);
                case "--steps" -> steps = Options.intAfter(args, i++);
                case "--rounds" -> rounds = Options.intAfter(args, i++);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean mx) || !mx.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("this JVM has no per-thread allocation counters");
        }
        mx.setThreadAllocatedMemoryEnabled(true);
        Parallel.setThreads(threads);
        System.out.printf(Locale.ROOT, "threads=%d warmup=%d steps=%d rounds=%d (least round reported)%n", threads,
                warmup, steps, rounds);
        System.out.printf(Locale.ROOT, "%8s %6s %7s %14s%n", "model", "batch", "chunks", "bytes/step");
        for (String name : models) {
            for (int batch : batches) {
                Sequential model = Models.build(name, 1).orElseThrow();
                SGD optimizer = new SGD(model.parameters(), SGD.config(0.01).momentum(0.9));
                Tensor x = LeNet.images(batch, 5);
                int[] y = LeNet.labels(batch, 5);
                for (int i = 0; i < warmup; i++) {
                    model.trainBatch(x, y, optimizer);
                }
                long[] ids = Thread.getAllStackTraces().keySet().stream().mapToLong(Thread::getId).toArray();
                long least = Long.MAX_VALUE;
                for (int r = 0; r < rounds; r++) {
                    long before = total(mx.getThreadAllocatedBytes(ids));
                    for (int i = 0; i < steps; i++) {
                        model.trainBatch(x, y, optimizer);
                    }
                    least = Math.min(least, (total(mx.getThreadAllocatedBytes(ids)) - before) / steps);
                }
                System.out.printf(Locale.ROOT, "%8s %6d %7d %14d%n", name, batch, (batch + 31) / 32, least);
            }
        }
    }

    private static long total(long[] bytes) {
        long sum = 0;
        for (long b : bytes) {
            sum += Math.max(0, b);   // -1: a thread that has ended
        }
        return sum;
    }
}
