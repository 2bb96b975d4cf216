package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;

/**
 * The window geometry that {@link MaxPool2D} and {@link AvgPool2D} share: a K x K window moving by the stride S over
 * each channel of a (C, H, W) input, without padding,
 * <pre>
 *   output  (C, OH, OW)      OH = floor((H - K) / S) + 1,  OW = floor((W - K) / S) + 1
 * </pre>
 * and the checks that make a window fit. The subclasses say what a window computes.
 */
abstract class Pool2D extends LayerBase {

    final int poolSize;
    final int stride;
    /** The input's H and W and the output's OH and OW, for the loops. */
    final int height;
    final int width;
    final int outHeight;
    final int outWidth;

    Pool2D(String type, Shape in, int poolSize, int stride) {
        super(type, in, outputShape(type, in, poolSize, stride));
        this.poolSize = poolSize;
        this.stride = stride;
        this.height = in.dim(1);
        this.width = in.dim(2);
        this.outHeight = outputShape().dim(1);
        this.outWidth = outputShape().dim(2);
    }

    /** (C, floor((H - K) / S) + 1, floor((W - K) / S) + 1), or an error naming the sizes. */
    private static Shape outputShape(String type, Shape in, int poolSize, int stride) {
        LayerChecks.requireRank(type, in, 3, "(channels, height, width)");
        if (poolSize < 1 || stride < 1) {
            throw new IllegalArgumentException(type + ": pool size and stride must be at least 1, got pool size "
                    + poolSize + " and stride " + stride);
        }
        int height = in.dim(1);
        int width = in.dim(2);
        if (height < poolSize || width < poolSize) {
            throw new IllegalArgumentException(type + " (" + poolSize + "x" + poolSize + ", stride " + stride
                    + "): input is " + height + "x" + width + "x" + in.dim(0)
                    + " (H x W x C) but the window needs at least " + poolSize + "x" + poolSize);
        }
        return Shape.of(in.dim(0), (height - poolSize) / stride + 1, (width - poolSize) / stride + 1);
    }

    /** The window's side K. */
    public final int poolSize() {
        return poolSize;
    }

    /** The step S between windows. */
    public final int stride() {
        return stride;
    }

    /** The number of (image, channel) planes in a batch: the unit the loops split between threads. */
    final int planes(int batch) {
        return batch * inputShape().dim(0);
    }

    @Override
    public String toString() {
        return type() + "(" + poolSize + "x" + poolSize + ", stride " + stride + ")";
    }
}
