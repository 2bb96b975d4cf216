package io.github.jcnn.kernels;

import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.WeightInit;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A quick measurement of Conv2D training steps (forward + backward) on LeNet-5's two convolutions for 3x32x32
 * images, batch 64 (not a test; run by hand):
 * <pre>
 *   mvn -q test-compile
 *   java -cp target/classes:target/test-classes io.github.jcnn.kernels.ConvBench [threads]
 * </pre>
 */
public final class ConvBench {

    private ConvBench() {
    }

    /** Prints images per second for each layer, forward alone and forward + backward. */
    public static void main(String[] args) {
        if (args.length > 0) {
            Parallel.setThreads(Integer.parseInt(args[0]));
        }
        SplittableRandom random = new SplittableRandom(1);
        int batch = 64;
        Conv2D conv1 = new Conv2D(Shape.of(3, 32, 32), 6, 5);
        Conv2D conv2 = new Conv2D(Shape.of(6, 14, 14), 16, 5);
        for (Conv2D conv : new Conv2D[] {conv1, conv2}) {
            conv.initialize(WeightInit.HE, random);
            Tensor x = Tensor.zeros(conv.inputShape().withBatch(batch));
            for (int i = 0; i < x.size(); i++) {
                x.data()[i] = (float) random.nextDouble();
            }
            Tensor dy = Tensor.full(conv.outputShape().withBatch(batch), 0.01f);
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                int steps = 100;
                for (int s = 0; s < steps; s++) {
                    conv.forward(x, false);
                }
                long t1 = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    conv.forward(x, true);
                    conv.backward(dy);
                }
                long t2 = System.nanoTime();
                System.out.printf(Locale.ROOT, "%s %s, %d threads: forward %,.0f images/s, forward+backward %,.0f"
                        + " images/s%n", conv, conv.inputShape(), Parallel.threads(),
                        steps * batch / ((t1 - t0) / 1e9), steps * batch / ((t2 - t1) / 1e9));
            }
        }
    }
}
