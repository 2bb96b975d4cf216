package io.github.jcnn.kernels;

/**
 * A stride-1 convolution as one matrix product without im2col: the <em>wide layout over the zero-padded image</em>.
 * <pre>
 *   xp = x with zeros around each channel: PH rows of zeros above and below, and G zeros between one row
 *        and the next, which are the right border of the one and the left border of the next
 *   S  = W + G, the row stride of xp;     G = max(PW, OW - W) (= PW for the usual paddings, such as SAME)
 *   y[f][i][j] = sum over r = (c, u, v) of W[f][r] * x[c][i + u - PH][j + v - PW]     (0 outside x)
 *             = sum over r of W[f][r] * xp_flat[delta(r) + i*S + j],    delta(r) = c*(H + 2PH)*S + u*S + v
 * </pre>
 * Read the second line as a matrix product: y_wide (F x L) = W (F x C*KH*KW) . B, where row r of B is the run of
 * L = (OH - 1)*S + OW consecutive numbers of xp starting at delta(r), and column t = i*S + j of y_wide is output
 * (i, j) when j &lt; OW (the other columns, j &ge; OW, straddle two rows of xp and are dropped). B is never built:
 * {@link #source} hands the product each block of it straight from xp. So a padded 3x3 convolution costs one copy
 * of the image (the padding) instead of im2col's nine; the price is (S - OW) / S more columns in the product.
 *
 * <p>Why one gap of G zeros is enough, and not PW on each side: a window that hangs over the left edge of row i
 * (column j + v - PW &lt; 0) reads the last numbers of row i - 1's gap, and one that hangs over the right edge reads
 * the first numbers of row i's own gap; both are zeros. Sharing the border cuts the wasted columns of a 3x3 SAME
 * convolution from 2 per row to 1: 71 columns instead of 78 for the 64 outputs of an 8x8 map (9% fewer), 271
 * instead of 286 on 16x16 (5%), 1,055 instead of 1,086 on 32x32 (3%). Channel c's rows
 * start at c*(H + 2PH)*S + PH*S + PW, so every row's left border lies before it; the last channel is followed by
 * PW zeros for the right border of its last row.
 *
 * <p>The same plan computes dL/dx of a stride-1 convolution, because that is a convolution too (the lecture's
 * formula): dL/dx is the <em>full</em> convolution of dL/dy with the kernel rotated by 180 degrees, i.e. dL/dy
 * padded by KH - 1 - P (and KW - 1 - P) convolved with W' (C x F x KH x KW),
 * {@code W'[c][f][u][v] = W[f][c][KH-1-u][KW-1-v]} ({@link #rotatedWeight}). The sums are those of
 * {@link ConvReference#inputGradient}, grouped as a matrix product.
 *
 * <p>{@link #strideTwo} lays a stride-2 convolution out the same way, over the padded image's four parity planes
 * (its even and odd rows and columns), where each tap of the kernel is again a fixed offset from the output.
 */
public final class PaddedWide {

    private final int channels;
    private final int height;
    private final int width;
    private final int kernelHeight;
    private final int kernelWidth;
    private final int padHeight;
    private final int padWidth;
    private final int paddedHeight;
    /** 1, or 2 for the layout of four parity planes ({@link #strideTwo}). */
    private final int stride;
    /**
     * S = W + G: the row stride of the padded image, G zeros between one row and the next; with stride 2 the width
     * of a parity plane, ceil((W + 2PW) / 2).
     */
    private final int rowStride;
    /** (H + 2PH)*S, the floats of one padded channel; with stride 2, its four parity planes. */
    private final int plane;
    /** With stride 2, the floats of one parity plane, ceil((H + 2PH) / 2) * S; else 0. */
    private final int parityPlane;
    private final int outHeight;
    private final int outWidth;
    /** For each row r = (c*KH + u)*KW + v of B: delta(r) = c*(H + 2PH)*S + u*S + v. */
    private final int[] delta;

    /**
     * The plan for a stride-1 convolution of a (channels, height, width) input with a kernelHeight x kernelWidth
     * kernel and the given padding.
     *
     * @throws IllegalArgumentException if a size is not positive or the padded input is smaller than the kernel
     */
    public PaddedWide(int channels, int height, int width, int kernelHeight, int kernelWidth, int padHeight,
                      int padWidth) {
        this(channels, height, width, kernelHeight, kernelWidth, padHeight, padWidth, 1);
    }

    /**
     * The plan for a stride-2 convolution: the padded image split into its four <em>parity planes</em>,
     * {@code P[rp][cp][a][b] = xp[2a + rp][2b + cp]}, each ceil((H + 2PH) / 2) x ceil((W + 2PW) / 2) (zeros past the
     * image). The input under tap (u, v) of output (i, j) is {@code xp[2i + u][2j + v] = P[u % 2][v % 2][i + u/2][j
     * + v/2]}: a fixed offset from (i, j) in one plane, as in the stride-1 layout. So
     * <pre>
     *   y[f][i][j] = sum over r = (c, u, v) of W[f][r] * xp_flat[delta(r) + i*S + j],
     *   delta(r) = c*4*PP + (2*(u % 2) + v % 2)*PP + (u/2)*S + v/2,      S = the planes' width, PP = a plane's floats
     * </pre>
     * one product over the four planes read in place, with one copy of the image (the split) instead of im2col's
     * KH*KW / 4 (a 3x3 kernel reads each input 2.25 times on average, and im2col copies it that often); the price is
     * S - OW more columns per row (1 for a 3x3 kernel with padding 1). The sums, and their order, are im2col's.
     *
     * @throws IllegalArgumentException if a size is not positive or the padded input is smaller than the kernel
     */
    public static PaddedWide strideTwo(int channels, int height, int width, int kernelHeight, int kernelWidth,
                                       int padHeight, int padWidth) {
        return new PaddedWide(channels, height, width, kernelHeight, kernelWidth, padHeight, padWidth, 2);
    }

    private PaddedWide(int channels, int height, int width, int kernelHeight, int kernelWidth, int padHeight,
                       int padWidth, int stride) {
        if (channels < 1 || height < 1 || width < 1 || kernelHeight < 1 || kernelWidth < 1 || padHeight < 0
                || padWidth < 0 || height + 2 * padHeight < kernelHeight || width + 2 * padWidth < kernelWidth) {
            throw new IllegalArgumentException("bad stride-" + stride + " convolution geometry: " + channels + "x"
                    + height + "x" + width + ", kernel " + kernelHeight + "x" + kernelWidth + ", padding "
                    + padHeight + "x" + padWidth);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kernelHeight = kernelHeight;
        this.kernelWidth = kernelWidth;
        this.padHeight = padHeight;
        this.padWidth = padWidth;
        this.paddedHeight = height + 2 * padHeight;
        this.stride = stride;
        this.outHeight = (paddedHeight - kernelHeight) / stride + 1;
        this.outWidth = (width + 2 * padWidth - kernelWidth) / stride + 1;
        int rows = channels * kernelHeight * kernelWidth;
        this.delta = new int[rows];
        if (stride == 1) {
            // the gap must hold a row's left border (PW) and keep a row's OW outputs clear of the next row's
            this.rowStride = width + Math.max(padWidth, outWidth - width);
            this.plane = paddedHeight * rowStride;
            this.parityPlane = 0;
        } else {
            // a window's last tap, v/2 = (KW - 1)/2 columns on, stays in the row: OW - 1 + (KW - 1)/2 <= S - 1
            this.rowStride = (width + 2 * padWidth + 1) / 2;
            this.parityPlane = (paddedHeight + 1) / 2 * rowStride;
            this.plane = 4 * parityPlane;
        }
        for (int r = 0; r < rows; r++) {
            int v = r % kernelWidth;
            int u = (r / kernelWidth) % kernelHeight;
            int c = r / (kernelWidth * kernelHeight);
            delta[r] = stride == 1 ? c * plane + u * rowStride + v
                    : c * plane + (2 * (u % 2) + v % 2) * parityPlane + (u / 2) * rowStride + v / 2;
        }
    }

    /** The same layout, with B made of only the given rows of this one's ({@link StrideTwoGradient}'s classes). */
    private PaddedWide(PaddedWide from, int[] rows) {
        this.channels = from.channels;
        this.height = from.height;
        this.width = from.width;
        this.kernelHeight = from.kernelHeight;
        this.kernelWidth = from.kernelWidth;
        this.padHeight = from.padHeight;
        this.padWidth = from.padWidth;
        this.paddedHeight = from.paddedHeight;
        this.stride = from.stride;
        this.rowStride = from.rowStride;
        this.plane = from.plane;
        this.parityPlane = from.parityPlane;
        this.outHeight = from.outHeight;
        this.outWidth = from.outWidth;
        this.delta = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            delta[i] = from.delta[rows[i]];
        }
    }

    /**
     * This layout with B made of rows {@code rows[0], rows[1], ...} of this one's B (the same padded images, the same
     * columns): a product over some of the kernel's taps.
     */
    PaddedWide restricted(int[] rows) {
        return new PaddedWide(this, rows);
    }

    /** KH, the kernel's rows. */
    int kernelHeight() {
        return kernelHeight;
    }

    /** KW, the kernel's columns. */
    int kernelWidth() {
        return kernelWidth;
    }

    /** 1, or 2 for the parity planes of {@link #strideTwo}. */
    public int stride() {
        return stride;
    }

    /**
     * Whether this plan does at most half again the work of the plain layout (the wide columns against OH*OW):
     * (OH - 1)*S + OW &le; 1.5 OH*OW. True for 3x3 SAME convolutions on maps of 4x4 and larger.
     */
    public boolean pays() {
        return 2L * wideColumns() <= 3L * outHeight * outWidth;
    }

    /** OH, rows of the output. */
    public int outHeight() {
        return outHeight;
    }

    /** OW, columns of the output. */
    public int outWidth() {
        return outWidth;
    }

    /** delta(r) for every row r of B: where row r's numbers start in a padded image. Not to be written. */
    int[] rowStarts() {
        return delta;
    }

    /** Rows of B: C*KH*KW. */
    public int rows() {
        return delta.length;
    }

    /** L = (OH - 1)*S + OW, the columns of B and of the wide product per image. */
    public int wideColumns() {
        return (outHeight - 1) * rowStride + outWidth;
    }

    /**
     * C*(H + 2PH)*S and PW zeros after the last row: the floats of one padded image. (Reads reach W + 2PW - S &le; PW
     * floats past the last channel; without rows below, its last row's gap writes PW floats past it.)
     */
    public int paddedSize() {
        return channels * plane + (stride == 1 ? padWidth : 0);
    }

    /** C*H*W, the floats of one input image. */
    public int imageSize() {
        return channels * height * width;
    }

    /** Writes image x (C, H, W) at {@code x[xOffset]} into {@code padded[offset ...]} with the zero border. */
    public void pad(float[] x, int xOffset, float[] padded, int offset) {
        if (stride == 2) {
            split(x, xOffset, padded, offset);
            return;
        }
        if (padHeight == 0 && padWidth == 0) {
            System.arraycopy(x, xOffset, padded, offset, imageSize());
            return;
        }
        int in = xOffset;
        for (int c = 0; c < channels; c++) {
            int start = offset + c * plane;
            // the rows above, and the left border of the first row
            int row = start + padHeight * rowStride + padWidth;
            Elementwise.fill(padded, start, row, 0f);
            Elementwise.copyRows(x, in, width, padded, row, rowStride, height, width);
            for (int h = 0; h < height; h++) {
                // each row's gap is a float or two: plain stores, not a fill loop with its set-up per row
                for (int t = width; t < rowStride; t++) {
                    padded[row + t] = 0f;
                }
                row += rowStride;
            }
            in += height * width;
            // the rows below (without any, the last gap ran PW floats into the next channel, or past the last one)
            Elementwise.fill(padded, row, start + plane, 0f);
        }
        Elementwise.fill(padded, offset + channels * plane, offset + channels * plane + padWidth, 0f);
    }

    /**
     * The stride-2 layout: image x's padded channels written as their four parity planes, channel c's plane (rp, cp)
     * at {@code offset + c*4*PP + (2rp + cp)*PP}, {@code P[rp][cp][a][b] = xp[2a + rp][2b + cp]}, zeros for the
     * padding and past the padded image.
     */
    private void split(float[] x, int xOffset, float[] padded, int offset) {
        for (int c = 0; c < channels; c++) {
            int start = offset + c * plane;
            Elementwise.fill(padded, start, start + plane, 0f);
            int in = xOffset + c * height * width;
            for (int h = 0; h < height; h++) {
                int row = h + padHeight;                           // the padded row, 2a + rp
                int at = start + (row % 2) * 2 * parityPlane + (row / 2) * rowStride;
                int first = padWidth % 2;                          // x's first column that lands in plane cp = 0
                // column w of x is padded column w + PW = 2b + cp: plane cp, column b
                for (int w = first, b = (first + padWidth) / 2; w < width; w += 2, b++) {
                    padded[at + b] = x[in + h * width + w];
                }
                at += parityPlane;
                for (int w = 1 - first, b = (1 - first + padWidth) / 2; w < width; w += 2, b++) {
                    padded[at + b] = x[in + h * width + w];
                }
            }
        }
    }

    /**
     * B for {@code images} padded images side by side (image k at {@code padded[offset + k*imageStride]}, its
     * columns at k*L .. k*L + L - 1): element [r][k*L + t] = padded[offset + k*imageStride + delta(r) + t].
     */
    public PanelSource source(float[] padded, int offset, int images, int imageStride) {
        return new Source().of(padded, offset, images, imageStride);
    }

    /** A {@link Source} to point at images later. */
    Source newSource() {
        return new Source();
    }

    /**
     * A {@link #source} that is pointed at other images with {@link #of}: a product loop keeps one per thread and
     * reuses it group after group, so that a training step allocates nothing per group of images.
     */
    final class Source implements PanelSource {

        private float[] padded;
        private int offset;
        private int images;
        private int imageStride;
        private final int length = wideColumns();

        /**
         * This source, now for {@code images} padded images {@code imageStride} apart from {@code padded[offset]}.
         *
         * @throws IllegalArgumentException if they do not fit in the array
         */
        Source of(float[] padded, int offset, int images, int imageStride) {
            if (offset < 0 || (long) offset + (long) (images - 1) * imageStride + paddedSize() > padded.length) {
                throw new IllegalArgumentException(images + " padded images of " + paddedSize() + " floats, "
                        + imageStride + " apart from " + offset + ", do not fit in " + padded.length);
            }
            this.padded = padded;
            this.offset = offset;
            this.images = images;
            this.imageStride = imageStride;
            return this;
        }

        @Override
        public void rows(int p0, int depth, int j0, int count, float[][] rows) {
            for (int p = 0; p < depth; p++) {
                copy(p0 + p, j0, count, rows[p], 0);
            }
        }

        @Override
        public void panel(int p0, int depth, int j0, int count, float[] panel, int at, int stride) {
            for (int p = 0; p < depth; p++) {
                int dst = at + p * stride;
                copy(p0 + p, j0, count, panel, dst);
                for (int t = count; t < stride; t++) {
                    panel[dst + t] = 0f;
                }
            }
        }

        @Override
        public float[] inPlace(int p0, int depth, int j0, int width, int[] starts, int at) {
            int k = j0 / length;
            int t = j0 - k * length;
            if (t + width > length) {
                return null;                        // the panel's columns run into the next image
            }
            int from = offset + k * imageStride + t;
            for (int p = 0; p < depth; p++) {
                starts[at + p] = from + delta[p0 + p];
            }
            return padded;
        }

        @Override
        public float[] inTwoRuns(int p0, int depth, int j0, int width, int[] starts, int at,
                                 int[] splitAndGap) {
            int k = j0 / length;
            int t = j0 - k * length;
            int split = length - t;
            if (split >= width || k + 1 >= images || width > length) {
                return null;                        // in one run, or past the last image, or a short image
            }
            // column split + j of the panel is column j of image k + 1: delta(r) + (k+1)*stride + j, that is
            // the first run's start + split + j + (stride - length)
            int from = offset + k * imageStride + t;
            for (int p = 0; p < depth; p++) {
                starts[at + p] = from + delta[p0 + p];
            }
            splitAndGap[0] = split;
            splitAndGap[1] = imageStride - length;
            return padded;
        }

        private void copy(int r, int j0, int count, float[] dst, int at) {
            int k = j0 / length;
            int t = j0 - k * length;
            int from = offset + delta[r];
            while (count > 0) {
                int run = Math.min(length - t, count);
                System.arraycopy(padded, from + k * imageStride + t, dst, at, run);
                at += run;
                count -= run;
                t = 0;
                k++;
            }
        }
    }

    /**
     * dW += the weight gradient of {@code images} consecutive images, as one product per image over the padded image:
     * <pre>
     *   dW[f][r] += sum over t &lt; L of dy_wide[f][t] * xp[delta(r) + t]
     * </pre>
     * where dy_wide is dL/dy laid out wide (output (i, j) at column t = i*S + j, zeros in the columns j &ge; OW, so
     * that the garbage columns add nothing): the transpose of the forward product. Per image, the product's terms
     * are summed in the GEMM's fixed order; images one after the other: the same bits for any thread count.
     *
     * @param filters  F
     * @param x        the input images (C, H, W), image n at {@code x[xOffset + n*C*H*W]}
     * @param dy       the output gradients (F, OH, OW), image n at {@code dy[dyOffset + n*F*OH*OW]}
     * @param dw       F*C*KH*KW floats, added to
     */
    public void weightGradient(int filters, float[] x, int xOffset, float[] dy, int dyOffset, int images,
                               float[] dw) {
        if (Simd.VECTOR && VectorGemm.readsRowsInPlace()) {
            weightGradientRowsInPlace(filters, x, xOffset, false, dy, dyOffset, images, dw);
        } else {
            weightGradientPacked(filters, x, xOffset, false, dy, dyOffset, images, dw);
        }
    }

    /**
     * {@link #weightGradient} of images already padded by {@link #pad}, image n at
     * {@code padded[paddedOffset + n*paddedSize()]} (those a training forward pass kept): the same numbers, without
     * padding the images again.
     */
    public void weightGradientOfPadded(int filters, float[] padded, int paddedOffset, float[] dy, int dyOffset,
                                       int images, float[] dw) {
        if (Simd.VECTOR && VectorGemm.readsRowsInPlace()) {
            weightGradientRowsInPlace(filters, padded, paddedOffset, true, dy, dyOffset, images, dw);
        } else {
            weightGradientPacked(filters, padded, paddedOffset, true, dy, dyOffset, images, dw);
        }
    }

    /**
     * {@link #weightGradient} as dW += dy_wide . B<sup>T</sup>, B<sup>T</sup>'s panels copied (a transpose).
     *
     * @param isPadded whether the images at {@code in} are padded already ({@link #weightGradientOfPadded}), image n
     *                 at {@code inOffset + n*paddedSize()}; else they are images (C, H, W) to pad, image n at
     *                 {@code inOffset + n*C*H*W}
     */
    void weightGradientPacked(int filters, float[] in, int inOffset, boolean isPadded, float[] dy, int dyOffset,
                              int images, float[] dw) {
        int length = wideColumns();
        int outputSize = filters * outHeight * outWidth;
        float[][] ws = WORKSPACE.get();
        if (!isPadded && ws[0].length < paddedSize()) {
            ws[0] = new float[paddedSize()];
        }
        if (ws[1].length < filters * length) {
            ws[1] = new float[filters * length];
        }
        float[] wide = ws[1];
        for (int n = 0; n < images; n++) {
            float[] padded = isPadded ? in : ws[0];
            int at = isPadded ? inOffset + n * paddedSize() : 0;
            if (!isPadded) {
                pad(in, inOffset + n * imageSize(), padded, 0);
            }
            wideOutputGradient(filters, dy, dyOffset + n * outputSize, wide);
            Gemm.multiply(false, filters, rows(), length, wide, 0, length, windows(padded, at), dw, 0, rows(), true);
        }
    }

    /**
     * {@link #weightGradient} as its transpose, dW<sup>T</sup> (C*KH*KW x F) = B (rows r: xp[delta(r) + t]) .
     * dy_wide<sup>T</sup>, with B's rows read in place by the vector GEMM ({@link VectorGemm#multiplyRowsInPlace}):
     * no transposing copy of the padded image's windows, only of dy_wide (F rows instead of C*KH*KW). Per element
     * the same fused multiply-add chain over t as {@link #weightGradientPacked} (a*b = b*a), image after image into
     * a zeroed dW<sup>T</sup>, which is then added to dW: the same bits when dW starts at zero, as it does for the
     * layer's partial sums. {@code isPadded}: as for {@link #weightGradientPacked}.
     */
    void weightGradientRowsInPlace(int filters, float[] in, int inOffset, boolean isPadded, float[] dy, int dyOffset,
                                   int images, float[] dw) {
        int length = wideColumns();
        int outputSize = filters * outHeight * outWidth;
        int rows = rows();
        float[][] ws = WORKSPACE.get();
        if (!isPadded && ws[0].length < paddedSize()) {
            ws[0] = new float[paddedSize()];
        }
        if (ws[2].length < rows * filters) {
            ws[2] = new float[rows * filters];
        }
        if (ws[1].length < filters * length) {
            ws[1] = new float[filters * length];
        }
        float[] wide = ws[1];
        float[] transposed = ws[2];
        PanelSource wideTransposed = WIDE_TRANSPOSED.get().of(wide, 0, 1, length);   // B[t][f] = wide[f*L + t]
        for (int n = 0; n < images; n++) {
            float[] padded = isPadded ? in : ws[0];
            int at = isPadded ? inOffset + n * paddedSize() : 0;
            if (!isPadded) {
                pad(in, inOffset + n * imageSize(), padded, 0);
            }
            // dy_wide, then its panels (a transpose): measured faster than one transposing pass straight from dy,
            // whose runs of OW numbers between the gaps are short
            wideOutputGradient(filters, dy, dyOffset + n * outputSize, wide);
            VectorGemm.multiplyRowsInPlace(rows, filters, length, padded, at, delta, wideTransposed, transposed, 0,
                    filters, n > 0);
        }
        if (images > 0) {
            for (int f = 0; f < filters; f++) {
                for (int r = 0; r < rows; r++) {
                    dw[f * rows + r] += transposed[r * filters + f];
                }
            }
        }
    }

    /** dy_wide: one image's dL/dy (F, OH, OW) at {@code dy[from]} laid out wide, F rows of L, zeros in the gaps. */
    private void wideOutputGradient(int filters, float[] dy, int from, float[] wide) {
        int length = wideColumns();
        for (int f = 0; f < filters; f++) {
            int row = f * length;
            for (int i = 0; i < outHeight; i++) {
                int at = row + i * rowStride;
                System.arraycopy(dy, from + (f * outHeight + i) * outWidth, wide, at, outWidth);
                if (i < outHeight - 1) {
                    for (int t = at + outWidth; t < at + rowStride; t++) {
                        wide[t] = 0f;
                    }
                }
            }
        }
    }

    /** Per thread, the source over dy_wide transposed that {@link #weightGradientRowsInPlace} points at it. */
    private static final ThreadLocal<PanelSource.Flat> WIDE_TRANSPOSED = ThreadLocal.withInitial(PanelSource.Flat::new);

    /** Per thread: {padded image, wide dL/dy, dW transposed} for {@link #weightGradient}, grown when needed. */
    private static final ThreadLocal<float[][]> WORKSPACE = ThreadLocal.withInitial(
            () -> new float[][] {new float[0], new float[0], new float[0]});

    /** B<sup>T</sup> of {@link #source} for one padded image: element [t][r] = padded[at + delta(r) + t]. */
    private PanelSource windows(float[] padded, int at) {
        return WINDOWS.get().of(delta, padded, at);   // one per thread, pointed at image after image
    }

    /** Per thread, the source {@link #windows} points at each image. */
    private static final ThreadLocal<Windows> WINDOWS = ThreadLocal.withInitial(Windows::new);

    /** B<sup>T</sup> for one padded image: element [t][r] = padded[at + delta[r] + t]. */
    private static final class Windows implements PanelSource {
        private int[] delta;
        private float[] padded;
        private int at;

        Windows of(int[] delta, float[] padded, int at) {
            this.delta = delta;
            this.padded = padded;
            this.at = at;
            return this;
        }

        @Override
        public void rows(int p0, int depth, int j0, int count, float[][] rows) {
            for (int j = 0; j < count; j++) {
                int from = at + delta[j0 + j] + p0;
                for (int p = 0; p < depth; p++) {
                    rows[p][j] = padded[from + p];
                }
            }
        }

        @Override
        public void panel(int p0, int depth, int j0, int count, float[] panel, int to, int stride) {
            for (int j = 0; j < count; j++) {
                int from = at + delta[j0 + j] + p0;
                for (int p = 0; p < depth; p++) {
                    panel[to + p * stride + j] = padded[from + p];
                }
            }
            for (int j = count; j < stride; j++) {
                for (int p = 0; p < depth; p++) {
                    panel[to + p * stride + j] = 0f;
                }
            }
        }
    }

    /**
     * Copies image k's outputs out of the wide product (F rows, row f starting at {@code product[f*ld]}, image k's
     * columns from k*L): {@code y[yOffset + (f*OH + i)*OW + j] = product[f*ld + k*L + i*S + j]} for j &lt; OW.
     */
    public void copyOut(float[] product, int ld, int k, int filters, float[] y, int yOffset) {
        copyOut(product, ld, k, 0, filters, y, yOffset);
    }

    /**
     * Copies the outputs among the wide columns c0 .. c1 - 1 of one image out of a product that holds only those
     * columns (row f of the product at {@code product[at + f*ld]}, its column 0 the wide column c0):
     * {@code y[yOffset + (f*OH + i)*OW + j] = product[at + f*ld + i*S' + j - c0]} for every output (i, j) with
     * c0 &le; i*S' + j &lt; c1. The columns may start and end inside an output row; those in the gaps between rows
     * are not outputs and are skipped.
     */
    public void copyOutColumns(float[] product, int at, int ld, int c0, int c1, int filters, float[] y,
                               int yOffset) {
        int first = c0 / rowStride;
        int last = Math.min(outHeight, (c1 - 1) / rowStride + 1);
        for (int f = 0; f < filters; f++) {
            for (int i = first; i < last; i++) {
                int start = i * rowStride;
                int j0 = Math.max(0, c0 - start);
                int j1 = Math.min(outWidth, c1 - start);
                if (j0 < j1) {
                    System.arraycopy(product, at + f * ld + start + j0 - c0, y, yOffset + (f * outHeight + i) * outWidth
                            + j0, j1 - j0);
                }
            }
        }
    }

    /** S', the wide columns from one output row to the next. */
    int rowStride() {
        return rowStride;
    }

    /** {@link #copyOut(float[], int, int, int, float[], int)} for the rows f0 .. f1 - 1 only. */
    public void copyOut(float[] product, int ld, int k, int f0, int f1, float[] y, int yOffset) {
        int length = wideColumns();
        for (int f = f0; f < f1; f++) {
            int from = f * ld + k * length;
            int to = yOffset + f * outHeight * outWidth;
            Elementwise.copyRows(product, from, rowStride, y, to, outWidth, outHeight, outWidth);
        }
    }

    /**
     * W' for dL/dx: {@code rotated[(c*F + f)*KH*KW + u*KW + v] = w[(f*C + c)*KH*KW + (KH-1-u)*KW + (KW-1-v)]}, the
     * kernel turned by 180 degrees with its input and output channels swapped. {@code filters} = F.
     */
    public static void rotatedWeight(float[] w, int filters, int channels, int kernelHeight, int kernelWidth,
                                     float[] rotated) {
        int area = kernelHeight * kernelWidth;
        for (int f = 0; f < filters; f++) {
            for (int c = 0; c < channels; c++) {
                int from = (f * channels + c) * area;
                int to = (c * filters + f) * area;
                for (int a = 0; a < area; a++) {
                    rotated[to + a] = w[from + area - 1 - a];
                }
            }
        }
    }
}
