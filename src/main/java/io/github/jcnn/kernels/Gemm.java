package io.github.jcnn.kernels;

/**
 * Single-precision matrix multiplication (GEMM): the fast path of every convolution and dense layer.
 * <pre>
 *   C (m x n)  +=  op(A) (m x k) . op(B) (k x n)         op(X) = X or its transpose X^T
 *
 *   Conv2D:  forward   Y     (F x OH*OW)  += W (F x CKK)  . cols (CKK x OH*OW)
 *            backward  dW    (F x CKK)    += dY (F x OH*OW) . cols^T        (WeightGradient, PaddedWide)
 *                      dcols (CKK x OH*OW) = W^T . dY                       (then col2im)
 * </pre>
 * Two implementations, chosen once per run ({@link #implementation()}): {@link VectorGemm}, explicit SIMD with a
 * register-blocked micro-kernel and fused multiply-adds, when the JVM was started with
 * {@code --add-modules jdk.incubator.vector}; otherwise the loops below, written so that the JIT compiler turns
 * them into SIMD instructions itself. Each gives exactly the bits of its plain reference loop in
 * {@link GemmReference} ({@code multiplyFused} and {@code multiply}), on any thread count.
 *
 * <p>Matrices are row-major inside flat {@code float[]} arrays, given by an offset (where element [0][0] is) and a
 * leading dimension (how far apart two rows start), as in BLAS. The product is <em>added</em> to C.
 *
 * <h2>How the loops are fast</h2>
 * The loop order is i-p-j: for each row i of C and each p, add A[i][p] times row p of B to row i of C. The inner
 * loop {@code c[j] += a * b[j]} runs over consecutive floats and is what the HotSpot C2 compiler vectorises
 * (8 or 16 floats per instruction). It does so reliably only when both arrays are indexed from 0 by the loop
 * variable itself: with row offsets into one big array ({@code c[cRow + j] += a * b[bRow + j]}) it cannot prove
 * the rows do not overlap and stays scalar (measured: 3.5-6.5 against 16-31 GFLOP/s on JDK 17). Why: C2's superword
 * pass builds a dependence graph between the loop's stores and loads of {@code float[]} elements; two addresses whose
 * loop-invariant parts differ ({@code cRow} vs {@code bRow}, possibly the same array) are "not comparable", so it must
 * assume that the store of iteration j may feed the load of iteration j+1, and it refuses to pack them into vectors.
 * With identical index expressions ({@code c0[j]}, {@code b0[j]}) the two can only meet within one iteration: no
 * loop-carried dependence, and the loop is vectorised. (Check: {@code -XX:-UseSuperWord} makes the kernels several
 * times slower; see docs/performance.md.) So:
 * <ol>
 *   <li>a block of B (up to {@value #DEPTH_BLOCK} rows by {@value #COLUMN_BLOCK} columns, about 256 KB, so it stays in
 *       the L2 cache) is copied ("packed") into separate row arrays indexed from 0, transposing it on the way when
 *       op(B) = B<sup>T</sup>;</li>
 *   <li>three rows of C at a time are copied into three small arrays and updated with two rows of the packed block
 *       per pass (each b[j] loaded once and used three times, each c[j] loaded and stored once per two products:
 *       register blocking), then copied back; the last one or two rows go by the same scheme with fewer rows.
 *       Measured on the packed kernel (Zen 3, JDK 17): 3 x 2 ~50, 2 x 2 ~40, 3 x 1 ~28, 4 x 1 ~27 GFLOP/s;
 *       4 x 4 and 2 x 4 are no longer vectorised by JDK 17's C2.</li>
 * </ol>
 * Each element of C receives its k products one after the other, in order p = 0, 1, ..., k-1, exactly as in
 * {@link GemmReference} (Java never fuses a multiply and an add): the result does not depend on the blocking or on
 * which rows or columns a thread was given, which is what makes training bit-identical across thread counts.
 *
 * <p>Scratch space is per thread (a {@link ThreadLocal}), so concurrent calls from different threads are safe and
 * repeated calls do not allocate. The method itself is single-threaded; callers parallelise over images or over
 * blocks of C with {@link Parallel}.
 */
public final class Gemm {

    /** Rows of B packed at once (the depth of one block). */
    static final int DEPTH_BLOCK = 256;
    /** Columns of B and C handled at once. */
    static final int COLUMN_BLOCK = 256;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    /** Per thread, the source {@link #multiplyRows} points at its B. */
    private static final ThreadLocal<PanelSource.Rows> ROWS = ThreadLocal.withInitial(PanelSource.Rows::new);

    /** Per-thread scratch: a packed block of B and three rows of C (grown for {@link #multiplyRows}). */
    private static final class Workspace {
        final float[][] packedB = new float[DEPTH_BLOCK][COLUMN_BLOCK];
        float[] c0 = new float[COLUMN_BLOCK];
        float[] c1 = new float[COLUMN_BLOCK];
        float[] c2 = new float[COLUMN_BLOCK];

        void ensureRows(int length) {
            if (c0.length < length) {
                c0 = new float[length];
                c1 = new float[length];
                c2 = new float[length];
            }
        }
    }

    private Gemm() {
    }

    /**
     * Which implementation computes the products in this JVM, in words: the vector GEMM when the JVM was started with
     * {@code --add-modules jdk.incubator.vector}, else the auto-vectorised loops (and why). See {@link Simd}.
     *
     * @return for example {@code "vector GEMM (jdk.incubator.vector, 16 floats per vector)"}
     */
    public static String implementation() {
        return Simd.description();
    }

    /**
     * The columns of C that the product computes together, one panel (two vectors with the Vector API, else 1): a
     * product n columns wide does the work of a whole number of panels, so a caller free to choose n (a block of a
     * larger product) wastes nothing when n is a multiple of this.
     */
    static int panelColumns() {
        return Simd.VECTOR ? VectorGemm.panelColumns() : 1;
    }

    /** Whether the vector GEMM is in use (see {@link #implementation()}). */
    public static boolean vectorized() {
        return Simd.VECTOR;
    }

    /**
     * C (m x n) += op(A) (m x k) &middot; op(B) (k x n).
     *
     * @param transposeA false: A is stored m x k (element [i][p] at {@code a[aOffset + i*lda + p]});
     *                   true: A is stored k x m and op(A) = A<sup>T</sup> (element [i][p] at
     *                   {@code a[aOffset + p*lda + i]})
     * @param transposeB false: B is stored k x n ({@code b[bOffset + p*ldb + j]}); true: B is stored n x k
     *                   ({@code b[bOffset + j*ldb + p]})
     * @param m          rows of C
     * @param n          columns of C
     * @param k          the length of the sums
     * @param a          the array holding A
     * @param aOffset    where A[0][0] is
     * @param lda        the leading dimension of A as stored
     * @param b          the array holding B
     * @param bOffset    where B[0][0] is
     * @param ldb        the leading dimension of B as stored
     * @param c          the array holding C, updated in place
     * @param cOffset    where C[0][0] is
     * @param ldc        the leading dimension of C
     * @throws IllegalArgumentException if a size is negative or a matrix does not fit in its array
     */
    public static void multiply(boolean transposeA, boolean transposeB, int m, int n, int k,
                                float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                                float[] c, int cOffset, int ldc) {
        checkMatrix("A", a, aOffset, transposeA ? k : m, transposeA ? m : k, lda);
        checkMatrix("B", b, bOffset, transposeB ? n : k, transposeB ? k : n, ldb);
        checkMatrix("C", c, cOffset, m, n, ldc);
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        // element op(A)[i][p] is at a[aOffset + i * aRowStep + p * aDepthStep]
        int aRowStep = transposeA ? 1 : lda;
        int aDepthStep = transposeA ? lda : 1;
        if (Simd.VECTOR) {
            VectorGemm.multiply(m, n, k, a, aOffset, aRowStep, aDepthStep,
                    PanelSource.of(b, bOffset, transposeB ? 1 : ldb, transposeB ? ldb : 1), c, cOffset, ldc, true);
        } else {
            multiplyLoops(transposeA, transposeB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        }
    }

    /**
     * y (n) += W (n x k) &middot; x (k), that is y[j] += sum over p of x[p] * W[j][p]: the product
     * {@code multiply(false, true, 1, n, k, x, xOffset, k, w, wOffset, ldw, y, yOffset, n)} computes, with the same
     * order of additions and so the same bits, but with each row of W read where it lies instead of packed. One image
     * through a large dense layer is this product (VGG-16's first dense layer has 25,088 x 4,096 weights): it reads
     * every weight once, and packing W for a one-row product would cost as much as the product itself.
     *
     * <p>Each y[j] is one running sum down row j of W, eight rows side by side. With the vector GEMM the sum is its
     * chain per block of {@value GemmReference#FUSED_DEPTH_BLOCK} depths, {@code s = fma(x[p], W[j][p], s)} from 0,
     * then {@code y[j] += s}; with the loops, {@code y[j] += x[p] * W[j][p]} one product at a time. Those are the two
     * GEMMs' orders, so a sample gives the same numbers alone as in a batch.
     *
     * @param n       rows of W, elements of y
     * @param k       columns of W, elements of x
     * @param x       the array holding x, x[p] at {@code x[xOffset + p]}
     * @param w       the array holding W, W[j][p] at {@code w[wOffset + j*ldw + p]}
     * @param y       the array holding y, y[j] at {@code y[yOffset + j]}, updated in place
     * @throws IllegalArgumentException if a size is negative or a vector or W does not fit in its array
     */
    public static void multiplyTransposedVector(int n, int k, float[] x, int xOffset, float[] w, int wOffset,
                                                int ldw, float[] y, int yOffset) {
        checkMatrix("x", x, xOffset, 1, k, k);
        checkMatrix("W", w, wOffset, n, k, ldw);
        checkMatrix("y", y, yOffset, 1, n, n);
        if (n == 0 || k == 0) {
            return;
        }
        transposedVector(n, k, x, xOffset, w, wOffset, ldw, y, yOffset, Simd.VECTOR);
    }

    /**
     * {@link #multiplyTransposedVector} in the vector GEMM's order ({@code fused}) or the loops' order, whatever
     * {@link Simd} chose; sizes already checked.
     */
    static void transposedVector(int n, int k, float[] x, int xOffset, float[] w, int wOffset, int ldw, float[] y,
                                 int yOffset, boolean fused) {
        int block = fused ? GemmReference.FUSED_DEPTH_BLOCK : k;
        // eight rows at a time, each read through all its blocks of depths before the next eight: W streams from
        // memory once, eight rows side by side. With the blocks outside (every block visiting every row), each 1 KB
        // read was on another page: VGG-16's 25,088 x 4,096 layer took 65 instead of 22 ms on one core. Each y[j]
        // still gets its blocks' sums in order, so the same bits.
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            for (int p0 = 0; p0 < k; p0 += block) {
                int p1 = Math.min(k, p0 + block);
                if (fused) {
                    eightRowsFused(x, xOffset, p0, p1, w, wOffset + j * ldw, ldw, y, yOffset + j);
                } else {
                    eightRows(x, xOffset, p0, p1, w, wOffset + j * ldw, ldw, y, yOffset + j);
                }
            }
        }
        for (; j < n; j++) {
            int row = wOffset + j * ldw;
            for (int p0 = 0; p0 < k; p0 += block) {
                int p1 = Math.min(k, p0 + block);
                if (fused) {
                    float s = 0f;
                    for (int p = p0; p < p1; p++) {
                        s = Math.fma(x[xOffset + p], w[row + p], s);
                    }
                    y[yOffset + j] += s;
                } else {
                    float s = y[yOffset + j];
                    for (int p = p0; p < p1; p++) {
                        s += x[xOffset + p] * w[row + p];
                    }
                    y[yOffset + j] = s;
                }
            }
        }
    }

    /** Eight rows of {@link #multiplyTransposedVector} over depths p0 .. p1 - 1 in the vector GEMM's order. */
    private static void eightRowsFused(float[] x, int xo, int p0, int p1, float[] w, int wo, int ldw, float[] y,
                                       int yo) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        float s4 = 0f;
        float s5 = 0f;
        float s6 = 0f;
        float s7 = 0f;
        for (int p = p0; p < p1; p++) {
            float xp = x[xo + p];
            int at = wo + p;
            s0 = Math.fma(xp, w[at], s0);
            s1 = Math.fma(xp, w[at + ldw], s1);
            s2 = Math.fma(xp, w[at + 2 * ldw], s2);
            s3 = Math.fma(xp, w[at + 3 * ldw], s3);
            s4 = Math.fma(xp, w[at + 4 * ldw], s4);
            s5 = Math.fma(xp, w[at + 5 * ldw], s5);
            s6 = Math.fma(xp, w[at + 6 * ldw], s6);
            s7 = Math.fma(xp, w[at + 7 * ldw], s7);
        }
        y[yo] += s0;
        y[yo + 1] += s1;
        y[yo + 2] += s2;
        y[yo + 3] += s3;
        y[yo + 4] += s4;
        y[yo + 5] += s5;
        y[yo + 6] += s6;
        y[yo + 7] += s7;
    }

    /** Eight rows of {@link #multiplyTransposedVector} over depths p0 .. p1 - 1 in the loops' order. */
    private static void eightRows(float[] x, int xo, int p0, int p1, float[] w, int wo, int ldw, float[] y, int yo) {
        float s0 = y[yo];
        float s1 = y[yo + 1];
        float s2 = y[yo + 2];
        float s3 = y[yo + 3];
        float s4 = y[yo + 4];
        float s5 = y[yo + 5];
        float s6 = y[yo + 6];
        float s7 = y[yo + 7];
        for (int p = p0; p < p1; p++) {
            float xp = x[xo + p];
            int at = wo + p;
            s0 += xp * w[at];
            s1 += xp * w[at + ldw];
            s2 += xp * w[at + 2 * ldw];
            s3 += xp * w[at + 3 * ldw];
            s4 += xp * w[at + 4 * ldw];
            s5 += xp * w[at + 5 * ldw];
            s6 += xp * w[at + 6 * ldw];
            s7 += xp * w[at + 7 * ldw];
        }
        y[yo] = s0;
        y[yo + 1] = s1;
        y[yo + 2] = s2;
        y[yo + 3] = s3;
        y[yo + 4] = s4;
        y[yo + 5] = s5;
        y[yo + 6] = s6;
        y[yo + 7] = s7;
    }

    /**
     * C (m x n) = C + op(A) (m x k) &middot; B (k x n), or 0 + op(A) &middot; B when {@code accumulate} is false (C's
     * old values are not read), with B written block by block by {@code b}: for a convolution, straight from the
     * image ({@link Im2Col#columns}), never laid out in full. Same order of additions as {@link #multiply}.
     *
     * @param transposeA as in {@link #multiply}
     * @param a          the array holding A, element op(A)[i][p] as in {@link #multiply}
     * @param b          writes the blocks of B
     * @param accumulate true to add to C, false to overwrite it
     * @throws IllegalArgumentException if a size is negative or A or C does not fit in its array
     */
    public static void multiply(boolean transposeA, int m, int n, int k, float[] a, int aOffset, int lda,
                                PanelSource b, float[] c, int cOffset, int ldc, boolean accumulate) {
        checkMatrix("A", a, aOffset, transposeA ? k : m, transposeA ? m : k, lda);
        checkMatrix("C", c, cOffset, m, n, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        int aRowStep = transposeA ? 1 : lda;
        int aDepthStep = transposeA ? lda : 1;
        if (Simd.VECTOR && k > 0) {
            VectorGemm.multiply(m, n, k, a, aOffset, aRowStep, aDepthStep, b, c, cOffset, ldc, accumulate);
            return;
        }
        if (!accumulate) {
            for (int i = 0; i < m; i++) {
                Elementwise.fill(c, cOffset + i * ldc, cOffset + i * ldc + n, 0f);
            }
        }
        Workspace ws = WORKSPACE.get();
        float[][] packed = ws.packedB;
        int columnBlocks = (n + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
        for (int block = 0; block < columnBlocks; block++) {
            int j0 = Parallel.start(n, columnBlocks, block);
            int width = Parallel.start(n, columnBlocks, block + 1) - j0;
            for (int p0 = 0; p0 < k; p0 += DEPTH_BLOCK) {
                int depth = Math.min(DEPTH_BLOCK, k - p0);
                b.rows(p0, depth, j0, width, packed);
                rowsTimesBlock(ws, m, packed, 0, depth, 0, width, a, aOffset + p0 * aDepthStep, aRowStep,
                        aDepthStep, c, cOffset + j0, ldc);
            }
        }
    }

    /**
     * A left-hand matrix A (m x k, element [i][p] at {@code a[aOffset + i*lda + p]}) prepared once for several
     * products with it ({@link #multiply(Packed, int, PanelSource, float[], int, int, boolean)}): a convolution's
     * weights, multiplied with one group of images after another. The vector GEMM packs it into its panels here,
     * instead of once per product; the loops read A as it is. A must not change while the Packed is in use.
     */
    public static final class Packed {
        private int m;
        private int k;
        private float[] a;
        private int aOffset;
        private int lda;
        /** The vector GEMM's panels, or null for the loops. */
        private float[] panels;

        /** An empty Packed, for {@link #pack(int, int, float[], int, int, float[], Packed)} to fill. */
        Packed() {
        }

        private Packed set(int m, int k, float[] a, int aOffset, int lda, float[] panels) {
            this.m = m;
            this.k = k;
            this.a = a;
            this.aOffset = aOffset;
            this.lda = lda;
            this.panels = panels;
            return this;
        }
    }

    /** The floats {@link #pack} needs in {@code into} for an m x k matrix (0 when the loops run). */
    public static int packedSize(int m, int k) {
        return Simd.VECTOR && m > 0 && k > 0 ? VectorGemm.packedSize(m, k) : 0;
    }

    /**
     * A (m x k) prepared for several products (see {@link Packed}), in {@code into}, which must hold at least
     * {@link #packedSize} floats and must not be written while the Packed is in use.
     *
     * @throws IllegalArgumentException if a size is negative, A does not fit in its array or {@code into} is too small
     */
    public static Packed pack(int m, int k, float[] a, int aOffset, int lda, float[] into) {
        return pack(m, k, a, aOffset, lda, into, new Packed());
    }

    /**
     * {@link #pack(int, int, float[], int, int, float[])} into {@code reuse}, which is returned: a training pass
     * keeps one from step to step, so that it allocates nothing. {@code reuse} must not be in use by another product.
     */
    static Packed pack(int m, int k, float[] a, int aOffset, int lda, float[] into, Packed reuse) {
        checkMatrix("A", a, aOffset, m, k, lda);
        int size = packedSize(m, k);
        if (size == 0) {
            return reuse.set(m, k, a, aOffset, lda, null);
        }
        if (into.length < size) {
            throw new IllegalArgumentException("packing A (" + m + " x " + k + ") needs " + size + " floats, got "
                    + into.length);
        }
        VectorGemm.pack(m, k, a, aOffset, lda, 1, into);
        return reuse.set(m, k, a, aOffset, lda, into);
    }

    /**
     * The floats an m x k matrix takes when written straight into its packed layout ({@link #packedIndex}): the
     * vector GEMM's {@link #packedSize}, or m * k for the loops (A flat, row by row).
     */
    static int packedLayoutSize(int m, int k) {
        return Math.max(packedSize(m, k), m * k);
    }

    /**
     * Where A[i][p] of an m x k matrix goes when it is written straight into the layout {@link #pack} makes (by
     * whoever computes A, as Winograd's kernels are, instead of A written out and packed): in the vector GEMM's panels,
     * or at i * k + p for the loops. Within a block of {@link #packedDepthBlock} depths, A[i][p + 1] lies
     * {@link #packedDepthStep} floats after A[i][p]; and the rows come in groups of that many side by side: for i a
     * multiple of it and d below it, A[i + d][p] lies d floats after A[i][p] (a panel of the vector GEMM).
     */
    static int packedIndex(int m, int k, int i, int p) {
        return packedSize(m, k) == 0 ? i * k + p : VectorGemm.packedIndex(m, k, i, p);
    }

    /** See {@link #packedIndex}. */
    static int packedDepthStep(int m, int k) {
        return packedSize(m, k) == 0 ? 1 : VectorGemm.depthStep();
    }

    /** See {@link #packedIndex}. */
    static int packedDepthBlock(int m, int k) {
        return packedSize(m, k) == 0 ? Math.max(1, k) : VectorGemm.depthBlock();
    }

    /**
     * A (m x k) written by the caller into {@code into} at {@link #packedIndex}, every element, as a Packed for
     * {@link #multiply(Packed, int, PanelSource, float[], int, int, boolean)}: the same products, in the same order, as
     * A packed by {@link #pack}. Writes the zeros of the layout's padding rows.
     */
    static Packed packed(int m, int k, float[] into) {
        return packed(m, k, into, new Packed());
    }

    /** {@link #packed(int, int, float[])} into {@code reuse}, which is returned (a training pass keeps one). */
    static Packed packed(int m, int k, float[] into, Packed reuse) {
        if (into.length < packedLayoutSize(m, k)) {
            throw new IllegalArgumentException("A (" + m + " x " + k + ") packed needs " + packedLayoutSize(m, k)
                    + " floats, got " + into.length);
        }
        if (packedSize(m, k) == 0) {
            return reuse.set(m, k, into, 0, k, null);
        }
        VectorGemm.zeroPadding(m, k, into);
        return reuse.set(m, k, null, 0, k, into);
    }

    /**
     * {@link #multiply(boolean, int, int, int, float[], int, int, PanelSource, float[], int, int, boolean)} with A
     * prepared by {@link #pack}: the same numbers in the same order, without packing A again.
     */
    public static void multiply(Packed a, int n, PanelSource b, float[] c, int cOffset, int ldc, boolean accumulate) {
        if (a.panels == null) {
            multiply(false, a.m, n, a.k, a.a, a.aOffset, a.lda, b, c, cOffset, ldc, accumulate);
            return;
        }
        checkMatrix("C", c, cOffset, a.m, n, ldc);
        if (n == 0) {
            return;
        }
        VectorGemm.multiplyPacked(a.m, n, a.k, a.panels, b, c, cOffset, ldc, accumulate);
    }

    /** {@link #multiply} by the auto-vectorised loops, whatever {@link Simd} chose; sizes already checked. */
    static void multiplyLoops(boolean transposeA, boolean transposeB, int m, int n, int k,
                              float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                              float[] c, int cOffset, int ldc) {
        int aRowStep = transposeA ? 1 : lda;
        int aDepthStep = transposeA ? lda : 1;
        Workspace ws = WORKSPACE.get();
        float[][] packed = ws.packedB;
        // column blocks of near-equal width (n = 288: 144 + 144, not 256 + 32, whose short rows run mostly outside
        // the vectorised loop); the blocking never changes the order in which an element receives its products
        int columnBlocks = (n + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
        for (int block = 0; block < columnBlocks; block++) {
            int j0 = Parallel.start(n, columnBlocks, block);
            int width = Parallel.start(n, columnBlocks, block + 1) - j0;
            for (int p0 = 0; p0 < k; p0 += DEPTH_BLOCK) {
                int depth = Math.min(DEPTH_BLOCK, k - p0);
                packB(transposeB, b, bOffset, ldb, p0, depth, j0, width, packed);
                rowsTimesBlock(ws, m, packed, 0, depth, 0, width, a, aOffset + p0 * aDepthStep, aRowStep,
                        aDepthStep, c, cOffset + j0, ldc);
            }
        }
    }

    /**
     * C (m x n) += A (m x k) &middot; B (k x n) where row p of B is its own array {@code b[p]} (columns 0 to n-1):
     * the layout the inner loop wants, so nothing is packed. Conv2D's im2col writes the column matrix straight
     * into such rows. Same order of additions (and so the same bits) as {@link #multiply}.
     *
     * @param a       the array holding A, element [i][p] at {@code a[aOffset + i*lda + p]}
     * @param b       k rows of at least n floats
     * @param c       the array holding C, element [i][j] at {@code c[cOffset + i*ldc + j]}, updated in place
     * @throws IllegalArgumentException if a size is negative or a matrix does not fit
     */
    public static void multiplyRows(int m, int n, int k, float[] a, int aOffset, int lda, float[][] b,
                                    float[] c, int cOffset, int ldc) {
        checkMatrix("A", a, aOffset, m, k, lda);
        checkMatrix("C", c, cOffset, m, n, ldc);
        if (b.length < k) {
            throw new IllegalArgumentException("matrix B needs " + k + " rows, got " + b.length);
        }
        for (int p = 0; p < k; p++) {
            if (b[p].length < n) {
                throw new IllegalArgumentException("row " + p + " of B has " + b[p].length + " floats, needs " + n);
            }
        }
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        if (Simd.VECTOR) {
            // the thread's reusable source: nothing allocated per product (a convolution makes one per image)
            PanelSource.Rows rows = ROWS.get().of(b);
            VectorGemm.multiply(m, n, k, a, aOffset, lda, 1, rows, c, cOffset, ldc, true);
            rows.of(null);
        } else {
            multiplyRowsLoops(m, n, k, a, aOffset, lda, b, c, cOffset, ldc);
        }
    }

    /** {@link #multiplyRows} by the auto-vectorised loops, whatever {@link Simd} chose; sizes already checked. */
    static void multiplyRowsLoops(int m, int n, int k, float[] a, int aOffset, int lda, float[][] b, float[] c,
                                  int cOffset, int ldc) {
        Workspace ws = WORKSPACE.get();
        int columnBlocks = (n + 2 * COLUMN_BLOCK - 1) / (2 * COLUMN_BLOCK);    // near-equal widths, as in multiply
        for (int block = 0; block < columnBlocks; block++) {
            int j0 = Parallel.start(n, columnBlocks, block);
            int jEnd = Parallel.start(n, columnBlocks, block + 1);
            ws.ensureRows(jEnd);
            for (int p0 = 0; p0 < k; p0 += DEPTH_BLOCK) {
                int depth = Math.min(DEPTH_BLOCK, k - p0);
                rowsTimesBlock(ws, m, b, p0, depth, j0, jEnd, a, aOffset + p0, lda, 1, c, cOffset, ldc);
            }
        }
    }

    /**
     * C[0..m)[j0..jEnd) += op(A)[0..m)[0..depth) . B[p0..p0+depth)[j0..jEnd), B given as row arrays and C[0][0] at
     * {@code c[cStart]}; three rows of C at a time (then two, then one). The rows of C are copied into the workspace
     * at the same column indices, so that every array of the inner loops is indexed by the loop variable j itself.
     */
    private static void rowsTimesBlock(Workspace ws, int m, float[][] b, int p0, int depth, int j0, int jEnd,
                                       float[] a, int aStart, int aRowStep, int aDepthStep, float[] c, int cStart,
                                       int ldc) {
        float[] c0 = ws.c0;
        float[] c1 = ws.c1;
        float[] c2 = ws.c2;
        int width = jEnd - j0;
        int i = 0;
        for (; i + 3 <= m; i += 3) {
            int ci = cStart + i * ldc + j0;
            System.arraycopy(c, ci, c0, j0, width);
            System.arraycopy(c, ci + ldc, c1, j0, width);
            System.arraycopy(c, ci + 2 * ldc, c2, j0, width);
            threeRows(c0, c1, c2, b, p0, depth, j0, jEnd, a, aStart + i * aRowStep, aRowStep, aDepthStep);
            System.arraycopy(c0, j0, c, ci, width);
            System.arraycopy(c1, j0, c, ci + ldc, width);
            System.arraycopy(c2, j0, c, ci + 2 * ldc, width);
        }
        if (i + 2 <= m) {
            int ci = cStart + i * ldc + j0;
            System.arraycopy(c, ci, c0, j0, width);
            System.arraycopy(c, ci + ldc, c1, j0, width);
            twoRows(c0, c1, b, p0, depth, j0, jEnd, a, aStart + i * aRowStep, aRowStep, aDepthStep);
            System.arraycopy(c0, j0, c, ci, width);
            System.arraycopy(c1, j0, c, ci + ldc, width);
            i += 2;
        }
        if (i < m) {
            int ci = cStart + i * ldc + j0;
            System.arraycopy(c, ci, c0, j0, width);
            oneRow(c0, b, p0, depth, j0, jEnd, a, aStart + i * aRowStep, aDepthStep);
            System.arraycopy(c0, j0, c, ci, width);
        }
    }

    /** Copies op(B)[p0 .. p0+depth)[j0 .. j0+width) into packed[0..depth)[0..width). */
    private static void packB(boolean transposeB, float[] b, int bOffset, int ldb, int p0, int depth, int j0,
                              int width, float[][] packed) {
        if (!transposeB) {
            for (int p = 0; p < depth; p++) {
                System.arraycopy(b, bOffset + (p0 + p) * ldb + j0, packed[p], 0, width);
            }
        } else {
            // B is stored n x k: op(B)[p][j] = B[j][p]. Four packed rows at a time, each written front to back: the
            // reads go down four neighbouring columns of B, whose cache lines (width of them) stay in L1 for the next
            // four. (Writing one column of the packed block at a time, reading B's rows front to back, touches a
            // different packed row array for every number: the whole NT product was 8-10% slower that way,
            // thread CPU time on 32 x 288 x 16,384, 64 x 576 x 4,096, 128 x 1,152 x 1,024 and 1024^3.)
            int p = 0;
            for (; p + 4 <= depth; p += 4) {
                float[] r0 = packed[p];
                float[] r1 = packed[p + 1];
                float[] r2 = packed[p + 2];
                float[] r3 = packed[p + 3];
                int from = bOffset + j0 * ldb + p0 + p;
                for (int j = 0; j < width; j++, from += ldb) {
                    r0[j] = b[from];
                    r1[j] = b[from + 1];
                    r2[j] = b[from + 2];
                    r3[j] = b[from + 3];
                }
            }
            for (; p < depth; p++) {
                float[] row = packed[p];
                int from = bOffset + j0 * ldb + p0 + p;
                for (int j = 0; j < width; j++, from += ldb) {
                    row[j] = b[from];
                }
            }
        }
    }

    /**
     * Three rows of C, two depths per pass: each b[j] loaded once and used three times, each c[j] loaded and
     * stored once per two products, which are still added one after the other in order p, p+1 (left to right), so
     * the rounding is that of the plain triple loop. (Measured against the two-row version on the packed kernel:
     * ~50 against ~40 GFLOP/s on 256- to 784-wide rows.)
     */
    private static void threeRows(float[] c0, float[] c1, float[] c2, float[][] b, int p0, int depth, int j0,
                                  int jEnd, float[] a, int aStart, int aRowStep, int aDepthStep) {
        int p = 0;
        for (; p + 2 <= depth; p += 2) {
            int ap = aStart + p * aDepthStep;
            float a00 = a[ap];
            float a01 = a[ap + aDepthStep];
            float a10 = a[ap + aRowStep];
            float a11 = a[ap + aRowStep + aDepthStep];
            float a20 = a[ap + 2 * aRowStep];
            float a21 = a[ap + 2 * aRowStep + aDepthStep];
            float[] b0 = b[p0 + p];
            float[] b1 = b[p0 + p + 1];
            for (int j = j0; j < jEnd; j++) {
                float x0 = b0[j];
                float x1 = b1[j];
                c0[j] = c0[j] + a00 * x0 + a01 * x1;
                c1[j] = c1[j] + a10 * x0 + a11 * x1;
                c2[j] = c2[j] + a20 * x0 + a21 * x1;
            }
        }
        if (p < depth) {
            int ap = aStart + p * aDepthStep;
            float a0 = a[ap];
            float a1 = a[ap + aRowStep];
            float a2 = a[ap + 2 * aRowStep];
            float[] b0 = b[p0 + p];
            for (int j = j0; j < jEnd; j++) {
                float x0 = b0[j];
                c0[j] += a0 * x0;
                c1[j] += a1 * x0;
                c2[j] += a2 * x0;
            }
        }
    }

    /** Two rows of C, two depths per pass (for m mod 3 = 2). */
    private static void twoRows(float[] c0, float[] c1, float[][] b, int p0, int depth, int j0, int jEnd, float[] a,
                                int aStart, int aRowStep, int aDepthStep) {
        int p = 0;
        for (; p + 2 <= depth; p += 2) {
            int ap = aStart + p * aDepthStep;
            float a00 = a[ap];
            float a01 = a[ap + aDepthStep];
            float a10 = a[ap + aRowStep];
            float a11 = a[ap + aRowStep + aDepthStep];
            float[] b0 = b[p0 + p];
            float[] b1 = b[p0 + p + 1];
            for (int j = j0; j < jEnd; j++) {
                float x0 = b0[j];
                float x1 = b1[j];
                c0[j] = c0[j] + a00 * x0 + a01 * x1;
                c1[j] = c1[j] + a10 * x0 + a11 * x1;
            }
        }
        if (p < depth) {
            int ap = aStart + p * aDepthStep;
            float a0 = a[ap];
            float a1 = a[ap + aRowStep];
            float[] b0 = b[p0 + p];
            for (int j = j0; j < jEnd; j++) {
                float x0 = b0[j];
                c0[j] += a0 * x0;
                c1[j] += a1 * x0;
            }
        }
    }

    /** One row of C, four depths per pass (for m mod 3 = 1). */
    private static void oneRow(float[] c0, float[][] b, int p0, int depth, int j0, int jEnd, float[] a, int aStart,
                               int aDepthStep) {
        int p = 0;
        for (; p + 4 <= depth; p += 4) {
            int ap = aStart + p * aDepthStep;
            float a0 = a[ap];
            float a1 = a[ap + aDepthStep];
            float a2 = a[ap + 2 * aDepthStep];
            float a3 = a[ap + 3 * aDepthStep];
            float[] b0 = b[p0 + p];
            float[] b1 = b[p0 + p + 1];
            float[] b2 = b[p0 + p + 2];
            float[] b3 = b[p0 + p + 3];
            for (int j = j0; j < jEnd; j++) {
                c0[j] = c0[j] + a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
            }
        }
        for (; p < depth; p++) {
            float a0 = a[aStart + p * aDepthStep];
            float[] bp = b[p0 + p];
            for (int j = j0; j < jEnd; j++) {
                c0[j] += a0 * bp[j];
            }
        }
    }

    private static void checkMatrix(String name, float[] array, int offset, int rows, int columns, int leading) {
        if (rows < 0 || columns < 0) {
            throw new IllegalArgumentException("matrix " + name + " cannot be " + rows + " x " + columns);
        }
        if (rows == 0 || columns == 0) {
            return;
        }
        if (leading < columns) {
            throw new IllegalArgumentException("matrix " + name + " (" + rows + " x " + columns
                    + ") needs a leading dimension of at least " + columns + ", got " + leading);
        }
        long last = (long) offset + (long) (rows - 1) * leading + columns;
        if (offset < 0 || last > array.length) {
            throw new IllegalArgumentException("matrix " + name + " (" + rows + " x " + columns + ", leading dimension "
                    + leading + ") at offset " + offset + " does not fit in an array of " + array.length);
        }
    }
}
