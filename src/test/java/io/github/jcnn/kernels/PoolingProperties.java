package io.github.jcnn.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The fast 2 x 2 max pool and the disjoint backward give bit for bit what the plain loops give: outputs, winners and
 * gradients, on random shapes (odd sizes too) and data full of ties, zeros of both signs, infinities and NaNs.
 */
class PoolingProperties {

    private static final float NEGATIVE_NAN = Float.intBitsToFloat(0xFFC00001);
    private static final float PAYLOAD_NAN = Float.intBitsToFloat(0x7F800123);
    private static final float[][] PALETTES = {
        {-1f, 0f, 1f},                                   // many exact ties
        {0f, -0f},                                       // ties between zeros of both signs
        {2f, -0f, 0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.MAX_VALUE, -Float.MIN_VALUE},
        {1f, 0f, -0f, Float.NaN, NEGATIVE_NAN, PAYLOAD_NAN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY},
    };

    /** kind 0: normal numbers; 1..4: drawn from {@link #PALETTES}; 5: normal with the odd NaN. */
    private static float[] data(int size, int kind, SplittableRandom random) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            if (kind == 0 || kind == 5) {
                a[i] = kind == 5 && random.nextInt(40) == 0 ? Float.NaN : (float) random.nextGaussian();
            } else {
                float[] palette = PALETTES[kind - 1];
                a[i] = palette[random.nextInt(palette.length)];
            }
        }
        return a;
    }

    /** A 2 x 2 max-pool kernel with {@link Pooling#maxPool2x2}'s signature. */
    private interface TwoByTwo {
        void pool(float[] x, float[] y, int[] argmax, int from, int to, int height, int width);
    }

    /**
     * The kernel {@link Pooling#maxPool2x2} chose, and each of the two it chooses from: the scalar one, and
     * {@link VectorPooling}'s (run here even on a machine where it is not chosen: its sixteen-float vectors then work,
     * slowly).
     */
    private static final TwoByTwo[] KERNELS = {Pooling::maxPool2x2, Pooling::maxPool2x2Scalar,
        VectorPooling::maxPool2x2};

    /**
     * Widths up to 40 (rows of up to twenty windows: eight at a time, the last eight overlapping those before, and
     * rows of four to seven windows, where the vector kernel writes past a row's end), pooling planes [from, to) of a
     * larger array: outputs outside the range must stay as they were.
     */
    @Property(tries = 500)
    void twoByTwoAgreesWithTheReferenceBitForBit(@ForAll @IntRange(min = 1, max = 4) int planes,
                                                 @ForAll @IntRange(min = 2, max = 12) int height,
                                                 @ForAll @IntRange(min = 2, max = 40) int width,
                                                 @ForAll @IntRange(min = 0, max = 5) int kind,
                                                 @ForAll @IntRange(min = 0, max = 4) int skipFirst,
                                                 @ForAll @IntRange(min = 0, max = 2) int skipLast,
                                                 @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int from = Math.min(skipFirst, planes - 1);
        int to = Math.max(from + 1, planes - skipLast);
        float[] x = data(planes * height * width, kind, random);
        int outputs = planes * (height / 2) * (width / 2);
        float[] garbage = data(outputs, 0, random);          // planes outside [from, to) must stay as they are
        float[] yPlain = garbage.clone();
        int[] wherePlain = new int[outputs];
        Pooling.maxPoolReference(x, yPlain, wherePlain, from, to, height, width, 2, 2);
        float[] dy = data(outputs, kind == 0 ? 1 : kind, random);   // gradients with ties, -0, NaN too
        int first = from * (height / 2) * (width / 2);                 // the outputs written above
        int end = to * (height / 2) * (width / 2);
        float[] dxPlain = new float[x.length];
        Pooling.maxPoolBackwardReference(dy, wherePlain, dxPlain, first, end);
        for (TwoByTwo kernel : KERNELS) {
            float[] yFast = garbage.clone();
            int[] whereFast = new int[outputs];
            kernel.pool(x, yFast, whereFast, from, to, height, width);
            assertSameBits(yFast, yPlain, "y");
            assertThat(whereFast).as("argmax").containsExactly(wherePlain);

            float[] yInference = garbage.clone();
            kernel.pool(x, yInference, null, from, to, height, width);
            assertSameBits(yInference, yPlain, "y without argmax");

            float[] dxFast = new float[x.length];
            Pooling.maxPoolBackwardDisjoint(dy, whereFast, dxFast, first, end);
            assertSameBits(dxFast, dxPlain, "dx");
        }
    }

    /** The disjoint backward agrees with the reference for every non-overlapping window and stride. */
    @Property(tries = 200)
    void disjointBackwardAgreesWithTheReference(@ForAll @IntRange(min = 1, max = 3) int planes,
                                                @ForAll @IntRange(min = 1, max = 3) int poolSize,
                                                @ForAll @IntRange(min = 0, max = 2) int extraStride,
                                                @ForAll @IntRange(min = 0, max = 6) int extraHeight,
                                                @ForAll @IntRange(min = 0, max = 6) int extraWidth,
                                                @ForAll @IntRange(min = 0, max = 5) int kind,
                                                @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int stride = poolSize + extraStride;
        int height = poolSize + extraHeight;
        int width = poolSize + extraWidth;
        float[] x = data(planes * height * width, kind, random);
        int outputs = planes * ((height - poolSize) / stride + 1) * ((width - poolSize) / stride + 1);
        int[] where = new int[outputs];
        Pooling.maxPoolReference(x, new float[outputs], where, 0, planes, height, width, poolSize, stride);
        float[] dy = data(outputs, kind, random);
        float[] dxFast = new float[x.length];
        float[] dxPlain = new float[x.length];
        Pooling.maxPoolBackwardDisjoint(dy, where, dxFast, 0, outputs);
        Pooling.maxPoolBackwardReference(dy, where, dxPlain, 0, outputs);
        assertSameBits(dxFast, dxPlain, "dx");
    }

    /** Every window of four numbers drawn from a small set of special values, one window per plane. */
    @Test
    void everyWindowOfSpecialValues() {
        float[] values = {0f, -0f, 1f, -1f, Float.NaN, NEGATIVE_NAN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY};
        int n = values.length;
        int planes = n * n * n * n;
        float[] x = new float[planes * 4];
        for (int plane = 0; plane < planes; plane++) {
            for (int e = 0, rest = plane; e < 4; e++, rest /= n) {
                x[plane * 4 + e] = values[rest % n];
            }
        }
        assertEveryKernelAgrees(x, planes, 2, 2);
    }

    /**
     * Every window of four numbers drawn from ties, zeros of both signs and the smallest subnormal, as one row of 1,296
     * windows: the vector kernel's comparisons themselves (a plane holding a NaN or an infinity is redone one window
     * at a time, so the test above does not reach them).
     */
    @Test
    void everyWindowOfFiniteSpecialValuesInOneRow() {
        float[] values = {0f, -0f, 1f, -1f, 2f, -Float.MIN_VALUE};
        int n = values.length;
        int windows = n * n * n * n;
        int width = 2 * windows;
        float[] x = new float[2 * width];
        for (int w = 0; w < windows; w++) {
            int rest = w;
            for (int e = 0; e < 4; e++, rest /= n) {
                x[(e / 2) * width + 2 * w + e % 2] = values[rest % n];
            }
        }
        assertEveryKernelAgrees(x, 1, 2, width);
    }

    private static void assertEveryKernelAgrees(float[] x, int planes, int height, int width) {
        int outputs = planes * (height / 2) * (width / 2);
        float[] yPlain = new float[outputs];
        int[] wherePlain = new int[outputs];
        Pooling.maxPoolReference(x, yPlain, wherePlain, 0, planes, height, width, 2, 2);
        for (TwoByTwo kernel : KERNELS) {
            float[] yFast = new float[outputs];
            int[] whereFast = new int[outputs];
            kernel.pool(x, yFast, whereFast, 0, planes, height, width);
            assertSameBits(yFast, yPlain, "y");
            assertThat(whereFast).containsExactly(wherePlain);
            float[] yInference = new float[outputs];
            kernel.pool(x, yInference, null, 0, planes, height, width);
            assertSameBits(yInference, yPlain, "y without argmax");
        }
    }

    @Test
    void theFirstMaximumWinsAndKeepsItsSignAndAnyNanWinsAsInPyTorch() {
        float[] x = {-0f, 0f, 0f, -1f,    1f, 1f, 1f, 1f,    -3f, -2f, -1f, -1f,    Float.NaN, 5f, 6f, 7f,
            1f, Float.NaN, 2f, 3f,    NEGATIVE_NAN, 1f, Float.NaN, 9f,    Float.POSITIVE_INFINITY, PAYLOAD_NAN, 0f, 0f};
        int windows = 7;
        for (boolean fast : new boolean[] {true, false}) {
            float[] y = new float[windows];
            int[] where = new int[windows];
            if (fast) {
                Pooling.maxPool2x2(x, y, where, 0, windows, 2, 2);
            } else {
                Pooling.maxPoolReference(x, y, where, 0, windows, 2, 2, 2, 2);
            }
            // PyTorch's indices (max_pool2d with return_indices): the last NaN of a window wins
            assertThat(where).containsExactly(0, 4, 10, 12, 17, 22, 25);
            assertThat(Float.floatToRawIntBits(y[0])).isEqualTo(Float.floatToRawIntBits(-0f));
            assertThat(y[3]).isNaN();
            assertThat(y[4]).isNaN();   // [1, NaN, 2, 3] gives NaN, not 3
            assertThat(Float.floatToRawIntBits(y[5])).isEqualTo(Float.floatToRawIntBits(Float.NaN));
            assertThat(Float.floatToRawIntBits(y[6])).isEqualTo(Float.floatToRawIntBits(PAYLOAD_NAN));
            float[] inference = new float[windows];
            if (fast) {
                Pooling.maxPool2x2(x, inference, null, 0, windows, 2, 2);
                assertSameBits(inference, y, "y without argmax");
            }
        }
    }

    @Test
    void overlappingWindowsPropagateNanLikePyTorch() {
        // PyTorch: max_pool2d([[1, NaN, 2], [3, NaN, 0]], 2, stride=1) = [NaN, NaN] with indices [4, 4]
        float[] x = {1f, Float.NaN, 2f, 3f, Float.NaN, 0f};
        float[] y = new float[2];
        int[] where = new int[2];
        Pooling.maxPoolReference(x, y, where, 0, 1, 2, 3, 2, 1);
        assertThat(y[0]).isNaN();
        assertThat(y[1]).isNaN();
        assertThat(where).containsExactly(4, 4);
        float[] dx = new float[6];
        Pooling.maxPoolBackwardReference(new float[] {1f, 2f}, where, dx, 0, 2);
        assertThat(dx).containsExactly(0f, 0f, 0f, 0f, 3f, 0f);
    }

    private static void assertSameBits(float[] actual, float[] expected, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("%s[%d]: %s vs %s in %s", what, i, actual[i],
                    expected[i], Arrays.toString(expected)).isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }
}
