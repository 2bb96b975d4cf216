package io.github.jcnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The weight gradient of a convolution with few filters, stride 1 and no padding (LeNet-5's two), as dot products
 * along the image, with the JDK's incubating Vector API (used under the same condition as {@link VectorGemm}).
 * <pre>
 *   dW[f][r] += sum over images n, t &lt; L of  dy_wide[n][f][t] * x[n][delta(r) + t]
 *   r = (c, u, v),  delta(r) = c*H*W + u*W + v,  t = i*W + j,  L = (OH - 1)*W + OW
 * </pre>
 * dy_wide is dL/dy laid out wide (output (i, j) at t = i*W + j, zeros in the columns j &ge; OW), so the sum over t
 * is a dot product of two runs of floats: a row of dy_wide and the image read from delta(r) on. With few filters
 * (6 in LeNet-5's first convolution) a matrix product wastes most of its register tile on them, and making it
 * square needs the windows of the image transposed, 75 floats per output position; a dot product needs neither.
 *
 * <p>The kernel takes 4 filters and 4 rows r at a time: 16 sums of V lanes each in vector registers (V = the
 * floats in a vector), and per V columns t it loads 4 runs of dy_wide and 4 of the image and does 16 fused
 * multiply-adds. Lane l of the sum for (f, r) collects the products at t = l, l + V, l + 2V, ... in that order,
 * image after image; at the end its V lanes are added in lane order and then to dW[f][r]. That order depends on the
 * geometry and the number of images only: the same bits on every run and for any thread count.
 */
final class VectorWeightGradient {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();

    /** Per thread: the image with zeros after it, dy_wide and the lane sums; grown when needed. */
    private static final ThreadLocal<float[][]> WORKSPACE = ThreadLocal.withInitial(
            () -> new float[][] {new float[0], new float[0], new float[0]});

    private VectorWeightGradient() {
    }

    /**
     * Whether this kernel takes a geometry: stride 1, no padding, at most {@value #MAX_FILTERS} filters and dot
     * products of at least {@value #MIN_LENGTH} floats. Measured against {@link WeightGradient#accumulate} (one
     * thread, 16 images, microseconds per image): LeNet-5's first convolution (3x32x32, 6 filters 5x5, L = 892)
     * 10.6 against 37.4; its second (6x14x14, 16 filters 5x5, L = 136) 11.0 against 10.2, where each block of sums
     * is loaded and stored for only 9 vectors of products.
     */
    static boolean takes(Im2Col geometry, int filters) {
        return geometry.stride() == 1 && geometry.padHeight() == 0 && geometry.padWidth() == 0
                && filters <= MAX_FILTERS && geometry.wideColumns() >= MIN_LENGTH;
    }

    /** Above this many filters a matrix product fills its register tile and is the faster way. */
    static final int MAX_FILTERS = 16;
    /** Dot products shorter than this do too few multiply-adds per block of sums loaded and stored. */
    static final int MIN_LENGTH = 256;

    /** Rounds of {@link #warmUp}. */
    private static final int WARM_UP_ROUNDS = 1500;

    /**
     * Runs the kernel {@value #WARM_UP_ROUNDS} times on a small image, once per JVM right after
     * {@link VectorGemm#warmUp}, so that the JIT compiles it early, as the GEMM's kernels (see there why).
     */
    static void warmUp() {
        Im2Col geometry = new Im2Col(1, 6, 20, 3, 3, 1, 0, 0);
        float[] x = new float[geometry.imageSize()];
        float[] dy = new float[4 * geometry.columns()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 7) * 0.25f;
        }
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (i % 5) * 0.5f;
        }
        float[] dw = new float[4 * geometry.rows()];
        for (int r = 0; r < WARM_UP_ROUNDS; r++) {
            accumulate(geometry, 4, x, 0, dy, 0, 1, dw);
        }
    }

    /**
     * dW (F x C*KH*KW) += the weight gradient of {@code images} images, image n at {@code x[xOffset + n*C*H*W]} and
     * its dL/dy at {@code dy[dyOffset + n*F*OH*OW]}. Only for a geometry that {@link #takes}.
     */
    static void accumulate(Im2Col geometry, int filters, float[] x, int xOffset, float[] dy, int dyOffset,
                           int images, float[] dw) {
        int width = geometry.width();
        int outHeight = geometry.outHeight();
        int outWidth = geometry.outWidth();
        int imageSize = geometry.imageSize();
        int rows = geometry.rows();
        int length = (geometry.wideColumns() + V - 1) / V * V;   // L rounded up to whole vectors (zeros after L)
        float[][] ws = WORKSPACE.get();
        // the image read from delta(r) on reaches delta(r) + length <= C*H*W + length - L: V - 1 floats past it
        float[] image = ws[0] = grown(ws[0], imageSize + V);
        float[] wide = ws[1] = grown(ws[1], filters * length);
        int blockRows = (rows + 3) / 4 * 4;   // the sums of whole blocks of 4 filters x 4 rows
        int blockFilters = (filters + 3) / 4 * 4;
        float[] sums = ws[2] = grown(ws[2], blockFilters * blockRows * V);
        java.util.Arrays.fill(sums, 0, blockFilters * blockRows * V, 0f);
        java.util.Arrays.fill(wide, 0, filters * length, 0f);
        java.util.Arrays.fill(image, imageSize, imageSize + V, 0f);
        int[] delta = geometry.rowDeltas();
        for (int n = 0; n < images; n++) {
            System.arraycopy(x, xOffset + n * imageSize, image, 0, imageSize);
            for (int f = 0; f < filters; f++) {
                int from = dyOffset + (n * filters + f) * outHeight * outWidth;
                for (int i = 0; i < outHeight; i++) {
                    // columns OW .. W - 1 of each row stay zero (written once above, never written here)
                    System.arraycopy(dy, from + i * outWidth, wide, f * length + i * width, outWidth);
                }
            }
            for (int f0 = 0; f0 < filters; f0 += 4) {
                for (int r0 = 0; r0 < rows; r0 += 4) {
                    block(image, delta, wide, length, sums, blockRows, rows, filters, f0, r0);
                }
            }
        }
        for (int f = 0; f < filters; f++) {
            for (int r = 0; r < rows; r++) {
                int at = (f * blockRows + r) * V;
                float total = 0f;
                for (int l = 0; l < V; l++) {
                    total += sums[at + l];
                }
                dw[f * rows + r] += total;
            }
        }
    }

    /**
     * The 16 lane sums of filters f0 .. f0 + 3 and rows r0 .. r0 + 3 over one image, kept in {@code sums} at
     * ((f*blockRows) + r)*V. Past the last filter or row the kernel computes the last one again into sums that are
     * never read.
     */
    private static void block(float[] image, int[] delta, float[] wide, int length, float[] sums, int blockRows,
                              int rows, int filters, int f0, int r0) {
        int g0 = f0 * length;
        int g1 = Math.min(f0 + 1, filters - 1) * length;
        int g2 = Math.min(f0 + 2, filters - 1) * length;
        int g3 = Math.min(f0 + 3, filters - 1) * length;
        int x0 = delta[r0];
        int x1 = delta[Math.min(r0 + 1, rows - 1)];
        int x2 = delta[Math.min(r0 + 2, rows - 1)];
        int x3 = delta[Math.min(r0 + 3, rows - 1)];
        FloatVector s00;
        FloatVector s01;
        FloatVector s02;
        FloatVector s03;
        FloatVector s10;
        FloatVector s11;
        FloatVector s12;
        FloatVector s13;
        FloatVector s20;
        FloatVector s21;
        FloatVector s22;
        FloatVector s23;
        FloatVector s30;
        FloatVector s31;
        FloatVector s32;
        FloatVector s33;
        // the sums so far (the earlier images'), then this image's products added to them in t order; the sums
        // have room for whole blocks, so a block past the last filter or row writes where nothing is read
        int a0 = (f0 * blockRows + r0) * V;
        s00 = FloatVector.fromArray(S, sums, a0);
        s01 = FloatVector.fromArray(S, sums, a0 + V);
        s02 = FloatVector.fromArray(S, sums, a0 + 2 * V);
        s03 = FloatVector.fromArray(S, sums, a0 + 3 * V);
        s10 = FloatVector.fromArray(S, sums, a0 + blockRows * V);
        s11 = FloatVector.fromArray(S, sums, a0 + blockRows * V + V);
        s12 = FloatVector.fromArray(S, sums, a0 + blockRows * V + 2 * V);
        s13 = FloatVector.fromArray(S, sums, a0 + blockRows * V + 3 * V);
        s20 = FloatVector.fromArray(S, sums, a0 + 2 * blockRows * V);
        s21 = FloatVector.fromArray(S, sums, a0 + 2 * blockRows * V + V);
        s22 = FloatVector.fromArray(S, sums, a0 + 2 * blockRows * V + 2 * V);
        s23 = FloatVector.fromArray(S, sums, a0 + 2 * blockRows * V + 3 * V);
        s30 = FloatVector.fromArray(S, sums, a0 + 3 * blockRows * V);
        s31 = FloatVector.fromArray(S, sums, a0 + 3 * blockRows * V + V);
        s32 = FloatVector.fromArray(S, sums, a0 + 3 * blockRows * V + 2 * V);
        s33 = FloatVector.fromArray(S, sums, a0 + 3 * blockRows * V + 3 * V);
        for (int t = 0; t < length; t += V) {
            FloatVector d0 = FloatVector.fromArray(S, wide, g0 + t);
            FloatVector d1 = FloatVector.fromArray(S, wide, g1 + t);
            FloatVector d2 = FloatVector.fromArray(S, wide, g2 + t);
            FloatVector d3 = FloatVector.fromArray(S, wide, g3 + t);
            FloatVector y;
            y = FloatVector.fromArray(S, image, x0 + t);
            s00 = d0.fma(y, s00);
            s10 = d1.fma(y, s10);
            s20 = d2.fma(y, s20);
            s30 = d3.fma(y, s30);
            y = FloatVector.fromArray(S, image, x1 + t);
            s01 = d0.fma(y, s01);
            s11 = d1.fma(y, s11);
            s21 = d2.fma(y, s21);
            s31 = d3.fma(y, s31);
            y = FloatVector.fromArray(S, image, x2 + t);
            s02 = d0.fma(y, s02);
            s12 = d1.fma(y, s12);
            s22 = d2.fma(y, s22);
            s32 = d3.fma(y, s32);
            y = FloatVector.fromArray(S, image, x3 + t);
            s03 = d0.fma(y, s03);
            s13 = d1.fma(y, s13);
            s23 = d2.fma(y, s23);
            s33 = d3.fma(y, s33);
        }
        s00.intoArray(sums, a0);
        s01.intoArray(sums, a0 + V);
        s02.intoArray(sums, a0 + 2 * V);
        s03.intoArray(sums, a0 + 3 * V);
        s10.intoArray(sums, a0 + blockRows * V);
        s11.intoArray(sums, a0 + blockRows * V + V);
        s12.intoArray(sums, a0 + blockRows * V + 2 * V);
        s13.intoArray(sums, a0 + blockRows * V + 3 * V);
        s20.intoArray(sums, a0 + 2 * blockRows * V);
        s21.intoArray(sums, a0 + 2 * blockRows * V + V);
        s22.intoArray(sums, a0 + 2 * blockRows * V + 2 * V);
        s23.intoArray(sums, a0 + 2 * blockRows * V + 3 * V);
        s30.intoArray(sums, a0 + 3 * blockRows * V);
        s31.intoArray(sums, a0 + 3 * blockRows * V + V);
        s32.intoArray(sums, a0 + 3 * blockRows * V + 2 * V);
        s33.intoArray(sums, a0 + 3 * blockRows * V + 3 * V);
    }

    private static float[] grown(float[] array, int size) {
        return array.length >= size ? array : new float[size];
    }
}
