package io.github.jcnn.kernels;

import java.util.Arrays;

/**
 * A convolution as im2col + GEMM, for any stride and padding. Per image, {@link Im2Col} lays the C*KH*KW numbers
 * under each of the OH*OW kernel positions out as the columns of a matrix, and the convolution and its gradients
 * become products:
 * <pre>
 *   forward          y_n (F x OH*OW)    = W (F x C*KH*KW) . cols_n (C*KH*KW x OH*OW) + b
 *   inputGradient    dx_n               = col2im(W^T . dy_n)         (col2im adds each entry back where it came from)
 *   weightGradient   dW (F x C*KH*KW)  += dy_n . cols_n^T            ({@link WeightGradient}, without cols_n)
 * </pre>
 * Two refinements keep the product's rows long and the copies few: for stride 1 without padding the column matrix
 * is built in the wide layout ({@link Im2Col#im2colWideRows}: one copy per row), and small output maps are multiplied
 * several images at a time, side by side ({@link #imagesPerGroup}). Both give the same sums in the same order as one
 * plain image at a time. Buffers and threads: see {@link ConvPlan}.
 */
final class Im2ColPlan implements ConvPlan {

    /** Small output maps are multiplied several images at a time, to rows of about this many columns. */
    private static final int GROUP_COLUMNS = 512;

    private final Im2Col im2col;
    private final int filters;
    /** F*OH*OW, the floats of one image's output. */
    private final int outputSize;

    /** Per thread part: the column matrix as row arrays (C*KH*KW rows), for Gemm.multiplyRows; training only. */
    private float[][][] columnRows = new float[0][][];
    /**
     * Per thread part, for the wide layout or grouped images: the F x (row length) product before it is copied out
     * to y; training only.
     */
    private float[][] products = new float[0][];
    /** Per thread part: the column matrix of dL/dx (W^T . dy), reused across training steps. */
    private float[][] scratch = new float[0][];
    /** W^T for the grouped dL/dx, see {@link #transposedWeight}. */
    private float[] weightT = new float[0];
    /** Per thread part: dL/dy of a group of images as F row arrays, for the grouped dL/dx. */
    private float[][][] gradientRows = new float[0][][];
    /** Per thread part: dL/dx's sources over dL/dy, pointed at image after image (nothing allocated per image). */
    private Sources[] sources = new Sources[0];

    /** One thread part's reusable sources over dL/dy: one image's, and a group's row arrays. */
    private static final class Sources {
        final PanelSource.Flat flat = new PanelSource.Flat();
        final PanelSource.Rows rows = new PanelSource.Rows();
    }

    Im2ColPlan(Im2Col im2col, int filters) {
        this.im2col = im2col;
        this.filters = filters;
        this.outputSize = filters * im2col.columns();
    }

    /** The geometry: shapes and sizes of the image, the kernel and the output. */
    Im2Col geometry() {
        return im2col;
    }

    /** F, the number of filters. */
    int filters() {
        return filters;
    }

    /**
     * y_n = W . im2col(x_n) + b, by the first path that applies: one large image in inference (the image split over
     * the threads), the wide layout or grouped images, or one image at a time.
     */
    @Override
    public void forward(float[] x, int batch, float[] w, float[] b, float[] y, boolean training) {
        float[][][] buffers = training ? columnRows() : null;
        if (!training && batch < Parallel.threads() && !im2col.wideLayoutPays() && imagesPerGroup() == 1
                && !Parallel.insideTask()) {
            forwardSplitImage(x, batch, w, b, y);
        } else if (im2col.wideLayoutPays() || imagesPerGroup() > 1) {
            forwardGrouped(x, batch, w, b, y, buffers);
        } else if (Parallel.runsInline(batch)) {
            forwardImages(x, w, b, y, buffers, 0, 0, batch);   // a chunk of the training step: no task object
        } else {
            Parallel.forRange(batch, (part, from, to) -> forwardImages(x, w, b, y, buffers, part, from, to));
        }
    }

    /** The forward pass one image at a time, images from..to-1, as thread part {@code part} (buffers: training). */
    private void forwardImages(float[] x, float[] w, float[] b, float[] y, float[][][] buffers, int part, int from,
                               int to) {
        int imageSize = im2col.imageSize();
        int positions = im2col.columns();
        int patch = im2col.rows();
        float[][] cols = buffers != null ? buffers[part] : Scratch.rows(patch, positions);
        for (int n = from; n < to; n++) {
            int yStart = n * outputSize;
            for (int f = 0; f < filters; f++) {
                Elementwise.fill(y, yStart + f * positions, yStart + (f + 1) * positions, b == null ? 0f : b[f]);
            }
            im2col.im2colRows(x, n * imageSize, cols);
            // y_n (F x OH*OW) += W (F x CKK) . cols (CKK x OH*OW), cols as row arrays: nothing to pack
            Gemm.multiplyRows(filters, positions, patch, w, 0, patch, cols, y, yStart, positions);
        }
        if (buffers == null) {
            Scratch.give(cols);
        }
    }

    /**
     * Inference on fewer images than threads (one large image, as VGG-16's 224 x 224): each image's column matrix
     * is built with its rows shared out over the threads, then its product with the filters with the filters shared
     * out. Every output is the same sum, in the same order, as in the image-per-thread path: the bits do not depend
     * on the thread count.
     */
    private void forwardSplitImage(float[] x, int batch, float[] w, float[] b, float[] y) {
        int imageSize = im2col.imageSize();
        int positions = im2col.columns();
        int patch = im2col.rows();
        float[][] cols = Scratch.rows(patch, positions);
        for (int n = 0; n < batch; n++) {
            int image = n * imageSize;
            int yStart = n * outputSize;
            Parallel.forRange(patch, (part, r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    im2col.im2colRows(x, image, r, r + 1, cols[r], 0);
                }
            });
            Parallel.forRange(filters, (part, f0, f1) -> {
                for (int f = f0; f < f1; f++) {
                    Elementwise.fill(y, yStart + f * positions, yStart + (f + 1) * positions, b == null ? 0f : b[f]);
                }
                Gemm.multiplyRows(f1 - f0, positions, patch, w, f0 * patch, patch, cols, y, yStart + f0 * positions,
                        positions);
            });
        }
        Scratch.give(cols);
    }

    /**
     * The forward pass for small output maps or the wide layout: the images of a group are laid side by side in one
     * column matrix (row r = row r of image 0's im2col, then image 1's, ...) and multiplied at once,
     * {@code [y_0 y_1 ...] (F x g*OH*OW) = W . [cols_0 cols_1 ...] + b}; each image's block of columns is then
     * copied to its place in y. With the {@link Im2Col#im2colWideRows wide layout} (stride 1, no padding) an image's
     * block has (OH - 1)*W + OW columns, of which those at i*W + j with j &lt; OW are the outputs, and the rest are
     * dropped when the result is copied out. Every output is the same sum in the same order as with one image at a
     * time in the plain layout: the same bits.
     *
     * @param buffers per-part row arrays for training, null for inference (allocated per call)
     */
    private void forwardGrouped(float[] x, int batch, float[] w, float[] b, float[] y, float[][][] buffers) {
        if (Parallel.runsInline(batch)) {
            forwardGroups(x, w, b, y, buffers, 0, 0, batch);   // a chunk of the training step: no task object
        } else {
            Parallel.forRange(batch, (part, from, to) -> forwardGroups(x, w, b, y, buffers, part, from, to));
        }
    }

    /** {@link #forwardGrouped} for images from..to-1, as thread part {@code part}. */
    private void forwardGroups(float[] x, float[] w, float[] b, float[] y, float[][][] buffers, int part, int from,
                               int to) {
        int imageSize = im2col.imageSize();
        int positions = im2col.columns();
        int patch = im2col.rows();
        boolean wide = im2col.wideLayoutPays();
        int perImage = wide ? im2col.wideColumns() : positions;
        int width = im2col.width();
        int outHeight = im2col.outHeight();
        int outWidth = im2col.outWidth();
        int group = imagesPerGroup();
        int count = to - from;
        int groups = (count + group - 1) / group;
        float[][] cols = buffers != null ? buffers[part] : Scratch.rows(patch, group * perImage);
        float[] product = buffers != null ? products[part] : Scratch.atLeast(filters * group * perImage);
        for (int g = 0; g < groups; g++) {
            int first = from + Parallel.start(count, groups, g);
            int images = from + Parallel.start(count, groups, g + 1) - first;
            int length = images * perImage;
            for (int k = 0; k < images; k++) {
                if (wide) {
                    im2col.im2colWideRows(x, (first + k) * imageSize, cols, k * perImage);
                } else {
                    im2col.im2colRows(x, (first + k) * imageSize, cols, k * perImage);
                }
            }
            for (int f = 0; f < filters; f++) {
                Elementwise.fill(product, f * length, (f + 1) * length, b == null ? 0f : b[f]);
            }
            Gemm.multiplyRows(filters, length, patch, w, 0, patch, cols, product, 0, length);
            for (int k = 0; k < images; k++) {
                int yStart = (first + k) * outputSize;
                for (int f = 0; f < filters; f++) {
                    int from0 = f * length + k * perImage;
                    if (wide) {
                        for (int i = 0; i < outHeight; i++) {
                            System.arraycopy(product, from0 + i * width, y, yStart + f * positions + i * outWidth,
                                    outWidth);
                        }
                    } else {
                        System.arraycopy(product, from0, y, yStart + f * positions, positions);
                    }
                }
            }
        }
        if (buffers == null) {
            Scratch.give(product);
            Scratch.give(cols);
        }
    }

    /**
     * dx_n = col2im(W^T . dy_n), image by image, or a group of images at a time (as in {@link #forwardGrouped}).
     * dx is zeroed first: col2im adds into it.
     */
    @Override
    public void inputGradient(float[] dy, int batch, float[] w, float[] dx) {
        int imageSize = im2col.imageSize();
        int positions = im2col.columns();
        int patch = im2col.rows();
        int group = imagesPerGroup();
        float[][] buffers = trainingScratch(patch * group * (im2col.wideLayoutPays() ? im2col.wideColumns()
                : positions));
        Arrays.fill(dx, 0, batch * imageSize, 0f);
        if (group > 1 || im2col.wideLayoutPays()) {
            inputGradientGrouped(dy, batch, w, dx, buffers);
        } else if (Parallel.runsInline(batch)) {
            inputGradientImages(dy, w, dx, buffers, 0, 0, batch);   // a chunk of the training step: no task object
        } else {
            Parallel.forRange(batch, (part, from, to) -> inputGradientImages(dy, w, dx, buffers, part, from, to));
        }
    }

    /** dL/dx one image at a time, images from..to-1, as thread part {@code part}. */
    private void inputGradientImages(float[] dy, float[] w, float[] dx, float[][] buffers, int part, int from,
                                     int to) {
        int positions = im2col.columns();
        int patch = im2col.rows();
        float[] dcols = buffers[part];
        PanelSource.Flat dyImage = sources[part].flat;   // pointed at each image in turn
        for (int n = from; n < to; n++) {
            // dcols = 0 + W^T . dy_n (overwritten, not zeroed first: the same bits)
            Gemm.multiply(true, patch, positions, filters, w, 0, patch,
                    dyImage.of(dy, n * outputSize, positions, 1), dcols, 0, positions, false);
            im2col.col2im(dcols, 0, dx, n * im2col.imageSize());
        }
    }

    /**
     * dL/dx a group of images at a time (as in {@link #forwardGrouped}):
     * {@code [dcols_0 dcols_1 ...] (CKK x g*OH*OW) = W^T . [dy_0 dy_1 ...]}, then col2im of each image's block.
     * With the wide layout (stride 1, no padding) dy is laid out wide, zeros in the columns past OW, and the
     * column matrix goes back into dx with {@link Im2Col#col2imWide}: one run per row instead of one per row and
     * output row. The same sums in the same order as one image at a time.
     */
    private void inputGradientGrouped(float[] dy, int batch, float[] w, float[] dx, float[][] scratch) {
        int perImage = im2col.wideLayoutPays() ? im2col.wideColumns() : im2col.columns();
        float[] wT = transposedWeight(w);
        float[][][] dyRows = gradientRows(imagesPerGroup() * perImage);
        if (Parallel.runsInline(batch)) {   // a chunk of the training step: no task object made
            inputGradientGroups(dy, wT, dx, scratch, dyRows, 0, 0, batch);
        } else {
            Parallel.forRange(batch, (part, from, to) ->
                    inputGradientGroups(dy, wT, dx, scratch, dyRows, part, from, to));
        }
    }

    /** {@link #inputGradientGrouped} for images from..to-1, as thread part {@code part}. */
    private void inputGradientGroups(float[] dy, float[] wT, float[] dx, float[][] scratch, float[][][] dyRows,
                                     int part, int from, int to) {
        int imageSize = im2col.imageSize();
        int positions = im2col.columns();
        int patch = im2col.rows();
        int group = imagesPerGroup();
        boolean wide = im2col.wideLayoutPays();
        int perImage = wide ? im2col.wideColumns() : positions;
        int width = im2col.width();
        int outHeight = im2col.outHeight();
        int outWidth = im2col.outWidth();
        int count = to - from;
        int groups = (count + group - 1) / group;
        float[] dcols = scratch[part];
        float[][] rows = dyRows[part];
        PanelSource dyGroup = sources[part].rows.of(rows);   // the same row arrays for every group
        for (int g = 0; g < groups; g++) {
            int first = from + Parallel.start(count, groups, g);
            int images = from + Parallel.start(count, groups, g + 1) - first;
            int length = images * perImage;
            for (int f = 0; f < filters; f++) {
                float[] row = rows[f];
                for (int k = 0; k < images; k++) {
                    int src = (first + k) * outputSize + f * positions;
                    if (wide) {
                        // output row i goes to columns k*wide + i*W ..., the W - OW columns after it are zero
                        Elementwise.fill(row, k * perImage, (k + 1) * perImage, 0f);
                        for (int i = 0; i < outHeight; i++) {
                            System.arraycopy(dy, src + i * outWidth, row, k * perImage + i * width, outWidth);
                        }
                    } else {
                        System.arraycopy(dy, src, row, k * perImage, positions);
                    }
                }
            }
            // dcols = 0 + W^T . [dy_0 dy_1 ...] (overwritten, not zeroed first: the same bits)
            Gemm.multiply(false, patch, length, filters, wT, 0, filters, dyGroup, dcols, 0, length, false);
            for (int k = 0; k < images; k++) {
                if (wide) {
                    im2col.col2imWide(dcols, k * perImage, length, dx, (first + k) * imageSize);
                } else {
                    im2col.col2im(dcols, k * perImage, length, dx, (first + k) * imageSize);
                }
            }
        }
    }

    /**
     * dW += dy_n . cols_n^T over the images, by {@link WeightGradient#accumulate}, or as dot products along the image
     * ({@link VectorWeightGradient}) for few filters with the Vector API.
     */
    @Override
    public void weightGradient(float[] x, float[] dy, int first, int count, float[] dw) {
        if (Simd.VECTOR && VectorWeightGradient.takes(im2col, filters)) {
            VectorWeightGradient.accumulate(im2col, filters, x, first * im2col.imageSize(), dy, first * outputSize,
                    count, dw);
            return;
        }
        WeightGradient.accumulate(im2col, filters, x, first * im2col.imageSize(), dy, first * outputSize, count, dw);
    }

    /**
     * How many images share one product when the output maps are small: enough that the product's rows are about
     * {@value #GROUP_COLUMNS} floats long (a 10 x 10 output map: 5 images; LeNet's second layer in the wide
     * layout: 3 images of 136 columns), 1 when one image's OH*OW is long enough by itself. Long rows are what the
     * product's vectorised inner loop needs; with 100 columns it spends much of its time entering and leaving the
     * loop.
     */
    int imagesPerGroup() {
        int perImage = im2col.wideLayoutPays() ? im2col.wideColumns() : im2col.columns();
        return Math.max(1, GROUP_COLUMNS / perImage);
    }

    /** W^T (CKK x F) in a buffer kept between calls, rewritten on every call (the weights change between steps). */
    private float[] transposedWeight(float[] w) {
        int patch = im2col.rows();
        if (weightT.length != patch * filters) {
            weightT = new float[patch * filters];
        }
        for (int f = 0; f < filters; f++) {
            for (int r = 0; r < patch; r++) {
                weightT[r * filters + f] = w[f * patch + r];
            }
        }
        return weightT;
    }

    /** Per thread part, F row arrays of {@code length} floats for dL/dy, kept between training steps. */
    private float[][][] gradientRows(int length) {
        int parts = Parallel.threads();
        if (gradientRows.length < parts || gradientRows[0][0].length < length) {
            gradientRows = new float[parts][filters][length];
        }
        return gradientRows;
    }

    /**
     * Per thread part, the column matrix as C*KH*KW row arrays (of a group of images' OH*OW floats, or of the wide
     * layout's (OH - 1)*W + OW when that is used), kept between training steps; also the per-part product buffers.
     */
    private float[][][] columnRows() {
        int parts = Parallel.threads();
        if (columnRows.length < parts) {
            int length = imagesPerGroup() * (im2col.wideLayoutPays() ? im2col.wideColumns() : im2col.columns());
            columnRows = new float[parts][im2col.rows()][length];
            products = new float[parts][filters * length];
        }
        return columnRows;
    }

    /**
     * One scratch buffer of at least {@code size} floats per thread part, kept between training steps (and the
     * parts' {@link #sources}).
     */
    private float[][] trainingScratch(int size) {
        int parts = Parallel.threads();
        if (scratch.length < parts || (scratch.length > 0 && scratch[0].length < size)) {
            scratch = new float[parts][size];
        }
        if (sources.length < parts) {
            Sources[] more = new Sources[parts];
            for (int i = 0; i < parts; i++) {
                more[i] = new Sources();
            }
            sources = more;
        }
        return scratch;
    }

    /** The plan as named in test failures, e.g. {@code im2col (wide layout, 4 images a group)}. */
    @Override
    public String toString() {
        return "im2col (" + (im2col.wideLayoutPays() ? "wide layout" : "plain layout") + ", " + imagesPerGroup()
                + (imagesPerGroup() == 1 ? " image" : " images") + " a group)";
    }
}
