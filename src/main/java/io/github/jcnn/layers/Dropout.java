package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Inverted dropout: in training, each number is kept with probability 1 - rate and scaled up by 1 / (1 - rate),
 * or set to zero; at inference the layer does nothing.
 * <pre>
 *   training:   y = x * mask,   mask = 1 / (1 - rate) with probability 1 - rate, else 0   (a fresh mask per forward)
 *   inference:  y = x
 *
 *   input and output  (N, any shape...)
 * </pre>
 * Scaling the kept numbers keeps the expected value of y equal to x, so nothing needs rescaling at inference. The
 * masks come from the layer's own generator, derived from the one passed to {@link #initialize} (and from a fixed
 * seed before that), so one seed makes a training run repeatable.
 */
public final class Dropout extends LayerBase {

    private final double rate;
    private final float keptScale;
    private SplittableRandom random = new SplittableRandom(0);
    /** The mask of the last training forward, reused while the batch size stays the same. */
    private float[] mask = new float[0];
    /** The batch size of the last training forward; -1 before the first. */
    private int lastBatch = -1;

    /**
     * A dropout layer for inputs of the given per-sample shape.
     *
     * @param rate the probability of dropping a number, in [0, 1)
     * @throws IllegalArgumentException if the rate is outside [0, 1)
     */
    public Dropout(Shape shape, double rate) {
        super("Dropout", shape, shape);
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("Dropout: rate must be in [0, 1) (the probability of dropping a "
                    + "number), got " + rate);
        }
        this.rate = rate;
        this.keptScale = (float) (1 / (1 - rate));
    }

    /** The probability of dropping a number in training. */
    public double rate() {
        return rate;
    }

    /** Seeds the layer's mask generator from {@code random} (the weight initialisation is not used). */
    @Override
    public void initialize(WeightInit init, RandomGenerator random) {
        this.random = new SplittableRandom(random.nextLong());
    }

    /** Training output and input gradient, reused while the batch size stays the same. */
    private Tensor outputBuffer;
    private Tensor gradientBuffer;

    /**
     * Training: y = x * mask with a fresh mask. Inference: y = x (the input tensor itself is returned).
     */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        if (!training) {
            return input;
        }
        float[] x = input.data();
        if (mask.length != x.length) {
            mask = new float[x.length];
        }
        for (int i = 0; i < x.length; i++) {   // one generator, in index order: repeatable for a given seed
            mask[i] = random.nextDouble() < rate ? 0f : keptScale;
        }
        lastBatch = input.shape().dim(0);
        Tensor output = outputBuffer = Buffers.reuse(outputBuffer, input.shape());   // every number written
        float[] y = output.data();
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * mask[i];
        }
        return output;
    }

    /** In the forward pass this was {@code y = x * mask}, so dx = dy * mask with the same mask. */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradient(this, outputGradient, lastBatch);
        Tensor inputGradient = gradientBuffer = Buffers.reuse(gradientBuffer, outputGradient.shape());
        float[] dy = outputGradient.data();
        float[] dx = inputGradient.data();
        for (int i = 0; i < dy.length; i++) {
            dx[i] = dy[i] * mask[i];
        }
        return inputGradient;
    }

    /**
     * A Dropout layer of the same rate whose mask generator is split off this layer's (which moves this layer's
     * generator on): replicas made in the same order after the same seed draw the same masks.
     */
    @Override
    public Optional<Layer> replica(int index) {
        Dropout copy = new Dropout(inputShape(), rate);
        copy.random = random.split();
        return Optional.of(copy);
    }

    @Override
    public String toString() {
        return "Dropout(" + rate + ")";
    }
}
