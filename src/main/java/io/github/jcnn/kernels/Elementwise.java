package io.github.jcnn.kernels;

/**
 * Element-wise kernels of the activations and the reductions of batch norm, written so that they run at memory speed.
 * <pre>
 *   relu:          y[i]  = x[i] &gt; 0 or x[i] is NaN ? x[i]  : 0
 *   reluBackward:  dx[i] = x[i] &gt; 0 ? dy[i] : 0
 *   sum, dot, squaredDeviations: sums in double
 * </pre>
 * A NaN passes through relu, as in PyTorch ({@code torch.relu(nan)} is NaN): a plain {@code x > 0 ? x : 0} would turn
 * it into 0, and a NaN weight or input would then give finite, wrong answers instead of being caught.
 * The plain ternaries above (kept in {@link #reluReference} and {@link #reluBackwardReference}) compile to a
 * compare-and-branch per element; on a ReLU's input about half the signs are random, so the branch is mispredicted
 * half the time (measured ~6 ns per element at LeNet's first ReLU, 64 x 6 x 28 x 28 floats). Without branches:
 * relu is {@code Math.max(x, 0f)}, which the JIT turns into vector max instructions (about 0.1 ns per element; NaN
 * stays NaN and -0 becomes +0, as with the ternary). For reluBackward the decision is a mask made from the float's
 * bits: {@code x > 0} exactly when its bit pattern b, read as an int, satisfies {@code 0 < b <= 0x7F800000} (sign
 * clear, not +0, not NaN), and the result is {@code dy's bits & mask}; with the Vector API
 * ({@link VectorElementwise}) it is a vector compare and blend. The results equal the ternaries for every float,
 * including -0, NaN and infinities (a NaN's payload bits aside); the tests check that.
 */
public final class Elementwise {

    private Elementwise() {
    }

    /**
     * a[i] = value for i in [from, to): what {@code Arrays.fill} does, as a method of the library's own. The JIT
     * compiles a shared JDK method with the profile of all its callers in the program; after many short fills
     * elsewhere (an augmentation filling image borders) an inlined {@code Arrays.fill} made a whole weight-gradient
     * kernel about three times slower. The kernels' fills go through here so that only their own calls shape it.
     */
    public static void fill(float[] a, int from, int to, float value) {
        for (int i = from; i < to; i++) {
            a[i] = value;
        }
    }

    /**
     * Copies {@code rows} rows of {@code width} floats: row r from {@code src[srcOffset + r * srcStride]} to
     * {@code dst[dstOffset + r * dstStride]} (the rows of one array must not overlap those of the other). A
     * convolution's rows are short (8 to 32 floats at CIFAR sizes), and {@code System.arraycopy}'s set-up per call
     * cost as much as the copy: with the Vector API, rows whose width is a whole number of vectors are moved a vector
     * at a time.
     */
    public static void copyRows(float[] src, int srcOffset, int srcStride, float[] dst, int dstOffset, int dstStride,
                                int rows, int width) {
        if (Simd.VECTOR && VectorElementwise.copiesRowsOf(width)) {
            VectorElementwise.copyRows(src, srcOffset, srcStride, dst, dstOffset, dstStride, rows, width);
            return;
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(src, srcOffset + r * srcStride, dst, dstOffset + r * dstStride, width);
        }
    }

    /** y[i] = x[i] &gt; 0 or NaN ? x[i] : 0 for i in [from, to). */
    public static void relu(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] = Math.max(x[i], 0f);      // a vector max instruction: NaN stays NaN, -0 becomes +0
        }
    }

    /** dx[i] = x[i] &gt; 0 ? dy[i] : 0 for i in [from, to). */
    public static void reluBackward(float[] x, float[] dy, float[] dx, int from, int to) {
        if (Simd.VECTOR) {
            VectorElementwise.reluBackward(x, dy, dx, from, to);
        } else {
            reluBackwardScalar(x, dy, dx, from, to);
        }
    }

    /** {@link #reluBackward} without the Vector API: the mask from the bits. */
    static void reluBackwardScalar(float[] x, float[] dy, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) {
            int b = Float.floatToRawIntBits(x[i]);
            dx[i] = Float.intBitsToFloat(Float.floatToRawIntBits(dy[i]) & positiveMask(b));
        }
    }

    /** All ones when the float with bits b is &gt; 0 (0 &lt; b &le; 0x7F800000 as an int), else 0. */
    private static int positiveMask(int b) {
        // b >> 31: -1 for a set sign bit (negative numbers, -0, negative NaNs);
        // (0x7F800000 - b) >> 31: -1 above +infinity (positive NaNs); (b - 1) >> 31: -1 for +0
        return ~((b >> 31) | ((0x7F800000 - b) >> 31) | ((b - 1) >> 31));
    }

    /** The plain version of {@link #relu}: the oracle of the tests. */
    public static void reluReference(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] = x[i] > 0 || Float.isNaN(x[i]) ? x[i] : 0f;
        }
    }

    /** The plain version of {@link #reluBackward}: the oracle of the tests. */
    public static void reluBackwardReference(float[] x, float[] dy, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) {
            dx[i] = x[i] > 0 ? dy[i] : 0f;
        }
    }

    /**
     * The index of the first NaN or infinity in x[from .. to), or -1 when every number is finite: the check on every
     * input of {@code predict} and of a training batch. With the Vector API it looks at a vector of floats at a time
     * ({@link VectorElementwise#firstNonFinite}: x - x is 0 for a finite x and NaN otherwise, and the block's sum of
     * those is NaN exactly when the block holds a non-finite number); without it, a number at a time.
     */
    public static int firstNonFinite(float[] x, int from, int to) {
        return Simd.VECTOR ? VectorElementwise.firstNonFinite(x, from, to) : firstNonFiniteScalar(x, from, to);
    }

    /** {@link #firstNonFinite} a number at a time. */
    static int firstNonFiniteScalar(float[] x, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Float.isFinite(x[i])) {
                return i;
            }
        }
        return -1;
    }

    /*
     * Sums in double with four running sums (terms i, i+4, i+8, ... in the first; i+1, i+5, ... in the second, and so
     * on), added as (s0 + s1) + (s2 + s3) at the end and then the last length mod 4 terms in order. One running sum is
     * a chain of dependent additions, each waiting for the one before (about 4 cycles); four chains run side by side.
     * The order depends only on the length, so the result is the same on every run and thread count.
     */

    /** The sum of x[from .. to), in double. */
    public static double sum(float[] x, int from, int to) {
        return Simd.VECTOR ? VectorElementwise.sum(x, from, to) : sumScalar(x, from, to);
    }

    /** {@link #sum} without the Vector API: four running sums in double. */
    static double sumScalar(float[] x, int from, int to) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
        }
        double total = (s0 + s1) + (s2 + s3);
        for (; i < to; i++) {
            total += x[i];
        }
        return total;
    }

    /** The sum of (x[i] - mean)^2 over i in [from, to), in double. */
    public static double squaredDeviations(float[] x, int from, int to, double mean) {
        return Simd.VECTOR ? VectorElementwise.squaredDeviations(x, from, to, mean)
                : squaredDeviationsScalar(x, from, to, mean);
    }

    /** {@link #squaredDeviations} without the Vector API: four running sums in double. */
    static double squaredDeviationsScalar(float[] x, int from, int to, double mean) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            double d0 = x[i] - mean;
            double d1 = x[i + 1] - mean;
            double d2 = x[i + 2] - mean;
            double d3 = x[i + 3] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        double total = (s0 + s1) + (s2 + s3);
        for (; i < to; i++) {
            double d = x[i] - mean;
            total += d * d;
        }
        return total;
    }

    /** The sum of a[i] * b[i] over i in [from, to), products and sums in double. */
    public static double dot(float[] a, float[] b, int from, int to) {
        return Simd.VECTOR ? VectorElementwise.dot(a, b, from, to) : dotScalar(a, b, from, to);
    }

    /**
     * {@link #sum}(a) into {@code out[0]} and {@link #dot}(a, b) into {@code out[1]}: the same bits as the two calls
     * (with the Vector API in one pass over a, for batch norm's backward pass).
     */
    public static void sumAndDot(float[] a, float[] b, int from, int to, double[] out) {
        if (Simd.VECTOR) {
            VectorElementwise.sumAndDot(a, b, from, to, out);
        } else {
            out[0] = sumScalar(a, from, to);
            out[1] = dotScalar(a, b, from, to);
        }
    }

    /*
     * Batch norm without a stored xhat. Its forward pass computed, per channel, h = x * inv + shift in float (inv and
     * shift rounded once from double); the passes below compute the same h again from x, with the same two float
     * operations, so they see the same bits a stored copy would hold, and the forward pass writes one array instead
     * of two. "relu" means a ReLU follows the batch norm and is computed here too: y = max(gamma * h + beta, 0), and
     * its derivative, dy where gamma * h + beta > 0 and 0 elsewhere (a NaN gets 0), as ReLU's own passes do.
     */

    /**
     * y[i] = gamma * h + beta with h = x[i] * inv + shift, or max(that, 0) when {@code relu}, for i in [from, to):
     * batch norm's training output (and the ReLU after it).
     */
    public static void normalize(float[] x, float[] y, int from, int to, float inv, float shift, float gamma,
                                 float beta, boolean relu) {
        if (relu) {
            for (int i = from; i < to; i++) {
                float h = x[i] * inv + shift;
                y[i] = Math.max(gamma * h + beta, 0f);
            }
        } else {
            for (int i = from; i < to; i++) {
                float h = x[i] * inv + shift;
                y[i] = gamma * h + beta;
            }
        }
    }

    /**
     * The ReLU's derivative after batch norm, applied to dy: g[gFrom + i - from] = dy[i] where gamma * h + beta &gt; 0,
     * else 0 (a NaN gets 0), with h = x[i] * inv + shift, for i in [from, to). Batch norm's backward pass writes g of
     * one plane into a small buffer and passes it to {@link #normalizedSums}.
     */
    public static void normalizedReluBackward(float[] dy, float[] x, int from, int to, float inv, float shift,
                                              float gamma, float beta, float[] g, int gFrom) {
        if (Simd.VECTOR) {
            VectorElementwise.normalizedReluBackward(dy, x, from, to, inv, shift, gamma, beta, g, gFrom);
        } else {
            normalizedReluBackwardScalar(dy, x, from, to, inv, shift, gamma, beta, g, gFrom);
        }
    }

    /** {@link #normalizedReluBackward} without the Vector API: the mask from the bits, as in {@link #reluBackward}. */
    static void normalizedReluBackwardScalar(float[] dy, float[] x, int from, int to, float inv, float shift,
                                             float gamma, float beta, float[] g, int gFrom) {
        for (int i = from; i < to; i++) {
            float h = x[i] * inv + shift;
            int out = Float.floatToRawIntBits(gamma * h + beta);
            g[gFrom + i - from] = Float.intBitsToFloat(Float.floatToRawIntBits(dy[i]) & positiveMask(out));
        }
    }

    /**
     * Batch norm's two backward sums over i in [from, to) with h = x[i] * inv + shift recomputed, and g[gFrom + i -
     * from] the gradient at the batch norm's output (dy, or dy through the ReLU after it, from
     * {@link #normalizedReluBackward}): {@code out[0]} = sum g, {@code out[1]} = sum g * h, with the bits of
     * {@link #sumAndDot}(g, h).
     */
    public static void normalizedSums(float[] g, int gFrom, float[] x, int from, int to, float inv, float shift,
                                      double[] out) {
        if (Simd.VECTOR) {
            VectorElementwise.normalizedSums(g, gFrom, x, from, to, inv, shift, out);
        } else {
            normalizedSumsScalar(g, gFrom, x, from, to, inv, shift, out);
        }
    }

    /** {@link #normalizedSums} without the Vector API: the four running sums of {@link #sum} and {@link #dot}. */
    static void normalizedSumsScalar(float[] g, int gFrom, float[] x, int from, int to, float inv, float shift,
                                     double[] out) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double d0 = 0;
        double d1 = 0;
        double d2 = 0;
        double d3 = 0;
        int i = from;
        int j = gFrom;
        for (; i + 4 <= to; i += 4, j += 4) {
            float h0 = x[i] * inv + shift;
            float h1 = x[i + 1] * inv + shift;
            float h2 = x[i + 2] * inv + shift;
            float h3 = x[i + 3] * inv + shift;
            s0 += g[j];
            s1 += g[j + 1];
            s2 += g[j + 2];
            s3 += g[j + 3];
            d0 += (double) g[j] * h0;
            d1 += (double) g[j + 1] * h1;
            d2 += (double) g[j + 2] * h2;
            d3 += (double) g[j + 3] * h3;
        }
        double sum = (s0 + s1) + (s2 + s3);
        double dot = (d0 + d1) + (d2 + d3);
        for (; i < to; i++, j++) {
            float h = x[i] * inv + shift;
            sum += g[j];
            dot += (double) g[j] * h;
        }
        out[0] = sum;
        out[1] = dot;
    }

    /** dy, or when {@code relu} the ReLU's derivative applied to it: dy where gamma * h + beta &gt; 0, else 0. */
    private static float masked(float dy, float h, float gamma, float beta, boolean relu) {
        return !relu || gamma * h + beta > 0 ? dy : 0f;
    }

    /**
     * Batch norm's input gradient: dx[i] = a * g + b * h + d for i in [from, to), with h and g as in
     * {@link #normalizedSums} (the coefficients a, b, d per channel from the two sums).
     */
    public static void normalizedGradient(float[] dy, float[] x, float[] dx, int from, int to, float inv,
                                          float shift, float gamma, float beta, boolean relu, float a, float b,
                                          float d) {
        if (relu && Simd.VECTOR) {
            VectorElementwise.normalizedGradient(dy, x, dx, from, to, inv, shift, gamma, beta, a, b, d);
        } else if (relu) {
            for (int i = from; i < to; i++) {
                float h = x[i] * inv + shift;
                dx[i] = a * masked(dy[i], h, gamma, beta, true) + b * h + d;
            }
        } else {
            for (int i = from; i < to; i++) {
                float h = x[i] * inv + shift;
                dx[i] = a * dy[i] + b * h + d;
            }
        }
    }

    /** {@link #dot} without the Vector API: four running sums in double. */
    static double dotScalar(float[] a, float[] b, int from, int to) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            s0 += (double) a[i] * b[i];
            s1 += (double) a[i + 1] * b[i + 1];
            s2 += (double) a[i + 2] * b[i + 2];
            s3 += (double) a[i + 3] * b[i + 3];
        }
        double total = (s0 + s1) + (s2 + s3);
        for (; i < to; i++) {
            total += (double) a[i] * b[i];
        }
        return total;
    }
}
