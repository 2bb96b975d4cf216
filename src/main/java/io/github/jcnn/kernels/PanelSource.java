package io.github.jcnn.kernels;

/**
 * The right-hand matrix B (k x n) of a product, written on demand block by block into the layout {@link Gemm} wants:
 * row arrays for the auto-vectorised loops, panels of 2L columns for the vector GEMM. B stored flat ({@link #of}) or
 * as row arrays ({@link #ofRows}). (Writing a convolution's column matrix this way, straight from the image into the
 * panels, was tried and measured no faster than im2col into row arrays and a copy: see docs/performance.md.)
 * Implementations must write exactly the numbers of B; the product's order of additions does not depend on them.
 */
public interface PanelSource {

    /**
     * Writes B[p0 + p][j0 + j] to {@code rows[p][j]} for p &lt; depth and j &lt; width.
     */
    void rows(int p0, int depth, int j0, int width, float[][] rows);

    /**
     * Writes B[p0 + p][j0 + j] to {@code panel[offset + p*stride + j]} for p &lt; depth and j &lt; width, and zeros
     * to the columns j from width to stride - 1 of each row.
     */
    void panel(int p0, int depth, int j0, int width, float[] panel, int offset, int stride);

    /**
     * For the vector GEMM, a panel read where it lies instead of copied: when for each row p0 + p (p &lt; depth) the
     * columns j0 .. j0 + width - 1 are side by side in one array, returns that array and writes to
     * {@code starts[at + p]} the index of B[p0 + p][j0] in it; else returns null (the default) and the GEMM copies
     * the panel with {@link #panel}. A convolution's padded image is such a B: its rows are windows of the same
     * image, one float apart, and a panel of them is a few cache lines read again and again.
     */
    default float[] inPlace(int p0, int depth, int j0, int width, int[] starts, int at) {
        return null;
    }

    /**
     * For the vector GEMM, a panel whose rows each lie in one array as two runs a fixed distance apart: row p0 + p
     * has its columns j0 .. j0 + split - 1 from {@code starts[at + p]} on, and its columns j0 + split .. j0 + width - 1
     * from {@code starts[at + p] + split + gap} on. A convolution's panel that runs from one padded image into the
     * next is such a panel. Returns that array and writes split (0 &lt; split &lt; width) and gap to
     * {@code splitAndGap[0]} and {@code [1]}, with {@code starts[at + p] .. + width - 1} and
     * {@code starts[at + p] + gap + split .. + width - 1} inside the array (the GEMM may read width numbers from
     * each run's start and keep what it needs); else returns null (the default) and the GEMM copies the panel with
     * {@link #panel}.
     */
    default float[] inTwoRuns(int p0, int depth, int j0, int width, int[] starts, int at, int[] splitAndGap) {
        return null;
    }

    /**
     * B's rows as arrays of their own (row p is {@code rowArrays()[p]}, columns from 0), when it is given that way
     * ({@link #ofRows}); else null (the default). The vector GEMM copies full panels of such rows with vector moves.
     */
    default float[][] rowArrays() {
        return null;
    }

    /**
     * The columns of this B from {@code first} on: element [p][j] of the result is element [p][first + j] of this.
     * For a product shared out by columns, each thread's part a B of its own.
     */
    default PanelSource fromColumn(int first) {
        PanelSource b = this;
        return new PanelSource() {
            @Override
            public void rows(int p0, int depth, int j0, int width, float[][] rows) {
                b.rows(p0, depth, first + j0, width, rows);
            }

            @Override
            public void panel(int p0, int depth, int j0, int width, float[] panel, int offset, int stride) {
                b.panel(p0, depth, first + j0, width, panel, offset, stride);
            }

            @Override
            public float[] inPlace(int p0, int depth, int j0, int width, int[] starts, int at) {
                return b.inPlace(p0, depth, first + j0, width, starts, at);
            }

            @Override
            public float[] inTwoRuns(int p0, int depth, int j0, int width, int[] starts, int at, int[] splitAndGap) {
                return b.inTwoRuns(p0, depth, first + j0, width, starts, at, splitAndGap);
            }
        };
    }

    /** B stored flat: element [p][j] at {@code b[offset + p*depthStep + j*columnStep]}. */
    static PanelSource of(float[] b, int offset, int depthStep, int columnStep) {
        return new Flat().of(b, offset, depthStep, columnStep);
    }

    /**
     * {@link PanelSource#of(float[], int, int, int)} that can be pointed at another matrix: a loop that keeps one
     * allocates nothing per product.
     */
    final class Flat implements PanelSource {

        private float[] b;
        private int offset;
        private int depthStep;
        private int columnStep;

        /** Made by the kernels only. */
        Flat() {
        }

        /** This source, now for B at {@code b[offset + p*depthStep + j*columnStep]}. */
        Flat of(float[] b, int offset, int depthStep, int columnStep) {
            this.b = b;
            this.offset = offset;
            this.depthStep = depthStep;
            this.columnStep = columnStep;
            return this;
        }

        @Override
        public void rows(int p0, int depth, int j0, int width, float[][] rows) {
            for (int p = 0; p < depth; p++) {
                float[] row = rows[p];
                int from = offset + (p0 + p) * depthStep + j0 * columnStep;
                if (columnStep == 1) {
                    System.arraycopy(b, from, row, 0, width);
                } else {
                    for (int j = 0; j < width; j++, from += columnStep) {
                        row[j] = b[from];
                    }
                }
            }
        }

        @Override
        public void panel(int p0, int depth, int j0, int width, float[] panel, int at, int stride) {
            if (columnStep == 1) {
                for (int p = 0; p < depth; p++) {
                    int dst = at + p * stride;
                    System.arraycopy(b, offset + (p0 + p) * depthStep + j0, panel, dst, width);
                    if (width < stride) {
                        java.util.Arrays.fill(panel, dst + width, dst + stride, 0f);
                    }
                }
            } else {
                // B stored transposed: walk four stored rows (columns of B) front to back at a time, so that each
                // depth's four numbers are written side by side (one at a time, each store was to another cache
                // line: the copy took 46% of a 32 x 27 x 16384 product's time)
                int j = 0;
                for (; j + 4 <= width; j += 4) {
                    int from = offset + (j0 + j) * columnStep + p0 * depthStep;
                    for (int p = 0, to = at + j; p < depth; p++, from += depthStep, to += stride) {
                        panel[to] = b[from];
                        panel[to + 1] = b[from + columnStep];
                        panel[to + 2] = b[from + 2 * columnStep];
                        panel[to + 3] = b[from + 3 * columnStep];
                    }
                }
                for (; j < width; j++) {
                    int from = offset + (j0 + j) * columnStep + p0 * depthStep;
                    for (int p = 0, to = at + j; p < depth; p++, from += depthStep, to += stride) {
                        panel[to] = b[from];
                    }
                }
                for (int p = 0; width < stride && p < depth; p++) {
                    for (int t = at + p * stride + width, end = at + (p + 1) * stride; t < end; t++) {
                        panel[t] = 0f;
                    }
                }
            }
        }
    }

    /**
     * B stored flat and row by row, element [p][j] at {@code b[offset + p*ld + j]}, whose full panels the vector GEMM
     * reads where they lie ({@link #inPlace}) instead of copying them: for a B that many products share and that is
     * small enough to stay in the caches (a dense layer's W<sup>T</sup> in inference).
     */
    static PanelSource ofReadInPlace(float[] b, int offset, int ld) {
        PanelSource copied = of(b, offset, ld, 1);
        return new PanelSource() {
            @Override
            public void rows(int p0, int depth, int j0, int width, float[][] rows) {
                copied.rows(p0, depth, j0, width, rows);
            }

            @Override
            public void panel(int p0, int depth, int j0, int width, float[] panel, int at, int stride) {
                copied.panel(p0, depth, j0, width, panel, at, stride);
            }

            @Override
            public float[] inPlace(int p0, int depth, int j0, int width, int[] starts, int at) {
                for (int p = 0; p < depth; p++) {
                    starts[at + p] = offset + (p0 + p) * ld + j0;
                }
                return b;
            }
        };
    }

    /** B given as row arrays: element [p][j] is {@code rows[p][j]}. */
    static PanelSource ofRows(float[][] b) {
        return new Rows().of(b);
    }

    /** {@link PanelSource#ofRows} that can be pointed at other rows: a loop that keeps one allocates nothing. */
    final class Rows implements PanelSource {

        private float[][] b;

        /** Made by the kernels only. */
        Rows() {
        }

        /** This source, now for the rows {@code b} (null to let go of the last ones). */
        Rows of(float[][] b) {
            this.b = b;
            return this;
        }

        @Override
        public void rows(int p0, int depth, int j0, int width, float[][] rows) {
            for (int p = 0; p < depth; p++) {
                System.arraycopy(b[p0 + p], j0, rows[p], 0, width);
            }
        }

        @Override
        public void panel(int p0, int depth, int j0, int width, float[] panel, int at, int stride) {
            for (int p = 0; p < depth; p++) {
                int dst = at + p * stride;
                System.arraycopy(b[p0 + p], j0, panel, dst, width);
                java.util.Arrays.fill(panel, dst + width, dst + stride, 0f);
            }
        }

        @Override
        public float[][] rowArrays() {
            return b;
        }
    }
}
