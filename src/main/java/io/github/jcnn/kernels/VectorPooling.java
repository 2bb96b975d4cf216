package io.github.jcnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Pooling#maxPool2x2}'s windows eight at a time, with explicit SIMD vectors (the JDK's incubating Vector API),
 * used under the same condition as {@link VectorGemm} (see {@link Simd}); without the module this class is never
 * loaded.
 *
 * <p>Eight windows side by side lie in two rows of sixteen floats: a0 b0 a1 b1 ... a7 b7 on top, c0 d0 ... c7 d7
 * below. Each row is loaded as one vector and read as eight longs, each long holding one window's pair (the first
 * float in its low 32 bits, as in memory). Narrowing the longs to ints keeps the low halves: a0..a7; shifting them
 * right by 32 first gives b0..b7. The same for c and d. Then the scalar kernel's three comparisons, on eight windows
 * at once, each choosing rather than computing a maximum:
 * <pre>
 *   m1 = b &gt; a ? b : a       m2 = c &gt; m1 ? c : m1       y = d &gt; m2 ? d : m2
 * </pre>
 * y is one of the four inputs, bit for bit the one the reference loop picks (strict {@code >}: the first maximum
 * wins ties, a -0 before a +0 stays -0), and the winner's index is chosen by the same three comparisons. A NaN is
 * noticed through s - s, where s = a + b + c + d: it is NaN when one of the four is NaN (and, harmlessly, when one
 * is infinite or the sum overflows). A plane where that happens is redone with the reference loop, as the scalar
 * kernel does, so the results are the reference's for every input.
 *
 * <p>A row of eight windows or more ends with the eight windows that end it, which may overlap windows already done
 * (written again, the same numbers). A row of four to seven windows ({@code vgg}'s last pool: four; LeNet-5's
 * second: five) is done as eight windows all the same, the last ones running into the next row of windows, whose
 * outputs are written again when its turn comes; only the range's last plane, whose last row has no next row to
 * spill into, goes through the scalar kernel. Rows of fewer than four windows go through the scalar kernel.
 */
final class VectorPooling {

    private static final VectorSpecies<Float> PAIRS = FloatVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    /** Windows per step. */
    private static final int W = F.length();
    /** 0, 2, 4, ..., 14: where each window of a step starts, from the first. */
    private static final IntVector EVEN = IntVector.zero(I).addIndex(2);

    /**
     * Whether these kernels run here: the machine's vectors hold sixteen floats (AVX-512; on narrower ones the
     * scalar kernel stays), and a few planes of awkward numbers (ties, zeros of both signs) pool to the scalar
     * kernel's bits, with winners and without. No warm-up: the JIT compiles the kernel during the first batch
     * (LeNet-5's first pool makes 5,376 steps of eight windows for a chunk of 32 images), and making it compile here
     * cost about a second.
     */
    static final boolean WORKS = FloatVector.SPECIES_PREFERRED.length() >= PAIRS.length() && check();

    private VectorPooling() {
    }

    private static boolean check() {
        int planes = 3;
        int[][] sizes = {{6, 16}, {10, 10}, {5, 19}};   // rows of 8, 5 (spilling) and 9 (overlapping) windows
        boolean same = true;
        for (int[] size : sizes) {
            int height = size[0];
            int width = size[1];
            float[] x = new float[planes * height * width];
            for (int i = 0; i < x.length; i++) {
                x[i] = i % 11 == 0 ? -0f : i % 13 == 0 ? 0f : ((i * 7919) % 23 - 11) / 4f;
            }
            int outputs = planes * (height / 2) * (width / 2);
            float[] expected = new float[outputs];
            int[] expectedWhere = new int[outputs];
            Pooling.maxPool2x2Scalar(x, expected, expectedWhere, 0, planes, height, width);
            float[] y = new float[outputs];
            int[] where = new int[outputs];
            float[] values = new float[outputs];
            maxPool2x2(x, y, where, 0, planes, height, width);
            maxPool2x2(x, values, null, 0, planes, height, width);
            for (int o = 0; o < outputs; o++) {
                int bits = Float.floatToRawIntBits(expected[o]);
                same &= Float.floatToRawIntBits(y[o]) == bits && Float.floatToRawIntBits(values[o]) == bits
                        && where[o] == expectedWhere[o];
            }
        }
        return same;
    }

    private static FloatVector low(LongVector pairs) {
        return ((IntVector) pairs.convertShape(VectorOperators.L2I, I, 0)).reinterpretAsFloats();
    }

    private static FloatVector high(LongVector pairs) {
        return ((IntVector) pairs.lanewise(VectorOperators.LSHR, 32).convertShape(VectorOperators.L2I, I, 0))
                .reinterpretAsFloats();
    }

    /**
     * {@link Pooling#maxPool2x2} for planes [from, to): the same outputs and winners, bit for bit.
     *
     * @param argmax receives, for each output, the flat index into x of its window's (first) maximum; may be null
     */
    static void maxPool2x2(float[] x, float[] y, int[] argmax, int from, int to, int height, int width) {
        int outHeight = height / 2;
        int outWidth = width / 2;
        if (outWidth < W / 2 || outHeight == 0) {
            Pooling.maxPool2x2Scalar(x, y, argmax, from, to, height, width);
            return;
        }
        IntVector right = IntVector.broadcast(I, 1);
        IntVector below = IntVector.broadcast(I, width);
        IntVector belowRight = IntVector.broadcast(I, width + 1);
        // rows of fewer than eight windows spill into the next row, so the range's last plane, whose last row has
        // no next row in the range, goes through the scalar kernel (after the others: it writes over their spill)
        int vectorTo = outWidth < W ? to - 1 : to;
        for (int plane = from; plane < vectorTo; plane++) {
            int inBase = plane * height * width;
            float nanSum = 0;
            for (int i = 0; i < outHeight; i++) {
                int top = inBase + 2 * i * width;
                int out = (plane * outHeight + i) * outWidth;
                // a row of fewer than eight windows: eight anyway, the last ones spilling into the next row's
                // outputs (written again when that row's turn comes)
                int last = Math.max(outWidth - W, 0);
                FloatVector nan = FloatVector.zero(F);
                for (int j = 0; ; j += W) {
                    if (j > last) {
                        if (j == outWidth) {
                            break;
                        }
                        j = last;                          // the row's last eight windows, some done already
                    }
                    int p = top + 2 * j;
                    LongVector ab = FloatVector.fromArray(PAIRS, x, p).reinterpretAsLongs();
                    LongVector cd = FloatVector.fromArray(PAIRS, x, p + width).reinterpretAsLongs();
                    FloatVector a = low(ab);
                    FloatVector b = high(ab);
                    FloatVector c = low(cd);
                    FloatVector d = high(cd);
                    VectorMask<Float> gb = b.compare(VectorOperators.GT, a);
                    FloatVector m1 = a.blend(b, gb);
                    VectorMask<Float> gc = c.compare(VectorOperators.GT, m1);
                    FloatVector m2 = m1.blend(c, gc);
                    VectorMask<Float> gd = d.compare(VectorOperators.GT, m2);
                    FloatVector m3 = m2.blend(d, gd);
                    FloatVector sum = a.add(b).add(c).add(d);
                    // the running vector as the argument, not the receiver: see VectorElementwise
                    nan = sum.sub(sum).add(nan);
                    m3.intoArray(y, out + j);
                    if (argmax != null) {
                        IntVector offset = IntVector.zero(I).blend(right, gb.cast(I)).blend(below, gc.cast(I))
                                .blend(belowRight, gd.cast(I));
                        EVEN.add(p).add(offset).intoArray(argmax, out + j);
                    }
                    if (j == last) {
                        break;
                    }
                }
                nanSum += nan.reduceLanes(VectorOperators.ADD);
            }
            if (nanSum != nanSum) {
                Pooling.maxPool2x2Plane(x, y, argmax, plane, height, width);
            }
        }
        if (vectorTo < to) {
            Pooling.maxPool2x2Scalar(x, y, argmax, vectorTo, to, height, width);
        }
    }
}
