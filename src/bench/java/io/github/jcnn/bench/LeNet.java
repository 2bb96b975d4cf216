package io.github.jcnn.bench;

import io.github.jcnn.model.Sequential;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * The lecture's LeNet-5 for 3x32x32 images and one training step, as the benchmarks measure it:
 * <pre>
 *   conv 6@5x5 - relu - maxpool 2 - conv 16@5x5 - relu - maxpool 2 - flatten - dense 120 - relu - dense 84 - relu
 *   - dense 10        (62,006 parameters)
 *   step: zero the gradients, forward through the 13 layers, softmax cross-entropy, backward, SGD with momentum
 * </pre>
 * A step is {@code Sequential.trainBatch}: the same code as one batch of {@code Sequential.fit}, minus fit's
 * progress bar and listeners.
 */
public final class LeNet {

    /** CIFAR-10's image shape. */
    public static final Shape IMAGE = Shape.of(3, 32, 32);

    private final Sequential model;
    private final SGD optimizer;

    /** A freshly initialised LeNet-5 (seed 1) with SGD, learning rate 0.01, momentum 0.9. */
    public LeNet() {
        model = build(1);
        optimizer = new SGD(model.parameters(), SGD.config(0.01).momentum(0.9));
    }

    /** LeNet-5 for CIFAR-10 built with the Sequential builder. */
    public static Sequential build(long seed) {
        return Sequential.builder(IMAGE)
                .conv2d(6, 5).relu().maxPool(2)
                .conv2d(16, 5).relu().maxPool(2)
                .flatten()
                .dense(120).relu()
                .dense(84).relu()
                .dense(10)
                .seed(seed)
                .build();
    }

    /** The model. */
    public Sequential model() {
        return model;
    }

    /** One training step on a batch, as Sequential.fit takes it (Sequential.trainBatch); returns the loss. */
    public double step(Tensor images, int[] labels) {
        return model.trainBatch(images, labels, optimizer);
    }

    /** Inference on a batch. */
    public Tensor predict(Tensor images) {
        return model.predict(images);
    }

    /** n synthetic CIFAR-shaped images: bytes / 255 as PyTorch's peer script uses. */
    public static Tensor images(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(IMAGE.withBatch(n));
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = random.nextInt(256) / 255f;
        }
        return t;
    }

    /** n random labels 0..9. */
    public static int[] labels(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed + 1);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(10);
        }
        return y;
    }
}
