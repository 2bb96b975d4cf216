package io.github.jcnn.kernels;

/**
 * The plain triple loop of matrix multiplication, the oracle {@link Gemm} is tested against.
 * <pre>
 *   C[i][j] += sum_p op(A)[i][p] * op(B)[p][j]       i &lt; m, j &lt; n, p &lt; k
 * </pre>
 * Same arguments as {@link Gemm#multiply}: row-major matrices inside flat arrays, given by an offset and a leading
 * dimension (the distance between the starts of two rows); {@code op(A)} is A or its transpose.
 */
public final class GemmReference {

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
}
