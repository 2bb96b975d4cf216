package io.github.jcnn.kernels;

import java.util.Arrays;

/**
 * The convolution's weight gradient, summed over several images:
 * <pre>
 *   dW[f][c][u][v] += sum over images n, i &lt; OH, j &lt; OW of  dy[n][f][i][j] * x[n][c][i*S + u - PH][j*S + v - PW]
 *   x (N, C, H, W)      dy (N, F, OH, OW)      dW (F, C, KH, KW)      (x reads 0 outside the image)
 * </pre>
 * The plain version of this sum is {@link ConvReference#weightGradient}; this class computes the same numbers fast,
 * in one of two ways:
 * <ul>
 *   <li><b>as a matrix product</b> (any geometry): per image, dW (F x C*KH*KW) += dy (F x OH*OW) . windows
 *       (OH*OW x C*KH*KW), where row l = i*OW + j of windows is the input under the kernel at output position (i, j)
 *       ({@link Im2Col#im2colTransposedRowsSliding}, which copies each window from its left neighbour), and
 *       {@link Gemm#multiplyRows} does the product;</li>
 *   <li><b>by rows</b> (when the output rows are long, as in LeNet's first layer): see
 *       {@link #accumulateByRows}.</li>
 * </ul>
 * {@link #accumulate} picks one by {@link #rowsPay}. Measured with {@code WeightGradientBench} (one thread, 16 images
 * per call, JDK 17, AVX2), microseconds per image against gathering every window + GEMM, which Conv2D did before:
 * LeNet's first layer (3x32x32, 6 filters 5x5) ~38 against ~57 (by rows), its second (6x14x14, 16 filters 5x5) ~19
 * against ~20.5 (as a product; the sliding windows are the gain).
 *
 * <p>Both add every product in a fixed order that depends only on the geometry and the number of images, never on
 * threads or timing. Scratch space is per thread (a {@link ThreadLocal}), so calls from different threads are safe
 * and repeated calls do not allocate; a call itself is single-threaded.
 */
public final class WeightGradient {

    /** At most this many images sit side by side in the lanes of {@link #accumulateByRows}. */
    static final int LANE_IMAGES = 8;

    /** Rows shorter than this are copied by a loop, longer ones by {@code System.arraycopy} (measured faster). */
    private static final int COPY_LOOP = 16;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** Per-thread scratch, grown when a larger geometry arrives and kept afterwards. */
    private static final class Workspace {
        /** For the matrix product: one kernel window per row array. */
        float[][] windows = new float[0][];
        /** For the rows method: rows of dy, of x, and the lane sums; see {@link #accumulateByRows}. */
        float[][] gradientRows = new float[0][];
        float[][] inputRows = new float[0][];
        float[][] sums = new float[0][];

        /** At least {@code count} window rows of at least {@code length} floats (grown, never shrunk). */
        float[][] windows(int count, int length) {
            windows = grow(windows, count, length);
            return windows;
        }

        /** Makes room for the rows method's arrays, see {@link #accumulateByRows}. */
        void ensureLanes(int gradientRowCount, int inputRowCount, int sumCount, int lanes) {
            gradientRows = grow(gradientRows, gradientRowCount, lanes);
            inputRows = grow(inputRows, inputRowCount, lanes);
            sums = grow(sums, sumCount, lanes);
        }

        /**
         * {@code rows} itself if it has at least {@code count} rows of at least {@code length} floats, else new
         * zeroed rows, as many and as long as the larger of the old and the asked (so that two geometries used in
         * turn on one thread do not reallocate each other's space every call).
         */
        private static float[][] grow(float[][] rows, int count, int length) {
            int oldLength = rows.length == 0 ? 0 : rows[0].length;
            if (rows.length >= count && oldLength >= length) {
                return rows;
            }
            return new float[Math.max(count, rows.length)][Math.max(length, oldLength)];
        }
    }

    private WeightGradient() {
    }

    /**
     * dW += the weight gradient of {@code images} consecutive images, choosing the faster method for the geometry.
     *
     * @param geometry  the convolution (C, H, W, kernel, stride, padding)
     * @param filters   F, the number of output channels
     * @param x         the input images, image n at {@code x[xOffset + n*C*H*W ...]}
     * @param xOffset   where the first image starts
     * @param dy        the output gradients, image n at {@code dy[dyOffset + n*F*OH*OW ...]}
     * @param dyOffset  where the first output gradient starts
     * @param images    N, the number of images, at least 0
     * @param dw        F*C*KH*KW floats, (F, C, KH, KW) row-major, added to
     * @throws IllegalArgumentException if an array is too short or a count negative
     */
    public static void accumulate(Im2Col geometry, int filters, float[] x, int xOffset, float[] dy, int dyOffset,
                                  int images, float[] dw) {
        if (rowsPay(geometry, filters)) {
            accumulateByRows(geometry, filters, x, xOffset, dy, dyOffset, images, dw);
        } else {
            accumulateByProduct(geometry, filters, x, xOffset, dy, dyOffset, images, dw);
        }
    }

    /**
     * Whether {@link #accumulateByRows} is the faster method: when the output is at least {@value #LONG_ROW} x
     * {@value #LONG_ROW} (long lanes, and each lane sum collects many products before it is added up) and its copy
     * of the output gradient, F*OH rows of {@value #LANE_IMAGES}*OW lanes, is at most {@value #GRADIENT_COPY} floats
     * (256 KB), so that it stays in the L2 cache while it is read again for every (c, v). Measured with
     * {@code WeightGradientBench} and by hand on a few more shapes (16 images, one thread, minimum of 30 or more
     * rounds, microseconds per image, rows against product):
     * <pre>
     *   3x32x32,  6 filters 5x5 (LeNet conv1)     ~38 against ~46     rows
     *   3x32x32,  6 filters 3x3                    ~78 against ~117    rows
     *   6x14x14, 16 filters 5x5 (LeNet conv2)     ~45 against ~19     product (outputs 10x10)
     *   3x32x32, 16 filters 5x5                   ~143 against ~86    product (copy of dy 100k floats)
     *   16x32x32, 32 filters 3x3 padding 1        ~531 against ~374   product (copy of dy 262k floats)
     * </pre>
     */
    static boolean rowsPay(Im2Col geometry, int filters) {
        long gradientCopy = (long) filters * geometry.outHeight() * LANE_IMAGES * geometry.outWidth();
        return geometry.outWidth() >= LONG_ROW && geometry.outHeight() >= LONG_ROW && gradientCopy <= GRADIENT_COPY;
    }

    /** See {@link #rowsPay}. */
    static final int GRADIENT_COPY = 1 << 16;

    /** See {@link #rowsPay}. */
    static final int LONG_ROW = 16;

    /**
     * The matrix-product method, for any geometry: per image n, dW (F x C*KH*KW) += dy_n (F x OH*OW) . windows_n,
     * with row l = i*OW + j of windows_n the input under the kernel at output position (i, j).
     */
    static void accumulateByProduct(Im2Col geometry, int filters, float[] x, int xOffset, float[] dy, int dyOffset,
                                    int images, float[] dw) {
        check(geometry, filters, x, xOffset, dy, dyOffset, images, dw);
        int positions = geometry.columns();
        int patch = geometry.rows();
        int imageSize = geometry.imageSize();
        int outputSize = filters * positions;
        float[][] windows = WORKSPACE.get().windows(positions, patch);
        for (int n = 0; n < images; n++) {
            geometry.im2colTransposedRowsSliding(x, xOffset + n * imageSize, windows);
            Gemm.multiplyRows(filters, patch, positions, dy, dyOffset + n * outputSize, positions, windows, dw, 0,
                    patch);
        }
    }

    /**
     * The rows method: the sum over i is done lane by lane, the sum over j at the end. Up to {@value #LANE_IMAGES}
     * images are laid side by side: lane t = m*OW + j stands for output column j of the m-th image of the group. Per
     * group, the output gradient and the input are copied into rows over the lanes,
     * <pre>
     *   D[f][i][t] = dy[m][f][i][j]            X[h][t] = x[m][c][h][j*S + v - PW]   (for one c and v at a time)
     * </pre>
     * and for each (c, v), every lane keeps its own running sum over the output rows i:
     * <pre>
     *   sum[f][u][t] += D[f][i][t] * X[i*S + u - PH][t]        for every i whose input row is inside the image
     *   dW[f][c][u][v] += sum[f][u][0] + sum[f][u][1] + ...    at the end (see {@link #total})
     * </pre>
     * Each lane sum gets OH products per image group and is added up once, so the final additions cost 1/OH of the
     * work: the method pays when the output has many rows (and long ones: the lanes are the vector loop).
     *
     * <p>The update of the sums is an element-wise loop over separate arrays indexed from 0 by the loop variable, the
     * form C2 vectorises (see {@link Gemm}), two filters and two output rows per pass: each sum is loaded and stored
     * once per two products, each input row is used for two filters. (Three filters, 11 arrays in one loop, is no
     * longer vectorised by JDK 17's C2 and runs three times slower; measured.) For a pair of filters and a pair of
     * output rows all KH kernel rows are done before moving on, so their four rows of D stay in the L1 cache while
     * they are read KH times (measured ~10% faster than u outside i on LeNet's first layer). The method needs no
     * copy of the kernel windows: every input number is copied KW times (once per v), not KH*KW times.
     *
     * <p>Order of additions, for the record: per lane, sum[f][u] receives its products in order of i, two at a time;
     * the lanes are added up as described in {@link #total}; each (c, v) and each group of images adds its totals to
     * dW one after the other. Correct for every geometry (stride, padding); {@link #rowsPay} says when it is the
     * faster method.
     */
    static void accumulateByRows(Im2Col geometry, int filters, float[] x, int xOffset, float[] dy, int dyOffset,
                                 int images, float[] dw) {
        check(geometry, filters, x, xOffset, dy, dyOffset, images, dw);
        int channels = geometry.channels();
        int height = geometry.height();
        int width = geometry.width();
        int kernelHeight = geometry.kernelHeight();
        int kernelWidth = geometry.kernelWidth();
        int stride = geometry.stride();
        int padHeight = geometry.padHeight();
        int padWidth = geometry.padWidth();
        int outHeight = geometry.outHeight();
        int outWidth = geometry.outWidth();
        int imageSize = geometry.imageSize();
        int outputSize = filters * outHeight * outWidth;
        Workspace ws = WORKSPACE.get();
        ws.ensureLanes(filters * outHeight, height, filters * kernelHeight, Math.min(images, LANE_IMAGES) * outWidth);
        float[][] gradientRows = ws.gradientRows;
        float[][] inputRows = ws.inputRows;
        float[][] sums = ws.sums;
        for (int first = 0; first < images; first += LANE_IMAGES) {
            int group = Math.min(LANE_IMAGES, images - first);
            int lanes = group * outWidth;
            // D[f*OH + i][m*OW + j] = dy[m][f][i][j]
            for (int m = 0; m < group; m++) {
                int from = dyOffset + (first + m) * outputSize;
                for (int row = 0; row < filters * outHeight; row++) {
                    copy(dy, from + row * outWidth, gradientRows[row], m * outWidth, outWidth);
                }
            }
            for (int c = 0; c < channels; c++) {
                for (int v = 0; v < kernelWidth; v++) {
                    // X[h][m*OW + j] = x[m][c][h][j*S + v - PW], 0 outside the image
                    for (int m = 0; m < group; m++) {
                        int channelStart = xOffset + (first + m) * imageSize + c * height * width;
                        for (int h = 0; h < height; h++) {
                            readRow(x, channelStart + h * width, width, v - padWidth, stride, inputRows[h],
                                    m * outWidth, outWidth);
                        }
                    }
                    for (int s = 0; s < filters * kernelHeight; s++) {
                        zero(sums[s], lanes);
                    }
                    // two filters and two output rows at a time, all kernel rows u for them before moving on:
                    // the four rows of D stay in the L1 cache while they are used KH times
                    int f = 0;
                    for (; f + 2 <= filters; f += 2) {
                        int d0 = f * outHeight;
                        int d1 = (f + 1) * outHeight;
                        for (int i = 0; i < outHeight; i += 2) {
                            boolean pair = i + 1 < outHeight;
                            for (int u = 0; u < kernelHeight; u++) {
                                float[] sum0 = sums[f * kernelHeight + u];
                                float[] sum1 = sums[(f + 1) * kernelHeight + u];
                                int h0 = i * stride + u - padHeight;
                                int h1 = h0 + stride;
                                boolean in0 = h0 >= 0 && h0 < height;
                                boolean in1 = pair && h1 >= 0 && h1 < height;
                                if (in0 && in1) {
                                    twoFiltersTwoRows(sum0, sum1, gradientRows[d0 + i], gradientRows[d0 + i + 1],
                                            gradientRows[d1 + i], gradientRows[d1 + i + 1], inputRows[h0],
                                            inputRows[h1], lanes);
                                } else if (in0) {
                                    twoFiltersOneRow(sum0, sum1, gradientRows[d0 + i], gradientRows[d1 + i],
                                            inputRows[h0], lanes);
                                } else if (in1) {
                                    twoFiltersOneRow(sum0, sum1, gradientRows[d0 + i + 1], gradientRows[d1 + i + 1],
                                            inputRows[h1], lanes);
                                }
                            }
                        }
                    }
                    for (; f < filters; f++) {
                        for (int i = 0; i < outHeight; i++) {
                            for (int u = 0; u < kernelHeight; u++) {
                                int h = i * stride + u - padHeight;
                                if (h >= 0 && h < height) {
                                    oneFilterOneRow(sums[f * kernelHeight + u], gradientRows[f * outHeight + i],
                                            inputRows[h], lanes);
                                }
                            }
                        }
                    }
                    for (int g = 0; g < filters; g++) {
                        for (int u = 0; u < kernelHeight; u++) {
                            dw[((g * channels + c) * kernelHeight + u) * kernelWidth + v] +=
                                    total(sums[g * kernelHeight + u], lanes);
                        }
                    }
                }
            }
        }
    }

    /**
     * a[0 .. n) = 0. A loop of its own rather than {@code Arrays.fill}: the JIT compiles a shared JDK method with the
     * profile of all its callers, and a program that fills many short runs elsewhere (RandomCrop's image borders did)
     * made this whole method about three times slower (measured: 43-56 against 150-190 µs per image on LeNet's first
     * layer, the same inputs replayed after training with and without such fills).
     */
    private static void zero(float[] a, int n) {
        for (int t = 0; t < n; t++) {
            a[t] = 0f;
        }
    }

    /** sum0 += a0 * x0 + a1 * x1 and sum1 += b0 * x0 + b1 * x1, lane by lane (products added left to right). */
    private static void twoFiltersTwoRows(float[] sum0, float[] sum1, float[] a0, float[] a1, float[] b0,
                                          float[] b1, float[] x0, float[] x1, int lanes) {
        for (int t = 0; t < lanes; t++) {
            float p = x0[t];
            float q = x1[t];
            sum0[t] = sum0[t] + a0[t] * p + a1[t] * q;
            sum1[t] = sum1[t] + b0[t] * p + b1[t] * q;
        }
    }

    /** sum0 += a * x and sum1 += b * x, lane by lane. */
    private static void twoFiltersOneRow(float[] sum0, float[] sum1, float[] a, float[] b, float[] x, int lanes) {
        for (int t = 0; t < lanes; t++) {
            float p = x[t];
            sum0[t] += a[t] * p;
            sum1[t] += b[t] * p;
        }
    }

    /** sum += a * x, lane by lane. */
    private static void oneFilterOneRow(float[] sum, float[] a, float[] x, int lanes) {
        for (int t = 0; t < lanes; t++) {
            sum[t] += a[t] * x[t];
        }
    }

    /**
     * sum[0] + sum[1] + ... + sum[lanes - 1], added as four running sums (lanes t = 4k, 4k+1, 4k+2, 4k+3) that are
     * then added together: four independent chains of additions instead of one, which the processor overlaps.
     */
    private static float total(float[] sum, int lanes) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int t = 0;
        for (; t + 4 <= lanes; t += 4) {
            s0 += sum[t];
            s1 += sum[t + 1];
            s2 += sum[t + 2];
            s3 += sum[t + 3];
        }
        for (; t < lanes; t++) {
            s0 += sum[t];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** to[toStart + j] = from[fromStart + j] for j &lt; length; a loop, cheaper than arraycopy for short rows. */
    private static void copy(float[] from, int fromStart, float[] to, int toStart, int length) {
        if (length >= COPY_LOOP) {
            System.arraycopy(from, fromStart, to, toStart, length);
            return;
        }
        for (int j = 0; j < length; j++) {
            to[toStart + j] = from[fromStart + j];
        }
    }

    /**
     * to[toStart + j] = row[j*S + shift] for j &lt; count, reading 0 outside [0, width): one image row as the kernel
     * column v (shift = v - PW) sees it along an output row.
     */
    private static void readRow(float[] image, int rowStart, int width, int shift, int stride, float[] to,
                                int toStart, int count) {
        if (stride == 1 && shift >= 0 && shift + count <= width) {
            copy(image, rowStart + shift, to, toStart, count);
            return;
        }
        for (int j = 0; j < count; j++) {
            int w = j * stride + shift;
            to[toStart + j] = w >= 0 && w < width ? image[rowStart + w] : 0f;
        }
    }

    private static void check(Im2Col geometry, int filters, float[] x, int xOffset, float[] dy, int dyOffset,
                              int images, float[] dw) {
        if (filters < 1 || images < 0) {
            throw new IllegalArgumentException("need at least 1 filter and 0 images, got " + filters + " filters and "
                    + images + " images");
        }
        long inputs = (long) images * geometry.imageSize();
        if (xOffset < 0 || xOffset + inputs > x.length) {
            throw new IllegalArgumentException("x: " + images + " images of " + geometry.imageSize()
                    + " floats at offset " + xOffset + " do not fit in an array of " + x.length);
        }
        long outputs = (long) images * filters * geometry.columns();
        if (dyOffset < 0 || dyOffset + outputs > dy.length) {
            throw new IllegalArgumentException("dy: " + images + " output gradients of " + filters * geometry.columns()
                    + " floats at offset " + dyOffset + " do not fit in an array of " + dy.length);
        }
        if (dw.length < filters * geometry.rows()) {
            throw new IllegalArgumentException("dw needs " + filters + " x " + geometry.rows() + " = "
                    + filters * geometry.rows() + " floats, got " + dw.length);
        }
    }
}
