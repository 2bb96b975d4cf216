package io.github.jcnn.kernels;


/**
 * Rearranges an image so that a convolution becomes one matrix product (im2col), and back (col2im).
 * <pre>
 *   image  (C, H, W)                          cols  (C*KH*KW rows, OH*OW columns)
 *   cols[(c*KH + u)*KW + v][i*OW + j] = image[c][i*S + u - PH][j*S + v - PW]     (0 outside the image)
 *
 *   convolution:  Y (F, OH*OW) = W (F, C*KH*KW) . cols        with W the (F, C, KH, KW) weight read as a matrix
 * </pre>
 * Column i*OW + j holds the C*KH*KW numbers the kernel sees when it sits at output position (i, j), in the same order
 * as one filter's weights, so a row of W times a column of cols is exactly one term of the convolution's sum.
 * Neighbouring windows overlap, so an image number appears in up to KH*KW columns: im2col copies it there, and
 * {@link #col2im} (its adjoint, used by backpropagation) <em>adds</em> all those copies back into one number.
 *
 * <p>An instance holds only the geometry and is immutable, so one instance can serve several threads; the arrays
 * are the caller's. Images and column matrices are read and written at offsets into flat {@code float[]} arrays
 * (one image of a batch, one scratch buffer).
 */
public final class Im2Col {

    private final int channels;
    private final int height;
    private final int width;
    private final int kernelHeight;
    private final int kernelWidth;
    private final int stride;
    private final int padHeight;
    private final int padWidth;
    private final int outHeight;
    private final int outWidth;
    /** For each row r = (c*KH + u)*KW + v of the column matrix: c*H*W + u*W + v, its image offset from the window. */
    private final int[] rowDelta;

    /**
     * The geometry of one convolution.
     *
     * @throws IllegalArgumentException if a size is not positive, a padding negative, or the padded image is smaller
     *                                  than the kernel
     */
    public Im2Col(int channels, int height, int width, int kernelHeight, int kernelWidth, int stride, int padHeight,
                  int padWidth) {
        if (channels < 1 || height < 1 || width < 1 || kernelHeight < 1 || kernelWidth < 1 || stride < 1
                || padHeight < 0 || padWidth < 0) {
            throw new IllegalArgumentException("bad convolution geometry: image " + channels + "x" + height + "x"
                    + width + ", kernel " + kernelHeight + "x" + kernelWidth + ", stride " + stride + ", padding "
                    + padHeight + "x" + padWidth);
        }
        if (height + 2 * padHeight < kernelHeight || width + 2 * padWidth < kernelWidth) {
            throw new IllegalArgumentException("the padded image " + (height + 2 * padHeight) + "x"
                    + (width + 2 * padWidth) + " is smaller than the kernel " + kernelHeight + "x" + kernelWidth);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kernelHeight = kernelHeight;
        this.kernelWidth = kernelWidth;
        this.stride = stride;
        this.padHeight = padHeight;
        this.padWidth = padWidth;
        this.outHeight = (height + 2 * padHeight - kernelHeight) / stride + 1;
        this.outWidth = (width + 2 * padWidth - kernelWidth) / stride + 1;
        int rows = channels * kernelHeight * kernelWidth;
        this.rowDelta = new int[rows];
        for (int r = 0; r < rows; r++) {
            int v = r % kernelWidth;
            int u = (r / kernelWidth) % kernelHeight;
            int c = r / (kernelWidth * kernelHeight);
            rowDelta[r] = (c * height + u) * width + v;
        }
    }

    /**
     * For each row r = (c*KH + u)*KW + v of the column matrix, c*H*W + u*W + v: where its window starts in the
     * image. The array itself, not a copy: callers in this package only read it.
     */
    int[] rowDeltas() {
        return rowDelta;
    }

    /** C, the channels of the image. */
    public int channels() {
        return channels;
    }

    /** H, the rows of the image. */
    public int height() {
        return height;
    }

    /** W, the columns of the image. */
    public int width() {
        return width;
    }

    /** KH, the rows of the kernel. */
    public int kernelHeight() {
        return kernelHeight;
    }

    /** KW, the columns of the kernel. */
    public int kernelWidth() {
        return kernelWidth;
    }

    /** S, how far the kernel moves between neighbouring outputs. */
    public int stride() {
        return stride;
    }

    /** PH, the rows of zeros added above and below the image. */
    public int padHeight() {
        return padHeight;
    }

    /** PW, the columns of zeros added left and right of the image. */
    public int padWidth() {
        return padWidth;
    }

    /** OH = floor((H + 2 PH - KH) / S) + 1. */
    public int outHeight() {
        return outHeight;
    }

    /** OW = floor((W + 2 PW - KW) / S) + 1. */
    public int outWidth() {
        return outWidth;
    }

    /** The number of rows of the column matrix: C*KH*KW, the numbers one kernel position sees. */
    public int rows() {
        return channels * kernelHeight * kernelWidth;
    }

    /** The number of columns of the column matrix: OH*OW, one per output position. */
    public int columns() {
        return outHeight * outWidth;
    }

    /** The number of floats in one image: C*H*W. */
    public int imageSize() {
        return channels * height * width;
    }

    /**
     * Writes rows {@code rowFrom} (inclusive) to {@code rowTo} (exclusive) of the column matrix, row
     * {@code rowFrom} going to {@code cols[colsOffset...]}: lets a thread build only the slice it needs.
     */
    public void im2colRows(float[] image, int imageOffset, int rowFrom, int rowTo, float[] cols, int colsOffset) {
        checkRange(image, imageOffset, imageSize(), "image");
        checkRange(cols, colsOffset, (rowTo - rowFrom) * columns(), "cols");
        int out = colsOffset;
        for (int row = rowFrom; row < rowTo; row++) {
            int v = row % kernelWidth;
            int u = (row / kernelWidth) % kernelHeight;
            int c = row / (kernelWidth * kernelHeight);
            int channelBase = imageOffset + c * height * width;
            for (int i = 0; i < outHeight; i++) {
                int h = i * stride + u - padHeight;
                if (h < 0 || h >= height) {
                    Elementwise.fill(cols, out, out + outWidth, 0f);
                    out += outWidth;
                    continue;
                }
                int rowBase = channelBase + h * width;
                // columns j whose image column w = j*S + v - PW lies inside [0, W)
                int jFirst = firstInside(v - padWidth);
                int jEnd = Math.max(jFirst, endInside(v - padWidth, width));
                for (int j = 0; j < jFirst; j++) {
                    cols[out + j] = 0f;
                }
                if (stride == 1) {
                    int w0 = jFirst + v - padWidth;
                    System.arraycopy(image, rowBase + w0, cols, out + jFirst, jEnd - jFirst);
                } else {
                    for (int j = jFirst; j < jEnd; j++) {
                        cols[out + j] = image[rowBase + j * stride + v - padWidth];
                    }
                }
                for (int j = jEnd; j < outWidth; j++) {
                    cols[out + j] = 0f;
                }
                out += outWidth;
            }
        }
    }

    /**
     * Writes the whole column matrix with row r into its own array {@code rows[r][0 .. columns())}: the layout
     * {@link Gemm#multiplyRows} reads without packing.
     */
    public void im2colRows(float[] image, int imageOffset, float[][] rows) {
        im2colRows(image, imageOffset, rows, 0);
    }

    /**
     * Like {@link #im2colRows(float[], int, float[][])}, but row r goes to {@code rows[r][at .. at + columns())}:
     * several images' column matrices side by side in the same row arrays, image k at {@code at = k * columns()}.
     */
    public void im2colRows(float[] image, int imageOffset, float[][] rows, int at) {
        if (rows.length < rows()) {
            throw new IllegalArgumentException("need " + rows() + " rows, got " + rows.length);
        }
        for (int r = 0; r < rows(); r++) {
            im2colRows(image, imageOffset, r, r + 1, rows[r], at);
        }
    }

    /**
     * Whether {@link #im2colWideRows} applies (stride 1, no padding) and pays: the wide layout computes
     * OH*W - (W - OW) positions instead of OH*OW, so it is used only when that is at most 1/2 more work
     * (LeNet's 32x32 first layer: 892 for 784, 14% more; its 14x14 second layer: 136 for 100, 36% more). The
     * extra products cost less than what the layout saves: one copy per row of the column matrix instead of one
     * per row and output row (measured at LeNet's second layer, per image: plain im2col ~18-30 us, wide ~3 us,
     * for a product of ~17-20 us).
     */
    public boolean wideLayoutPays() {
        return stride == 1 && padHeight == 0 && padWidth == 0 && 2L * wideColumns() <= 3L * columns();
    }

    /** The row length of the wide layout: (OH - 1)*W + OW, see {@link #im2colWideRows}. */
    public int wideColumns() {
        return (outHeight - 1) * width + outWidth;
    }

    /**
     * The column matrix in the <em>wide</em> layout, for stride 1 without padding: row r = (c, u, v) is
     * {@code rows[r][i*W + j] = image[c][i + u][j + v]} for every i &lt; OH and j &lt; W with i*W + j &lt;
     * {@link #wideColumns()}, which is one contiguous run of the image: one {@code System.arraycopy} per row instead
     * of one per row and output row. Columns i*W + j with j &lt; OW are exactly column i*OW + j of
     * {@link #im2colRows(float[], int, float[][])}; the others (j &ge; OW) straddle two image rows and are garbage
     * whose products the caller drops. Row r is written to {@code rows[r][at ...]}: several images side by side in
     * the same row arrays, image k at {@code at = k * wideColumns()}.
     *
     * @throws IllegalStateException if the stride is not 1 or there is padding
     */
    public void im2colWideRows(float[] image, int imageOffset, float[][] rows, int at) {
        if (stride != 1 || padHeight != 0 || padWidth != 0) {
            throw new IllegalStateException("the wide layout needs stride 1 and no padding: " + this);
        }
        checkRange(image, imageOffset, imageSize(), "image");
        if (rows.length < rows()) {
            throw new IllegalArgumentException("need " + rows() + " rows, got " + rows.length);
        }
        int length = wideColumns();
        for (int r = 0; r < rows(); r++) {
            System.arraycopy(image, imageOffset + rowDelta[r], rows[r], at, length);
        }
    }

    /** Per thread, the run-start table of {@link #im2colTransposedRowsSliding}, kept between calls. */
    private static final ThreadLocal<int[][]> RUN_STARTS = ThreadLocal.withInitial(() -> new int[1][0]);

    /** This thread's run-start table of at least {@code runs} entries (so a training step allocates none). */
    private static int[] runStarts(int runs) {
        int[][] holder = RUN_STARTS.get();
        if (holder[0].length < runs) {
            holder[0] = new int[runs];
        }
        return holder[0];
    }

    /**
     * The transpose of the column matrix, one kernel window per row array: {@code out[l][r] = cols[r][l]}, the window
     * under the kernel at output position l = i*OW + j into {@code out[l][0 .. rows())}, built by sliding: the window
     * at (i, j) is the one at (i, j - 1) moved S columns to the left, so it is copied from there in one
     * {@code System.arraycopy} and only its last S columns per kernel row are read from the image:
     * <pre>
     *   out[l][(c*KH + u)*KW + v] = out[l - 1][(c*KH + u)*KW + v + S]      for v &lt; KW - S  (same image number)
     *   out[l][(c*KH + u)*KW + v] = image[c][i*S + u - PH][j*S + v - PW]    for v &ge; KW - S  (0 outside the image)
     * </pre>
     * The first window of each output row (and every window when S &ge; KW, which share nothing) is read whole.
     * For LeNet's 5x5 kernels with stride 1 that is 1 number in 5 read from the image instead of every one, and no
     * lookup table: measured ~26 against ~35 us per 3x32x32 image, ~6.7 against ~8.1 per 6x14x14 one (against
     * gathering every window through a lookup table, the way this class did it before). The copy also moves numbers
     * across the boundary of two kernel rows; those are exactly the last S columns of each kernel row, which are then
     * overwritten.
     */
    public void im2colTransposedRowsSliding(float[] image, int imageOffset, float[][] out) {
        checkRange(image, imageOffset, imageSize(), "image");
        int rows = rows();
        if (out.length < columns()) {
            throw new IllegalArgumentException("need " + columns() + " rows, got " + out.length);
        }
        for (int l = 0; l < columns(); l++) {
            if (out[l].length < rows) {
                throw new IllegalArgumentException("row " + l + " has " + out[l].length + " floats, needs " + rows);
            }
        }
        int runs = channels * kernelHeight;
        int shared = kernelWidth - stride;   // columns of a kernel row the next window to the right shares
        int[] runStart = runStarts(runs);    // per kernel row (c, u): where its image row starts, or -1 outside
        int l = 0;
        for (int i = 0; i < outHeight; i++) {
            int top = i * stride - padHeight;
            for (int c = 0, k = 0; c < channels; c++) {
                for (int u = 0; u < kernelHeight; u++, k++) {
                    int h = top + u;
                    runStart[k] = h >= 0 && h < height ? imageOffset + (c * height + h) * width : -1;
                }
            }
            for (int j = 0; j < outWidth; j++, l++) {
                float[] row = out[l];
                int left = j * stride - padWidth;
                int vFrom = 0;
                if (j > 0 && shared > 0) {
                    System.arraycopy(out[l - 1], stride, row, 0, rows - stride);
                    vFrom = shared;
                }
                for (int v = vFrom; v < kernelWidth; v++) {
                    int w = left + v;
                    if (w < 0 || w >= width) {
                        for (int o = v; o < rows; o += kernelWidth) {
                            row[o] = 0f;
                        }
                    } else {
                        for (int k = 0, o = v; k < runs; k++, o += kernelWidth) {
                            int start = runStart[k];
                            row[o] = start >= 0 ? image[start + w] : 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * The adjoint of im2col ({@link #im2colRows(float[], int, int, int, float[], int)}): <em>adds</em> every entry of
     * the column matrix at {@code cols[colsOffset...]} to the image number it was copied from, in
     * {@code image[imageOffset...]}; entries that came from the padding are dropped. Zero the image first to get the
     * plain result. Used to turn dL/dcols into dL/dX.
     */
    public void col2im(float[] cols, int colsOffset, float[] image, int imageOffset) {
        col2im(cols, colsOffset, columns(), image, imageOffset);
    }

    /**
     * {@link #col2im(float[], int, float[], int)} for a column matrix whose rows start {@code ld} floats apart
     * (ld &ge; columns()): one image's block of a wider matrix that holds several images side by side.
     */
    public void col2im(float[] cols, int colsOffset, int ld, float[] image, int imageOffset) {
        checkRange(image, imageOffset, imageSize(), "image");
        if (ld < columns()) {
            throw new IllegalArgumentException("rows of " + columns() + " columns cannot start " + ld + " apart");
        }
        checkRange(cols, colsOffset, (rows() - 1) * ld + columns(), "cols");
        for (int row = 0; row < rows(); row++) {
            int in = colsOffset + row * ld;
            int v = row % kernelWidth;
            int u = (row / kernelWidth) % kernelHeight;
            int c = row / (kernelWidth * kernelHeight);
            int channelBase = imageOffset + c * height * width;
            int jFirst = firstInside(v - padWidth);
            int jEnd = endInside(v - padWidth, width);
            for (int i = 0; i < outHeight; i++) {
                int h = i * stride + u - padHeight;
                if (h >= 0 && h < height) {
                    int rowBase = channelBase + h * width + v - padWidth;
                    for (int j = jFirst; j < jEnd; j++) {
                        image[rowBase + j * stride] += cols[in + j];
                    }
                }
                in += outWidth;
            }
        }
    }

    /**
     * The adjoint of {@link #im2colWideRows}: adds {@code cols[colsOffset + r*ld + t]} to the image number that
     * row r's column t was copied from, for every row r and every t &lt; {@link #wideColumns()}: one contiguous run
     * per row instead of {@link #col2im}'s one run per row and output row. The garbage columns (t = i*W + j with
     * j &ge; OW) are added too, so the caller must make them zero; they are when the column matrix is W^T times an
     * output gradient laid out wide with zeros in those columns. Every image number receives its terms in the order
     * of the rows r, as in {@link #col2im}.
     *
     * <p>Written as the plain loops (row by row, {@code image[rowDelta(r) + t] += cols[r][t]}), each row would read
     * the numbers the row before it has just written one float further on, and a vector load that half overlaps a
     * vector store waits for that store to finish. So the loop runs the other way round: 8 image numbers at a time
     * held in registers, each row's terms for them added in the order of the rows, then written once. The same
     * terms in the same order for every number: the same bits (measured 27% faster for LeNet-5's second
     * convolution, 32 images: 301 against 221 us).
     *
     * @throws IllegalStateException if the stride is not 1 or there is padding
     */
    public void col2imWide(float[] cols, int colsOffset, int ld, float[] image, int imageOffset) {
        if (stride != 1 || padHeight != 0 || padWidth != 0) {
            throw new IllegalStateException("the wide layout needs stride 1 and no padding: " + this);
        }
        int length = wideColumns();
        checkRange(image, imageOffset, imageSize(), "image");
        if (ld < length) {
            throw new IllegalArgumentException("rows of " + length + " columns cannot start " + ld + " apart");
        }
        checkRange(cols, colsOffset, (rows() - 1) * ld + length, "cols");
        int plane = height * width;
        int taps = kernelHeight * kernelWidth;
        for (int c = 0; c < channels; c++) {
            int out = imageOffset + c * plane;
            int e = 0;
            for (; e + 8 <= plane; e += 8) {
                int o = out + e;
                float s0 = image[o];
                float s1 = image[o + 1];
                float s2 = image[o + 2];
                float s3 = image[o + 3];
                float s4 = image[o + 4];
                float s5 = image[o + 5];
                float s6 = image[o + 6];
                float s7 = image[o + 7];
                for (int r = c * taps; r < (c + 1) * taps; r++) {
                    // image number out + e + i came from row r's column t0 + i
                    int t0 = e - (rowDelta[r] - c * plane);
                    int in = colsOffset + r * ld + t0;
                    if (t0 >= 0 && t0 + 8 <= length) {
                        s0 += cols[in];
                        s1 += cols[in + 1];
                        s2 += cols[in + 2];
                        s3 += cols[in + 3];
                        s4 += cols[in + 4];
                        s5 += cols[in + 5];
                        s6 += cols[in + 6];
                        s7 += cols[in + 7];
                    } else if (t0 + 8 > 0 && t0 < length) {
                        // the row covers some of the eight: an if each (adding 0 to a -0 would not keep the bits)
                        if (inside(t0, length)) {
                            s0 += cols[in];
                        }
                        if (inside(t0 + 1, length)) {
                            s1 += cols[in + 1];
                        }
                        if (inside(t0 + 2, length)) {
                            s2 += cols[in + 2];
                        }
                        if (inside(t0 + 3, length)) {
                            s3 += cols[in + 3];
                        }
                        if (inside(t0 + 4, length)) {
                            s4 += cols[in + 4];
                        }
                        if (inside(t0 + 5, length)) {
                            s5 += cols[in + 5];
                        }
                        if (inside(t0 + 6, length)) {
                            s6 += cols[in + 6];
                        }
                        if (inside(t0 + 7, length)) {
                            s7 += cols[in + 7];
                        }
                    }
                }
                image[o] = s0;
                image[o + 1] = s1;
                image[o + 2] = s2;
                image[o + 3] = s3;
                image[o + 4] = s4;
                image[o + 5] = s5;
                image[o + 6] = s6;
                image[o + 7] = s7;
            }
            for (; e < plane; e++) {   // the plane's last numbers, one at a time
                float s = image[out + e];
                for (int r = c * taps; r < (c + 1) * taps; r++) {
                    int t = e - (rowDelta[r] - c * plane);
                    if (inside(t, length)) {
                        s += cols[colsOffset + r * ld + t];
                    }
                }
                image[out + e] = s;
            }
        }
    }

    private static boolean inside(int t, int length) {
        return t >= 0 && t < length;
    }

    /** The first output column j with j*S + shift &ge; 0. */
    private int firstInside(int shift) {
        if (shift >= 0) {
            return 0;
        }
        return Math.min(outWidth, (-shift + stride - 1) / stride);
    }

    /** One past the last output column j with j*S + shift &lt; width. */
    private int endInside(int shift, int width) {
        int limit = width - shift;   // need j*S < limit
        if (limit <= 0) {
            return 0;
        }
        return Math.min(outWidth, (limit + stride - 1) / stride);
    }

    private static void checkRange(float[] array, int offset, int length, String name) {
        if (offset < 0 || length < 0 || (long) offset + length > array.length) {
            throw new IllegalArgumentException(name + ": " + length + " floats at offset " + offset
                    + " do not fit in an array of " + array.length);
        }
    }

    @Override
    public String toString() {
        return "Im2Col[image " + channels + "x" + height + "x" + width + ", kernel " + kernelHeight + "x"
                + kernelWidth + ", stride " + stride + ", padding " + padHeight + "x" + padWidth + " -> "
                + rows() + "x" + columns() + "]";
    }
}
