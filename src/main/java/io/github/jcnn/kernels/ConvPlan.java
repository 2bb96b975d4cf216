package io.github.jcnn.kernels;

/**
 * How a convolution of one fixed shape is computed fast, a batch of images at a time: the forward pass and its two
 * gradients. The math is the lecture's, written as plain loops in {@link ConvReference}; a plan computes the same
 * sums grouped as matrix products ({@link Gemm}), and the tests check the two against each other on random shapes.
 * <pre>
 *   x (N, C, H, W)    w (F, C, KH, KW)    b (F) or null    y, dy (N, F, OH, OW)     flat row-major arrays
 *
 *   forward          y[n,f,i,j] = b[f] + sum_c sum_u sum_v  x[n, c, i*S + u - P, j*S + v - P] * w[f,c,u,v]
 *   inputGradient    dL/dx  = full convolution of dL/dy (dilated by S) with rot180(w), cropped by P
 *   weightGradient   dL/dw += valid convolution of x (padded by P) with dL/dy (dilated by S)
 * </pre>
 * {@link #of} picks the plan for a shape:
 * <ul>
 *   <li>{@link PaddedWidePlan}, for stride-1 convolutions (3x3 SAME) where it pays: one product over the
 *       zero-padded image without any column matrix ({@link PaddedWide}); a direction where it does not pay falls back
 *       to the im2col plan, and so do both gradients of a convolution without padding (LeNet-5's);</li>
 *   <li>{@link PaddedWidePlan} with {@link PaddedWide#strideTwo}'s parity planes for stride-2 convolutions (a
 *       kernel larger than 1x1): the padded image split once into its even and odd rows and columns and read in
 *       place by the forward pass (with im2col's sums and bits) and by dL/dW; dL/dx as four stride-1 products over
 *       dL/dy, one per parity class of dx ({@link StrideTwoGradient});</li>
 *   <li>in training, for 3x3 SAME convolutions of 16 channels and more in and out, the forward pass and dL/dx by
 *       {@link WinogradColumns4}: Winograd's F(4, 3) down the columns, half the multiplications, the plain sums
 *       within rounding;</li>
 *   <li>in inference, for large 3x3 SAME convolutions (VGG-16's, not the CIFAR networks'), {@link WinogradRows}:
 *       Winograd's F(2, 3) down the columns, a third fewer multiplications, the plain sums within rounding;</li>
 *   <li>{@link Im2ColPlan} for every other shape: the column matrix of each image ({@link Im2Col}) times the
 *       weights, dL/dx by col2im of W<sup>T</sup> &middot; dL/dy, dL/dW by {@link WeightGradient}.</li>
 * </ul>
 *
 * <p>Threads and determinism: the forward pass and dL/dx split the images over the {@link Parallel} threads in fixed
 * ranges (each image is independent); {@link #weightGradient} runs on the calling thread, its images one after the
 * other. Every output is the same sum in the same order whatever the thread count.
 *
 * <p>Memory: a plan keeps its training buffers (column matrices, products, the transposed or rotated weights) between
 * calls and reuses them while the batch size stays the same, so it belongs to one layer, and every replica of the
 * layer has a plan of its own. {@code forward(..., false)} writes none of them (its scratch is allocated per call),
 * so several threads may run inference through one plan at once.
 */
public interface ConvPlan {

    /**
     * The plan for a convolution of (channels, height, width) images by {@code filters} kernels of kernelHeight x
     * kernelWidth with the given stride and padding (already checked by the layer: sizes positive, the padded image
     * at least as large as the kernel).
     */
    static ConvPlan of(int channels, int height, int width, int filters, int kernelHeight, int kernelWidth,
                       int stride, int padHeight, int padWidth) {
        Im2ColPlan rows = new Im2ColPlan(new Im2Col(channels, height, width, kernelHeight, kernelWidth, stride,
                padHeight, padWidth), filters);
        if (stride == 2 && kernelHeight * kernelWidth > 1) {
            // the forward pass and dL/dW over the four parity planes read in place (the forward pass with the sums
            // and the bits of im2col's, which copies each input KH*KW/4 times), dL/dx over dL/dy's four parity
            // classes (StrideTwoGradient). Not for 1x1 kernels: they read one plane of the four, which im2col copies
            // alone, and their dL/dx is zero in three classes of four.
            PaddedWide parity = PaddedWide.strideTwo(channels, height, width, kernelHeight, kernelWidth, padHeight,
                    padWidth);
            return parity.pays() ? new PaddedWidePlan(parity, null, rows, true) : rows;
        }
        if (stride != 1) {
            return rows;
        }
        PaddedWide forward = new PaddedWide(channels, height, width, kernelHeight, kernelWidth, padHeight, padWidth);
        // dL/dx: dL/dy padded by K - 1 - P, which must not be negative
        int backHeight = kernelHeight - 1 - padHeight;
        int backWidth = kernelWidth - 1 - padWidth;
        PaddedWide backward = backHeight >= 0 && backWidth >= 0 ? new PaddedWide(filters, forward.outHeight(),
                forward.outWidth(), kernelHeight, kernelWidth, backHeight, backWidth) : null;
        boolean forwardPays = forward.pays();
        boolean backwardPays = backward != null && backward.pays();
        // in training, a 3x3 SAME layer of 16 channels or more in and out (the CIFAR networks' but the first):
        // Winograd's F(4, 3) for the forward pass and dL/dx, half the multiplications
        WinogradColumns4 columns4 = forwardPays && backwardPays && WinogradColumns4.takes(channels, height, width,
                filters, kernelHeight, kernelWidth, stride, padHeight, padWidth)
                ? new WinogradColumns4(channels, height, width, filters) : null;
        WinogradColumns4 gradientColumns4 = columns4 == null ? null
                : new WinogradColumns4(filters, height, width, channels);
        // inference of a large layer (VGG-16's): Winograd's F(2, 3), a third fewer multiplications, unless the
        // system property jcnn.winograd is false (then the plain sums, with their rounding)
        if (WinogradRows.takes(channels, height, width, filters, kernelHeight, kernelWidth, stride, padHeight,
                padWidth)
                && !"false".equalsIgnoreCase(System.getProperty("jcnn.winograd"))) {
            return new PaddedWidePlan(forwardPays ? forward : null, backwardPays ? backward : null, rows, forwardPays,
                    new WinogradRows(channels, height, width, filters), columns4, gradientColumns4);
        }
        if (padHeight == 0 && padWidth == 0) {
            // no padding (LeNet-5): the forward pass reads the windows in place from a copy of the image, the same
            // sums in the same order as im2col's wide layout and measured faster (LeNet-5's inference: 34,250 /
            // 30,145 / 34,134 against 42,688 / 42,803 / 40,376 images/s on one thread), and so does dL/dx, over
            // dL/dy padded by K - 1 (LeNet-5's second convolution: 16 channels of 10x10 padded to 18x18 for 6 of
            // 14x14, instead of W^T . dy and col2im); dL/dW stays with im2col (VectorWeightGradient for few filters)
            if (!forwardPays && !backwardPays) {
                return rows;
            }
            return new PaddedWidePlan(forwardPays ? forward : null, backwardPays ? backward : null, rows, false);
        }
        if (!forwardPays && !backwardPays) {
            return rows;
        }
        return new PaddedWidePlan(forwardPays ? forward : null, backwardPays ? backward : null, rows, forwardPays,
                null, columns4, gradientColumns4);
    }

    /**
     * y = the convolution of {@code batch} images x with w, plus b: every number of y is written.
     *
     * @param training true to use (and keep) this plan's buffers; false to allocate scratch per call and write no
     *                 field, so that several threads may run it at once
     */
    void forward(float[] x, int batch, float[] w, float[] b, float[] y, boolean training);

    /** dx = dL/dx of {@code batch} images from their dy: every number of dx is written. Uses the training buffers. */
    void inputGradient(float[] dy, int batch, float[] w, float[] dx);

    /**
     * dw += dL/dw of the {@code count} images from image {@code first} on (x and dy both hold a whole batch), summed
     * image after image on the calling thread; safe to call from several threads at once (its scratch is per thread).
     * x may be null when {@link #keepsInput} said yes for the batch of the last {@code forward(..., true)}: the
     * images that pass saw are then used.
     */
    void weightGradient(float[] x, float[] dy, int first, int count, float[] dw);

    /**
     * This plan prepared for an inference run over many chunks with the kernels {@code w} as they are now (laid out
     * once for all the chunks and threads, where the plan lays them out at all), or this plan itself. The plan
     * returned gives the same numbers; its inference pass must be given the same w, and a run that holds the
     * weights fixed. This plan by default.
     */
    default ConvPlan forInference(float[] w) {
        return this;
    }

    /**
     * Whether {@code forward(x, batch, ..., true)} keeps what {@link #weightGradient} needs of x (a padded copy it
     * makes anyway), so that the layer need not keep x itself for the backward pass. No by default.
     */
    default boolean keepsInput(int batch) {
        return false;
    }
}
