package io.github.jcnn.kernels;

import static io.github.jcnn.kernels.RandomArrays.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The blocked GEMM against the triple loop, for all four transpose variants, odd sizes, offsets and strides. Both
 * implementations are checked bit for bit against the reference loop of their own rounding: the auto-vectorised loops
 * against {@link GemmReference#multiply}, the vector GEMM (when this JVM has it: the build passes
 * {@code --add-modules jdk.incubator.vector}) against {@link GemmReference#multiplyFused}.
 */
class GemmProperties {

    /** The reference whose bits {@link Gemm} gives in this JVM. */
    private static void reference(boolean transposeA, boolean transposeB, int m, int n, int k, float[] a, int aOffset,
                                  int lda, float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc) {
        if (Gemm.vectorized()) {
            GemmReference.multiplyFused(transposeA, transposeB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset,
                    ldc);
        } else {
            GemmReference.multiply(transposeA, transposeB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        }
    }

    @Provide
    Arbitrary<Integer> sizes() {
        // odd sizes, sizes around the micro-kernels' 3, 6 and 8 rows and 16 or 32 columns, and past the 256 blocks
        return Arbitraries.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 31, 32, 33, 65, 100, 257, 300, 513);
    }

    @Property(tries = 80)
    void agreesWithTheTripleLoop(@ForAll("sizes") int m, @ForAll("sizes") int n, @ForAll("sizes") int k,
                                 @ForAll boolean transposeA, @ForAll boolean transposeB,
                                 @ForAll @IntRange(min = 0, max = 3) int offset,
                                 @ForAll @IntRange(min = 0, max = 2) int extra,
                                 @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int aRows = transposeA ? k : m;
        int aCols = transposeA ? m : k;
        int bRows = transposeB ? n : k;
        int bCols = transposeB ? k : n;
        int lda = aCols + extra;
        int ldb = bCols + extra;
        int ldc = n + extra;
        float[] a = random(offset + aRows * lda, random);
        float[] b = random(offset + bRows * ldb, random);
        float[] c = random(offset + m * ldc, random);
        float[] expected = c.clone();
        Gemm.multiply(transposeA, transposeB, m, n, k, a, offset, lda, b, offset, ldb, c, offset, ldc);
        GemmReference.multiply(transposeA, transposeB, m, n, k, a, offset, lda, b, offset, ldb, expected, offset,
                ldc);
        for (int i = 0; i < c.length; i++) {
            assertThat(c[i]).as("element %d", i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f * (1 + (float) Math.sqrt(k))));
        }
        // and each implementation gives exactly the bits of the loop with its own rounding
        float[] start = random(offset + m * ldc, new SplittableRandom(seed + 1));
        float[] viaLoops = start.clone();
        float[] plain = start.clone();
        Gemm.multiplyLoops(transposeA, transposeB, m, n, k, a, offset, lda, b, offset, ldb, viaLoops, offset, ldc);
        GemmReference.multiply(transposeA, transposeB, m, n, k, a, offset, lda, b, offset, ldb, plain, offset, ldc);
        assertThat(viaLoops).containsExactly(plain);
        if (Gemm.vectorized()) {
            float[] viaVectors = start.clone();
            float[] fused = start.clone();
            Gemm.multiply(transposeA, transposeB, m, n, k, a, offset, lda, b, offset, ldb, viaVectors, offset, ldc);
            GemmReference.multiplyFused(transposeA, transposeB, m, n, k, a, offset, lda, b, offset, ldb, fused, offset,
                    ldc);
            assertThat(viaVectors).containsExactly(fused);
        }
    }

    @Property(tries = 60)
    void rowArraysGiveTheSameBitsAsTheTripleLoop(@ForAll("sizes") int m, @ForAll("sizes") int n,
                                                 @ForAll("sizes") int k,
                                                 @ForAll @IntRange(min = 0, max = 3) int offset,
                                                 @ForAll @IntRange(min = 0, max = 2) int extra,
                                                 @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int lda = k + extra;
        int ldc = n + extra;
        float[] a = random(offset + m * lda, random);
        float[][] rows = new float[k][];
        float[] b = new float[k * n];
        for (int p = 0; p < k; p++) {
            rows[p] = random(n + extra, random);
            System.arraycopy(rows[p], 0, b, p * n, n);
        }
        float[] c = random(offset + m * ldc, random);
        float[] expected = c.clone();
        float[] packed = c.clone();
        float[] loops = c.clone();
        Gemm.multiplyRows(m, n, k, a, offset, lda, rows, c, offset, ldc);
        reference(false, false, m, n, k, a, offset, lda, b, 0, n, expected, offset, ldc);
        Gemm.multiply(false, false, m, n, k, a, offset, lda, b, 0, n, packed, offset, ldc);
        // same products added in the same order p = 0..k-1: the same bits as the triple loop and as multiply
        assertThat(c).containsExactly(expected);
        assertThat(packed).containsExactly(expected);
        float[] plain = loops.clone();
        Gemm.multiplyRowsLoops(m, n, k, a, offset, lda, rows, loops, offset, ldc);
        GemmReference.multiply(false, false, m, n, k, a, offset, lda, b, 0, n, plain, offset, ldc);
        assertThat(loops).containsExactly(plain);
    }

    @Property(tries = 60)
    void oneRowTimesTransposedRowsGivesTheBitsOfTheProduct(@ForAll("sizes") int n, @ForAll("sizes") int k,
                                                          @ForAll @IntRange(min = 0, max = 3) int offset,
                                                          @ForAll @IntRange(min = 0, max = 2) int extra,
                                                          @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int ldw = k + extra;
        float[] x = random(offset + k, random);
        float[] w = random(offset + n * ldw, random);
        float[] y = random(offset + n, random);
        // what Dense computes for one image, against the packed product it replaces: the same bits
        float[] viaRows = y.clone();
        float[] viaProduct = y.clone();
        Gemm.multiplyTransposedVector(n, k, x, offset, w, offset, ldw, viaRows, offset);
        Gemm.multiply(false, true, 1, n, k, x, offset, k, w, offset, ldw, viaProduct, offset, n);
        assertThat(viaRows).containsExactly(viaProduct);
        // and both orders against the plain loops of their own rounding, whichever GEMM this JVM runs
        float[] fused = y.clone();
        float[] fusedReference = y.clone();
        Gemm.transposedVector(n, k, x, offset, w, offset, ldw, fused, offset, true);
        GemmReference.multiplyFused(false, true, 1, n, k, x, offset, k, w, offset, ldw, fusedReference, offset, n);
        assertThat(fused).containsExactly(fusedReference);
        float[] plain = y.clone();
        float[] plainReference = y.clone();
        Gemm.transposedVector(n, k, x, offset, w, offset, ldw, plain, offset, false);
        GemmReference.multiply(false, true, 1, n, k, x, offset, k, w, offset, ldw, plainReference, offset, n);
        assertThat(plain).containsExactly(plainReference);
    }

    @Property(tries = 40)
    void aPackedOnceGivesTheBitsOfPackingPerProduct(@ForAll("sizes") int m, @ForAll("sizes") int n,
                                                    @ForAll("sizes") int k,
                                                    @ForAll @IntRange(min = 0, max = 3) int offset,
                                                    @ForAll boolean accumulate,
                                                    @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] a = random(offset + m * k, random);
        float[] b = random(k * n, random);
        float[] c = random(m * n, random);
        float[] expected = c.clone();
        Gemm.multiply(false, m, n, k, a, offset, k, PanelSource.of(b, 0, n, 1), expected, 0, n, accumulate);
        float[] into = random(Gemm.packedSize(m, k) + 5, random);      // whatever was there before
        Gemm.Packed packed = Gemm.pack(m, k, a, offset, k, into);
        for (int product = 0; product < 2; product++) {                 // used twice: unchanged by use
            float[] viaPacked = c.clone();
            Gemm.multiply(packed, n, PanelSource.of(b, 0, n, 1), viaPacked, 0, n, accumulate);
            assertThat(viaPacked).containsExactly(expected);
        }
        // A written element by element straight into its packed layout (as Winograd's kernels are), over whatever
        // was in the array, a depth block at a time as packedIndex says: the same bits again
        float[] layout = random(Gemm.packedLayoutSize(m, k) + 5, random);
        int step = Gemm.packedDepthStep(m, k);
        int depthBlock = Gemm.packedDepthBlock(m, k);
        for (int i = 0; i < m; i++) {
            for (int p0 = 0; p0 < k; p0 += depthBlock) {
                int at = Gemm.packedIndex(m, k, i, p0);
                for (int p = p0; p < Math.min(k, p0 + depthBlock); p++, at += step) {
                    layout[at] = a[offset + i * k + p];
                }
            }
        }
        float[] viaLayout = c.clone();
        Gemm.multiply(Gemm.packed(m, k, layout), n, PanelSource.of(b, 0, n, 1), viaLayout, 0, n, accumulate);
        assertThat(viaLayout).as("A written into its packed layout").containsExactly(expected);
    }

    @Property(tries = 60)
    void rowArraysGiveTheBitsOfAFlatBPackedOrNotAddedOrNot(@ForAll @IntRange(min = 1, max = 17) int m,
                                                          @ForAll("sizes") int n, @ForAll("sizes") int k,
                                                          @ForAll boolean accumulate, @ForAll boolean prepacked,
                                                          @ForAll @IntRange(min = 0, max = 1000) int seed) {
        // few rows of A (the vector GEMM then reads B's row arrays where they lie) and more, against the same B
        // stored flat (its panels copied): the same bits, with A packed once or per product, C added to or not
        SplittableRandom random = new SplittableRandom(seed);
        float[] a = random(m * k, random);
        float[] b = random(k * n, random);
        float[][] rows = new float[k][];
        for (int p = 0; p < k; p++) {
            rows[p] = java.util.Arrays.copyOfRange(b, p * n, (p + 1) * n + 1);   // one float more than n
        }
        float[] c = random(m * n, random);
        float[] expected = c.clone();
        Gemm.multiply(false, m, n, k, a, 0, k, PanelSource.of(b, 0, n, 1), expected, 0, n, accumulate);
        float[] got = c.clone();
        if (prepacked) {
            Gemm.Packed packed = Gemm.pack(m, k, a, 0, k, new float[Gemm.packedSize(m, k)]);
            Gemm.multiply(packed, n, PanelSource.ofRows(rows), got, 0, n, accumulate);
        } else {
            Gemm.multiply(false, m, n, k, a, 0, k, PanelSource.ofRows(rows), got, 0, n, accumulate);
        }
        assertThat(got).containsExactly(expected);
    }

    @Test
    void rowArraysPastSeveralColumnAndDepthBlocks() {
        // n and k past multiplyRows' 512-column and 256-deep blocks, with offsets into A and C
        SplittableRandom random = new SplittableRandom(9);
        int m = 7;
        int n = 1100;
        int k = 600;
        float[] a = random(3 + m * k, random);
        float[][] rows = new float[k][];
        float[] b = new float[k * n];
        for (int p = 0; p < k; p++) {
            rows[p] = random(n, random);
            System.arraycopy(rows[p], 0, b, p * n, n);
        }
        float[] c = random(5 + m * (n + 2), random);
        float[] expected = c.clone();
        Gemm.multiplyRows(m, n, k, a, 3, k, rows, c, 5, n + 2);
        reference(false, false, m, n, k, a, 3, k, b, 0, n, expected, 5, n + 2);
        assertThat(c).containsExactly(expected);
    }

    @Test
    void blockingDoesNotChangeTheSumOrder() {
        // C's elements get their products in order p = 0..k-1 whatever block they fall in: computing a column range
        // of C alone gives the same bits as computing all of C (what thread-count independence rests on)
        SplittableRandom random = new SplittableRandom(5);
        int m = 7;
        int n = 300;
        int k = 513;
        float[] a = random(m * k, random);
        float[] b = random(n * k, random);
        float[] whole = new float[m * n];
        Gemm.multiply(false, true, m, n, k, a, 0, k, b, 0, k, whole, 0, n);
        float[] pieces = new float[m * n];
        Gemm.multiply(false, true, m, 131, k, a, 0, k, b, 0, k, pieces, 0, n);
        Gemm.multiply(false, true, m, n - 131, k, a, 0, k, b, 131 * k, k, pieces, 131, n);
        assertThat(pieces).containsExactly(whole);
        float[] reference = new float[m * n];
        reference(false, true, m, n, k, a, 0, k, b, 0, k, reference, 0, n);
        assertThat(whole).containsExactly(reference);
    }

    @Test
    void refusesMatricesThatDoNotFit() {
        float[] small = new float[5];
        assertThatThrownBy(() -> Gemm.multiply(false, false, 2, 2, 3, small, 0, 3, small, 0, 2, small, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit");
        assertThatThrownBy(() -> Gemm.multiply(false, false, 2, 3, 2, new float[9], 0, 2, new float[9], 0, 2,
                new float[9], 0, 2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leading");
    }
}
