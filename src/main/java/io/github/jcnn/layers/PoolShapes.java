package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;

/** The output shape of a pooling layer, with the checks both pooling layers share. */
final class PoolShapes {

    private PoolShapes() {
    }

    /** (C, floor((H - K) / S) + 1, floor((W - K) / S) + 1), or an error naming the sizes. */
    static Shape output(String type, Shape in, int poolSize, int stride) {
        LayerChecks.requireRank(type, in, 3, "(channels, height, width)");
        if (poolSize < 1 || stride < 1) {
            throw new IllegalArgumentException(type + ": pool size and stride must be at least 1, got pool size "
                    + poolSize + " and stride " + stride);
        }
        int height = in.dim(1);
        int width = in.dim(2);
        if (height < poolSize || width < poolSize) {
            throw new IllegalArgumentException(type + " (" + poolSize + "x" + poolSize + ", stride " + stride
                    + "): input is " + height + "x" + width + "x" + in.dim(0) + " (H x W x C) but the window needs at least "
                    + poolSize + "x" + poolSize);
        }
        return Shape.of(in.dim(0), (height - poolSize) / stride + 1, (width - poolSize) / stride + 1);
    }
}
