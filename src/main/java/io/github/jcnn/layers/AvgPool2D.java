package io.github.jcnn.layers;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Optional;

/**
 * Average pooling: each output is the mean of a K x K window of one channel; the window moves by the stride S.
 * <pre>
 *   y[n, c, i, j] = (1 / K^2) * sum over a, b in 0..K-1 of  x[n, c, i*S + a, j*S + b]
 *
 *   input   (N, C, H, W)
 *   output  (N, C, OH, OW)      OH = floor((H - K) / S) + 1,  OW = floor((W - K) / S) + 1   (no padding)
 * </pre>
 * The stride defaults to the pool size. There are no parameters and nothing to remember between forward and
 * backward: every input of a window receives dy / K^2.
 *
 * <p>Example: the lecture's 6 x 6 map with a 3 x 3 window and stride 3 gives the 2 x 2 map
 * {@code 38/9 51/9 / 40/9 35/9}.
 */
public final class AvgPool2D extends Pool2D {

    /** A K x K average pool with stride K, for inputs of shape (C, H, W). */
    public AvgPool2D(Shape in, int poolSize) {
        this(in, poolSize, poolSize);
    }

    /**
     * A K x K average pool with the given stride, for inputs of shape (C, H, W).
     *
     * @throws IllegalArgumentException if the shape is not (C, H, W), the pool size or stride is below 1, or the
     *                                  input is smaller than the window
     */
    public AvgPool2D(Shape in, int poolSize, int stride) {
        super("AvgPool2D", in, poolSize, stride);
    }

    /** Training output and input gradient, reused while the batch size stays the same. */
    private Tensor outputBuffer;
    private Tensor gradientBuffer;

    /**
     * y[n, c, i, j] = (sum of the window at (i*S, j*S)) / K^2. In training the output is a buffer kept from step to
     * step (see {@link Layer}); inference writes no field.
     */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        int batch = input.shape().dim(0);
        // every number of the output is written below
        Tensor output = training ? outputBuffer = Buffers.reuse(outputBuffer, outputShape().withBatch(batch))
                : Tensor.zeros(outputShape().withBatch(batch));
        float[] x = input.data();
        float[] y = output.data();
        int planes = planes(batch);
        if (Parallel.runsInline(planes)) {
            pool(x, y, 0, planes);   // a chunk of the training step: no task object made
        } else {
            Parallel.forRange(planes, (part, from, to) -> pool(x, y, from, to));
        }
        return output;
    }

    /** The forward pass over planes from..to-1 (the same window walk as {@link #unpool}). */
    private void pool(float[] x, float[] y, int from, int to) {
        float area = poolSize * poolSize;
        for (int plane = from; plane < to; plane++) {
            int inBase = plane * height * width;
            int outBase = plane * outHeight * outWidth;
            for (int i = 0; i < outHeight; i++) {
                for (int j = 0; j < outWidth; j++) {
                    float sum = 0;
                    for (int a = 0; a < poolSize; a++) {
                        int row = inBase + (i * stride + a) * width + j * stride;
                        for (int b = 0; b < poolSize; b++) {
                            sum += x[row + b];
                        }
                    }
                    y[outBase + i * outWidth + j] = sum / area;
                }
            }
        }
    }

    /**
     * In the forward pass this was {@code y[n, c, i, j] = (1 / K^2) * sum of x over the window}: every input of the
     * window has slope 1 / K^2, so each receives dy[n, c, i, j] / K^2. With overlapping windows (S &lt; K) an input
     * in several windows receives the sum of their shares.
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradientBatch(this, outputGradient);
        int batch = outputGradient.shape().dim(0);
        // the shares are added into dx: the kept buffer is zeroed first
        Tensor inputGradient = gradientBuffer = Buffers.reuseZeroed(gradientBuffer, inputShape().withBatch(batch));
        float[] dx = inputGradient.data();
        float[] dy = outputGradient.data();
        int planes = planes(batch);
        if (Parallel.runsInline(planes)) {
            unpool(dy, dx, 0, planes);
        } else {
            Parallel.forRange(planes, (part, from, to) -> unpool(dy, dx, from, to));
        }
        return inputGradient;
    }

    /** The backward pass over planes from..to-1: each output's share added to every input of its window. */
    private void unpool(float[] dy, float[] dx, int from, int to) {
        float area = poolSize * poolSize;
        for (int plane = from; plane < to; plane++) {
            int inBase = plane * height * width;
            int outBase = plane * outHeight * outWidth;
            for (int i = 0; i < outHeight; i++) {
                for (int j = 0; j < outWidth; j++) {
                    float share = dy[outBase + i * outWidth + j] / area;
                    for (int a = 0; a < poolSize; a++) {
                        int row = inBase + (i * stride + a) * width + j * stride;
                        for (int b = 0; b < poolSize; b++) {
                            dx[row + b] += share;
                        }
                    }
                }
            }
        }
    }

    /** A new AvgPool2D of the same shape: the layer has no parameters, only per-batch training state. */
    @Override
    public Optional<Layer> replica(int index) {
        return Optional.of(new AvgPool2D(inputShape(), poolSize, stride));
    }
}
