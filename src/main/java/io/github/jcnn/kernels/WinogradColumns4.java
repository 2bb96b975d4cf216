package io.github.jcnn.kernels;

/**
 * A 3x3 convolution with stride 1 and padding 1 (SAME) by Winograd's minimal filtering algorithm F(4, 3) down the
 * columns: each four output rows from six padded input rows, with half the multiplications of the plain sums. The
 * training step uses it for the forward pass and for dL/dx (itself such a convolution, of dL/dy by the rotated
 * kernels) of the CIFAR networks' 3x3 layers.
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

    /** Six transforms: T_0 .. T_5, U_0 .. U_5, M_0 .. M_5. */
    private static final int K = 6;

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
    /** W zeros: the padding rows above and below the image. Never written. */
    private final float[] zeros;

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
        this.zeros = new float[width];
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

    /** The six transformed kernels, packed for the GEMM: a training plan keeps one from call to call. */
    static final class Weights {
        final float[][] panels = new float[K][0];
        final Gemm.Packed[] packed = new Gemm.Packed[K];

        Weights() {
            for (int k = 0; k < K; k++) {
                packed[k] = new Gemm.Packed();
            }
        }
    }

    /** One thread's buffers: a group's six T_k and its six products M_k, and a product source over T. */
    final class Buffers {
        final float[] transforms = new float[K * group * transformed.paddedSize()];
        final float[] products = new float[K * filters * group * transformed.wideColumns()];
        final PaddedWide.Source source = transformed.newSource();
    }

    /** New buffers for one thread. */
    Buffers newBuffers() {
        return new Buffers();
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
     * Images from .. to - 1 of x (C, H, W each, image n at {@code x[n*C*H*W]}) convolved with the kernels whose
     * transforms {@code u} holds, plus b (or none when null): every number of their y (F, H, W each) is written. The
     * images go a group at a time: each transformed (and, when {@code keep} is not null, padded into it at
     * {@code n * input().paddedSize()}, for the caller to keep for dL/dW), multiplied and transformed back. Each
     * image gets the same sums in the same order however it is grouped.
     */
    void forward(Weights u, float[] x, int from, int to, float[] b, float[] y, float[] keep, Buffers buffers) {
        int count = to - from;
        int groups = (count + group - 1) / group;
        int imageSize = input.imageSize();
        int padded = input.paddedSize();
        int tSize = transformed.paddedSize();
        int kStride = group * tSize;
        int length = transformed.wideColumns();
        int outputSize = filters * height * width;
        for (int g = 0; g < groups; g++) {
            int first = from + Parallel.start(count, groups, g);
            int images = from + Parallel.start(count, groups, g + 1) - first;
            for (int n = 0; n < images; n++) {
                if (keep != null) {
                    input.pad(x, (first + n) * imageSize, keep, (first + n) * padded);
                }
                inputTransform(x, (first + n) * imageSize, buffers.transforms, n * tSize, kStride);
            }
            int columns = images * length;
            for (int k = 0; k < K; k++) {
                Gemm.multiply(u.packed[k], columns, buffers.source.of(buffers.transforms, k * kStride, images, tSize),
                        buffers.products, k * filters * columns, columns, false);
            }
            for (int n = 0; n < images; n++) {
                outputTransform(buffers.products, n * length, filters * columns, columns, b, y,
                        (first + n) * outputSize);
            }
        }
    }

    /**
     * T_0 .. T_5 of one image x (C, H, W) at {@code x[xStart]} into T's layout at {@code t[to + k * kStride]}: tile
     * row t of channel c from padded rows 4t .. 4t + 5, which are rows 4t - 1 .. 4t + 4 of x (zeros above and below
     * it), each row of T a zero (the gap, the left border of the row and the right border of the one before) and W
     * numbers; and the zero after the last channel, the right border of its last row. x is read in place: no padded
     * copy is made.
     */
    void inputTransform(float[] x, int xStart, float[] t, int to, int kStride) {
        for (int c = 0; c < channels; c++) {
            int channel = xStart + c * height * width;
            for (int tile = 0; tile < tiles; tile++) {
                int top = 4 * tile - 1;             // the row of x that is padded row 4t
                int row = to + (c * tiles + tile) * rowStride;
                for (int k = 0; k < K; k++) {
                    t[row + k * kStride] = 0f;
                }
                inputRows(rowOf(x, top), offsetOf(channel, top), rowOf(x, top + 1), offsetOf(channel, top + 1),
                        rowOf(x, top + 2), offsetOf(channel, top + 2), rowOf(x, top + 3), offsetOf(channel, top + 3),
                        rowOf(x, top + 4), offsetOf(channel, top + 4), rowOf(x, top + 5), offsetOf(channel, top + 5),
                        t, row + 1, kStride, width);
            }
        }
        for (int k = 0; k < K; k++) {
            t[to + channels * tiles * rowStride + k * kStride] = 0f;
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
        for (int f = 0; f < filters; f++) {
            float bias = b == null ? 0f : b[f];
            int plane = yStart + f * height * width;
            for (int tile = 0; tile < tiles; tile++) {
                int m0 = at + f * ld + tile * rowStride;
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

    /** The plan as named in test failures. */
    @Override
    public String toString() {
        return "Winograd F(4, 3) down the columns (" + group + " images a product)";
    }
}
