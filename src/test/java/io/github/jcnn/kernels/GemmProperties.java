package io.github.jcnn.kernels;

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

/** The blocked GEMM against the triple loop, for all four transpose variants, odd sizes, offsets and strides. */
class GemmProperties {

    @Provide
    Arbitrary<Integer> sizes() {
        // odd sizes, sizes around the micro-kernel's 4 rows, and sizes past the 256 blocks
        return Arbitraries.of(1, 2, 3, 4, 5, 7, 8, 17, 33, 65, 100, 257, 300);
    }

    private static float[] random(int size, SplittableRandom random) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return a;
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
        Gemm.multiplyRows(m, n, k, a, offset, lda, rows, c, offset, ldc);
        GemmReference.multiply(false, false, m, n, k, a, offset, lda, b, 0, n, expected, offset, ldc);
        Gemm.multiply(false, false, m, n, k, a, offset, lda, b, 0, n, packed, offset, ldc);
        // same products added in the same order p = 0..k-1: the same bits as the triple loop and as multiply
        assertThat(c).containsExactly(expected);
        assertThat(packed).containsExactly(expected);
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
        GemmReference.multiply(false, false, m, n, k, a, 3, k, b, 0, n, expected, 5, n + 2);
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
        GemmReference.multiply(false, true, m, n, k, a, 0, k, b, 0, k, reference, 0, n);
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
