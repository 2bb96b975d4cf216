package io.github.jcnn.kernels;

/**
 * Max pooling kernels: the plain loop for any window K and stride S, and a fast path for the common 2 x 2 window
 * with stride 2.
 * <pre>
 *   y[plane, i, j] = x[argmax],  argmax = the first (row-major) position of the maximum of the window at (i*S, j*S),
 *                                 or the last NaN of the window if it holds one (PyTorch's rule)
 *
 *   x  (planes, H, W)     y, argmax  (planes, OH, OW)     OH = floor((H - K) / S) + 1,  OW = floor((W - K) / S) + 1
 * </pre>
 * A plane is one channel of one image. {@code argmax} holds flat indices into {@code x} (so backward can scatter
 * without knowing the shape); it may be null when the caller does not need it (inference).
 *
 * <h2>How the 2 x 2 path is fast</h2>
 * The reference loop {@code if (x[row + b] > x[best]) best = row + b} takes three compare-and-branch steps per
 * window; on a convolution's raw output (random signs) about one of the three goes the unpredicted way, and the
 * mispredictions cost more than the rest of the work. {@link #maxPool2x2} reads a window's four numbers a, b, c, d
 * (two input rows at a time) and makes the same three comparisons without branches:
 * <pre>
 *   gb = b &gt; a                  m1 = max(a, b)
 *   gc = c &gt; m1                 m2 = max(m1, c)
 *   gd = d &gt; m2                 winner = the last of (0, 1 if gb, 2 if gc, 3 if gd),   y = x[winner]
 * </pre>
 * A comparison turned into an int compiles to compare-and-set (no jump), {@link Math#max} to a branch-free
 * intrinsic, and the winner's code 0..3 is put together with bit operations. Strict {@code >} keeps the first
 * maximum on ties, as in the reference. {@code Math.max} differs from the reference's running maximum in two ways
 * only, and neither changes a later comparison: between -0 and +0 it takes +0 (equal under {@code >}), and it
 * propagates NaN (below). The output is read back from {@code x} at the winner, so its bits (a -0, say) are the
 * reference's. Without winners to record (inference) the output is max(max(a, b), max(c, d)) alone; its only
 * branch is for a maximum of zero, where the sign of the first zero is wanted (rare on a convolution's raw output,
 * 1 window in 16 after a ReLU).
 *
 * <p>NaN: a window holding a NaN pools to NaN, as in PyTorch ({@code max_pool2d} on {@code [1, NaN, 2, 3]} gives
 * NaN): a NaN beats every number, and a later NaN beats an earlier one, so the winner (which gets the gradient) is
 * the window's last NaN in row-major order, PyTorch's index too. A plain {@code >} would hide a NaN that is not first
 * (nothing compares greater than a NaN): a network fed a NaN would answer with finite nonsense. The fast loops
 * notice a NaN anywhere in a plane (the window's maximum through {@code Math.max} is NaN exactly when one of the four
 * is) and redo that plane with the reference loop, so the results are the reference's bit for bit for every input,
 * and a plane without NaN costs the same as before. {@code PoolingProperties} checks this against the reference on
 * random shapes, odd sizes, and data full of ties, zeros of both signs, infinities and NaNs.
 *
 * <p>Measured with {@code PoolBench} (a chunk of 16 LeNet-5 first-pool images, 6 x 28 x 28 random normal numbers,
 * JDK 17, a busy 2-core machine): training forward ~12 us per image with the plain loop, ~6.4 with this one; inference
 * ~12 and ~3.6. Candidates that did not pay, in one interleaved run where the plain loop took 10.6 us: the same
 * branches unrolled for 2 x 2 (16.5); selecting the winner's index with three int selects instead of the code (7.5,
 * against 6.6 for the code); branch-free arithmetic on integer keys made from the float bits (12.5: about 60
 * scalar operations per window); a first pass taking the two rows' maximum column by column with {@code Math.max}
 * and a second pass over column pairs (8.2; the second pass reads with a stride of 2, which C2 does not vectorise,
 * and the int-key version of the first pass was not vectorised at all: {@code -XX:-UseSuperWord} changed nothing);
 * storing the winner as a byte code 0..3 (backward then rebuilds the index from the shape: ~3 us against ~1).
 * Backward stays the reference's scatter; {@link #maxPoolBackwardDisjoint} only skips reading dx back.
 *
 * <p>Where the Vector API is in use, {@link VectorPooling} makes the same three choices for eight windows at once
 * (eight pairs a, b read as eight longs from one vector load, and split into a's and b's by narrowing). With
 * winners, 6 to 8 times the scalar kernel's speed on rows of 8 to 16 windows and about 4 times on rows of 4 and 5;
 * without, 2 to 5 times (chunks of 32 images of LeNet-5's and {@code vgg}'s pools, one thread).
 */
public final class Pooling {

    /**
     * Whether {@link #maxPool2x2} runs {@link VectorPooling}'s kernel, eight windows at a time: when the Vector API is
     * in use ({@link Simd}) and the machine's vectors hold sixteen floats.
     */
    static final boolean VECTOR = Simd.VECTOR && VectorPooling.WORKS;

    private Pooling() {
    }

    /**
     * Max pooling of planes [from, to): the plain loop, for any window and stride, and the oracle of the tests.
     *
     * @param argmax receives, for each output, the flat index into x of its window's (first) maximum; may be null
     */
    public static void maxPoolReference(float[] x, float[] y, int[] argmax, int from, int to,
                                        int height, int width, int poolSize, int stride) {
        int outHeight = (height - poolSize) / stride + 1;
        int outWidth = (width - poolSize) / stride + 1;
        for (int plane = from; plane < to; plane++) {
            int inBase = plane * height * width;
            int outBase = plane * outHeight * outWidth;
            int nan = 0;
            for (int i = 0; i < outHeight; i++) {
                for (int j = 0; j < outWidth; j++) {
                    int best = inBase + (i * stride) * width + j * stride;
                    for (int a = 0; a < poolSize; a++) {
                        int row = inBase + (i * stride + a) * width + j * stride;
                        for (int b = 0; b < poolSize; b++) {
                            float v = x[row + b];
                            nan |= v != v ? 1 : 0;
                            if (v > x[best]) {   // strict: the first maximum wins ties
                                best = row + b;
                            }
                        }
                    }
                    y[outBase + i * outWidth + j] = x[best];
                    if (argmax != null) {
                        argmax[outBase + i * outWidth + j] = best;
                    }
                }
            }
            if (nan != 0) {
                maxPoolPlaneWithNan(x, y, argmax, plane, height, width, poolSize, stride);
            }
        }
    }

    /**
     * One plane of {@link #maxPoolReference} holding a NaN: the same loop with "or a NaN" in the comparison, so that
     * a window's last NaN wins. Kept apart so that the common, NaN-free loop has one comparison per number (the
     * second one, in the loop itself, made it about 3 times slower).
     */
    private static void maxPoolPlaneWithNan(float[] x, float[] y, int[] argmax, int plane, int height, int width,
                                            int poolSize, int stride) {
        int outHeight = (height - poolSize) / stride + 1;
        int outWidth = (width - poolSize) / stride + 1;
        int inBase = plane * height * width;
        int outBase = plane * outHeight * outWidth;
        for (int i = 0; i < outHeight; i++) {
            for (int j = 0; j < outWidth; j++) {
                int best = inBase + (i * stride) * width + j * stride;
                for (int a = 0; a < poolSize; a++) {
                    int row = inBase + (i * stride + a) * width + j * stride;
                    for (int b = 0; b < poolSize; b++) {
                        float v = x[row + b];
                        if (v > x[best] || v != v) {   // the first maximum wins ties; any NaN wins, the last one
                            best = row + b;
                        }
                    }
                }
                y[outBase + i * outWidth + j] = x[best];
                if (argmax != null) {
                    argmax[outBase + i * outWidth + j] = best;
                }
            }
        }
    }

    /**
     * {@link #maxPoolReference} with a 2 x 2 window and stride 2, bit for bit, without branches on the data: eight
     * windows at a time ({@link VectorPooling}) where the Vector API is in use, else one at a time
     * ({@link #maxPool2x2Scalar}).
     *
     * @param argmax receives, for each output, the flat index into x of its window's (first) maximum; may be null
     */
    public static void maxPool2x2(float[] x, float[] y, int[] argmax, int from, int to, int height, int width) {
        if (VECTOR) {
            VectorPooling.maxPool2x2(x, y, argmax, from, to, height, width);
        } else {
            maxPool2x2Scalar(x, y, argmax, from, to, height, width);
        }
    }

    /** {@link #maxPool2x2} one window at a time, as described above. */
    static void maxPool2x2Scalar(float[] x, float[] y, int[] argmax, int from, int to, int height, int width) {
        if (argmax == null) {
            maxPool2x2Values(x, y, from, to, height, width);
            return;
        }
        int outHeight = height / 2;
        int outWidth = width / 2;
        for (int plane = from; plane < to; plane++) {
            int inBase = plane * height * width;
            int nan = 0;
            for (int i = 0; i < outHeight; i++) {
                int top = inBase + 2 * i * width;            // window (i, j) is a b / c d, a at top + 2j
                int out = (plane * outHeight + i) * outWidth;
                for (int j = 0; j < outWidth; j++) {
                    int p = top + 2 * j;
                    float a = x[p];
                    float b = x[p + 1];
                    float c = x[p + width];
                    float d = x[p + width + 1];
                    int gb = b > a ? 1 : 0;
                    float m1 = Math.max(a, b);
                    int gc = c > m1 ? 1 : 0;
                    float m2 = Math.max(m1, c);
                    int gd = d > m2 ? 1 : 0;
                    float m3 = Math.max(m2, d);
                    nan |= m3 != m3 ? 1 : 0;
                    // the last comparison that held: 3 if gd, else 2 if gc, else gb (1 or 0)
                    int code = (gb & (gc - 1)) | (gc << 1) | (-gd & 3);
                    int best = p + (code >> 1) * width + (code & 1);
                    y[out + j] = x[best];
                    argmax[out + j] = best;
                }
            }
            if (nan != 0) {   // a NaN somewhere in this plane: Math.max and the reference part ways, so redo it
                maxPool2x2Plane(x, y, argmax, plane, height, width);
            }
        }
    }

    /**
     * {@link #maxPool2x2} without the winners (inference): y is max(max(a, b), max(c, d)), which has the reference's
     * bits unless it is a zero (-0 and +0 tie; the reference keeps the first, {@code Math.max} prefers +0: that rare
     * case takes the first zero) or a NaN (the plane is redone with the reference loop).
     */
    private static void maxPool2x2Values(float[] x, float[] y, int from, int to, int height, int width) {
        int outHeight = height / 2;
        int outWidth = width / 2;
        for (int plane = from; plane < to; plane++) {
            int inBase = plane * height * width;
            int nan = 0;
            for (int i = 0; i < outHeight; i++) {
                int top = inBase + 2 * i * width;
                int out = (plane * outHeight + i) * outWidth;
                for (int j = 0; j < outWidth; j++) {
                    int p = top + 2 * j;
                    float a = x[p];
                    float b = x[p + 1];
                    float c = x[p + width];
                    float d = x[p + width + 1];
                    float m = Math.max(Math.max(a, b), Math.max(c, d));
                    nan |= m != m ? 1 : 0;
                    if (m == 0f) {   // all four are 0 or below: the first zero wins, with its sign
                        m = a == 0f ? a : b == 0f ? b : c == 0f ? c : d;
                    }
                    y[out + j] = m;
                }
            }
            if (nan != 0) {
                maxPool2x2Plane(x, y, null, plane, height, width);
            }
        }
    }

    /** One plane of a 2 x 2 max pool by the reference loop, for a plane holding a NaN. */
    static void maxPool2x2Plane(float[] x, float[] y, int[] argmax, int plane, int height, int width) {
        maxPoolPlaneWithNan(x, y, argmax, plane, height, width, 2, 2);
    }

    /**
     * Backward for any window and stride: dx[argmax[o]] += dy[o] for o in [from, to). The plain loop, and the oracle
     * of the tests. Overlapping windows (S &lt; K) may share a winner; their gradients add.
     */
    public static void maxPoolBackwardReference(float[] dy, int[] argmax, float[] dx, int from, int to) {
        for (int o = from; o < to; o++) {
            dx[argmax[o]] += dy[o];
        }
    }

    /**
     * {@link #maxPoolBackwardReference} on a zeroed dx for windows that do not overlap (S &ge; K), where no input wins
     * two windows: dx[argmax[o]] = 0 + dy[o], the same sum without reading dx back (the 0 + keeps the bits of the
     * reference's sum, +0 for a dy of -0).
     */
    public static void maxPoolBackwardDisjoint(float[] dy, int[] argmax, float[] dx, int from, int to) {
        for (int o = from; o < to; o++) {
            dx[argmax[o]] = 0f + dy[o];
        }
    }
}
