package io.github.jcnn.kernels;

/**
 * dL/dx of a stride-2 convolution as four stride-1 products over dL/dy, one per <em>parity class</em> of dx, read in
 * place from dL/dy padded once: no column matrix, and no zeros multiplied.
 *
 * <p>The lecture's formula, dL/dx = the full convolution of dL/dy dilated by 2 with rot180(W), multiplies three
 * zeros out of four when the dilation is written out. Sorting the inputs by the parity of their row and column
 * shows why: input (h, w) met kernel tap (u, v) at output (i, j) when 2i + u - P = h and 2j + v - P = w, so for
 * {@code h = 2m + a} (a = 0 or 1) only the taps with {@code a + P - u} even reach it, from output row
 * {@code i = m + (a + P - u)/2}. For a 3x3 kernel with padding 1:
 * <pre>
 *   dx[c][2m][2n]         = sum_f  W[f][c][1][1] dy[f][m][n]
 *   dx[c][2m][2n + 1]     = sum_f  W[f][c][1][0] dy[f][m][n + 1] + W[f][c][1][2] dy[f][m][n]
 *   dx[c][2m + 1][2n]     = sum_f  W[f][c][0][1] dy[f][m + 1][n] + W[f][c][2][1] dy[f][m][n]
 *   dx[c][2m + 1][2n + 1] = sum_f  (the four corner taps, from dy rows m, m + 1 and columns n, n + 1)
 * </pre>
 * Each line is a stride-1 convolution of dL/dy with a kernel of 1, 2 or 4 of the nine taps: together the nine taps
 * once, the work of the forward pass. All four read dL/dy padded the same way, so it is padded once per image (by
 * {@link PaddedWide}, the layout of a stride-1 convolution over dL/dy whose window holds every tap's offset), and
 * each class's product reads only its taps' rows of that layout ({@code dx_ab (C x g*L) = W_ab (C x F*T) . B_ab}).
 * Each product's outputs are then written to their places in dx, every second row and column.
 *
 * <p>Every number of dx is one class's sum over (f, tap) in the GEMM's fixed order, whatever the grouping of the
 * images or the thread count. The sums are {@link ConvReference#inputGradient}'s, in another order, so the results
 * agree with it within rounding (Conv2DProperties).
 */
final class StrideTwoGradient {

    /** Images are multiplied a group at a time, to rows of about this many wide columns. */
    private static final int GROUP_COLUMNS = 1024;

    private final int channels;
    private final int height;
    private final int width;
    private final int filters;
    private final int kernelHeight;
    private final int kernelWidth;
    /** The stride-1 layout of padded dL/dy whose rows hold every tap's offset. */
    private final PaddedWide layout;
    /** Per class (2a + b): the layout restricted to the class's rows, (f, tap) for f = 0.. and its taps in order. */
    private final PaddedWide[] classes = new PaddedWide[4];
    /**
     * Per class: its taps in the order of its rows for one filter, as pairs (u*KW + v, the tap's place in the
     * layout's window): {@code taps[k][2i]} and {@code taps[k][2i + 1]}.
     */
    private final int[][] taps = new int[4][];
    /** Whether a class has no taps (a 1 x K or K x 1 kernel), so that dx is zeroed before the others are written. */
    private final boolean zeros;
    /** Images multiplied side by side in one product: wide rows of about {@value #GROUP_COLUMNS} columns. */
    private final int group;
    /** Per class: how many rows (m) and columns (n) of dx it holds. */
    private final int[] classRows = new int[4];
    private final int[] classColumns = new int[4];

    /** W_ab per class, rewritten on every call (the weights change between steps), and packed. */
    private final float[][] weights = new float[4][];
    private final float[][] panels = new float[4][];
    private final Gemm.Packed[] packed = {new Gemm.Packed(), new Gemm.Packed(), new Gemm.Packed(), new Gemm.Packed()};
    /** Per thread part: {padded dL/dy of a group, one class's product}, and a source per class. */
    private float[][][] buffers = new float[0][][];
    private PaddedWide.Source[][] sources = new PaddedWide.Source[0][];

    private StrideTwoGradient(int channels, int height, int width, int filters, int kernelHeight, int kernelWidth,
                              PaddedWide layout, int[][] taps, int[] classRows, int[] classColumns) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.filters = filters;
        this.kernelHeight = kernelHeight;
        this.kernelWidth = kernelWidth;
        this.layout = layout;
        this.group = Math.max(1, GROUP_COLUMNS / layout.wideColumns());
        int area = layout.kernelHeight() * layout.kernelWidth();
        boolean tapless = false;
        for (int k = 0; k < 4; k++) {
            this.taps[k] = taps[k];
            this.classRows[k] = classRows[k];
            this.classColumns[k] = classColumns[k];
            int t = taps[k].length / 2;
            tapless |= t == 0;
            int[] rows = new int[filters * t];
            for (int f = 0; f < filters; f++) {
                for (int i = 0; i < t; i++) {
                    rows[f * t + i] = f * area + taps[k][2 * i + 1];
                }
            }
            classes[k] = layout.restricted(rows);
            weights[k] = new float[channels * filters * t];
            panels[k] = new float[Gemm.packedSize(channels, filters * t)];
        }
        this.zeros = tapless;
    }

    /**
     * The plan for dL/dx of a stride-2 convolution of (channels, height, width) images with {@code filters} kernels
     * of kernelHeight x kernelWidth and the given padding, or null where it does not pay (maps so small that the
     * padded layout wastes more than half again).
     */
    static StrideTwoGradient of(int channels, int height, int width, int filters, int kernelHeight, int kernelWidth,
                                int padHeight, int padWidth) {
        int outHeight = (height + 2 * padHeight - kernelHeight) / 2 + 1;
        int outWidth = (width + 2 * padWidth - kernelWidth) / 2 + 1;
        int[] rowOffsets = offsets(height, kernelHeight, padHeight, outHeight);
        int[] columnOffsets = offsets(width, kernelWidth, padWidth, outWidth);
        // rowOffsets = {pad, window}: dL/dy padded by `pad`, and tap u of class a at window row (a + P - u)/2 + pad
        PaddedWide layout = new PaddedWide(filters, outHeight, outWidth, rowOffsets[1], columnOffsets[1],
                rowOffsets[0], columnOffsets[0]);
        if (!layout.pays()) {
            return null;
        }
        int[][] taps = new int[4][];
        int[] classRows = new int[4];
        int[] classColumns = new int[4];
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                int k = 2 * a + b;
                classRows[k] = (height - a + 1) / 2;
                classColumns[k] = (width - b + 1) / 2;
                int[] list = new int[2 * kernelHeight * kernelWidth];
                int t = 0;
                for (int u = 0; u < kernelHeight; u++) {
                    if (Math.floorMod(a + padHeight - u, 2) != 0) {
                        continue;
                    }
                    int row = (a + padHeight - u) / 2 + rowOffsets[0];
                    for (int v = 0; v < kernelWidth; v++) {
                        if (Math.floorMod(b + padWidth - v, 2) != 0) {
                            continue;
                        }
                        int column = (b + padWidth - v) / 2 + columnOffsets[0];
                        list[2 * t] = u * kernelWidth + v;
                        list[2 * t + 1] = row * columnOffsets[1] + column;
                        t++;
                    }
                }
                taps[k] = java.util.Arrays.copyOf(list, 2 * t);
            }
        }
        return new StrideTwoGradient(channels, height, width, filters, kernelHeight, kernelWidth, layout, taps,
                classRows, classColumns);
    }

    /**
     * For one direction (rows or columns) of a stride-2 convolution: {pad, window} such that dL/dy padded by pad on
     * both sides, read through a window of that many rows, holds every tap of both parity classes: input 2m + a
     * reads dL/dy at m + (a + P - u)/2 for the taps u with a + P - u even, which is window row (a + P - u)/2 + pad of
     * output m.
     */
    private static int[] offsets(int size, int kernel, int pad, int outSize) {
        int lowest = Integer.MAX_VALUE;
        int highest = Integer.MIN_VALUE;
        for (int a = 0; a < 2; a++) {
            for (int u = 0; u < kernel; u++) {
                if (Math.floorMod(a + pad - u, 2) == 0) {
                    int d = (a + pad - u) / 2;
                    lowest = Math.min(lowest, d);
                    highest = Math.max(highest, d);
                }
            }
        }
        // the window's outputs, outSize + padding - highest of them, must cover class 0's (size + 1) / 2 inputs
        int padding = Math.max(0, Math.max(-lowest, (size + 1) / 2 + highest - outSize));
        return new int[] {padding, highest + padding + 1};
    }

    /** dx (every number written) for the {@code batch} images' dL/dy, with the layer's weights w (F, C, KH, KW). */
    void inputGradient(float[] dy, int batch, float[] w, float[] dx) {
        int area = kernelHeight * kernelWidth;
        for (int k = 0; k < 4; k++) {
            int t = taps[k].length / 2;
            int depth = filters * t;
            float[] wk = weights[k];
            for (int c = 0; c < channels; c++) {
                for (int f = 0; f < filters; f++) {
                    for (int i = 0; i < t; i++) {
                        wk[c * depth + f * t + i] = w[(f * channels + c) * area + taps[k][2 * i]];
                    }
                }
            }
            if (depth > 0) {
                Gemm.pack(channels, depth, wk, 0, depth, panels[k], packed[k]);
            }
        }
        fit();
        if (Parallel.runsInline(batch)) {   // a chunk of the training step: no task object made
            range(dy, dx, 0, 0, batch);
        } else {
            Parallel.forRange(batch, (part, from, to) -> range(dy, dx, part, from, to));
        }
    }

    /** Images from..to-1, as thread part {@code part}, a group at a time. */
    private void range(float[] dy, float[] dx, int part, int from, int to) {
        int length = layout.wideColumns();
        int padded = layout.paddedSize();
        int outputSize = layout.imageSize();   // one image's dL/dy, F*OH*OW
        int imageSize = channels * height * width;
        float[] pad = buffers[part][0];
        float[] product = buffers[part][1];
        int count = to - from;
        int groups = (count + group - 1) / group;
        for (int g = 0; g < groups; g++) {
            int first = from + Parallel.start(count, groups, g);
            int images = from + Parallel.start(count, groups, g + 1) - first;
            int columns = images * length;
            for (int k = 0; k < images; k++) {
                layout.pad(dy, (first + k) * outputSize, pad, k * padded);
                if (zeros) {
                    Elementwise.fill(dx, (first + k) * imageSize, (first + k + 1) * imageSize, 0f);
                }
            }
            for (int k = 0; k < 4; k++) {
                if (classRows[k] == 0 || classColumns[k] == 0) {
                    continue;                     // an input of one row or column: no odd rows or columns
                }
                if (taps[k].length == 0) {
                    continue;                     // its inputs were under no tap (a 1 x K kernel): the zeros above
                }
                Gemm.multiply(packed[k], columns, sources[part][k].of(pad, 0, images, padded), product, 0, columns,
                        false);
                for (int n = 0; n < images; n++) {
                    scatter(product, columns, n * length, k, dx, (first + n) * imageSize);
                }
            }
        }
    }

    /**
     * Class {@code k}'s outputs of one image into dx: {@code dx[at + (c*H + 2m + a)*W + 2n + b] =
     * product[c*ld + from + m*S + n]}.
     */
    private void scatter(float[] product, int ld, int from, int k, float[] dx, int at) {
        int a = k >> 1;
        int b = k & 1;
        int rowsOf = classRows[k];
        int columnsOf = classColumns[k];
        int stride = layout.rowStride();
        for (int c = 0; c < channels; c++) {
            int src = c * ld + from;
            int dst = at + (c * height + a) * width + b;
            for (int m = 0; m < rowsOf; m++) {
                int s = src + m * stride;
                int d = dst + 2 * m * width;
                for (int n = 0; n < columnsOf; n++) {
                    dx[d + 2 * n] = product[s + n];
                }
            }
        }
    }

    /** The per-part buffers, grown to the library's thread count. */
    private void fit() {
        int parts = Parallel.threads();
        int length = layout.wideColumns();
        if (buffers.length < parts) {
            buffers = new float[parts][][];
            sources = new PaddedWide.Source[parts][];
            for (int i = 0; i < parts; i++) {
                buffers[i] = new float[][] {new float[group * layout.paddedSize()], new float[channels * group
                        * length]};
                sources[i] = new PaddedWide.Source[4];
                for (int k = 0; k < 4; k++) {
                    sources[i][k] = classes[k].newSource();
                }
            }
        }
    }
}
