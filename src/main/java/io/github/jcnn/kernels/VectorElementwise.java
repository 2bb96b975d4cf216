package io.github.jcnn.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The reductions and the ReLU derivative of {@link Elementwise} written with explicit SIMD vectors (the JDK's
 * incubating Vector API), used under the same condition as {@link VectorGemm} (see {@link Simd}); without the module
 * this class is never loaded.
 *
 * <p>The reductions sum in double, as the plain loops do, but D doubles at a time (D = 8 with AVX-512): the floats
 * are widened to doubles in the vector registers, and two vector sums run side by side,
 * <pre>
 *   s0 += x[i .. i+D-1],  s1 += x[i+D .. i+2D-1],  i += 2D;   then  total = lanes of (s0 + s1) in order + the rest
 * </pre>
 * about ten times the plain loop's speed on batch norm's per-channel sums. The order of additions depends only on
 * {@code from} and {@code to}: the same bits on every run and for any thread count. The lanes are added one by one
 * in order at the end (not with {@code reduceLanes}, whose order the API leaves open).
 *
 * <p>The loops call the API directly, with no helper of this class taking or returning a vector: C2 keeps a vector in
 * registers only when it inlines every call the vector passes through, and past its budget of nodes per method it
 * still inlines the API's own methods but not ours (a helper of 27 bytes was refused so on JDK 25, and the loop's
 * running sums became heap objects, megabytes of garbage per training step).
 *
 * <p>Inside a loop a running vector is always the argument of an operation, never the object it is called on:
 * {@code s0 = v0.add(s0)}, not {@code s0 = s0.add(v0)} (the same bits: a floating-point addition does not depend on
 * the order of its two operands). C2 reads a loop's body before it has seen the value a running vector gets at the
 * end of the body, so all it knows of {@code s0} there is "some DoubleVector"; to call {@code s0.add} it then needs
 * the receiver class the running program recorded at that call. A method compiled without that record (C2 compiles
 * from a thin profile when its queue was long while the method warmed up; {@code -XX:TypeProfileWidth=0} does it to
 * every method) could not inline the call, the vector operations fell back to Java objects, and a {@code vgg}
 * training step allocated 170 to 400 MB. A fresh vector ({@code v0}, just converted) has an exact class without any
 * record.
 */
final class VectorElementwise {

    /*
     * One float vector of the machine's width (the GEMM's species: a second float shape would make the JIT compile
     * the GEMM's vector stores less well) holds 2N floats; its halves widen to two vectors of N doubles.
     */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int N = D.length();

    private VectorElementwise() {
    }

    /** N: the doubles in one vector, the floats each running sum takes per step. */
    static int doubleLanes() {
        return N;
    }

    /** Floats per block of {@link #firstNonFinite}, looked at again one by one when it holds a non-finite one. */
    private static final int FINITE_BLOCK = 1024;

    /**
     * {@link Elementwise#firstNonFinite} by blocks of {@value #FINITE_BLOCK} floats: per block, two running vector
     * sums of x - x (0 for a finite x, NaN for a NaN or an infinity), and when a lane of them is NaN, the block
     * again one float at a time for the index.
     */
    static int firstNonFinite(float[] x, int from, int to) {
        int l = F.length();
        for (int start = from; start < to; start += FINITE_BLOCK) {
            int end = Math.min(to, start + FINITE_BLOCK);
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            int i = start;
            for (; i + 2 * l <= end; i += 2 * l) {
                FloatVector a = FloatVector.fromArray(F, x, i);
                FloatVector b = FloatVector.fromArray(F, x, i + l);
                s0 = a.sub(a).add(s0);
                s1 = b.sub(b).add(s1);
            }
            boolean bad = s0.add(s1).compare(VectorOperators.NE, 0f).anyTrue();
            for (; i < end && !bad; i++) {
                bad = !Float.isFinite(x[i]);
            }
            if (bad) {
                return Elementwise.firstNonFiniteScalar(x, start, end);
            }
        }
        return -1;
    }

    /** The sum of x[from .. to), in double. */
    static double sum(float[] x, int from, int to) {
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = DoubleVector.zero(D);
        int i = from;
        for (; i + 2 * N <= to; i += 2 * N) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            DoubleVector v0 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector v1 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
            s0 = v0.add(s0);
            s1 = v1.add(s1);
        }
        DoubleVector totalLanes = s0.add(s1);
        double total = 0;
        for (int l = 0; l < N; l++) {
            total += totalLanes.lane(l);
        }
        for (; i < to; i++) {
            total += x[i];
        }
        return total;
    }

    /** The sum of (x[i] - mean)^2 over i in [from, to), in double. */
    static double squaredDeviations(float[] x, int from, int to, double mean) {
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = DoubleVector.zero(D);
        int i = from;
        for (; i + 2 * N <= to; i += 2 * N) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            DoubleVector d0 = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).sub(mean);
            DoubleVector d1 = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).sub(mean);
            s0 = d0.fma(d0, s0);
            s1 = d1.fma(d1, s1);
        }
        DoubleVector totalLanes = s0.add(s1);
        double total = 0;
        for (int l = 0; l < N; l++) {
            total += totalLanes.lane(l);
        }
        for (; i < to; i++) {
            double d = x[i] - mean;
            total += d * d;
        }
        return total;
    }

    /** The sum of a[i] * b[i] over i in [from, to), in double (each product of two floats is exact in double). */
    static double dot(float[] a, float[] b, int from, int to) {
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = DoubleVector.zero(D);
        int i = from;
        for (; i + 2 * N <= to; i += 2 * N) {
            FloatVector u = FloatVector.fromArray(F, a, i);
            FloatVector v = FloatVector.fromArray(F, b, i);
            DoubleVector u0 = (DoubleVector) u.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector u1 = (DoubleVector) u.convertShape(VectorOperators.F2D, D, 1);
            s0 = u0.fma((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0), s0);
            s1 = u1.fma((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1), s1);
        }
        DoubleVector totalLanes = s0.add(s1);
        double total = 0;
        for (int l = 0; l < N; l++) {
            total += totalLanes.lane(l);
        }
        for (; i < to; i++) {
            total += (double) a[i] * b[i];
        }
        return total;
    }

    /**
     * {@link #sum}(a) into {@code out[0]} and {@link #dot}(a, b) into {@code out[1]} in one pass over a: each with
     * exactly its own order of additions, so the same bits as the two calls; a is loaded and widened once.
     */
    static void sumAndDot(float[] a, float[] b, int from, int to, double[] out) {
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = DoubleVector.zero(D);
        DoubleVector d0 = DoubleVector.zero(D);
        DoubleVector d1 = DoubleVector.zero(D);
        int i = from;
        for (; i + 2 * N <= to; i += 2 * N) {
            FloatVector u = FloatVector.fromArray(F, a, i);
            FloatVector v = FloatVector.fromArray(F, b, i);
            DoubleVector u0 = (DoubleVector) u.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector u1 = (DoubleVector) u.convertShape(VectorOperators.F2D, D, 1);
            s0 = u0.add(s0);
            s1 = u1.add(s1);
            DoubleVector v0 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector v1 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
            d0 = u0.fma(v0, d0);
            d1 = u1.fma(v1, d1);
        }
        DoubleVector sumLanes = s0.add(s1);
        double sum = 0;
        for (int l = 0; l < N; l++) {
            sum += sumLanes.lane(l);
        }
        DoubleVector dotLanes = d0.add(d1);
        double dot = 0;
        for (int l = 0; l < N; l++) {
            dot += dotLanes.lane(l);
        }
        for (; i < to; i++) {
            sum += a[i];
            dot += (double) a[i] * b[i];
        }
        out[0] = sum;
        out[1] = dot;
    }

    /**
     * {@link Elementwise#normalizedSums}: the loop of {@link #sumAndDot} over g and h, h made in the registers from x
     * (h = x * inv + shift as two float operations, not a fused multiply-add). With a ReLU after the batch norm, g is
     * dy through its derivative, written to a small buffer by {@link #normalizedReluBackward} just before: round 25
     * did the ReLU's compare and blend inside this loop, and the loop was then big enough that C2 sometimes compiled
     * it with its vectors on the heap (megabytes of garbage per training step on JDK 25).
     */
    static void normalizedSums(float[] g, int gFrom, float[] x, int from, int to, float inv, float shift,
                               double[] out) {
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = DoubleVector.zero(D);
        DoubleVector d0 = DoubleVector.zero(D);
        DoubleVector d1 = DoubleVector.zero(D);
        FloatVector invs = FloatVector.broadcast(F, inv);
        FloatVector shifts = FloatVector.broadcast(F, shift);
        int i = from;
        int j = gFrom;
        for (; i + 2 * N <= to; i += 2 * N, j += 2 * N) {
            FloatVector h = FloatVector.fromArray(F, x, i).mul(invs).add(shifts);
            FloatVector v = FloatVector.fromArray(F, g, j);
            DoubleVector g0 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector g1 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
            s0 = g0.add(s0);
            s1 = g1.add(s1);
            DoubleVector h0 = (DoubleVector) h.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector h1 = (DoubleVector) h.convertShape(VectorOperators.F2D, D, 1);
            d0 = g0.fma(h0, d0);
            d1 = g1.fma(h1, d1);
        }
        DoubleVector sumLanes = s0.add(s1);
        double sum = 0;
        for (int l = 0; l < N; l++) {
            sum += sumLanes.lane(l);
        }
        DoubleVector dotLanes = d0.add(d1);
        double dot = 0;
        for (int l = 0; l < N; l++) {
            dot += dotLanes.lane(l);
        }
        for (; i < to; i++, j++) {
            float h = x[i] * inv + shift;
            sum += g[j];
            dot += (double) g[j] * h;
        }
        out[0] = sum;
        out[1] = dot;
    }

    /** {@link Elementwise#normalizedReluBackward}: a compare and a blend per vector, no branch. */
    static void normalizedReluBackward(float[] dy, float[] x, int from, int to, float inv, float shift, float gamma,
                                       float beta, float[] g, int gFrom) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector invs = FloatVector.broadcast(F, inv);
        FloatVector shifts = FloatVector.broadcast(F, shift);
        FloatVector gammas = FloatVector.broadcast(F, gamma);
        FloatVector betas = FloatVector.broadcast(F, beta);
        int i = from;
        int j = gFrom;
        for (; i + F.length() <= to; i += F.length(), j += F.length()) {
            FloatVector h = FloatVector.fromArray(F, x, i).mul(invs).add(shifts);
            zero.blend(FloatVector.fromArray(F, dy, i), h.mul(gammas).add(betas).compare(VectorOperators.GT, zero))
                    .intoArray(g, j);
        }
        for (; i < to; i++, j++) {
            float h = x[i] * inv + shift;
            g[j] = gamma * h + beta > 0 ? dy[i] : 0f;
        }
    }

    /** {@link Elementwise#normalizedGradient} with the ReLU's mask: dx = a * g + b * h + d, a blend for g. */
    static void normalizedGradient(float[] dy, float[] x, float[] dx, int from, int to, float inv, float shift,
                                   float gamma, float beta, float a, float b, float d) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector invs = FloatVector.broadcast(F, inv);
        FloatVector shifts = FloatVector.broadcast(F, shift);
        FloatVector gammas = FloatVector.broadcast(F, gamma);
        FloatVector betas = FloatVector.broadcast(F, beta);
        FloatVector as = FloatVector.broadcast(F, a);
        FloatVector bs = FloatVector.broadcast(F, b);
        FloatVector ds = FloatVector.broadcast(F, d);
        int i = from;
        for (; i + F.length() <= to; i += F.length()) {
            FloatVector h = FloatVector.fromArray(F, x, i).mul(invs).add(shifts);
            FloatVector g = zero.blend(FloatVector.fromArray(F, dy, i),
                    h.mul(gammas).add(betas).compare(VectorOperators.GT, zero));
            g.mul(as).add(h.mul(bs)).add(ds).intoArray(dx, i);
        }
        for (; i < to; i++) {
            float h = x[i] * inv + shift;
            float g = gamma * h + beta > 0 ? dy[i] : 0f;
            dx[i] = a * g + b * h + d;
        }
    }

    /** Whether {@link #copyRows} takes rows of this width: a whole number of vectors, at most four. */
    static boolean copiesRowsOf(int width) {
        return width > 0 && width % F.length() == 0 && width <= 4 * F.length();
    }

    /** {@link Elementwise#copyRows} for a width that {@link #copiesRowsOf}: plain vector loads and stores. */
    static void copyRows(float[] src, int srcOffset, int srcStride, float[] dst, int dstOffset, int dstStride,
                         int rows, int width) {
        int l = F.length();
        for (int r = 0; r < rows; r++) {
            int from = srcOffset + r * srcStride;
            int to = dstOffset + r * dstStride;
            for (int j = 0; j < width; j += l) {
                FloatVector.fromArray(F, src, from + j).intoArray(dst, to + j);
            }
        }
    }

    /** dx[i] = x[i] &gt; 0 ? dy[i] : 0 for i in [from, to): a compare and a blend per vector, no branch. */
    static void reluBackward(float[] x, float[] dy, float[] dx, int from, int to) {
        int i = from;
        FloatVector zero = FloatVector.zero(F);
        for (; i + F.length() <= to; i += F.length()) {
            VectorMask<Float> positive = FloatVector.fromArray(F, x, i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(F, dy, i), positive).intoArray(dx, i);
        }
        for (; i < to; i++) {
            dx[i] = x[i] > 0 ? dy[i] : 0f;
        }
    }
}
