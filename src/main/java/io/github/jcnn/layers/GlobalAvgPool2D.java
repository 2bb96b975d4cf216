package io.github.jcnn.layers;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Optional;

/**
 * Global average pooling: each channel's whole map becomes one number, its mean.
 * <pre>
 *   y[n, c] = (1 / (H * W)) * sum over i, j of  x[n, c, i, j]
 *
 *   input   (N, C, H, W)
 *   output  (N, C)              flat: a dense layer can follow directly
 * </pre>
 * This is PyTorch's {@code nn.AdaptiveAvgPool2d(1)} followed by {@code nn.Flatten()}, the usual head of a residual
 * network: {@code ...conv...globalAvgPool().dense(10)}. The output is flat (C) rather than (C, 1, 1) because a
 * (C, 1, 1) map is only ever flattened next; the builder saves that step. No parameters; nothing to remember
 * between forward and backward.
 *
 * <p>Why it helps: the classifier after it sees "how much of each feature is anywhere in the image", whatever the
 * map's size, with no weights per position (a flatten of 128 x 8 x 8 maps into dense(10) would need 81,920 weights,
 * global pooling into dense(10) 1,280).
 *
 * <p>Example: a 2 x 2 map {@code 1 2 / 3 6} pools to 3; backward sends dy / 4 to each of the four inputs.
 */
public final class GlobalAvgPool2D extends LayerBase {

    /** The input gradient of the last backward, reused while the batch size stays the same. */
    private Tensor gradientBuffer;
    /** The training output, reused while the batch size stays the same. */
    private Tensor outputBuffer;

    /**
     * Global average pooling for inputs of shape (C, H, W).
     *
     * @throws IllegalArgumentException if the shape is not (C, H, W)
     */
    public GlobalAvgPool2D(Shape in) {
        super("GlobalAvgPool2D", in, channels(in));
    }

    private static Shape channels(Shape in) {
        LayerChecks.requireRank("GlobalAvgPool2D", in, 3, "(channels, height, width)");
        return Shape.of(in.dim(0));
    }

    /**
     * y[n, c] = mean of the map x[n, c, ., .], summed in double. In training the output is a buffer kept from step
     * to step (see {@link Layer}); inference writes no field.
     */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        int batch = input.shape().dim(0);
        // every number is written below
        Tensor output = training ? outputBuffer = Buffers.reuse(outputBuffer, outputShape().withBatch(batch))
                : Tensor.zeros(outputShape().withBatch(batch));
        float[] x = input.data();
        float[] y = output.data();
        int planes = batch * inputShape().dim(0);
        if (Parallel.runsInline(planes)) {
            average(x, y, 0, planes);   // a chunk of the training step: no task object made
        } else {
            Parallel.forRange(planes, (part, from, to) -> average(x, y, from, to));
        }
        return output;
    }

    /** y[plane] = the mean of x's plane, for planes from..to-1 (the same walk as {@link #spread}). */
    private void average(float[] x, float[] y, int from, int to) {
        int area = inputShape().dim(1) * inputShape().dim(2);
        for (int plane = from; plane < to; plane++) {
            double sum = 0;
            int base = plane * area;
            for (int s = 0; s < area; s++) {
                sum += x[base + s];
            }
            y[plane] = (float) (sum / area);
        }
    }

    /**
     * In the forward pass this was {@code y[n, c] = (1 / (H W)) * sum of x[n, c, i, j]}: every input of the map has
     * slope 1 / (H W), so each receives dy[n, c] / (H W).
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradientBatch(this, outputGradient);
        int batch = outputGradient.shape().dim(0);
        // every number is written below: the buffer of the last step serves (a new 2 MB array per step for
        // resnet's 64 x 128 x 8 x 8, each one a "humongous" object that started a G1 marking cycle)
        Tensor inputGradient = gradientBuffer = Buffers.reuse(gradientBuffer, inputShape().withBatch(batch));
        float[] dx = inputGradient.data();
        float[] dy = outputGradient.data();
        int planes = batch * inputShape().dim(0);
        if (Parallel.runsInline(planes)) {
            spread(dy, dx, 0, planes);
        } else {
            Parallel.forRange(planes, (part, from, to) -> spread(dy, dx, from, to));
        }
        return inputGradient;
    }

    /** Each input of planes from..to-1 gets dy[plane] / (H W). */
    private void spread(float[] dy, float[] dx, int from, int to) {
        int area = inputShape().dim(1) * inputShape().dim(2);
        for (int plane = from; plane < to; plane++) {
            float share = dy[plane] / area;
            int base = plane * area;
            for (int s = 0; s < area; s++) {
                dx[base + s] = share;
            }
        }
    }

    /** A new GlobalAvgPool2D of the same shape (with a gradient buffer of its own): the layer has no parameters. */
    @Override
    public Optional<Layer> replica(int index) {
        return Optional.of(new GlobalAvgPool2D(inputShape()));
    }

    @Override
    public String toString() {
        return "GlobalAvgPool2D(" + inputShape().dim(1) + "x" + inputShape().dim(2) + " -> 1)";
    }
}
