package io.github.jcnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row transforms of {@link WinogradRows} written with explicit SIMD vectors (the JDK's incubating Vector API), L
 * columns at a time; used under the same condition as {@link VectorGemm} (see {@link Simd}), without the module never
 * loaded. Each number is the same one or two additions as in the plain loops, so the same bits.
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
}
