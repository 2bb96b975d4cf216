package io.github.jcnn.model;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

/**
 * The measuring half of {@link TrainingAllocationTest}, run in a JVM of its own: for one small network, the bytes all
 * threads allocate per training step at batch 64 (2 chunks of 32) and at batch 256 (8 chunks), on 2 threads. Prints
 * {@code "<bytes at 64> <bytes at 256>"}, or {@code "unsupported"} on a JVM without per-thread allocation counters.
 *
 * <p>Each batch size is measured on a model of its own (a model's buffers are sized for its last batch), after a
 * warm-up that makes every replica, buffer and lane thread, as the least of three rounds: a one-off (a class
 * loaded, a thread-local made) is not a step's cost.
 */
public final class TrainingAllocationChild {

    /** Steps per round. */
    private static final int STEPS = 3;

    private TrainingAllocationChild() {
    }

    /** @param args one of "batchnorm", "lenet", "residual" */
    public static void main(String[] args) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean mx) || !mx.isThreadAllocatedMemorySupported()) {
            System.out.println("unsupported");
            return;
        }
        mx.setThreadAllocatedMemoryEnabled(true);
        Parallel.setThreads(2);
        long small = bytesPerStep(mx, args[0], 64);
        long large = bytesPerStep(mx, args[0], 256);
        System.out.println(small + " " + large);
    }

    /** The network by name: each kind of layer on the data-parallel path at least once. */
    static Sequential model(String name) {
        SequentialBuilder b = Sequential.builder(Shape.of(3, 12, 12));
        return switch (name) {
            case "batchnorm" -> b.conv2d(8, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                    .conv2d(8, 3, 3, 1, Padding.SAME, false).batchNorm().relu().maxPool(2)
                    .conv2d(8, 3, 3, 1, Padding.SAME, false).batchNorm().maxPool(2).relu()
                    .flatten().dense(10).seed(3).build();
            case "lenet" -> b.conv2d(6, 5).relu().maxPool(2).conv2d(8, 3).avgPool(2).relu()
                    .flatten().dense(20).relu().dense(10).seed(3).build();
            case "residual" -> b.conv2d(8, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                    .residual(r -> r.conv2d(8, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                            .conv2d(8, 3, 3, 1, Padding.SAME, false).batchNorm()).relu()
                    .residual(r -> r.conv2d(8, 3, 3, 2, Padding.SAME, false).batchNorm().relu()
                            .conv2d(8, 3, 3, 1, Padding.SAME, false).batchNorm()).relu()
                    .globalAvgPool().dense(10).seed(3).build();
            default -> throw new IllegalArgumentException("unknown network " + name);
        };
    }

    private static long bytesPerStep(com.sun.management.ThreadMXBean mx, String name, int batch) {
        Sequential model = model(name);
        SGD optimizer = new SGD(model.parameters(), SGD.config(0.01).momentum(0.9));
        SplittableRandom random = new SplittableRandom(batch);
        Tensor images = Tensor.zeros(Shape.of(batch, 3, 12, 12));
        float[] d = images.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) random.nextDouble(-1, 1);
        }
        int[] labels = random.ints(batch, 0, 10).toArray();
        for (int i = 0; i < 2; i++) {
            model.trainBatch(images, labels, optimizer);
        }
        long[] ids = Thread.getAllStackTraces().keySet().stream().mapToLong(Thread::getId).toArray();
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            long before = total(mx.getThreadAllocatedBytes(ids));
            for (int i = 0; i < STEPS; i++) {
                model.trainBatch(images, labels, optimizer);
            }
            least = Math.min(least, (total(mx.getThreadAllocatedBytes(ids)) - before) / STEPS);
        }
        return least;
    }

    private static long total(long[] bytes) {
        long sum = 0;
        for (long b : bytes) {
            sum += Math.max(0, b);   // -1: a thread that has ended
        }
        return sum;
    }
}
