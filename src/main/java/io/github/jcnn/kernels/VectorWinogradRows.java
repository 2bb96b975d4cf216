package io.github.jcnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row transforms of {@link WinogradRows} written with explicit SIMD vectors (the JDK's incubating Vector API), L
 * columns at a time; used under the same condition as {@link VectorGemm} (see {@link Simd}), without the module never
 * loaded. Each number is the same one or two additions as in the plain loops, so the same bits.
 *
 * <p>One vector shape only, the preferred one that every other vector kernel uses, even where rows are short (8
 * floats on an 8x8 map, left to the loops). A second shape (8-float vectors for those rows, tried) loads a second
 * vector class, the JDK's shared vector methods then see two classes at their call sites, and C2 compiled the GEMM's
 * and the copies' loads and stores to the Vector API's scalar fallback: `vgg` trained about 15% slower. Two tile
 * rows in one vector (blends, a shuffle and a scalar store per T_k row; tried for those 8x8 maps) made one method so
 * large that C2 stopped inlining inside it (its node budget): the vectors became heap objects, megabytes of garbage
 * per training step.
 */
final class VectorWinogradRows {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorWinogradRows() {
    }

    /** {@link WinogradRows#inputRow}: L columns at a time, the last few by the loop. */
    static int inputRow(float[] a0, int o0, float[] a1, int o1, float[] a2, int o2, float[] a3, int o3, float[] t,
                        int t0, int t1, int t2, int t3, int width) {
        int j = 0;
        for (; j + L <= width; j += L) {
            FloatVector d1 = FloatVector.fromArray(S, a1, o1 + j);
            FloatVector d2 = FloatVector.fromArray(S, a2, o2 + j);
            FloatVector.fromArray(S, a0, o0 + j).sub(d2).intoArray(t, t0 + j);
            d1.add(d2).intoArray(t, t1 + j);
            d2.sub(d1).intoArray(t, t2 + j);
            d1.sub(FloatVector.fromArray(S, a3, o3 + j)).intoArray(t, t3 + j);
        }
        return j;
    }

    /** {@link WinogradRows#outputRows}: L columns at a time, the last few by the loop. */
    static int outputRows(float[] m, int m0, int m1, int m2, int m3, float bias, float[] y, int y0, int y1,
                          int width) {
        FloatVector b = FloatVector.broadcast(S, bias);
        int j = 0;
        for (; j + L <= width; j += L) {
            FloatVector v1 = FloatVector.fromArray(S, m, m1 + j);
            FloatVector v2 = FloatVector.fromArray(S, m, m2 + j);
            FloatVector.fromArray(S, m, m0 + j).add(v1).add(v2).add(b).intoArray(y, y0 + j);
            if (y1 >= 0) {
                v1.sub(v2).sub(FloatVector.fromArray(S, m, m3 + j)).add(b).intoArray(y, y1 + j);
            }
        }
        return j;
    }

    /** {@link WinogradColumns4#inputRows}: L columns at a time, the last few by the loop. */
    static int inputRows6(float[] a0, int o0, float[] a1, int o1, float[] a2, int o2, float[] a3, int o3, float[] a4,
                          int o4, float[] a5, int o5, float[] t, int to, int kStride, int count) {
        int j = 0;
        for (; j + L <= count; j += L) {
            FloatVector d0 = FloatVector.fromArray(S, a0, o0 + j);
            FloatVector d1 = FloatVector.fromArray(S, a1, o1 + j);
            FloatVector d2 = FloatVector.fromArray(S, a2, o2 + j);
            FloatVector d3 = FloatVector.fromArray(S, a3, o3 + j);
            FloatVector d4 = FloatVector.fromArray(S, a4, o4 + j);
            FloatVector e = d4.sub(d2);
            FloatVector h = d1.sub(d3).mul(2f);
            d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(t, to + j);
            d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(t, to + kStride + j);
            d1.sub(d2).mul(4f).add(d4.sub(d3)).intoArray(t, to + 2 * kStride + j);
            e.sub(h).intoArray(t, to + 3 * kStride + j);
            e.add(h).intoArray(t, to + 4 * kStride + j);
            d1.mul(4f).sub(d3.mul(5f)).add(FloatVector.fromArray(S, a5, o5 + j)).intoArray(t, to + 5 * kStride + j);
        }
        return j;
    }

    /** {@link WinogradColumns4#gradientRows}: L columns at a time, the last few by the loop. */
    static int gradientRows4(float[] a0, int o0, float[] a1, int o1, float[] a2, int o2, float[] a3, int o3,
                             float[] z, int to, int kStride, int count) {
        int j = 0;
        for (; j + L <= count; j += L) {
            FloatVector e0 = FloatVector.fromArray(S, a0, o0 + j);
            FloatVector e1 = FloatVector.fromArray(S, a1, o1 + j);
            FloatVector e2 = FloatVector.fromArray(S, a2, o2 + j);
            FloatVector e3 = FloatVector.fromArray(S, a3, o3 + j);
            FloatVector s = e0.add(e2);
            FloatVector h = e1.add(e3);
            FloatVector p = e0.add(e2.mul(4f));
            FloatVector q = e1.mul(2f).add(e3.mul(8f));
            e0.intoArray(z, to + j);
            s.add(h).intoArray(z, to + kStride + j);
            s.sub(h).intoArray(z, to + 2 * kStride + j);
            p.add(q).intoArray(z, to + 3 * kStride + j);
            p.sub(q).intoArray(z, to + 4 * kStride + j);
            e3.intoArray(z, to + 5 * kStride + j);
        }
        return j;
    }

    /** {@link WinogradColumns4#outputRows} of four rows: L columns at a time, the last few by the loop. */
    static int outputRows6(float[] m, int m0, int kStride, float bias, float[] y, int y0, int width) {
        FloatVector b = FloatVector.broadcast(S, bias);
        int j = 0;
        for (; j + L <= width; j += L) {
            FloatVector v1 = FloatVector.fromArray(S, m, m0 + kStride + j);
            FloatVector v2 = FloatVector.fromArray(S, m, m0 + 2 * kStride + j);
            FloatVector v3 = FloatVector.fromArray(S, m, m0 + 3 * kStride + j);
            FloatVector v4 = FloatVector.fromArray(S, m, m0 + 4 * kStride + j);
            FloatVector sum = v1.add(v2);
            FloatVector difference = v1.sub(v2);
            FloatVector p = v3.add(v4);
            FloatVector q = v3.sub(v4);
            FloatVector.fromArray(S, m, m0 + j).add(sum).add(p).add(b).intoArray(y, y0 + j);
            difference.add(q.mul(2f)).add(b).intoArray(y, y0 + width + j);
            sum.add(p.mul(4f)).add(b).intoArray(y, y0 + 2 * width + j);
            difference.add(q.mul(8f)).add(FloatVector.fromArray(S, m, m0 + 5 * kStride + j)).add(b)
                    .intoArray(y, y0 + 3 * width + j);
        }
        return j;
    }
}
