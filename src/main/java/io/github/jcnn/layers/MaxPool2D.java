package io.github.jcnn.layers;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.kernels.Pooling;
import io.github.jcnn.kernels.Scratch;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Optional;

/**
 * Max pooling: each output is the largest number in a K x K window of one channel; the window moves by the stride S.
 * <pre>
 *   y[n, c, i, j] = max over a, b in 0..K-1 of  x[n, c, i*S + a, j*S + b]
 *
 *   input   (N, C, H, W)
 *   output  (N, C, OH, OW)      OH = floor((H - K) / S) + 1,  OW = floor((W - K) / S) + 1   (no padding)
 * </pre>
 * The stride defaults to the pool size (windows side by side, no overlap). There are no parameters. Backward sends
 * each output gradient to the one input that won its window (the first one, in row-major order, on ties), so
 * training forward remembers the winner of every window.
 *
 * <p>NaN propagates as in PyTorch: a window holding a NaN gives NaN, and its last NaN (row-major) is the winner
 * that backward sends the gradient to. {@code MaxPool2D} on the window {@code [1, NaN, 2, 3]} gives NaN, not 3.
 *
 * <p>The 2 x 2 window with stride 2 runs a branch-free kernel, eight windows at a time where the Vector API is in
 * use ({@link Pooling#maxPool2x2}), other windows the plain loop ({@link Pooling#maxPoolReference}); all give the
 * same numbers bit for bit.
 *
 * <p>Example: the lecture's 6 x 6 map with a 3 x 3 window and stride 3 gives the 2 x 2 map {@code 7 9 / 7 7}.
 */
public final class MaxPool2D extends Pool2D {

    /** For each output of the last training batch: the flat index into the input of its window's maximum. */
    private int[] argmax = new int[0];
    /** The batch size of the last training forward; -1 before the first. */
    private int lastBatch = -1;
    /** Training output and input gradient, reused while the batch size stays the same. */
    private Tensor outputBuffer;
    private Tensor gradientBuffer;

    /** A K x K max pool with stride K, for inputs of shape (C, H, W). */
    public MaxPool2D(Shape in, int poolSize) {
        this(in, poolSize, poolSize);
    }

    /**
     * A K x K max pool with the given stride, for inputs of shape (C, H, W).
     *
     * @throws IllegalArgumentException if the shape is not (C, H, W), the pool size or stride is below 1, or the
     *                                  input is smaller than the window
     */
    public MaxPool2D(Shape in, int poolSize, int stride) {
        super("MaxPool2D", in, poolSize, stride);
    }

    /** y[n, c, i, j] = max of the window at (i*S, j*S); in training, also remembers where each maximum was. */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        int batch = input.shape().dim(0);
        // every number of the output is written, so in inference it may be an array kept from an earlier run
        Tensor output = training ? outputBuffer = Buffers.reuse(outputBuffer, outputShape().withBatch(batch))
                : Tensor.wrap(outputShape().withBatch(batch), Scratch.exactly(outputShape().size() * batch));
        int[] winners = null;
        if (training) {
            if (argmax.length != output.size()) {
                argmax = new int[output.size()];
            }
            winners = argmax;
            lastBatch = batch;
        }
        final int[] where = winners;
        float[] x = input.data();
        float[] y = output.data();
        // one plane = one channel of one image; planes are independent
        int planes = planes(batch);
        if (Parallel.runsInline(planes)) {
            pool(x, y, where, 0, planes);   // inline: no task object made
        } else {
            Parallel.forRange(planes, (part, from, to) -> pool(x, y, where, from, to));
        }
        return output;
    }

    /** The forward pass over planes from..to-1. */
    private void pool(float[] x, float[] y, int[] where, int from, int to) {
        if (poolSize == 2 && stride == 2) {
            Pooling.maxPool2x2(x, y, where, from, to, height, width);
        } else {
            Pooling.maxPoolReference(x, y, where, from, to, height, width, poolSize, stride);
        }
    }

    /**
     * In the forward pass this was {@code y[n, c, i, j] = x[argmax of the window]}: y depends on the winner only, with
     * slope 1, so dx[winner] += dy[n, c, i, j] and every other input of the window gets nothing from that output.
     * Overlapping windows (S &lt; K) may share a winner; their gradients add.
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradient(this, outputGradient, lastBatch);
        Tensor inputGradient = gradientBuffer = Buffers.reuseZeroed(gradientBuffer, inputShape().withBatch(lastBatch));
        float[] dx = inputGradient.data();
        float[] dy = outputGradient.data();
        // planes are independent: a winner always lies in its own plane
        int planes = planes(lastBatch);
        if (Parallel.runsInline(planes)) {
            unpool(dy, dx, 0, planes);
        } else {
            Parallel.forRange(planes, (part, from, to) -> unpool(dy, dx, from, to));
        }
        return inputGradient;
    }

    /** The backward pass over planes from..to-1: each output's gradient to its window's winner. */
    private void unpool(float[] dy, float[] dx, int from, int to) {
        int planeOut = outHeight * outWidth;
        if (stride >= poolSize) {   // no input is in two windows
            Pooling.maxPoolBackwardDisjoint(dy, argmax, dx, from * planeOut, to * planeOut);
        } else {
            Pooling.maxPoolBackwardReference(dy, argmax, dx, from * planeOut, to * planeOut);
        }
    }

    /** A new MaxPool2D of the same shape: the layer has no parameters, only per-batch training state. */
    @Override
    public Optional<Layer> replica(int index) {
        return Optional.of(new MaxPool2D(inputShape(), poolSize, stride));
    }
}
