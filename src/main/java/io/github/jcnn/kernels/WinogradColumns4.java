package io.github.jcnn.kernels;

/**
 * A 3x3 convolution with stride 1 and padding 1 (SAME) by Winograd's minimal filtering algorithm F(4, 3) down the
 * columns: each four output rows from six padded input rows, with half the multiplications of the plain sums. The
 * CIFAR networks' 3x3 layers use it for the forward pass in training and in inference, for dL/dx (itself such a
 * convolution, of dL/dy by the rotated kernels) and for dL/dW (the same six points read the other way,
 * {@link #weightGradient}).
 *
 * <p>Take one column of the padded image, six rows d0 .. d5 (padded rows 4t .. 4t + 5, "tile row" t), and one column
 * v of a kernel, g0, g1, g2 (its rows u = 0, 1, 2). The four outputs it adds to, rows 4t .. 4t + 3, are
 * <pre>
 *   y_i = g0 d_i + g1 d_(i+1) + g2 d_(i+2)          i = 0 .. 3                        (12 multiplications)
 * </pre>
 * F(4, 3) gets all four from six products m_k = U_k T_k, where T_k mixes the six rows and U_k the three weights:
 * <pre>
 *   T_0 = 4 d0 - 5 d2 + d4                  U_0 = g0 / 4
 *   T_1 = -4 (d1 + d2) + d3 + d4            U_1 = -(g0 + g1 + g2) / 6
 *   T_2 = 4 (d1 - d2) - d3 + d4             U_2 = -(g0 - g1 + g2) / 6
 *   T_3 = -2 (d1 - d3) - d2 + d4            U_3 = g0 / 24 + g1 / 12 + g2 / 6
 *   T_4 = 2 (d1 - d3) - d2 + d4             U_4 = g0 / 24 - g1 / 12 + g2 / 6
 *   T_5 = 4 d1 - 5 d3 + d5                  U_5 = g2
 *
 *   y0 = m0 + m1 + m2 + m3 + m4             y1 = m1 - m2 + 2 (m3 - m4)
 *   y2 = m1 + m2 + 4 (m3 + m4)              y3 = m1 - m2 + 8 (m3 - m4) + m5                  (6 multiplications)
 * </pre>
 * This is the polynomial trick behind all of Winograd's algorithms: the outputs are the coefficients of a product of
 * two polynomials, and a product of polynomials can be recovered from its values at a few points (here 0, 1, -1, 2,
 * -2 and infinity), each value one multiplication. Expand any line to check it: y1, for instance, collects g1 d2 from
 * -m1 ... and ends as g0 d1 + g1 d2 + g2 d3. Summed over the channels c and the kernel's columns v, each m_k is itself
 * a convolution, of a <em>transformed image</em> by a 1x3 kernel, so the six are six matrix products:
 * <pre>
 *   T_k[c][t][j]  = the k-th mix of padded rows 4t .. 4t + 5 of channel c, column j     (additions and small scalings)
 *   U_k[f][c][v]  = the k-th mix of kernel (f, c)'s column v                               worked out in double
 *   M_k (F x L)   = U_k (F x 3C) . B(T_k)                a padded wide product ({@link PaddedWide}), kernel 1x3
 *   y[f][4t + i][j] = the i-th mix of M_0 .. M_5 at (f, t, j), plus b[f]
 * </pre>
 * Six products of depth 3C per four rows instead of four of depth 9C: 18C multiplications for every 36C of the plain
 * sums. The transforms work on whole rows of numbers side by side (no element gathered from a stride), and several
 * images lie side by side in one product, as in {@link PaddedWidePlan}.
 *
 * <p>Results: the plain sums within float rounding (the larger constants of F(4, 3) round more than F(2, 3)'s: the
 * tests hold them within 1e-5 of the size of the terms summed, F(2, 3) within 2e-6), not bit for bit. Each output is
 * the same expression of the same products however the images are grouped or shared out over the threads: the bits do
 * not depend on the thread count or on the batch.
 */
final class WinogradColumns4 {

    /**
     * Both the input channels and the filters must be at least this many for {@link #takes}: fewer make a shallow
     * product that the transforms do not pay for (and an RGB network's first layer, 3 channels, stays plain).
     */
    static final int MIN_CHANNELS = 16;

    /**
     * Several images are multiplied at a time, to products of about this many columns (one 32x32 image, three 16x16,
     * fifteen 8x8). Per layer, 128 to 1,024 columns timed alike within the machine's noise in a first version; the
     * smaller groups keep the six T_k and the six products small.
     */
    private static final int GROUP_COLUMNS = 256;

    /** dL/dW multiplies several images at a time, to products of about this many wide columns. */
    private static final int GRADIENT_COLUMNS = 1024;

    /** Six transforms: T_0 .. T_5, U_0 .. U_5, M_0 .. M_5. */
    static final int K = 6;

    private final int channels;
    private final int height;
    private final int width;
    private final int filters;
    /** ceil(H / 4): groups of four output rows (the last one short when H is not a multiple of 4). */
    private final int tiles;
    /** S = W + 1, the row stride of the padded image and of T's layout (one zero between rows). */
    private final int rowStride;
    /** The padded image's layout, (C, H, W) for a 3x3 kernel with padding 1: {@link PaddedWide}'s. */
    private final PaddedWide input;
    /** T_k's layout: (C, tiles, W) for a 1x3 kernel with padding (0, 1). */
    private final PaddedWide transformed;
    /** Images per product. */
    private final int group;
    /** W zeros (at least 64): the padding rows above and below the image. Never written. */
    private final float[] zeros;
    /** Images per product of dL/dW ({@link #weightGradient}). */
    private final int gradientGroup;
    /**
     * tall[g], for g = 1 .. {@link #gradientGroup}: T's layout with g images' tile rows one under the other, for dL/dW
     * from x ({@link #tall(int)}; two threads may both make one: the same immutable layout).
     */
    private final PaddedWide[] tall;
    /** dL/dW's buffers, one set per thread (the layer's chunks of images run on several). */
    private final ThreadLocal<GradientBuffers> gradientBuffers = ThreadLocal.withInitial(GradientBuffers::new);

    /**
     * @throws IllegalArgumentException if a size is not positive
     */
    WinogradColumns4(int channels, int height, int width, int filters) {
        this(channels, height, width, filters, groupFor(height, width));
    }

    /**
     * With {@code group} images a product instead of {@link #groupFor}'s choice (the tests: the bits do not depend on
     * it).
     *
     * @throws IllegalArgumentException if a size is not positive
     */
    WinogradColumns4(int channels, int height, int width, int filters, int group) {
        if (channels < 1 || height < 1 || width < 1 || filters < 1 || group < 1) {
            throw new IllegalArgumentException("bad Winograd F(4, 3) geometry: " + channels + "x" + height + "x"
                    + width + ", " + filters + " filters, " + group + " images a product");
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.filters = filters;
        this.tiles = (height + 3) / 4;
        this.rowStride = width + 1;
        this.input = new PaddedWide(channels, height, width, 3, 3, 1, 1);
        this.transformed = new PaddedWide(channels, tiles, width, 1, 3, 0, 1);
        this.group = group;
        this.zeros = new float[Math.max(width, 64)];    // at least a vector (the paired rows' loads)
        this.gradientGroup = Math.max(1, GRADIENT_COLUMNS / (tiles * rowStride));
        this.tall = new PaddedWide[gradientGroup + 1];
    }

    /** T's layout for {@code images} images one under the other, made when first asked for (immutable). */
    private PaddedWide tall(int images) {
        PaddedWide layout = tall[images];
        if (layout == null) {
            layout = new PaddedWide(channels, images * tiles, width, 1, 3, 0, 1);
            tall[images] = layout;
        }
        return layout;
    }

    /** Images per product: as many as make about {@value #GROUP_COLUMNS} columns, at least one. */
    static int groupFor(int height, int width) {
        int length = ((height + 3) / 4 - 1) * (width + 1) + width;
        return Math.max(1, GROUP_COLUMNS / length);
    }

    /**
     * Whether {@link ConvPlan#of} computes a convolution of this shape this way in training: 3x3, stride 1, padding
     * 1, at least {@value #MIN_CHANNELS} channels in and out, maps of at least 4 x 4; and the system property
     * {@code jcnn.winograd} is not {@code false} (then the plain sums, with their rounding).
     */
    static boolean takes(int channels, int height, int width, int filters, int kernelHeight, int kernelWidth,
                         int stride, int padHeight, int padWidth) {
        return kernelHeight == 3 && kernelWidth == 3 && stride == 1 && padHeight == 1 && padWidth == 1
                && channels >= MIN_CHANNELS && filters >= MIN_CHANNELS && height >= 4 && width >= 4
                && !"false".equalsIgnoreCase(System.getProperty("jcnn.winograd"));
    }

    /** The padded image's layout, the one {@link #forward} pads x into (the same as {@link PaddedWidePlan}'s). */
    PaddedWide input() {
        return input;
    }

    /**
     * The six transformed kernels, packed for the GEMM: a training plan keeps one from call to call, an inference run
     * over many chunks makes one for all of them ({@link PaddedWidePlan#forInference}), and any other inference call
     * one over its scratch. Once written, {@link #forward} only reads it: several threads may share it.
     */
    static final class Weights {
        final float[][] panels;
        final Gemm.Packed[] packed = new Gemm.Packed[K];

        Weights() {
            this(new float[K][0]);
        }

        /** Over these six arrays (grown by {@link #transformWeights} when too short). */
        Weights(float[][] panels) {
            if (panels.length != K) {
                throw new IllegalArgumentException("six arrays of transformed kernels, got " + panels.length);
            }
            this.panels = panels;
            for (int k = 0; k < K; k++) {
                packed[k] = new Gemm.Packed();
            }
        }
    }

    /** The floats of each of a {@link Weights}' six arrays. */
    int weightsSize() {
        return Gemm.packedLayoutSize(filters, 3 * channels);
    }

    /** One thread's buffers: a group's six T_k and its six products M_k, and a product source over T. */
    final class Buffers {
        final float[] transforms;
        final float[] products;
        final PaddedWide.Source source = transformed.newSource();
        /** The six sources of a group's product. */
        final PanelSource[] sources = new PanelSource[K];
        /** Sources over a {@link Kept}'s layout (the one named), made again when the batch size changes. */
        private PaddedWide keptLayout;
        private final PaddedWide.Source[] keptSources = new PaddedWide.Source[K];

        Buffers() {
            this(new float[transformsSize()], new float[productsSize()]);
        }

        /** Over these arrays, of at least {@link #transformsSize()} and {@link #productsSize()} floats. */
        Buffers(float[] transforms, float[] products) {
            if (transforms.length < transformsSize() || products.length < productsSize()) {
                throw new IllegalArgumentException("F(4, 3) buffers of " + transforms.length + " and "
                        + products.length + " floats, " + transformsSize() + " and " + productsSize() + " needed");
            }
            this.transforms = transforms;
            this.products = products;
        }

        PaddedWide.Source[] keptSources(PaddedWide layout) {
            if (keptLayout != layout) {
                for (int k = 0; k < K; k++) {
                    keptSources[k] = layout.newSource();
                }
                keptLayout = layout;
            }
            return keptSources;
        }
    }

    /** New buffers for one thread. */
    Buffers newBuffers() {
        return new Buffers();
    }

    /** Buffers for one thread over these arrays (an inference run's scratch). */
    Buffers buffersOver(float[] transforms, float[] products) {
        return new Buffers(transforms, products);
    }

    /** The floats of a group's six T_k: a {@link Buffers}' transforms. */
    int transformsSize() {
        return K * group * transformed.paddedSize();
    }

    /** The floats of a group's six products M_k: a {@link Buffers}' products. */
    int productsSize() {
        return K * filters * group * tiles * rowStride;
    }

    /**
     * U_k for every filter, written straight into the packed layout of six matrices of F rows and 3C columns
     * ({@link Gemm#packedIndex}), from the kernels w (F, C, 3, 3): with g0, g1, g2 the column v of kernel (f, c),
     * {@code U_k[f][c*3 + v]} as in the class comment, worked out in double and rounded once.
     */
    void transformWeights(float[] w, Weights into) {
        int patch = 3 * channels;
        int size = Gemm.packedLayoutSize(filters, patch);
        for (int k = 0; k < K; k++) {
            if (into.panels[k].length < size) {
                into.panels[k] = new float[size];
            }
        }
        int perFilter = 9 * channels;
        // the layout's rows lie side by side in groups of `step` (a panel of the vector GEMM; 1 for the loops' flat
        // layout): a group's numbers for one depth are written together, one after the other
        int step = Gemm.packedDepthStep(filters, patch);
        int depthBlock = Gemm.packedDepthBlock(filters, patch);
        float[][] u = into.panels;
        for (int group = 0; group < filters; group += step) {
            int hi = Math.min(group + step, filters);
            for (int p0 = 0; p0 < patch; p0 += depthBlock) {
                int p1 = Math.min(patch, p0 + depthBlock);
                int at = Gemm.packedIndex(filters, patch, group, p0) - group;
                for (int p = p0; p < p1; p++, at += step) {
                    int g = 9 * (p / 3) + p % 3;                    // w[f][c][0][v], p = 3c + v
                    for (int f = group; f < hi; f++) {
                        int o = f * perFilter + g;
                        double g0 = w[o];
                        double g1 = w[o + 3];
                        double g2 = w[o + 6];
                        u[0][at + f] = (float) (g0 / 4);
                        u[1][at + f] = (float) (-(g0 + g1 + g2) / 6);
                        u[2][at + f] = (float) (-(g0 - g1 + g2) / 6);
                        u[3][at + f] = (float) (g0 / 24 + g1 / 12 + g2 / 6);
                        u[4][at + f] = (float) (g0 / 24 - g1 / 12 + g2 / 6);
                        u[5][at + f] = (float) g2;
                    }
                }
            }
        }
        for (int k = 0; k < K; k++) {
            Gemm.packed(filters, patch, u[k], into.packed[k]);
        }
    }

    /**
     * The six T_k of a training batch, written by {@link #forward} and read again by {@link #weightGradient}: per k,
     * T's layout for all the images at once, their tile rows one under the other in each channel, (C, N * tiles, W)
     * for a 1x3 kernel with padding (0, 1). Images first .. first + g - 1 are then rows first * tiles .. of every
     * channel: one matrix whose rows the weight gradient's product reads where they lie, for any run of images.
     */
    final class Kept {
        /** N, the images it holds. */
        final int images;
        /** (C, N * tiles, W), kernel 1x3, padding (0, 1). */
        final PaddedWide layout;
        /** From T_k to T_(k+1): the layout's padded size. */
        final int kStride;
        /**
         * T_0 .. T_5, then N * tiles * S spare floats: a product over some of the images reads from an offset into
         * T_k, and the source's bounds check asks for a whole layout after its offset.
         */
        final float[] transforms;

        private Kept(int images, float[] old) {
            this.images = images;
            this.layout = new PaddedWide(channels, images * tiles, width, 1, 3, 0, 1);
            this.kStride = layout.paddedSize();
            int size = K * kStride + images * tiles * rowStride;
            this.transforms = old != null && old.length >= size ? old : new float[size];
            // every row's gap and the last right border zeroed now, the gaps written as zeros again by each step:
            // a group's product reads the gap after its last row, the next image's, which another group (another
            // thread) may not have written yet, and which an array kept from another batch size held a number in
            int rows = channels * images * tiles;
            for (int k = 0; k < K; k++) {
                for (int q = 0; q <= rows; q++) {
                    transforms[k * kStride + q * rowStride] = 0f;
                }
            }
        }
    }

    /** A {@link Kept} for {@code images} images, reusing {@code old}'s array when it is large enough. */
    Kept kept(int images, Kept old) {
        return old != null && old.images == images ? old : new Kept(images, old == null ? null : old.transforms);
    }

    /** The floats a {@link Kept} of {@code images} images holds. */
    long keptFloats(int images) {
        return (long) (K * channels + 1) * images * tiles * rowStride + K;
    }

    /**
     * Images from .. to - 1 of x (C, H, W each, image n at {@code x[n*C*H*W]}) convolved with the kernels whose
     * transforms {@code u} holds, plus b (or none when null): every number of their y (F, H, W each) is written. The
     * images go a group at a time: each transformed (into {@code kept} at its place when it is not null, for
     * {@link #weightGradient}; else into the group's buffer), multiplied and transformed back. Each image gets the
     * same sums in the same order however it is grouped.
     */
    void forward(Weights u, float[] x, int from, int to, float[] b, float[] y, Kept kept, Buffers buffers) {
        int count = to - from;
        int groups = (count + group - 1) / group;
        int imageSize = input.imageSize();
        int tSize = transformed.paddedSize();
        int kStride = kept != null ? kept.kStride : group * tSize;
        // image n of a group: its wide columns from n * (tiles * S) in the kept layout, from n * L in the group's
        int length = kept != null ? tiles * rowStride : transformed.wideColumns();
        int outputSize = filters * height * width;
        for (int g = 0; g < groups; g++) {
            int first = from + Parallel.start(count, groups, g);
            int images = from + Parallel.start(count, groups, g + 1) - first;
            int columns;
            PanelSource[] sources = buffers.sources;
            if (kept != null) {
                int rows = kept.images * tiles;
                int at = first * tiles * rowStride;
                for (int n = 0; n < images; n++) {
                    transformRows(x, (first + n) * imageSize, kept.transforms, at + n * tiles * rowStride,
                            kStride, rows);
                }
                columns = images * length - 1;                  // the last row's gap is not a column
                PaddedWide.Source[] keptSources = buffers.keptSources(kept.layout);
                for (int k = 0; k < K; k++) {
                    sources[k] = keptSources[k].of(kept.transforms, k * kStride + at, 1, kStride);
                }
            } else {
                for (int n = 0; n < images; n++) {
                    inputTransform(x, (first + n) * imageSize, buffers.transforms, n * tSize, kStride);
                }
                columns = images * length;
            }
            for (int k = 0; k < K; k++) {
                PanelSource source = kept != null ? sources[k]
                        : buffers.source.of(buffers.transforms, k * kStride, images, tSize);
                Gemm.multiply(u.packed[k], columns, source, buffers.products, k * filters * columns, columns, false);
            }
            for (int n = 0; n < images; n++) {
                outputTransform(buffers.products, n * length, filters * columns, columns, b, y,
                        (first + n) * outputSize);
            }
        }
    }

    /**
     * Image n of x alone, convolved as by {@link #forward} with the same bits, its tile rows shared out over the
     * threads (fewer images than threads: one image in inference). The image's six T_k are written once, on this
     * thread, into {@code t} (at least {@link #tileSplitTransformsSize()} floats); then each thread part multiplies
     * the columns of its run of tile rows, t0 .. t1 - 1 (columns t0*S .. t1*S - 2 of T_k, read where they lie), into
     * its own part of {@code products} (at least {@link #tileSplitProductsSize()} floats, from K*F*t0*S on) and
     * transforms them back into y. A product's columns are independent sums, so a column's numbers do not depend on
     * which columns are multiplied with it.
     */
    void forwardByTiles(Weights u, float[] x, int n, float[] b, float[] y, float[] t, float[] products) {
        int tSize = transformed.paddedSize();
        inputTransform(x, n * input.imageSize(), t, 0, tSize);
        int yStart = n * filters * height * width;
        Parallel.forRange(tiles, (part, t0, t1) -> {
            int columns = (t1 - t0) * rowStride - 1;        // the last tile row's gap is not a column
            int at = K * filters * t0 * rowStride;
            PaddedWide.Source source = transformed.newSource();
            for (int k = 0; k < K; k++) {
                Gemm.multiply(u.packed[k], columns, source.of(t, k * tSize + t0 * rowStride, 1, tSize), products,
                        at + k * filters * columns, columns, false);
            }
            outputTransform(products, at, filters * columns, columns, b, y, yStart, t0, t1);
        });
    }

    /** The floats {@link #forwardByTiles} needs in t: six T_k, and room to read the last tile rows' from. */
    int tileSplitTransformsSize() {
        return K * transformed.paddedSize() + tiles * rowStride;
    }

    /** The floats {@link #forwardByTiles} needs in products: six M_k of one image. */
    int tileSplitProductsSize() {
        return K * filters * tiles * rowStride;
    }

    /**
     * T_0 .. T_5 of one image x (C, H, W) at {@code x[xStart]} into T's layout at {@code t[to + k * kStride]}: tile
     * row t of channel c from padded rows 4t .. 4t + 5, which are rows 4t - 1 .. 4t + 4 of x (zeros above and below
     * it), each row of T a zero (the gap, the left border of the row and the right border of the one before) and W
     * numbers; and the zero after the last channel, the right border of its last row. x is read in place: no padded
     * copy is made.
     */
    void inputTransform(float[] x, int xStart, float[] t, int to, int kStride) {
        transformRows(x, xStart, t, to, kStride, tiles);
        for (int k = 0; k < K; k++) {
            t[to + channels * tiles * rowStride + k * kStride] = 0f;
        }
    }

    /**
     * The rows of T_0 .. T_5 of one image, tile row t of channel c at {@code t[to + k * kStride + (c * channelRows +
     * t) * S]} (its gap, then W numbers), from x (C, H, W) at {@code x[xStart]}. {@code channelRows}: T's rows per
     * channel, {@code tiles} for one image, more when several images' rows lie one under the other ({@link Kept}). No
     * trailing zero written.
     */
    private void transformRows(float[] x, int xStart, float[] t, int to, int kStride, int channelRows) {
        for (int c = 0; c < channels; c++) {
            int channel = xStart + c * height * width;
            for (int tile = 0; tile < tiles; tile++) {
                int top = 4 * tile - 1;             // the row of x that is padded row 4t
                int row = to + (c * channelRows + tile) * rowStride;
                for (int k = 0; k < K; k++) {
                    t[row + k * kStride] = 0f;
                }
                inputRows(rowOf(x, top), offsetOf(channel, top), rowOf(x, top + 1), offsetOf(channel, top + 1),
                        rowOf(x, top + 2), offsetOf(channel, top + 2), rowOf(x, top + 3), offsetOf(channel, top + 3),
                        rowOf(x, top + 4), offsetOf(channel, top + 4), rowOf(x, top + 5), offsetOf(channel, top + 5),
                        t, row + 1, kStride, width);
            }
        }
    }

    /** x when row r is a row of the image, else the zeros (the padding above and below). */
    private float[] rowOf(float[] x, int r) {
        return r >= 0 && r < height ? x : zeros;
    }

    /** Where row r of the channel starting at {@code channel} begins, or 0 (in the zeros) outside the image. */
    private int offsetOf(int channel, int r) {
        return r >= 0 && r < height ? channel + r * width : 0;
    }

    /**
     * Output rows 4t .. 4t + 3 (those below H) of every filter and tile row of one image, from the six products at
     * {@code m[at + k * kStride]}, row f of each at {@code + f * ld}, tile row t's column j at {@code t * S + j}; plus
     * b[f]. Image written at {@code y[yStart]} (F, H, W).
     */
    void outputTransform(float[] m, int at, int kStride, int ld, float[] b, float[] y, int yStart) {
        outputTransform(m, at, kStride, ld, b, y, yStart, 0, tiles);
    }

    /** {@link #outputTransform} of tile rows t0 .. t1 - 1 only, tile row t's columns at {@code (t - t0) * S}. */
    private void outputTransform(float[] m, int at, int kStride, int ld, float[] b, float[] y, int yStart, int t0,
                                 int t1) {
        for (int f = 0; f < filters; f++) {
            float bias = b == null ? 0f : b[f];
            int plane = yStart + f * height * width;
            for (int tile = t0; tile < t1; tile++) {
                int m0 = at + f * ld + (tile - t0) * rowStride;
                int row = 4 * tile;
                int y0 = plane + row * width;
                outputRows(m, m0, kStride, bias, y, y0, Math.min(4, height - row), width);
            }
        }
    }

    /**
     * One row of each T_k from six rows of the padded image, {@code count} columns: row d_i at {@code a_i[o_i]}, row
     * T_k written at {@code t[to + k * kStride]}, each as in the class comment, in this order of operations:
     * <pre>
     *   T_0 = (4 d0 - 5 d2) + d4      T_1 = (d3 + d4) - 4 (d1 + d2)     T_2 = 4 (d1 - d2) + (d4 - d3)
     *   T_3 = (d4 - d2) - 2 (d1 - d3) T_4 = (d4 - d2) + 2 (d1 - d3)     T_5 = (4 d1 - 5 d3) + d5
     * </pre>
     */
    static void inputRows(float[] a0, int o0, float[] a1, int o1, float[] a2, int o2, float[] a3, int o3, float[] a4,
                          int o4, float[] a5, int o5, float[] t, int to, int kStride, int count) {
        int j = Simd.VECTOR ? VectorWinogradRows.inputRows6(a0, o0, a1, o1, a2, o2, a3, o3, a4, o4, a5, o5, t, to,
                kStride, count) : 0;
        for (; j < count; j++) {
            float d0 = a0[o0 + j];
            float d1 = a1[o1 + j];
            float d2 = a2[o2 + j];
            float d3 = a3[o3 + j];
            float d4 = a4[o4 + j];
            float d5 = a5[o5 + j];
            float e = d4 - d2;
            float h = d1 - d3;
            t[to + j] = 4f * d0 - 5f * d2 + d4;
            t[to + kStride + j] = (d3 + d4) - 4f * (d1 + d2);
            t[to + 2 * kStride + j] = 4f * (d1 - d2) + (d4 - d3);
            t[to + 3 * kStride + j] = e - 2f * h;
            t[to + 4 * kStride + j] = e + 2f * h;
            t[to + 5 * kStride + j] = 4f * d1 - 5f * d3 + d5;
        }
    }

    /**
     * Up to four output rows from one row of each product, {@code width} columns: row M_k at {@code m[m0 + k *
     * kStride]}, output row i at {@code y[y0 + i * width]} for i below {@code rows}, in this order of operations:
     * <pre>
     *   s = M_1 + M_2    d = M_1 - M_2    p = M_3 + M_4    q = M_3 - M_4
     *   y0 = ((M_0 + s) + p) + b    y1 = (d + 2q) + b    y2 = (s + 4p) + b    y3 = ((d + 8q) + M_5) + b
     * </pre>
     */
    static void outputRows(float[] m, int m0, int kStride, float bias, float[] y, int y0, int rows, int width) {
        int j = Simd.VECTOR && rows == 4 ? VectorWinogradRows.outputRows6(m, m0, kStride, bias, y, y0, width) : 0;
        for (; j < width; j++) {
            float v1 = m[m0 + kStride + j];
            float v2 = m[m0 + 2 * kStride + j];
            float v3 = m[m0 + 3 * kStride + j];
            float v4 = m[m0 + 4 * kStride + j];
            float s = v1 + v2;
            float d = v1 - v2;
            float p = v3 + v4;
            float q = v3 - v4;
            y[y0 + j] = m[m0 + j] + s + p + bias;
            if (rows > 1) {
                y[y0 + width + j] = d + 2f * q + bias;
            }
            if (rows > 2) {
                y[y0 + 2 * width + j] = s + 4f * p + bias;
            }
            if (rows > 3) {
                y[y0 + 3 * width + j] = d + 8f * q + m[m0 + 5 * kStride + j] + bias;
            }
        }
    }

    /**
     * One thread's buffers for dL/dW: a group's six T_k (only from x: made when first needed), its six Z_k and the six
     * sums of products.
     */
    private final class GradientBuffers {
        float[] transforms = new float[0];
        final float[] gradients = new float[K * filters * gradientGroup * tiles * rowStride];
        /** One image's dL/dy transposed, (H, W, F), and a row of W * F zeros (the rows below the image). */
        final float[] transposed = new float[height * width * filters];
        final float[] zeroRow = new float[width * filters];
        final float[][] sums = new float[K][filters * 3 * channels];
        final PanelSource.Flat source = new PanelSource.Flat();
    }

    /**
     * dW (F, C, 3, 3) += the weight gradient of {@code count} images, by F(4, 3) turned around. The gradient of
     * kernel row u sums, down each column, {@code dW_u = sum over i of e_i d_(i+u)}: for one tile row, the four output
     * gradients e0 .. e3 of rows 4t .. 4t + 3 against the six padded rows d0 .. d5 above them, three sums of four
     * products each. The same six points give them from six products, of the same T_k as the forward pass and of
     * mixes Z_k of the four gradients (the transpose of the forward pass's output transform):
     * <pre>
     *   Z_0 = e0    Z_1 = e0 + e1 + e2 + e3    Z_2 = e0 - e1 + e2 - e3
     *   Z_3 = e0 + 2 e1 + 4 e2 + 8 e3    Z_4 = e0 - 2 e1 + 4 e2 - 8 e3    Z_5 = e3
     *   M_k[f][c][v] = sum over images, tile rows t and columns j of Z_k[f][t][j] T_k[c][t][j + v - 1]
     *   dW_0 = M_0 / 4 - (M_1 + M_2) / 6 + (M_3 + M_4) / 24
     *   dW_1 = (M_2 - M_1) / 6 + (M_3 - M_4) / 12
     *   dW_2 = (M_3 + M_4 - M_1 - M_2) / 6 + M_5
     * </pre>
     * (the weights of the M_k are the U_k's weights of g0, g1, g2). Each M_k is the weight gradient of a 1x3
     * convolution over T_k ({@link PaddedWide#weightGradientOfPadded}): 3C x F sums of a quarter of the plain sums'
     * length, six of them, so half the multiplications. Several images are done a product at a time, their tile rows
     * one under the other (a 1x3 kernel never mixes rows). The M_k are summed over all the images and mixed into dW
     * once, in double. The images go in fixed groups of the count: the same bits for the same count, on any thread.
     *
     * @param x        the images (C, H, W each), image n at {@code x[xOffset + n*C*H*W]}
     * @param dy       the output gradients (F, H, W each), image n at {@code dy[dyOffset + n*F*H*W]}
     * @param dw       F*C*9 floats, added to
     */
    void weightGradient(float[] x, int xOffset, float[] dy, int dyOffset, int count, float[] dw) {
        weightGradient(x, xOffset, null, 0, dy, dyOffset, count, dw, keepsTransforms());
    }

    /**
     * {@link #weightGradient(float[], int, float[], int, int, float[])} the way it runs without the vector GEMM:
     * each M_k by {@link PaddedWide#weightGradientOfPadded}, Z_k in rows of W (for the tests, on any JVM).
     */
    void weightGradientWithoutVectorProducts(float[] x, int xOffset, float[] dy, int dyOffset, int count,
                                             float[] dw) {
        weightGradient(x, xOffset, null, 0, dy, dyOffset, count, dw, false);
    }

    /**
     * {@link #weightGradient(float[], int, float[], int, int, float[])} of images first .. first + count - 1 of the
     * batch whose T_k the training forward pass kept: the same numbers, without transforming the images again. Only
     * with the vector GEMM ({@link #keepsTransforms}).
     */
    void weightGradient(Kept kept, int first, float[] dy, int dyOffset, int count, float[] dw) {
        if (first < 0 || first + count > kept.images || !keepsTransforms()) {
            throw new IllegalStateException("dL/dW of images " + first + " to " + (first + count - 1) + " from T of "
                    + kept.images + (keepsTransforms() ? "" : ", without the vector GEMM that reads it"));
        }
        weightGradient(null, 0, kept, first, dy, dyOffset, count, dw, true);
    }

    /**
     * Whether a training forward pass can keep T for dL/dW: the product that reads it in place needs the vector
     * GEMM.
     */
    static boolean keepsTransforms() {
        return Simd.VECTOR && VectorGemm.readsRowsInPlace();
    }

    /** dL/dW from x ({@code kept} null) or from the images first .. of {@code kept}. */
    private void weightGradient(float[] x, int xOffset, Kept kept, int keptFirst, float[] dy, int dyOffset, int count,
                                float[] dw, boolean inPlace) {
        GradientBuffers buffers = gradientBuffers.get();
        float[][] sums = buffers.sums;
        // with the vector GEMM, each M_k^T (3C x F) is summed in place over the groups, reading T_k's rows where
        // they lie and Z_k transposed, the F numbers of each wide column together (a zero column in each gap), so
        // that the GEMM copies B's panels row by row; else by PaddedWide's product into M_k (F x 3C), Z_k in rows
        // of W
        if (!inPlace) {
            for (float[] sum : sums) {
                Elementwise.fill(sum, 0, sum.length, 0f);
            }
        }
        int imageSize = input.imageSize();
        int outputSize = filters * height * width;
        int pitch = inPlace ? rowStride : width;
        int patch = 3 * channels;
        int groups = (count + gradientGroup - 1) / gradientGroup;
        for (int g = 0; g < groups; g++) {
            int first = Parallel.start(count, groups, g);
            int images = Parallel.start(count, groups, g + 1) - first;
            int rows = images * tiles;
            int zStride = filters * rows * pitch;
            for (int n = 0; n < images; n++) {
                if (inPlace) {
                    gradientTransformTransposed(dy, dyOffset + (first + n) * outputSize, buffers,
                            n * tiles * rowStride * filters, zStride);
                } else {
                    gradientTransform(dy, dyOffset + (first + n) * outputSize, buffers.gradients, n * tiles * pitch,
                            zStride, rows, pitch);
                }
            }
            // T_k's rows: the kept batch's from image keptFirst + first on, or this group's transformed here
            PaddedWide layout = kept != null ? kept.layout : tall(images);
            if (kept == null && buffers.transforms.length < K * layout.paddedSize()) {
                buffers.transforms = new float[K * tall(gradientGroup).paddedSize()];
            }
            float[] t = kept != null ? kept.transforms : buffers.transforms;
            int tStride = kept != null ? kept.kStride : layout.paddedSize();
            int at = kept != null ? (keptFirst + first) * tiles * rowStride : 0;
            if (kept == null) {
                for (int n = 0; n < images; n++) {
                    transformRows(x, xOffset + (first + n) * imageSize, t, n * tiles * rowStride, tStride,
                            rows);
                }
                for (int k = 0; k < K; k++) {
                    t[channels * rows * rowStride + k * tStride] = 0f;
                }
            }
            int depth = rows * rowStride - 1;                  // the last row's gap is not a column
            for (int k = 0; k < K; k++) {
                if (inPlace) {
                    VectorGemm.multiplyRowsInPlace(patch, filters, depth, t, k * tStride + at, layout.rowStarts(),
                            buffers.source.of(buffers.gradients, k * zStride, filters, 1), sums[k], 0, filters,
                            g > 0);
                } else {
                    layout.weightGradientOfPadded(filters, t, k * tStride, buffers.gradients, k * zStride, 1,
                            sums[k]);
                }
            }
        }
        if (count == 0) {
            return;
        }
        // M_k's element (f, c, v): at f*3C + 3c + v, or transposed at (3c + v)*F + f; mixed in double, by the
        // reciprocals (a division is a dozen multiplications' time, and their rounding in double is far below float's)
        // sixteen filters at a time (one cache line of M_k^T), their kernels written one after the other
        int fStep = inPlace ? 1 : patch;
        int rStep = inPlace ? filters : 1;
        for (int f0 = 0; f0 < filters; f0 += 16) {
            int f1 = Math.min(filters, f0 + 16);
            for (int r = 0; r < patch; r++) {
                int c = r / 3;
                int v = r - 3 * c;
                for (int f = f0; f < f1; f++) {
                    int i = f * fStep + r * rStep;
                    double m0 = sums[0][i];
                    double s = (double) sums[1][i] + sums[2][i];
                    double d = (double) sums[2][i] - sums[1][i];
                    double p = (double) sums[3][i] + sums[4][i];
                    double q = (double) sums[3][i] - sums[4][i];
                    int o = (f * channels + c) * 9 + v;
                    dw[o] += (float) (m0 * 0.25 - s * SIXTH + p * TWENTY_FOURTH);
                    dw[o + 3] += (float) (d * SIXTH + q * TWELFTH);
                    dw[o + 6] += (float) ((p - s) * SIXTH + sums[5][i]);
                }
            }
        }
    }

    private static final double SIXTH = 1.0 / 6;
    private static final double TWELFTH = 1.0 / 12;
    private static final double TWENTY_FOURTH = 1.0 / 24;

    /**
     * Z_0 .. Z_5 of one image's output gradient (F, H, W) at {@code dy[start]}: tile row t of filter f at
     * {@code z[to + k * kStride + (f * channelRows + t) * W]}, W numbers, from rows 4t .. 4t + 3 (zeros below H).
     */
    private void gradientTransform(float[] dy, int start, float[] z, int to, int kStride, int channelRows,
                                   int pitch) {
        for (int f = 0; f < filters; f++) {
            int plane = start + f * height * width;
            for (int tile = 0; tile < tiles; tile++) {
                int top = 4 * tile;
                int row = to + (f * channelRows + tile) * pitch;
                gradientRows(rowOf(dy, top), offsetOf(plane, top), rowOf(dy, top + 1), offsetOf(plane, top + 1),
                        rowOf(dy, top + 2), offsetOf(plane, top + 2), rowOf(dy, top + 3), offsetOf(plane, top + 3),
                        z, row, kStride, width);
                for (int j = width; j < pitch; j++) {
                    for (int k = 0; k < K; k++) {
                        z[row + k * kStride + j] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Z_0 .. Z_5 of one image's output gradient (F, H, W) at {@code dy[start]}, transposed: wide column t * S + j of
     * the image (tile row t, column j) at {@code z[to + k * kStride + (t * S + j) * F]}, its F numbers together, the
     * gap's F numbers zeros. dL/dy is first transposed to (H, W, F), so that each tile row's Z_k are one run of W * F
     * numbers from four runs of dL/dy's rows.
     */
    private void gradientTransformTransposed(float[] dy, int start, GradientBuffers buffers, int to, int kStride) {
        float[] e = buffers.transposed;
        int area = height * width;
        for (int f = 0; f < filters; f++) {
            int from = start + f * area;
            for (int p = 0; p < area; p++) {
                e[p * filters + f] = dy[from + p];
            }
        }
        int run = width * filters;
        float[] z = buffers.gradients;
        for (int tile = 0; tile < tiles; tile++) {
            int top = 4 * tile;
            int row = to + tile * rowStride * filters;
            gradientRows(top < height ? e : buffers.zeroRow, top < height ? top * run : 0,
                    top + 1 < height ? e : buffers.zeroRow, top + 1 < height ? (top + 1) * run : 0,
                    top + 2 < height ? e : buffers.zeroRow, top + 2 < height ? (top + 2) * run : 0,
                    top + 3 < height ? e : buffers.zeroRow, top + 3 < height ? (top + 3) * run : 0,
                    z, row, kStride, run);
            for (int k = 0; k < K; k++) {
                Elementwise.fill(z, row + k * kStride + run, row + k * kStride + run + filters, 0f);
            }
        }
    }

    /**
     * One row of each Z_k from four rows of output gradients, {@code count} columns: row e_i at {@code a_i[o_i]}, row
     * Z_k written at {@code z[to + k * kStride]}, in this order of operations:
     * <pre>
     *   s = e0 + e2    h = e1 + e3    p = e0 + 4 e2    q = 2 e1 + 8 e3
     *   Z_0 = e0    Z_1 = s + h    Z_2 = s - h    Z_3 = p + q    Z_4 = p - q    Z_5 = e3
     * </pre>
     */
    static void gradientRows(float[] a0, int o0, float[] a1, int o1, float[] a2, int o2, float[] a3, int o3,
                             float[] z, int to, int kStride, int count) {
        int j = Simd.VECTOR ? VectorWinogradRows.gradientRows4(a0, o0, a1, o1, a2, o2, a3, o3, z, to, kStride,
                count) : 0;
        for (; j < count; j++) {
            float e0 = a0[o0 + j];
            float e1 = a1[o1 + j];
            float e2 = a2[o2 + j];
            float e3 = a3[o3 + j];
            float s = e0 + e2;
            float h = e1 + e3;
            float p = e0 + 4f * e2;
            float q = 2f * e1 + 8f * e3;
            z[to + j] = e0;
            z[to + kStride + j] = s + h;
            z[to + 2 * kStride + j] = s - h;
            z[to + 3 * kStride + j] = p + q;
            z[to + 4 * kStride + j] = p - q;
            z[to + 5 * kStride + j] = e3;
        }
    }

    /** The plan as named in test failures. */
    @Override
    public String toString() {
        return "Winograd F(4, 3) down the columns (" + group + " images a product)";
    }
}
