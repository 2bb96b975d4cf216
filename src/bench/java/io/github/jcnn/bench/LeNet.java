package io.github.jcnn.bench;

import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The lecture's LeNet-5 for 3x32x32 images and one hand-chained training step, as the benchmarks measure it:
 * <pre>
 *   conv 6@5x5 - relu - maxpool 2 - conv 16@5x5 - relu - maxpool 2 - flatten - dense 120 - relu - dense 84 - relu
 *   - dense 10        (62,006 parameters)
 *   step: zero the gradients, forward through the 13 layers, softmax cross-entropy, backward, SGD with momentum
 * </pre>
 * The same work as one batch of {@code Sequential.fit} minus its bookkeeping (progress, NaN checks, accuracy).
 */
public final class LeNet {

    /** CIFAR-10's image shape. */
    public static final Shape IMAGE = Shape.of(3, 32, 32);

    private final Sequential model;
    private final List<Layer> layers;
    private final SGD optimizer;
    private final SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();

    /** A freshly initialised LeNet-5 (seed 1) with SGD, learning rate 0.01, momentum 0.9. */
    public LeNet() {
        model = build(1);
        layers = model.layers();
        // the network input needs no gradient (what Sequential.fit does too); -Djcnn.bench.firstLayerDx=true keeps
        // it, to measure what skipping it saves
        ((Conv2D) layers.get(0)).setInputGradientNeeded(Boolean.getBoolean("jcnn.bench.firstLayerDx"));
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

    /** One training step on a batch; returns the loss. */
    public double step(Tensor images, int[] labels) {
        for (Parameter p : optimizer.parameters()) {
            p.zeroGrad();
        }
        Tensor x = images;
        for (Layer layer : layers) {
            x = layer.forward(x, true);
        }
        double value = loss.loss(x, labels);
        Tensor dy = loss.gradient(x, labels);
        for (int i = layers.size() - 1; i >= 0; i--) {
            dy = layers.get(i).backward(dy);
        }
        optimizer.step();
        return value;
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
