package io.github.jcnn.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * The branch-free ReLU kernels give bit for bit what the plain ternaries give, for every kind of float; the
 * four-sum reductions agree with the plain loops within double rounding.
 */
class ElementwiseProperties {

    private static final float[] SPECIAL = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        Float.intBitsToFloat(0xFFC00000), Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0x7FFFFFFF),
        Float.intBitsToFloat(0xFFFFFFFF)};

    @Property
    void reluAgreesWithTheReferenceBitForBit(@ForAll float[] x, @ForAll float seed) {
        float[] dy = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            dy[i] = seed * (i + 1);
        }
        check(x, dy);
    }

    /**
     * The first NaN or infinity of a range, or -1: the vector blocks and the plain loop against a loop over
     * Float.isFinite, with one to three special values at random places (or none) in ranges that start and end
     * anywhere, across block boundaries.
     */
    @Property(tries = 500)
    void firstNonFiniteFindsTheFirst(@ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 5000) int length,
                                     @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 3) int specials,
                                     @ForAll long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) (random.nextDouble() * 2e38 - 1e38);
        }
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7F800001)};
        for (int k = 0; k < specials && length > 0; k++) {
            x[random.nextInt(length)] = bad[random.nextInt(bad.length)];
        }
        int from = length == 0 ? 0 : random.nextInt(length + 1);
        int to = from + (length == from ? 0 : random.nextInt(length - from + 1));
        int expected = -1;
        for (int i = from; i < to && expected < 0; i++) {
            if (!Float.isFinite(x[i])) {
                expected = i;
            }
        }
        assertThat(Elementwise.firstNonFinite(x, from, to)).isEqualTo(expected);
        assertThat(Elementwise.firstNonFiniteScalar(x, from, to)).isEqualTo(expected);
    }

    @Test
    void specialValues() {
        float[] dy = new float[SPECIAL.length];
        java.util.Arrays.fill(dy, -2.5f);
        check(SPECIAL, dy);
        float[] x = new float[SPECIAL.length];
        java.util.Arrays.fill(x, 3f);
        check(x, SPECIAL);   // dy's specials pass through where x > 0
    }

    @Test
    void everySignAndExponentPattern() {
        float[] x = new float[1 << 16];
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.intBitsToFloat((i << 16) | (i & 0xFFFF));   // high bits sweep sign, exponent, mantissa top
        }
        float[] dy = new float[x.length];
        java.util.Arrays.fill(dy, 0.5f);
        check(x, dy);
    }

    private static void check(float[] x, float[] dy) {
        int n = x.length;
        float[] fast = new float[n];
        float[] plain = new float[n];
        Elementwise.relu(x, fast, 0, n);
        Elementwise.reluReference(x, plain, 0, n);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).as("relu(%s)", x[i])
                    .isEqualTo(Float.floatToRawIntBits(plain[i]));
        }
        Elementwise.reluBackward(x, dy, fast, 0, n);
        Elementwise.reluBackwardReference(x, dy, plain, 0, n);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).as("relu'(%s) * %s", x[i], dy[i])
                    .isEqualTo(Float.floatToRawIntBits(plain[i]));
        }
        Elementwise.reluBackwardScalar(x, dy, fast, 0, n);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).as("scalar relu'(%s) * %s", x[i], dy[i])
                    .isEqualTo(Float.floatToRawIntBits(plain[i]));
        }
    }

    @Property
    void reductionsAgreeWithThePlainLoops(@ForAll @net.jqwik.api.constraints.Size(max = 300) float[] raw,
                                          @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 7) int skip) {
        float[] x = new float[raw.length];
        float[] y = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            x[i] = Float.isFinite(raw[i]) ? raw[i] % 1000f : 1f;
            y[i] = (i % 7) - 3.25f;
        }
        int from = Math.min(skip, x.length);
        double sum = 0;
        double dot = 0;
        double absolute = 0;
        for (int i = from; i < x.length; i++) {
            sum += x[i];
            dot += (double) x[i] * y[i];
            absolute += Math.abs(x[i]) * 4;
        }
        double mean = x.length > from ? sum / (x.length - from) : 0;
        double squares = 0;
        for (int i = from; i < x.length; i++) {
            squares += (x[i] - mean) * (x[i] - mean);
        }
        double tolerance = 1e-12 * (1 + absolute * absolute);
        assertThat(Elementwise.sum(x, from, x.length)).isCloseTo(sum, org.assertj.core.data.Offset.offset(tolerance));
        assertThat(Elementwise.dot(x, y, from, x.length)).isCloseTo(dot, org.assertj.core.data.Offset.offset(tolerance));
        assertThat(Elementwise.squaredDeviations(x, from, x.length, mean))
                .isCloseTo(squares, org.assertj.core.data.Offset.offset(tolerance));
        // both paths, whichever one this JVM uses: the four scalar sums and (with the Vector API) the vector sums
        assertThat(Elementwise.sumScalar(x, from, x.length)).isCloseTo(sum, org.assertj.core.data.Offset.offset(tolerance));
        assertThat(Elementwise.dotScalar(x, y, from, x.length)).isCloseTo(dot, org.assertj.core.data.Offset.offset(tolerance));
        assertThat(Elementwise.squaredDeviationsScalar(x, from, x.length, mean))
                .isCloseTo(squares, org.assertj.core.data.Offset.offset(tolerance));
        // the fused pass: exactly the bits of the two reductions, on both paths
        double[] both = new double[2];
        Elementwise.sumAndDot(x, y, from, x.length, both);
        assertThat(both[0]).isEqualTo(Elementwise.sum(x, from, x.length));
        assertThat(both[1]).isEqualTo(Elementwise.dot(x, y, from, x.length));
        if (Simd.VECTOR) {
            VectorElementwise.sumAndDot(x, y, from, x.length, both);
            assertThat(both[0]).isEqualTo(VectorElementwise.sum(x, from, x.length));
            assertThat(both[1]).isEqualTo(VectorElementwise.dot(x, y, from, x.length));
            assertThat(VectorElementwise.sum(x, from, x.length))
                    .isCloseTo(sum, org.assertj.core.data.Offset.offset(tolerance));
            assertThat(VectorElementwise.dot(x, y, from, x.length))
                    .isCloseTo(dot, org.assertj.core.data.Offset.offset(tolerance));
            assertThat(VectorElementwise.squaredDeviations(x, from, x.length, mean))
                    .isCloseTo(squares, org.assertj.core.data.Offset.offset(tolerance));
        }
    }

    /**
     * The vector reductions' order of additions, written out with arrays: lane l of two running sums takes x[i + l]
     * and x[i + N + l] per step of 2N, the lanes of their sum are added in order, then the rest one by one. The
     * vector code must give exactly these bits (it is how they stay the same on every run and for any thread count).
     */
    @Property(tries = 300)
    void vectorReductionsAddInTheirDocumentedOrder(@ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 200)
                                                   int length,
                                                   @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 40)
                                                   int skip,
                                                   @ForAll long seed) {
        net.jqwik.api.Assume.that(Simd.VECTOR);
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        float[] x = new float[length];
        float[] y = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) (random.nextDouble() * 200 - 100);
            y[i] = (float) (random.nextDouble() * 2 - 1);
        }
        int from = Math.min(skip, length);
        double mean = 0.37;
        int n = VectorElementwise.doubleLanes();
        double[][] sums = new double[3][2 * n];            // sum, dot, squares: lanes of s0, then of s1
        int i = from;
        for (; i + 2 * n <= length; i += 2 * n) {
            for (int l = 0; l < 2 * n; l++) {
                double d = x[i + l] - mean;
                sums[0][l] += x[i + l];
                sums[1][l] = Math.fma((double) x[i + l], (double) y[i + l], sums[1][l]);
                sums[2][l] = Math.fma(d, d, sums[2][l]);
            }
        }
        double[] total = new double[3];
        for (int k = 0; k < 3; k++) {
            for (int l = 0; l < n; l++) {
                total[k] += sums[k][l] + sums[k][n + l];
            }
        }
        for (; i < length; i++) {
            total[0] += x[i];
            total[1] += (double) x[i] * y[i];
            double d = x[i] - mean;
            total[2] += d * d;
        }
        assertThat(VectorElementwise.sum(x, from, length)).isEqualTo(total[0]);
        assertThat(VectorElementwise.dot(x, y, from, length)).isEqualTo(total[1]);
        assertThat(VectorElementwise.squaredDeviations(x, from, length, mean)).isEqualTo(total[2]);
    }

    /**
     * Batch norm's passes that compute xhat again from x (and a ReLU's derivative after it) give the bits of the
     * plain passes over a stored xhat and a stored masked dy, on both paths, ReLU or not, for any length and start.
     */
    @Property(tries = 300)
    void normalizedPassesGiveTheBitsOfPassesOverAStoredXhat(
            @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 200) int length,
            @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 7) int skip, @ForAll boolean relu,
            @ForAll long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        float[] x = new float[length + skip];
        float[] dy = new float[length + skip];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 3 + 1);
            dy[i] = (float) random.nextGaussian();
        }
        if (x.length > 3 && random.nextInt(3) == 0) {
            x[random.nextInt(x.length)] = Float.NaN;        // a NaN gets no gradient through the ReLU
        }
        float inv = (float) (0.2 + random.nextDouble());
        float shift = (float) random.nextGaussian();
        float gamma = (float) random.nextGaussian();
        float beta = (float) random.nextGaussian();
        if (random.nextInt(3) == 0) {                       // the ReLU's input exactly 0 (or -0): no gradient
            shift = 0;
            beta = 0;
            for (int i = 0; i < x.length; i += 3) {
                x[i] = random.nextBoolean() ? 0f : -0f;
            }
        }
        float a = (float) random.nextGaussian();
        float b = (float) random.nextGaussian();
        float d = (float) random.nextGaussian();
        int from = skip;
        int to = x.length;
        float[] h = new float[x.length];
        float[] g = new float[x.length];
        float[] y = new float[x.length];
        float[] dx = new float[x.length];
        for (int i = from; i < to; i++) {
            h[i] = x[i] * inv + shift;                                   // what the forward pass computed
            float out = gamma * h[i] + beta;
            y[i] = relu ? Math.max(out, 0f) : out;
            g[i] = relu ? (out > 0 ? dy[i] : 0f) : dy[i];                // ReLU's backward on its input
            dx[i] = a * g[i] + b * h[i] + d;
        }
        float[] actual = new float[x.length];
        Elementwise.normalize(x, actual, from, to, inv, shift, gamma, beta, relu);
        assertBits(actual, y);
        Elementwise.normalizedGradient(dy, x, actual, from, to, inv, shift, gamma, beta, relu, a, b, d);
        assertBits(actual, dx);
        float[] gated = dy;
        int gFrom = from;
        if (relu) {                                     // into a buffer of its own, as batch norm does
            gated = new float[length + 3];
            gFrom = 3;
            Elementwise.normalizedReluBackward(dy, x, from, to, inv, shift, gamma, beta, gated, gFrom);
            assertBits(java.util.Arrays.copyOfRange(gated, gFrom, gFrom + length),
                    java.util.Arrays.copyOfRange(g, from, to));
            float[] scalar = new float[length + 3];
            Elementwise.normalizedReluBackwardScalar(dy, x, from, to, inv, shift, gamma, beta, scalar, gFrom);
            assertBits(scalar, gated);
        }
        double[] sums = new double[2];
        Elementwise.normalizedSumsScalar(gated, gFrom, x, from, to, inv, shift, sums);
        assertThat(Double.doubleToLongBits(sums[0])).isEqualTo(Double.doubleToLongBits(Elementwise.sumScalar(g, from, to)));
        assertThat(Double.doubleToLongBits(sums[1]))
                .isEqualTo(Double.doubleToLongBits(Elementwise.dotScalar(g, h, from, to)));
        if (Simd.VECTOR) {
            double[] plain = new double[2];
            VectorElementwise.normalizedSums(gated, gFrom, x, from, to, inv, shift, sums);
            VectorElementwise.sumAndDot(g, h, from, to, plain);
            assertThat(Double.doubleToLongBits(sums[0])).isEqualTo(Double.doubleToLongBits(plain[0]));
            assertThat(Double.doubleToLongBits(sums[1])).isEqualTo(Double.doubleToLongBits(plain[1]));
        }
    }

    /** copyRows (vector moves for widths of whole vectors, arraycopy otherwise) copies exactly the rows asked for. */
    @Property(tries = 200)
    void copyRowsCopiesEachRowAndNothingElse(@ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 70) int width,
                                             @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 6) int rows,
                                             @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 9) int gap,
                                             @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 5) int offset,
                                             @ForAll boolean wholeVectors) {
        if (wholeVectors) {
            width = 16 * (1 + width % 4);        // 16 .. 64: the vector path on AVX-512, and on AVX2 (8 floats)
        }
        int srcStride = width + gap;
        int dstStride = width + 2 * gap + 1;
        float[] src = new float[offset + rows * srcStride + 1];
        for (int i = 0; i < src.length; i++) {
            src[i] = i + 0.5f;
        }
        float[] actual = new float[offset + rows * dstStride + 3];
        java.util.Arrays.fill(actual, -1f);
        float[] expected = actual.clone();
        for (int r = 0; r < rows; r++) {
            System.arraycopy(src, offset + r * srcStride, expected, 2 + r * dstStride, width);
        }
        Elementwise.copyRows(src, offset, srcStride, actual, 2, dstStride, rows, width);
        assertBits(actual, expected);
    }

    private static void assertBits(float[] actual, float[] expected) {
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("[%d]: %s against %s", i, actual[i], expected[i])
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    @Test
    void reductionsOfAHandWorkedCase() {
        float[] x = {1, 2, 3, 4, 5, 6, 7};
        assertThat(Elementwise.sum(x, 0, 7)).isEqualTo(28.0);
        assertThat(Elementwise.sum(x, 2, 7)).isEqualTo(25.0);
        assertThat(Elementwise.squaredDeviations(x, 0, 7, 4.0)).isEqualTo(28.0);   // 9+4+1+0+1+4+9
        assertThat(Elementwise.dot(x, x, 0, 7)).isEqualTo(140.0);                  // 1+4+9+16+25+36+49
    }
}
