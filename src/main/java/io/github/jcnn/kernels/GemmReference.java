package io.github.jcnn.kernels;

/**
 * The plain triple loop of matrix multiplication, the oracle {@link Gemm} is tested against.
 * <pre>
 *   C[i][j] += sum_p op(A)[i][p] * op(B)[p][j]       i &lt; m, j &lt; n, p &lt; k
 * </pre>
 * Same arguments as {@link Gemm#multiply}: row-major matrices inside flat arrays, given by an offset and a leading
 * dimension (the distance between the starts of two rows); {@code op(A)} is A or its transpose.
 *
 * <p>Two orders of rounding, one per implementation of {@link Gemm}: {@link #multiply} multiplies, rounds, adds and
 * rounds, term by term (the auto-vectorised loops give exactly its bits); {@link #multiplyFused} sums each block of
 * {@value #FUSED_DEPTH_BLOCK} terms with fused multiply-adds (one rounding per term) and then adds the block's sum to
 * C (the vector GEMM gives exactly its bits).
 */
public final class GemmReference {

    /** Depths per block of {@link #multiplyFused}, the vector GEMM's KC. */
    public static final int FUSED_DEPTH_BLOCK = 256;

    private GemmReference() {
    }

    /** C (m x n) += op(A) (m x k) &middot; op(B) (k x n), summing over p in order 0..k-1. See {@link Gemm#multiply}. */
    public static void multiply(boolean transposeA, boolean transposeB, int m, int n, int k,
                                float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                                float[] c, int cOffset, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = c[cOffset + i * ldc + j];
                for (int p = 0; p < k; p++) {
                    float aip = transposeA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
                    float bpj = transposeB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
                    sum += aip * bpj;
                }
                c[cOffset + i * ldc + j] = sum;
            }
        }
    }

    /**
     * C += op(A) &middot; op(B) in the vector GEMM's order: for each block of {@value #FUSED_DEPTH_BLOCK} depths in
     * turn, {@code s = 0; s = fma(A[i][p], B[p][j], s)} for p in the block in order, then {@code C[i][j] += s}.
     */
    public static void multiplyFused(boolean transposeA, boolean transposeB, int m, int n, int k,
                                     float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                                     float[] c, int cOffset, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float value = c[cOffset + i * ldc + j];
                for (int p0 = 0; p0 < k; p0 += FUSED_DEPTH_BLOCK) {
                    float sum = 0f;
                    for (int p = p0; p < Math.min(k, p0 + FUSED_DEPTH_BLOCK); p++) {
                        float aip = transposeA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
                        float bpj = transposeB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
                        sum = Math.fma(aip, bpj, sum);
                    }
                    value += sum;
                }
                c[cOffset + i * ldc + j] = value;
            }
        }
    }
}
