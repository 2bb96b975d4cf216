package io.github.jcnn.kernels;

/**
 * Inference of a large 3x3 convolution with stride 1 and padding 1 (SAME) by Winograd's minimal filtering
 * algorithm F(2, 3) down the columns: each pair of output rows from four padded input rows, with a third fewer
 * multiplications than the plain sums.
 *
 * <p>Take one column of the padded image, four rows d0, d1, d2, d3 (padded rows 2t .. 2t + 3, "tile row" t), and
 * one column v of a kernel, g0, g1, g2 (its rows u = 0, 1, 2). The two outputs it adds to, rows 2t and 2t + 1, are
 * <pre>
 *   y0 = g0 d0 + g1 d1 + g2 d2          y1 = g0 d1 + g1 d2 + g2 d3           (6 multiplications)
 * </pre>
 * and F(2, 3) gets both from four products:
 * <pre>
 *   m0 = g0 (d0 - d2)    m1 = (g0 + g1 + g2)/2 (d1 + d2)    m2 = (g0 - g1 + g2)/2 (d2 - d1)    m3 = g2 (d1 - d3)
 *   y0 = m0 + m1 + m2    y1 = m1 - m2 - m3                                                       (4 multiplications)
 * </pre>
 * (Expand them: the halves add up to g1 d1 + g0 d2 + g2 d2 and take away g0 d2, and so on.) Summed over the channels
 * c and the kernel's columns v, each m_k is itself a convolution, of a <em>transformed image</em> by a 1x3 kernel:
 * <pre>
 *   T_k[c][t][j] = (d0 - d2, d1 + d2, d2 - d1, d1 - d3)[k]             one row per tile row (additions only)
 *   U_k[f][c][v] = (g0, (g0 + g1 + g2)/2, (g0 - g1 + g2)/2, g2)[k]     worked out in double, rounded once
 *   M_k (F x L)  = U_k (F x 3C) . B(T_k)                                 a padded wide product (PaddedWide), 1x3
 *   y[f][2t][j]  = M_0 + M_1 + M_2 + b[f]        y[f][2t + 1][j] = M_1 - M_2 - M_3 + b[f]
 * </pre>
 * Four products of depth 3C per pair of rows instead of one of depth 9C per row: 12C multiplications for every 18C
 * of the plain sums. The transforms only add and subtract, over whole rows of numbers side by side (no element is
 * gathered from a stride), so they cost a small fraction of what they save; the products are the GEMM's, read in
 * place from T as from a padded image.
 *
 * <p>Results: the plain sums within float rounding (the halves and the differences round differently), not bit for
 * bit. Each output is the same expression of the same products however the tile rows are shared out or grouped in
 * blocks, so the bits do not depend on the thread count or on the batch. Inference only ({@link WinogradColumns4}
 * does F(4, 3) in training), and {@link ConvPlan#of} gives this plan only to large layers ({@link #takes}), so the
 * inference of the networks for 32x32 CIFAR images keeps the plain sums.
 *
 * <p>Threads: a map of many rows is shared out by tile rows, each thread transforming and multiplying a block of
 * them at a time while it is in its cache; a small map with many filters (VGG-16's 28x28) by filters, each thread
 * transforming and packing only its own kernels, the image's T_k made once.
 */
final class WinogradRows {

    /**
     * A convolution is done this way in inference when its maps have at least this many pixels (H x W) ...
     */
    static final int MIN_PIXELS = 28 * 28;

    /**
     * ... and C x F x H x W is at least this (2^26, about 600 million multiply-adds per image): each of VGG-16's
     * convolutions but the first (3 channels) and the three on 14x14 maps (51 million), where transforming and
     * packing the kernels for every call cost more than the third of the products it saves (measured; see
     * docs/performance.md, round 16). The CIFAR networks' layers are far below it (at most 2^24, a 32x32 map of
     * 128 channels in and out), so they keep the plain sums and their published results.
     */
    static final long MIN_WORK = 1L << 26;

    /** ... and at least this many channels: the first layer of an RGB network (3) is left to the plain sums. */
    static final int MIN_CHANNELS = 16;

    /** A block of tile rows is transformed and multiplied at a time, to products of at most this many columns. */
    private static final int BLOCK_COLUMNS = 600;

    /**
     * An image is shared out by its tile rows when each thread gets at least this many wide columns; else (a small
     * map with many filters) by filters, each thread multiplying the whole image for its share of them.
     */
    private static final int SHARED_COLUMNS = 512;

    /** The transformed images T_k of {@code rows} tile rows: their padded wide layout, floats, product columns. */
    private record Layout(int rows, PaddedWide wide, int size, int columns) {
        static Layout of(int channels, int rows, int width) {
            PaddedWide wide = new PaddedWide(channels, rows, width, 1, 3, 0, 1);
            return new Layout(rows, wide, wide.paddedSize(), wide.wideColumns());
        }
    }

    private final int channels;
    private final int height;
    private final int width;
    private final int filters;
    /** ceil(H / 2): pairs of output rows (the last one alone when H is odd). */
    private final int tileRows;
    /** S = W + 1, the row stride of T's layout (one zero between rows, the border of both). */
    private final int rowStride;
    /** A block of tile rows, shared out by tile rows. */
    private final Layout block;
    /** The whole image's tile rows, shared out by filters. */
    private final Layout whole;

    /**
     * @throws IllegalArgumentException if a size is not positive
     */
    WinogradRows(int channels, int height, int width, int filters) {
        this(channels, height, width, filters, blockRows((height + 1) / 2, width, Gemm.panelColumns()));
    }

    /**
     * With {@code block} tile rows a block instead of {@link #blockRows}'s choice (the tests: the bits do not depend
     * on it).
     *
     * @throws IllegalArgumentException if a size is not positive
     */
    WinogradRows(int channels, int height, int width, int filters, int block) {
        if (channels < 1 || height < 1 || width < 1 || filters < 1 || block < 1) {
            throw new IllegalArgumentException("bad Winograd F(2, 3) geometry: " + channels + "x" + height + "x"
                    + width + ", " + filters + " filters, " + block + " tile rows a block");
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.filters = filters;
        this.tileRows = (height + 1) / 2;
        this.rowStride = width + 1;
        this.block = Layout.of(channels, Math.min(block, tileRows), width);
        this.whole = Layout.of(channels, tileRows, width);
    }

    /**
     * Tile rows per block: a block of r rows is a product of n = r*S - 1 wide columns (S = W + 1), which costs whole
     * panels of {@code panel} columns ({@link Gemm#panelColumns}). The r from 1 up to {@value #BLOCK_COLUMNS}
     * columns (and the image's tile rows) with the least work per column, counting a panel's worth of columns per
     * product for its overhead: {@code (ceil(n / panel) + 1/2) * panel / n}. For 224 columns that is r = 1 (n = 224,
     * 7 panels), for 56 columns r = 9 (n = 512, 16 panels).
     */
    static int blockRows(int tileRows, int width, int panel) {
        int stride = width + 1;
        int best = 1;
        double bestCost = Double.MAX_VALUE;
        for (int r = 1; r <= tileRows && (r == 1 || r * stride - 1 <= BLOCK_COLUMNS); r++) {
            int n = r * stride - 1;
            double cost = ((n + panel - 1) / panel + 0.5) * panel / n;
            if (cost <= bestCost) {
                best = r;
                bestCost = cost;
            }
        }
        return best;
    }

    /** Whether {@link ConvPlan#of} gives this plan's inference to a convolution of this shape. */
    static boolean takes(int channels, int height, int width, int filters, int kernelHeight, int kernelWidth,
                         int stride, int padHeight, int padWidth) {
        long pixels = (long) height * width;
        return kernelHeight == 3 && kernelWidth == 3 && stride == 1 && padHeight == 1 && padWidth == 1
                && channels >= MIN_CHANNELS && pixels >= MIN_PIXELS && (long) channels * filters * pixels >= MIN_WORK;
    }

    /**
     * y = the convolution of {@code batch} images x (C, H, W) with w (F, C, 3, 3), plus b (or none when null): every
     * number of y (F, H, W per image) is written. The weights are transformed and packed once per call; each image
     * is shared out over the threads by its tile rows or, for a small map, by filters. Either way every output is
     * the same expression of the same products: the bits do not depend on the thread count.
     */
    void forward(float[] x, int batch, float[] w, float[] b, float[] y) {
        float[] zeros = Scratch.atLeast(width);
        java.util.Arrays.fill(zeros, 0, width, 0f);
        if ((long) tileRows * rowStride >= (long) SHARED_COLUMNS * Parallel.parts(tileRows)) {
            byTileRows(x, batch, w, b, y, zeros);
        } else {
            byFilters(x, batch, w, b, y, zeros);
        }
        Scratch.give(zeros);
    }

    /** {@link #forward} with each image's tile rows shared out, a block at a time per thread. */
    private void byTileRows(float[] x, int batch, float[] w, float[] b, float[] y, float[] zeros) {
        int patch = 3 * channels;
        float[][] into = new float[4][];
        for (int k = 0; k < 4; k++) {
            into[k] = Scratch.atLeast(Gemm.packedLayoutSize(filters, patch));
        }
        // the kernels transformed straight into the four packed U_k, the threads taking ranges of filters
        Parallel.forRange(filters, (part, f0, f1) -> weightTransform(w, f0, f1, filters, 0, into));
        Gemm.Packed[] packed = new Gemm.Packed[4];
        for (int k = 0; k < 4; k++) {
            packed[k] = Gemm.packed(filters, patch, into[k]);
        }
        int parts = Parallel.runsInline(tileRows) ? 1 : Parallel.parts(tileRows);
        int partTransforms = 4 * block.size();
        int partProducts = 4 * filters * block.columns();
        float[] transforms = Scratch.atLeast(parts * partTransforms);
        float[] products = Scratch.atLeast(parts * partProducts);
        PaddedWide.Source[] sources = new PaddedWide.Source[parts];
        for (int p = 0; p < parts; p++) {
            sources[p] = block.wide().newSource();
        }
        for (int n = 0; n < batch; n++) {
            int xStart = n * channels * height * width;
            int yStart = n * filters * height * width;
            Parallel.forRange(tileRows, (part, t0, t1) -> {
                int tAt = part * partTransforms;
                int mAt = part * partProducts;
                for (int first = t0; first < t1; first += block.rows()) {
                    int rows = Math.min(block.rows(), t1 - first);
                    inputTransform(block, x, xStart, first, first, rows, true, transforms, tAt, zeros);
                    int wide = (rows - 1) * rowStride + width;
                    for (int k = 0; k < 4; k++) {
                        Gemm.multiply(packed[k], wide, sources[part].of(transforms, tAt + k * block.size(), 1,
                                block.size()), products, mAt + k * filters * block.columns(), block.columns(), false);
                    }
                    outputTransform(products, mAt, filters * block.columns(), block.columns(), 0, filters, first,
                            first, rows, b, y, yStart);
                }
            });
        }
        Scratch.give(products);
        Scratch.give(transforms);
        for (int k = 3; k >= 0; k--) {
            Scratch.give(into[k]);
        }
    }

    /**
     * {@link #forward} for a small map with many filters: each thread transforms and packs the kernels of its share
     * of the filters (reading its share of w once), the image's tile rows are transformed once (shared out by tile
     * rows), and each thread multiplies the whole image for its filters.
     */
    private void byFilters(float[] x, int batch, float[] w, float[] b, float[] y, float[] zeros) {
        int patch = 3 * channels;
        int parts = Parallel.runsInline(filters) ? 1 : Parallel.parts(filters);
        int size = Gemm.packedLayoutSize((filters + parts - 1) / parts, patch);
        float[][] into = new float[parts * 4][];
        for (int i = 0; i < into.length; i++) {
            into[i] = Scratch.atLeast(size);
        }
        Gemm.Packed[] packed = new Gemm.Packed[parts * 4];
        Parallel.forRange(filters, (part, f0, f1) -> {
            float[][] own = java.util.Arrays.copyOfRange(into, part * 4, part * 4 + 4);
            weightTransform(w, f0, f1, f1 - f0, f0, own);
            for (int k = 0; k < 4; k++) {
                packed[part * 4 + k] = Gemm.packed(f1 - f0, patch, own[k]);
            }
        });
        float[] transforms = Scratch.atLeast(4 * whole.size());
        float[] products = Scratch.atLeast(4 * filters * whole.columns());
        PaddedWide.Source[] sources = new PaddedWide.Source[parts];
        for (int p = 0; p < parts; p++) {
            sources[p] = whole.wide().newSource();
        }
        for (int n = 0; n < batch; n++) {
            int xStart = n * channels * height * width;
            int yStart = n * filters * height * width;
            Parallel.forRange(tileRows, (part, t0, t1) ->
                    inputTransform(whole, x, xStart, 0, t0, t1 - t0, false, transforms, 0, zeros));
            Parallel.forRange(filters, (part, f0, f1) -> {
                for (int k = 0; k < 4; k++) {
                    Gemm.multiply(packed[part * 4 + k], whole.columns(), sources[part].of(transforms,
                            k * whole.size(), 1, whole.size()), products, (k * filters + f0) * whole.columns(),
                            whole.columns(), false);
                }
                outputTransform(products, 0, filters * whole.columns(), whole.columns(), f0, f1, 0, 0, tileRows, b,
                        y, yStart);
            });
        }
        Scratch.give(products);
        Scratch.give(transforms);
        for (int i = into.length - 1; i >= 0; i--) {
            Scratch.give(into[i]);
        }
    }

    /**
     * {@code T_k[c][t][j]} for tile rows first .. first + rows - 1 of image x, in {@code layout}'s order at
     * {@code t[at + k * layout.size()]}, tile row t at local row t - blockFirst: channel c's local row r starts at
     * {@code c * R * S + r * S + 1} (R = layout.rows()), with a zero before it, the border it shares with the row
     * before. The border after the last row written is written too when {@code closes} (the caller writes the whole
     * block) or when it is the layout's last row (then the zero after the last channel).
     */
    void inputTransform(Layout layout, float[] x, int xStart, int blockFirst, int first, int rows, boolean closes,
                        float[] t, int at, float[] zeros) {
        int size = layout.size();
        int plane = layout.rows() * rowStride;
        int end = first - blockFirst + rows;         // the local row after the last one written
        for (int c = 0; c < channels; c++) {
            int image = xStart + c * height * width;
            for (int r = 0; r < rows; r++) {
                // d_i = padded row 2t + i = row 2t - 1 + i of x; rows -1 and H (and H + 1 when H is odd) are zero
                int top = 2 * (first + r) - 1;
                float[] a0 = top >= 0 ? x : zeros;
                int o0 = top >= 0 ? image + top * width : 0;
                int o1 = image + (top + 1) * width;
                float[] a2 = top + 2 < height ? x : zeros;
                int o2 = top + 2 < height ? image + (top + 2) * width : 0;
                float[] a3 = top + 3 < height ? x : zeros;
                int o3 = top + 3 < height ? image + (top + 3) * width : 0;
                int row = at + c * plane + (first - blockFirst + r) * rowStride;
                for (int k = 0; k < 4; k++) {
                    t[row + k * size] = 0f;                             // the border before the row
                }
                inputRow(a0, o0, x, o1, a2, o2, a3, o3, t, row + 1, row + 1 + size, row + 1 + 2 * size,
                        row + 1 + 3 * size, width);
            }
            if (closes && end < layout.rows()) {
                // the right border of the block's last row: in a full block the next channel's first border
                int gap = at + c * plane + end * rowStride;
                for (int k = 0; k < 4; k++) {
                    t[gap + k * size] = 0f;
                }
            }
        }
        if (end == layout.rows()) {
            // the right border of the last channel's last row
            for (int k = 0; k < 4; k++) {
                t[at + channels * plane + k * size] = 0f;
            }
        }
    }

    /**
     * Output rows 2t and 2t + 1 of filters f0..f1-1 for tile rows first .. first + rows - 1 (local rows from
     * first - blockFirst) from the four products at {@code m[at]}: M_k's row f at {@code at + k * kStride + f * ld},
     * output column j of local tile row r at {@code r * S + j}. {@code y0 = M_0 + M_1 + M_2 + b},
     * {@code y1 = M_1 - M_2 - M_3 + b}, added in that order; the row 2t + 1 = H of an odd height is dropped.
     */
    void outputTransform(float[] m, int at, int kStride, int ld, int f0, int f1, int blockFirst, int first, int rows,
                         float[] b, float[] y, int yStart) {
        for (int f = f0; f < f1; f++) {
            float bias = b == null ? 0f : b[f];
            int plane = yStart + f * height * width;
            for (int r = 0; r < rows; r++) {
                int i = 2 * (first + r);
                int m0 = at + f * ld + (first - blockFirst + r) * rowStride;
                int y0 = plane + i * width;
                outputRows(m, m0, m0 + kStride, m0 + 2 * kStride, m0 + 3 * kStride, bias, y, y0,
                        i + 1 < height ? y0 + width : -1, width);
            }
        }
    }

    /**
     * One row of each T_k from four rows of the padded image, columns 0 .. width - 1:
     * {@code t_0 = d_0 - d_2, t_1 = d_1 + d_2, t_2 = d_2 - d_1, t_3 = d_1 - d_3}, row d_i at {@code a_i[o_i]}, row t_k
     * written at {@code t[tk]}.
     */
    static void inputRow(float[] a0, int o0, float[] a1, int o1, float[] a2, int o2, float[] a3, int o3, float[] t,
                         int t0, int t1, int t2, int t3, int width) {
        int j = Simd.VECTOR ? VectorWinogradRows.inputRow(a0, o0, a1, o1, a2, o2, a3, o3, t, t0, t1, t2, t3, width)
                : 0;
        for (; j < width; j++) {
            float d1 = a1[o1 + j];
            float d2 = a2[o2 + j];
            t[t0 + j] = a0[o0 + j] - d2;
            t[t1 + j] = d1 + d2;
            t[t2 + j] = d2 - d1;
            t[t3 + j] = d1 - a3[o3 + j];
        }
    }

    /**
     * Two output rows from one row of each product, columns 0 .. width - 1: {@code y[y0 + j] = M_0 + M_1 + M_2 + b}
     * and, unless y1 is negative, {@code y[y1 + j] = M_1 - M_2 - M_3 + b}, added left to right, row M_k at
     * {@code m[mk]}.
     */
    static void outputRows(float[] m, int m0, int m1, int m2, int m3, float bias, float[] y, int y0, int y1,
                           int width) {
        int j = Simd.VECTOR ? VectorWinogradRows.outputRows(m, m0, m1, m2, m3, bias, y, y0, y1, width) : 0;
        for (; j < width; j++) {
            float v1 = m[m1 + j];
            float v2 = m[m2 + j];
            y[y0 + j] = m[m0 + j] + v1 + v2 + bias;
            if (y1 >= 0) {
                y[y1 + j] = v1 - v2 - m[m3 + j] + bias;
            }
        }
    }

    /**
     * {@code U_k[f][c*3 + v]} for filters f0..f1-1 and every position k, written straight into the packed layout of
     * four matrices of {@code rows} rows and 3C columns ({@link Gemm#packedIndex}), filter f as row f - first of
     * {@code into[k]}, from the kernels w (F, C, 3, 3) in one pass over them: with g0, g1, g2 the column v of kernel
     * (f, c), U_0 = g0, U_1 = (g0 + g1 + g2)/2, U_2 = (g0 - g1 + g2)/2, U_3 = g2, the halves worked out in double and
     * rounded once.
     */
    void weightTransform(float[] w, int f0, int f1, int rows, int first, float[][] into) {
        int patch = 3 * channels;
        int perFilter = 9 * channels;
        // the layout's rows lie side by side in groups of `step` (a panel of the vector GEMM; 1 for the loops'
        // flat layout): a group's numbers for one depth are written together, one after the other
        int step = Gemm.packedDepthStep(rows, patch);
        int depthBlock = Gemm.packedDepthBlock(rows, patch);
        float[] u0 = into[0];
        float[] u1 = into[1];
        float[] u2 = into[2];
        float[] u3 = into[3];
        int l0 = f0 - first;
        int l1 = f1 - first;
        for (int group = l0 - l0 % step; group < l1; group += step) {
            int lo = Math.max(group, l0);
            int hi = Math.min(group + step, l1);
            for (int p0 = 0; p0 < patch; p0 += depthBlock) {
                int p1 = Math.min(patch, p0 + depthBlock);
                int at = Gemm.packedIndex(rows, patch, group, p0) - group;
                int c = p0 / 3;
                int v = p0 - 3 * c;
                int g = 9 * c + v;
                for (int p = p0; p < p1; p++, at += step) {
                    for (int l = lo; l < hi; l++) {
                        int o = (l + first) * perFilter + g;
                        double g0 = w[o];
                        double g1 = w[o + 3];
                        double g2 = w[o + 6];
                        u0[at + l] = (float) g0;
                        u1[at + l] = (float) ((g0 + g1 + g2) / 2);
                        u2[at + l] = (float) ((g0 - g1 + g2) / 2);
                        u3[at + l] = (float) g2;
                    }
                    if (++v == 3) {
                        v = 0;
                        g += 7;
                    } else {
                        g++;
                    }
                }
            }
        }
    }

    /** The plan as named in test failures. */
    @Override
    public String toString() {
        return "Winograd F(2, 3) down the columns (" + block.rows() + " tile rows a block)";
    }
}
