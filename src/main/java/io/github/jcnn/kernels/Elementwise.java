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
        return Simd.VECTOR ? VectorElementwise.squaredDeviations(x, from, to, mean) : squaredDeviationsScalar(x, from, to, mean);
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
