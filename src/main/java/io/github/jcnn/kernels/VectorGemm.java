package io.github.jcnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM of {@link Gemm} written with explicit SIMD vectors (the JDK's incubating Vector API): used when the JVM was
 * started with {@code --add-modules jdk.incubator.vector}, about three times as fast as the auto-vectorised loops.
 * Only {@link Gemm} calls it, and only after {@link Simd} has found the module; without it this class is never
 * loaded.
 * <pre>
 *   C (m x n) += op(A) (m x k) . op(B) (k x n)
 *
 *   for each block of NC columns of B and KC depths:      pack B's block into panels of NR = 2L columns
 *     for each block of MC rows of A:                      pack A's block into panels of MR rows
 *       for each panel of B, for each panel of A:          micro-kernel: an MR x NR tile of C
 *       (the other way round, each panel of A then every panel of B, when B is read in place: see below)
 * </pre>
 * (L is the number of floats in one vector of the machine: 16 with AVX-512, 8 with AVX2.) The micro-kernel keeps its
 * MR x NR sums in vector registers for all KC depths: per depth it loads two vectors of B, broadcasts MR numbers of
 * A and does 2 MR fused multiply-adds, then adds the sums to C once. The auto-vectorised {@link Gemm} loads and
 * stores C every second depth instead; that memory traffic is what this layout removes. The packed panels are read
 * front to back, so the caches stay warm: a B panel (KC x NR floats) fits in L1, an A block (MC x KC) in L2. A B whose
 * panel rows already lie side by side in one array ({@link PanelSource#inPlace}: a convolution's padded image, where
 * row r is the image shifted by delta(r)) is read where it lies, through a table of row starts, and not copied; the
 * kernel reads B through that table either way, so the numbers and their order are the same. Such a panel is not
 * aligned and its rows overlap, so it spans more cache lines than L1 holds: the tiles then go panel of A by panel of
 * A, each A panel (MR x KC floats) staying in L1 while it meets every B panel of the block. When B is a single panel
 * wide (n &le; NR: the weight gradient of a first convolution, 32 x 27 x 16,384) and A's depths lie side by side,
 * each packed panel of A would serve one micro-tile only, so A's rows are read where they lie instead
 * ({@link #multiplyRowsInPlace}'s kernel), with the same chain per element of C. MR is 8
 * with 32 vector registers (AVX-512: 16 sums + 2 B + 1 broadcast), 6 with 16 (AVX2: 12 + 2 + 1).
 *
 * <p>Order of additions: an element of C receives, per block of KC depths, the fused multiply-add chain
 * {@code s = fma(a[p], b[p], s)} over p in order starting from 0, and then {@code c += s}. Blocks, panels and tiles
 * only decide which elements are computed together, never that order; tiles at the edges (fewer than MR rows or NR
 * columns) are computed in a full-size scratch tile holding C's values, with the same chain. So the result does not
 * depend on m, n, the blocking or on which rows or columns a thread was given: bit-identical for any thread count.
 * These are exactly the bits of {@link GemmReference#multiplyFused}, the same loops written plainly; they differ from
 * {@link GemmReference#multiply} (multiply, round, add, round) in rounding only.
 */
final class VectorGemm {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    private static final int L = S.length();
    /** Columns of a micro-tile: two vectors. */
    private static final int NR = 2 * L;
    /** Rows of a micro-tile: 8 when the machine has 32 vector registers (AVX-512), else 6. */
    private static final int MR = S.vectorBitSize() >= 512 ? 8 : 6;
    /** Depths per block: a B panel of KC x NR floats stays in L1. */
    private static final int KC = GemmReference.FUSED_DEPTH_BLOCK;
    /** Rows of A per block: MC x KC floats stay in L2. */
    private static final int MC = 16 * MR;
    /** Columns of B per block. */
    private static final int NC = 1024;
    /** Products of at most this depth run each panel of A against every panel of B in turn (see multiply). */
    private static final int SHALLOW_DEPTH = 64;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** Per-thread packed blocks and the scratch tile for edges. */
    private static final class Workspace {
        final float[] packedA = new float[MC * KC];
        /** NR more than the panels need: a two-run panel's last row spills up to NR - 1 floats past its end. */
        final float[] packedB = new float[NC * KC + NR];
        final float[] tile = new float[MR * NR];
        /** Per B panel q of the block: where its rows start, row p at {@code starts[q*KC + p]} of sources[q]. */
        final int[] starts = new int[(NC / NR) * KC];
        final float[][] sources = new float[NC / NR][];
        /** {@link PanelSource#inTwoRuns}'s answer. */
        final int[] splitAndGap = new int[2];
    }

    private VectorGemm() {
    }

    /** Rounds of {@link #warmUp}: 1,000 were too few (7 runs in 12 still slow), 3,000 and 6,000 enough (0 in 12). */
    private static final int WARM_UP_ROUNDS = 4000;

    /**
     * Runs the micro-kernels {@value #WARM_UP_ROUNDS} times on one small tile each (about 0.2 s, once per JVM, mostly
     * before the JIT has compiled anything), so that the JIT compiles them first, before any other code of the
     * library has used the Vector API.
     *
     * <p>Why: on JDK 17, C2 sometimes compiled {@link #kernel8Rows} (the weight gradient's kernel) with its 16 vector
     * stores not as vector instructions but through the API's generic fallback ({@code FloatVector.stOp}, one float
     * at a time). {@code -XX:+PrintIntrinsics} shows "VectorSupport::store failed to inline (intrinsic)" with
     * "missing constant: vclass": the stored vector's exact class was no longer known to the compiler. Whether it
     * happens depends on what the shared Vector API methods had been through (type checks that failed in other
     * compiled code) by the time the kernel was compiled, so it came and went from run to run: vgg training at
     * ~820 instead of ~1,000 images/s in about one run in three, and in one run in ten before batch norm's passes
     * used vectors. Compiled first, the kernels were compiled right in every one of 36 runs (3,000, 4,000 and
     * 6,000 rounds, 12 each; counted with {@code -XX:+PrintIntrinsics}).
     */
    static void warmUp() {
        int rounds = WARM_UP_ROUNDS;
        int k = 40;
        float[] a = new float[8 * k];
        float[] b = new float[k * NR];
        float[] c = new float[8 * NR];
        int[] starts = new int[8];
        for (int i = 0; i < 8; i++) {
            starts[i] = i * k;
        }
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 7) * 0.25f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 5) * 0.5f;
        }
        PanelSource source = PanelSource.of(b, 0, NR, 1);
        float[][] rows = new float[k][];
        for (int p = 0; p < k; p++) {
            rows[p] = java.util.Arrays.copyOfRange(b, p * NR, (p + 1) * NR);
        }
        PanelSource rowSource = PanelSource.ofRows(rows);
        // A given transposed (its rows one float apart), so that multiply packs it and runs kernel8 and kernel6: a B
        // one panel wide with A's depths side by side would go to multiplyRowsInPlace's kernel instead, and kernel8
        // would be compiled cold, later (vgg inference then ran at 888 instead of 1,496 images/s, one thread)
        for (int r = 0; r < rounds; r++) {
            multiply(MR, NR, k, a, 0, 1, MR, source, c, 0, NR, (r & 1) == 0);
            if (MR == 8) {
                multiplyRowsInPlace(8, NR, k, a, starts, source, c, 0, NR, (r & 1) == 0);
                multiply(8, NR, k, a, 0, k, 1, rowSource, c, 0, NR, (r & 1) == 0);
                multiply(6, NR, k, a, 0, 1, MR, source, c, 0, NR, (r & 1) == 0);
            }
        }
    }

    /** Floats per vector on this machine, for the record ({@link Simd#description()}). */
    static int lanes() {
        return L;
    }

    /** NR, the columns of C one micro-tile computes: a product n columns wide costs ceil(n / NR) panels. */
    static int panelColumns() {
        return NR;
    }

    /**
     * C (m x n) = C + op(A) . B, or 0 + op(A) . B when {@code accumulate} is false (C's old values are then not read).
     * Element op(A)[i][p] is at {@code a[aOffset + i*aRowStep + p*aDepthStep]}; B comes from {@code b}, block by
     * block; C[i][j] is at {@code c[cOffset + i*ldc + j]}. Sizes are checked by the caller.
     */
    static void multiply(int m, int n, int k, float[] a, int aOffset, int aRowStep, int aDepthStep, PanelSource b,
                         float[] c, int cOffset, int ldc, boolean accumulate) {
        multiply(m, n, k, a, aOffset, aRowStep, aDepthStep, null, b, c, cOffset, ldc, accumulate);
    }

    /**
     * A (m x k) packed once, for several products with it ({@link #multiplyPacked}): every block of {@link #multiply}
     * in the layout it packs a block into, block (p0, i0) at {@code p0 * roundUp(m, MR) + i0 * kc}.
     */
    static void pack(int m, int k, float[] a, int aOffset, int aRowStep, int aDepthStep, float[] packed) {
        int rows = panelRows(m);
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            for (int i0 = 0; i0 < m; i0 += MC) {
                int mc = Math.min(MC, m - i0);
                packA(a, aOffset, aRowStep, aDepthStep, i0, mc, p0, kc, packed, p0 * rows + i0 * kc);
            }
        }
    }

    /**
     * Where {@link #pack} puts A[i][p] of an m x k matrix: block (p0, i0) of KC depths and MC rows at
     * {@code p0 * roundUp(m, MR) + i0 * kc}, its panel r of MR rows at {@code r * kc * MR}, the element at
     * {@code (p - p0) * MR + i % MR}. Within a block of KC depths, p + 1 lies {@link #depthStep} floats after p.
     */
    static int packedIndex(int m, int k, int i, int p) {
        int p0 = p - p % KC;
        int kc = Math.min(KC, k - p0);
        int i0 = i - i % MC;
        int r = (i - i0) / MR;
        return p0 * panelRows(m) + i0 * kc + r * kc * MR + (p - p0) * MR + (i - i0 - r * MR);
    }

    /** The floats from A[i][p] to A[i][p + 1] in the packed layout, inside a block of {@link #depthBlock} depths. */
    static int depthStep() {
        return MR;
    }

    /** Depths per block of the packed layout (KC). */
    static int depthBlock() {
        return KC;
    }

    /** Writes the zeros {@link #pack} writes in the rows of the last panel past m. */
    static void zeroPadding(int m, int k, float[] packed) {
        for (int i = m; i < panelRows(m); i++) {
            for (int p = 0; p < k; p++) {
                packed[packedIndex(m, k, i, p)] = 0f;
            }
        }
    }

    /** The floats {@link #pack} writes for an m x k matrix. */
    static int packedSize(int m, int k) {
        return panelRows(m) * k;
    }

    /** m rounded up to whole panels of MR rows: the rows a packed A holds. */
    private static int panelRows(int m) {
        return (m + MR - 1) / MR * MR;
    }

    /** {@link #multiply} with A already packed by {@link #pack}: the same numbers in the same order. */
    static void multiplyPacked(int m, int n, int k, float[] packed, PanelSource b, float[] c, int cOffset, int ldc,
                               boolean accumulate) {
        multiply(m, n, k, null, 0, 0, 0, packed, b, c, cOffset, ldc, accumulate);
    }

    private static void multiply(int m, int n, int k, float[] a, int aOffset, int aRowStep, int aDepthStep,
                                 float[] prepacked, PanelSource b, float[] c, int cOffset, int ldc,
                                 boolean accumulate) {
        Workspace ws = WORKSPACE.get();
        float[] packedA = prepacked != null ? prepacked : ws.packedA;
        int rows = panelRows(m);
        int[] starts = ws.starts;
        float[][] sources = ws.sources;
        float[][] rowArrays = MR == 8 && m <= ROW_ARRAY_ROWS ? b.rowArrays() : null;
        if (rowArrays != null) {
            multiplyOnePanelOfRows(n, k, a, aOffset, aRowStep, aDepthStep, prepacked, m, rowArrays, b, c, cOffset, ldc,
                    accumulate, ws);
            return;
        }
        if (MR == 8 && prepacked == null && aDepthStep == 1 && n <= NR) {
            // B one panel wide (the weight gradient of a convolution over 3 channels, 3 x 3 x 3 = 27 columns, over
            // a long depth: 32 x 27 x 16,384): each packed panel of A would serve one micro-tile, so packing A (a
            // transpose, one float at a time: 35% of that product's time) would cost about what the product does;
            // A's rows, their depths side by side, are read where they lie instead
            multiplyRowsInPlace(m, n, k, a, aOffset, null, aRowStep, b, c, cOffset, ldc, accumulate);
            return;
        }
        for (int j0 = 0; j0 < n; j0 += NC) {
            int nc = Math.min(NC, n - j0);
            int bPanels = (nc + NR - 1) / NR;
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                boolean add = accumulate || p0 > 0;
                panelsOfB(b, n, j0, bPanels, p0, kc, ws);
                for (int i0 = 0; i0 < m; i0 += MC) {
                    int mc = Math.min(MC, m - i0);
                    int aPanels = (mc + MR - 1) / MR;
                    int base = 0;
                    if (prepacked == null) {
                        packA(a, aOffset, aRowStep, aDepthStep, i0, mc, p0, kc, packedA, 0);
                    } else {
                        base = p0 * rows + i0 * kc;
                    }
                    // B's panels copied (packed, aligned, one in L1): each serves every panel of A in turn. B read
                    // in place (a padded image's rows, unaligned and spread over more cache lines than L1 holds):
                    // each panel of A, in L1, serves every panel of B in turn instead (VGG-16's one image: 139 ->
                    // 120 ms, alternating in one JVM; no change in training)
                    // a shallow product (depth of 64 or less: dL/dx's column matrix) is bound by writing C: each panel
                    // of A then serves every panel of B in turn too, so that C is written 8 rows at a time along
                    // them rather than 128 rows a panel's width at a time
                    boolean panelsOfAOuter = sources[0] != ws.packedB || kc <= SHALLOW_DEPTH;
                    int outer = panelsOfAOuter ? aPanels : bPanels;
                    int inner = panelsOfAOuter ? bPanels : aPanels;
                    for (int o = 0; o < outer; o++) {
                        for (int e = 0; e < inner; e++) {
                            int q = panelsOfAOuter ? e : o;
                            int r = panelsOfAOuter ? o : e;
                            int jj = j0 + q * NR;
                            int width = Math.min(NR, n - jj);
                            float[] pb = sources[q];
                            int so = q * KC;
                            int ii = i0 + r * MR;
                            int height = Math.min(MR, m - ii);
                            int ao = base + r * kc * MR;
                            if (height == MR && width == NR) {
                                kernel(kc, packedA, ao, pb, starts, so, c, cOffset + ii * ldc + jj, ldc, add);
                            } else if (MR == 8 && height == 6 && width == NR) {
                                // six rows (LeNet-5's first convolution): the 6-row kernel on the 8-row panel,
                                // straight into C, instead of eight rows through the scratch tile
                                kernel6(kc, packedA, ao, MR, pb, starts, so, c, cOffset + ii * ldc + jj, ldc, add);
                            } else {
                                edgeTile(kc, packedA, ao, pb, starts, so, c, cOffset + ii * ldc + jj, ldc, height,
                                        width, ws.tile, add);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Up to this many rows of A, a B of row arrays is read in place ({@link #multiplyOnePanelOfRows}): one panel.
     * Two (LeNet-5's second convolution, 16 filters) were not measurably faster or slower than copying.
     */
    private static final int ROW_ARRAY_ROWS = 8;

    /**
     * {@link #multiply} for a few rows of A (a convolution with few filters, as LeNet-5's first, with 6) and B given
     * as row arrays (im2col's): each B panel would serve one micro-tile only, so copying it into the packed layout
     * would cost about as much as the product; the kernel reads B's rows where they lie instead
     * ({@link #kernel8RowArrays}). The same chain per element of C as {@link #multiply}, so the same bits.
     */
    private static void multiplyOnePanelOfRows(int n, int k, float[] a, int aOffset, int aRowStep, int aDepthStep,
                                               float[] prepacked, int m, float[][] rowArrays, PanelSource b,
                                               float[] c, int cOffset, int ldc, boolean accumulate, Workspace ws) {
        float[] tile = ws.tile;
        int rows = panelRows(m);
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            boolean add = accumulate || p0 > 0;
            float[] pa;
            int base;
            if (prepacked == null) {
                packA(a, aOffset, aRowStep, aDepthStep, 0, m, p0, kc, ws.packedA, 0);
                pa = ws.packedA;
                base = 0;
            } else {
                pa = prepacked;
                base = p0 * rows;
            }
            for (int jj = 0; jj < n; jj += NR) {
                int width = Math.min(NR, n - jj);
                if (width < NR) {
                    // the last columns: a panel of B copied (zeros past n), for the usual kernel
                    b.panel(p0, kc, jj, width, ws.packedB, 0, NR);
                    for (int p = 0; p < kc; p++) {
                        ws.starts[p] = p * NR;
                    }
                }
                for (int i0 = 0; i0 < m; i0 += MR) {
                    int height = Math.min(MR, m - i0);
                    int ao = base + i0 * kc;
                    int co = cOffset + i0 * ldc + jj;
                    if (height == MR && width == NR) {
                        kernel8RowArrays(kc, pa, ao, rowArrays, p0, jj, c, co, ldc, add);
                        continue;
                    }
                    if (add) {
                        java.util.Arrays.fill(tile, 0f);
                        for (int i = 0; i < height; i++) {
                            System.arraycopy(c, co + i * ldc, tile, i * NR, width);
                        }
                    }
                    if (width == NR) {
                        kernel8RowArrays(kc, pa, ao, rowArrays, p0, jj, tile, 0, NR, add);
                    } else {
                        kernel8(kc, pa, ao, ws.packedB, ws.starts, 0, tile, 0, NR, add);
                    }
                    for (int i = 0; i < height; i++) {
                        System.arraycopy(tile, i * NR, c, co + i * ldc, width);
                    }
                }
            }
        }
    }

    /**
     * B's panels q = 0 .. bPanels - 1 of the block at columns j0.., depths p0 .. p0 + kc - 1: each read in place when
     * {@code b} allows it, else copied into {@code ws.packedB}; {@code ws.sources[q]} and {@code ws.starts[q*KC + p]}
     * say where row p of panel q starts.
     */
    private static void panelsOfB(PanelSource b, int n, int j0, int bPanels, int p0, int kc, Workspace ws) {
        for (int q = 0; q < bPanels; q++) {
            int jj = j0 + q * NR;
            int width = Math.min(NR, n - jj);
            float[] source = width == NR ? b.inPlace(p0, kc, jj, NR, ws.starts, q * KC) : null;
            float[][] rows = source == null && width == NR ? b.rowArrays() : null;
            float[] runs = source == null && rows == null && width == NR
                    ? b.inTwoRuns(p0, kc, jj, NR, ws.starts, q * KC, ws.splitAndGap) : null;
            if (runs != null) {
                // two runs a fixed gap apart (a panel running into the next padded image): per row, the first
                // run's 2L columns and then the second run's from column split on, written over the first's: four
                // loads and stores, no masks. Masks made with VectorSpecies.indexInRange, or by comparing lane
                // numbers with split, went through code that C2 did not always compile to vector instructions
                // (0.3 to 2.8 MB of garbage per vgg step in one JVM in three or four, JMH -prof gc)
                int split = ws.splitAndGap[0];
                int gap = ws.splitAndGap[1];
                float[] packed = ws.packedB;
                for (int p = 0; p < kc; p++) {
                    int dst = (q * kc + p) * NR;
                    int from = ws.starts[q * KC + p];
                    FloatVector.fromArray(S, runs, from).intoArray(packed, dst);
                    FloatVector.fromArray(S, runs, from + L).intoArray(packed, dst + L);
                    // columns split .. split + NR - 1: those past the row spill into the next, written after
                    FloatVector.fromArray(S, runs, from + gap + split).intoArray(packed, dst + split);
                    FloatVector.fromArray(S, runs, from + gap + split + L).intoArray(packed, dst + split + L);
                    ws.starts[q * KC + p] = dst;
                }
                source = packed;
            } else if (rows != null) {
                // rows of their own (im2col's): two vector moves a row, where arraycopy's set-up per 32 floats
                // cost as much as the product for few rows of A (JMH, 32 x 288 x 16,384: 5.7 against 3.7 ms)
                float[] packed = ws.packedB;
                for (int p = 0; p < kc; p++) {
                    int dst = (q * kc + p) * NR;
                    float[] row = rows[p0 + p];
                    FloatVector.fromArray(S, row, jj).intoArray(packed, dst);
                    FloatVector.fromArray(S, row, jj + L).intoArray(packed, dst + L);
                    ws.starts[q * KC + p] = dst;
                }
                source = packed;
            } else if (source == null) {
                b.panel(p0, kc, jj, width, ws.packedB, q * kc * NR, NR);
                for (int p = 0; p < kc; p++) {
                    ws.starts[q * KC + p] = (q * kc + p) * NR;
                }
                source = ws.packedB;
            }
            ws.sources[q] = source;
        }
    }

    /** Whether {@link #multiplyRowsInPlace} can run here: it needs the 8-row kernel (32 vector registers). */
    static boolean readsRowsInPlace() {
        return MR == 8;
    }

    /**
     * C (m x n) = C + A . B, or 0 + A . B when {@code accumulate} is false, with each row of A read where it lies:
     * A[i][p] = {@code a[aStarts[i] + p]}, nothing packed. A convolution's windows over a padded image are such an A
     * (row r is the image shifted by delta(r)); packing them would be a transpose, one float at a time. B's panels
     * are always copied (in dL/dW, B is dL/dy transposed, F columns, and each panel serves all C*KH*KW rows of A;
     * {@link #multiply} also comes here for a B one panel wide). Per element of C the same fused multiply-add chain
     * as {@link #multiply}, so the same bits. Only when {@link #readsRowsInPlace()}.
     */
    static void multiplyRowsInPlace(int m, int n, int k, float[] a, int[] aStarts, PanelSource b, float[] c,
                                    int cOffset, int ldc, boolean accumulate) {
        multiplyRowsInPlace(m, n, k, a, 0, aStarts, b, c, cOffset, ldc, accumulate);
    }

    /** {@link #multiplyRowsInPlace} with A[i][p] = {@code a[aOffset + aStarts[i] + p]}. */
    static void multiplyRowsInPlace(int m, int n, int k, float[] a, int aOffset, int[] aStarts, PanelSource b,
                                    float[] c, int cOffset, int ldc, boolean accumulate) {
        multiplyRowsInPlace(m, n, k, a, aOffset, aStarts, 0, b, c, cOffset, ldc, accumulate);
    }

    /**
     * {@link #multiplyRowsInPlace} with row i of A from {@code a[aOffset + aStarts[i]]} on, or, when aStarts is null,
     * from {@code a[aOffset + i*aRowStep]} on.
     */
    private static void multiplyRowsInPlace(int m, int n, int k, float[] a, int aOffset, int[] aStarts,
                                            int aRowStep, PanelSource b, float[] c, int cOffset, int ldc,
                                            boolean accumulate) {
        Workspace ws = WORKSPACE.get();
        for (int j0 = 0; j0 < n; j0 += NC) {
            int nc = Math.min(NC, n - j0);
            int bPanels = (nc + NR - 1) / NR;
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                boolean add = accumulate || p0 > 0;
                // every panel copied, row p of panel q at (q*kc + p)*NR: the kernel steps through B without a table
                float[] pb = ws.packedB;
                for (int q = 0; q < bPanels; q++) {
                    int jj = j0 + q * NR;
                    b.panel(p0, kc, jj, Math.min(NR, n - jj), pb, q * kc * NR, NR);
                }
                for (int q = 0; q < bPanels; q++) {
                    int jj = j0 + q * NR;
                    int width = Math.min(NR, n - jj);
                    int so = q * kc * NR;
                    for (int i0 = 0; i0 < m; i0 += 8) {
                        int height = Math.min(8, m - i0);
                        // rows past m repeat the last row: computed in the scratch tile and dropped
                        int r0 = rowStart(aOffset, aStarts, aRowStep, i0) + p0;
                        int r1 = rowStart(aOffset, aStarts, aRowStep, i0 + Math.min(1, height - 1)) + p0;
                        int r2 = rowStart(aOffset, aStarts, aRowStep, i0 + Math.min(2, height - 1)) + p0;
                        int r3 = rowStart(aOffset, aStarts, aRowStep, i0 + Math.min(3, height - 1)) + p0;
                        int r4 = rowStart(aOffset, aStarts, aRowStep, i0 + Math.min(4, height - 1)) + p0;
                        int r5 = rowStart(aOffset, aStarts, aRowStep, i0 + Math.min(5, height - 1)) + p0;
                        int r6 = rowStart(aOffset, aStarts, aRowStep, i0 + Math.min(6, height - 1)) + p0;
                        int r7 = rowStart(aOffset, aStarts, aRowStep, i0 + Math.min(7, height - 1)) + p0;
                        int co = cOffset + i0 * ldc + jj;
                        if (height == 8 && width == NR) {
                            kernel8Rows(kc, a, r0, r1, r2, r3, r4, r5, r6, r7, pb, so, c, co, ldc, add);
                        } else {
                            float[] tile = ws.tile;
                            if (add) {
                                java.util.Arrays.fill(tile, 0f);
                                for (int i = 0; i < height; i++) {
                                    System.arraycopy(c, co + i * ldc, tile, i * NR, width);
                                }
                            }
                            kernel8Rows(kc, a, r0, r1, r2, r3, r4, r5, r6, r7, pb, so, tile, 0, NR, add);
                            for (int i = 0; i < height; i++) {
                                System.arraycopy(tile, i * NR, c, co + i * ldc, width);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Where row i of A starts: {@code aOffset + aStarts[i]}, or {@code aOffset + i*aRowStep} without a table. */
    private static int rowStart(int aOffset, int[] aStarts, int aRowStep, int i) {
        return aOffset + (aStarts != null ? aStarts[i] : i * aRowStep);
    }

    /** A tile of fewer than MR rows or NR columns: C's values into the scratch tile, the kernel, and back. */
    private static void edgeTile(int kc, float[] pa, int ao, float[] pb, int[] starts, int so, float[] c, int co,
                                 int ldc, int height, int width, float[] tile, boolean add) {
        if (add) {
            java.util.Arrays.fill(tile, 0f);
            for (int i = 0; i < height; i++) {
                System.arraycopy(c, co + i * ldc, tile, i * NR, width);
            }
        }
        kernel(kc, pa, ao, pb, starts, so, tile, 0, NR, add);
        for (int i = 0; i < height; i++) {
            System.arraycopy(tile, i * NR, c, co + i * ldc, width);
        }
    }

    /**
     * Copies op(A)[i0..i0+mc)[p0..p0+kc) into panels of MR rows, panel r at {@code at + r*kc*MR}, its element (p, i)
     * at {@code p*MR + i} of the panel; the rows past m in the last panel are zeros.
     */
    private static void packA(float[] a, int aOffset, int aRowStep, int aDepthStep, int i0, int mc, int p0, int kc,
                              float[] packed, int at) {
        int panels = (mc + MR - 1) / MR;
        for (int r = 0; r < panels; r++) {
            int ii = i0 + r * MR;
            int height = Math.min(MR, i0 + mc - ii);
            int base = at + r * kc * MR;
            for (int i = 0; i < height; i++) {
                int from = aOffset + (ii + i) * aRowStep + p0 * aDepthStep;
                for (int p = 0; p < kc; p++, from += aDepthStep) {
                    packed[base + p * MR + i] = a[from];
                }
            }
            for (int i = height; i < MR; i++) {
                for (int p = 0; p < kc; p++) {
                    packed[base + p * MR + i] = 0f;
                }
            }
        }
    }

    private static void kernel(int kc, float[] pa, int ao, float[] pb, int[] starts, int so, float[] c, int co,
                               int ldc, boolean add) {
        if (MR == 8) {
            kernel8(kc, pa, ao, pb, starts, so, c, co, ldc, add);
        } else {
            kernel6(kc, pa, ao, 6, pb, starts, so, c, co, ldc, add);
        }
    }

    /**
     * The 8 x 2L micro-kernel: C[0..8)[0..2L) += A-panel . B-panel over kc depths, with the 16 sums kept in
     * registers for the whole depth (each p: two loads of B, 8 broadcasts of A, 16 fused multiply-adds).
     */
    private static void kernel8(int kc, float[] pa, int ao, float[] pb, int[] starts, int so, float[] c, int co,
                                int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bp = starts[so + p];
            FloatVector b0 = FloatVector.fromArray(S, pb, bp);
            FloatVector b1 = FloatVector.fromArray(S, pb, bp + L);
            int ap = ao + p * 8;
            FloatVector x;
            x = FloatVector.broadcast(S, pa[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, pa[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, pa[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, pa[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, pa[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, pa[ap + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, pa[ap + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, pa[ap + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // written out, not through a helper: a helper that C2 does not inline makes it box the sums in the loop.
        // Without add, C = 0 + sum: the same bits (also for a sum of -0) as C zeroed first and then added to.
        FloatVector base0;
        FloatVector base1;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c00).intoArray(c, co);
        base1.add(c01).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c10).intoArray(c, co);
        base1.add(c11).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c20).intoArray(c, co);
        base1.add(c21).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c30).intoArray(c, co);
        base1.add(c31).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c40).intoArray(c, co);
        base1.add(c41).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c50).intoArray(c, co);
        base1.add(c51).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c60).intoArray(c, co);
        base1.add(c61).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c70).intoArray(c, co);
        base1.add(c71).intoArray(c, co + L);
    }

    /**
     * {@link #kernel8} with row i of A read in place from {@code a[ri + p]} instead of from a packed panel, and B's
     * row p at {@code pb[so + p*NR]}, a copied panel, instead of where a table of starts says: the same sixteen fused
     * multiply-adds per depth, the same chain. Without the table the loop has no index to load, and B's address is
     * linear in p, so the JIT can check its bounds once, before the loop (dL/dW of 32 images, one thread: 10-14%
     * faster than through the table). Written out again, not shared with kernel8: each keeps its own JIT profile and
     * its sums in registers.
     */
    private static void kernel8Rows(int kc, float[] a, int r0, int r1, int r2, int r3, int r4, int r5, int r6, int r7,
                                    float[] pb, int so, float[] c, int co, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bp = so + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bp);
            FloatVector b1 = FloatVector.fromArray(S, pb, bp + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[r0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[r1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[r2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[r3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[r4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[r5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[r6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[r7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // written out, not through a helper: a helper that C2 does not inline makes it box the sums in the loop.
        // Without add, C = 0 + sum: the same bits (also for a sum of -0) as C zeroed first and then added to.
        FloatVector base0;
        FloatVector base1;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c00).intoArray(c, co);
        base1.add(c01).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c10).intoArray(c, co);
        base1.add(c11).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c20).intoArray(c, co);
        base1.add(c21).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c30).intoArray(c, co);
        base1.add(c31).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c40).intoArray(c, co);
        base1.add(c41).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c50).intoArray(c, co);
        base1.add(c51).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c60).intoArray(c, co);
        base1.add(c61).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c70).intoArray(c, co);
        base1.add(c71).intoArray(c, co + L);
    }

    /**
     * {@link #kernel8} with B's row p0 + p read from its own array, {@code rows[p0 + p][jj ..]}, instead of from a
     * packed panel: the same loads of A, the same sixteen fused multiply-adds per depth, the same chain. Written out
     * again for the reason {@link #kernel8Rows} is: each kernel keeps its own JIT profile and its sums in registers.
     */
    private static void kernel8RowArrays(int kc, float[] pa, int ao, float[][] rows, int p0, int jj, float[] c,
                                         int co, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            float[] row = rows[p0 + p];
            FloatVector b0 = FloatVector.fromArray(S, row, jj);
            FloatVector b1 = FloatVector.fromArray(S, row, jj + L);
            int ap = ao + p * 8;
            FloatVector x;
            x = FloatVector.broadcast(S, pa[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, pa[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, pa[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, pa[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, pa[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, pa[ap + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, pa[ap + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, pa[ap + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // written out, not through a helper: a helper that C2 does not inline makes it box the sums in the loop.
        // Without add, C = 0 + sum: the same bits (also for a sum of -0) as C zeroed first and then added to.
        FloatVector base0;
        FloatVector base1;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c00).intoArray(c, co);
        base1.add(c01).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c10).intoArray(c, co);
        base1.add(c11).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c20).intoArray(c, co);
        base1.add(c21).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c30).intoArray(c, co);
        base1.add(c31).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c40).intoArray(c, co);
        base1.add(c41).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c50).intoArray(c, co);
        base1.add(c51).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c60).intoArray(c, co);
        base1.add(c61).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c70).intoArray(c, co);
        base1.add(c71).intoArray(c, co + L);
    }

    /**
     * The 6 x 2L micro-kernel: C[0..6)[0..2L) += A-panel . B-panel over kc depths, with the 12 sums kept in
     * registers for the whole depth (each p: two loads of B, 6 broadcasts of A, 12 fused multiply-adds). The A panel
     * holds {@code panelRows} rows per depth: 6 where it is the machine's kernel (16 vector registers), 8 for a panel
     * of 6 rows on a machine with 32 (LeNet-5's first convolution, 6 filters: a quarter fewer multiply-adds than
     * the 8-row kernel, and C written directly instead of through the scratch tile).
     */
    private static void kernel6(int kc, float[] pa, int ao, int panelRows, float[] pb, int[] starts, int so,
                                float[] c, int co, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bp = starts[so + p];
            FloatVector b0 = FloatVector.fromArray(S, pb, bp);
            FloatVector b1 = FloatVector.fromArray(S, pb, bp + L);
            int ap = ao + p * panelRows;
            FloatVector x;
            x = FloatVector.broadcast(S, pa[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, pa[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, pa[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, pa[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, pa[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, pa[ap + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        // written out, not through a helper: a helper that C2 does not inline makes it box the sums in the loop.
        // Without add, C = 0 + sum: the same bits (also for a sum of -0) as C zeroed first and then added to.
        FloatVector base0;
        FloatVector base1;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c00).intoArray(c, co);
        base1.add(c01).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c10).intoArray(c, co);
        base1.add(c11).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c20).intoArray(c, co);
        base1.add(c21).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c30).intoArray(c, co);
        base1.add(c31).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c40).intoArray(c, co);
        base1.add(c41).intoArray(c, co + L);
        co += ldc;
        base0 = add ? FloatVector.fromArray(S, c, co) : FloatVector.zero(S);
        base1 = add ? FloatVector.fromArray(S, c, co + L) : FloatVector.zero(S);
        base0.add(c50).intoArray(c, co);
        base1.add(c51).intoArray(c, co + L);
    }
}
