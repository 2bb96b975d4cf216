package io.github.jcnn.layers;

import io.github.jcnn.kernels.ConvReference;
import io.github.jcnn.kernels.Elementwise;
import io.github.jcnn.kernels.Gemm;
import io.github.jcnn.kernels.Im2Col;
import io.github.jcnn.kernels.PaddedWide;
import io.github.jcnn.kernels.PanelSource;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.kernels.WeightGradient;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A 2-D convolution: F filters, each a KH x KW window over all C input channels, slid over the image with stride S.
 * <pre>
 *   input   x (N, C, H, W)        weight W (F, C, KH, KW)        bias b (F)        output y (N, F, OH, OW)
 *
 *   y[n,f,i,j] = b[f] + sum_c sum_u sum_v  x[n, c, i*S + u - P, j*S + v - P] * W[f,c,u,v]     (0 outside x)
 *
 *   OH = floor((H + 2P - KH) / S) + 1          OW = floor((W + 2P - KW) / S) + 1
 *   parameters: F * C * KH * KW weights + F biases, e.g. 20 filters of 3x3x3: (3*3*3 + 1) * 20 = 560
 * </pre>
 * As in PyTorch's {@code Conv2d} (and the lecture) this is a cross-correlation: the kernel is not flipped. P is the
 * {@link Padding}: {@link Padding#VALID} (0), {@link Padding#SAME} ((K - 1) / 2, worked out per axis) or
 * {@link Padding#of(int)}. Weights start at zero until {@link #initialize} draws them with fanIn = C*KH*KW and
 * fanOut = F*KH*KW; biases start at zero (and stay so, except with {@link WeightInit#PYTORCH}).
 *
 * <p>Computation: the fast path of {@code kernels/}. Per image, {@link Im2Col} lays the C*KH*KW numbers under each
 * of the OH*OW kernel positions out as the columns of a matrix, and the whole convolution becomes one product,
 * computed by {@link Gemm}: {@code y_n (F x OH*OW) = W (F x CKK) . cols_n (CKK x OH*OW) + b}. Backward uses the
 * same two pieces: {@code dW += dy_n . cols_n^T} ({@link WeightGradient}) and {@code dx_n = col2im(W^T . dy_n)}.
 * Two refinements keep the product's rows long and the copies few: for stride 1 without padding the column matrix
 * is built in the wide layout ({@link Im2Col#im2colWideRows}: one copy per row), and small output maps are
 * multiplied several images at a time, side by side. The tests check all of it against {@link ConvReference}, the
 * lecture's formulas written as plain loops.
 *
 * <p>Threads and determinism: images are split into fixed ranges over the {@link Parallel} threads for the forward
 * pass and for dL/dx (each image is independent). For dL/dW the batch is cut into fixed chunks of 16 consecutive
 * images (the cut depends on the batch size only); each chunk's images are summed into a partial gradient, and the
 * partials are added in chunk order on the calling thread. Every weight gradient is thus the same sum taken in the
 * same order whatever the thread count: training is bit-identical with 1, 2 or 16 threads. dL/db is summed on the
 * calling thread, in order. (Sequential.fit usually calls a layer with one chunk of 32 images per thread, through
 * {@link #replica}; a layer's own splitting matters when it is trained on whole batches.)
 *
 * <p>Memory: {@code forward(x, true)} keeps a copy of x for backward; scratch buffers (one column matrix per thread)
 * are kept and reused while the batch size stays the same, and so are the training output and dL/dx tensors (valid
 * until the next training forward / backward). {@code forward(x, false)} writes no field: its output and scratch
 * is allocated per call (one buffer per thread, not per image), so several threads may run inference at once.
 */
public final class Conv2D implements Layer {

    /** Small output maps are multiplied several images at a time, to rows of about this many columns. */
    private static final int GROUP_COLUMNS = 512;

    /** The same for the padded wide layout ({@link PaddedWide}). */
    private static final int WIDE_GROUP_COLUMNS = Integer.getInteger("jcnn.wg", 1024);

    /** For dL/dW the batch is cut into chunks of about this many images, whatever the thread count. */
    private static final int WEIGHT_GRADIENT_IMAGES = 16;

    private final Shape inputShape;
    private final Shape outputShape;
    private final int inChannels;
    private final int filters;
    private final int kernelHeight;
    private final int kernelWidth;
    private final int stride;
    private final Padding padding;
    private final int padHeight;
    private final int padWidth;
    private final boolean hasBias;
    private final Parameter weight;
    private final Parameter bias;
    private final Im2Col im2col;
    /** For stride 1 where it pays: the forward pass as one product over the padded image; else null. */
    private final PaddedWide forwardPlan;
    /** For stride 1 where it pays: dL/dx as the full convolution of dL/dy with the rotated kernel; else null. */
    private final PaddedWide backwardPlan;

    /** Whether backward computes dL/dx; false for a network's first layer, whose input needs no gradient. */
    private boolean inputGradientNeeded = true;
    /** Copy of the last training batch, for backward; null before the first training forward. */
    private float[] savedInput;
    /** The batch size of {@link #savedInput}. */
    private int savedBatch;
    /** One column-matrix buffer per thread part, reused across training steps. */
    private float[][] scratch = new float[0][];
    /** Per thread part: the column matrix as row arrays (C*KH*KW rows of OH*OW), for Gemm.multiplyRows. */
    private float[][][] columnRows = new float[0][][];
    /**
     * Per thread part, for the wide im2col layout or grouped images: the F x (row length) product before it is
     * copied out to y.
     */
    private float[][] products = new float[0][];
    /** W^T for the grouped dL/dx, see {@link #transposedWeight()}. */
    private float[] weightT = new float[0];
    /** Per thread part: dL/dy of a group of images as F row arrays, for the grouped dL/dx. */
    private float[][][] gradientRows = new float[0][][];
    /** Per chunk of the batch: its partial dL/dW (F*C*KH*KW floats). */
    private float[][] weightPartials = new float[0][];
    /** Per thread part, {padded images, wide product} for {@link #forwardPaddedWide} and for dL/dx. */
    private float[][][] wideBuffers = new float[0][][];
    private float[][][] wideGradientBuffers = new float[0][][];
    /** W' = rot180(W) with its channels swapped, rewritten on every backward (the weights change between steps). */
    private float[] rotatedWeight = new float[0];
    /** Training output and input gradient, reused while the batch size stays the same. */
    private Tensor outputBuffer;
    private Tensor gradientBuffer;

    /**
     * A convolution with stride 1, no padding and a bias: the lecture's basic layer.
     *
     * @param inputShape  one input sample (C, H, W)
     * @param filters     F, the number of output channels
     * @param kernelSize  K, for a K x K kernel
     */
    public Conv2D(Shape inputShape, int filters, int kernelSize) {
        this(inputShape, filters, kernelSize, kernelSize, 1, Padding.VALID, true);
    }

    /**
     * A convolution with every setting.
     *
     * @param inputShape   one input sample (C, H, W)
     * @param filters      F, the number of output channels, at least 1
     * @param kernelHeight KH, rows of the kernel, at least 1
     * @param kernelWidth  KW, columns of the kernel, at least 1
     * @param stride       S, how far the kernel moves between outputs, at least 1
     * @param padding      zeros around the input: {@link Padding#VALID}, {@link Padding#SAME} or
     *                     {@link Padding#of(int)}
     * @param bias         whether to add a learned bias per filter
     * @throws IllegalArgumentException if the input is not (C, H, W), a size is not positive, SAME is asked with an
     *                                  even kernel, or the (padded) input is smaller than the kernel
     */
    public Conv2D(Shape inputShape, int filters, int kernelHeight, int kernelWidth, int stride, Padding padding,
                  boolean bias) {
        this(inputShape, filters, kernelHeight, kernelWidth, stride, padding, bias, null);
    }

    /** The full constructor; with a {@code source}, the parameters share its values (see {@link #replica}). */
    private Conv2D(Shape inputShape, int filters, int kernelHeight, int kernelWidth, int stride, Padding padding,
                   boolean bias, Conv2D source) {
        if (padding == null) {
            throw new IllegalArgumentException("Conv2D: padding must not be null; use Padding.VALID for none");
        }
        String description = "Conv2D (" + kernelHeight + "x" + kernelWidth + ", stride " + stride + ", " + padding
                + ")";
        if (inputShape.rank() != 3) {
            throw new IllegalArgumentException(description + ": input must be one image (C, H, W), got "
                    + inputShape);
        }
        if (filters < 1 || kernelHeight < 1 || kernelWidth < 1 || stride < 1) {
            throw new IllegalArgumentException(description + ": filters, kernel size and stride must be at least 1,"
                    + " got " + filters + " filters");
        }
        int ph;
        int pw;
        try {
            ph = padding.amount(kernelHeight);
            pw = padding.amount(kernelWidth);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(description + ": " + e.getMessage(), e);
        }
        int channels = inputShape.dim(0);
        int height = inputShape.dim(1);
        int width = inputShape.dim(2);
        if (height + 2 * ph < kernelHeight || width + 2 * pw < kernelWidth) {
            String padded = ph == 0 && pw == 0 ? ""
                    : " (" + (height + 2 * ph) + "x" + (width + 2 * pw) + " with padding)";
            throw new IllegalArgumentException(description + ": input is " + height + "x" + width + "x" + channels
                    + padded + " but the kernel needs at least " + kernelHeight + "x" + kernelWidth);
        }
        this.inputShape = inputShape;
        this.inChannels = channels;
        this.filters = filters;
        this.kernelHeight = kernelHeight;
        this.kernelWidth = kernelWidth;
        this.stride = stride;
        this.padding = padding;
        this.padHeight = ph;
        this.padWidth = pw;
        this.hasBias = bias;
        this.im2col = new Im2Col(channels, height, width, kernelHeight, kernelWidth, stride, ph, pw);
        this.outputShape = Shape.of(filters, im2col.outHeight(), im2col.outWidth());
        // padded stride-1 convolutions (3x3 SAME): without padding the wide layout of Im2Col is used, measured faster
        // there (LeNet-5: few filters and channels, where copying rows costs less than a larger product)
        boolean padded = ph > 0 || pw > 0;
        PaddedWide forward = stride == 1 && padded ? new PaddedWide(channels, height, width, kernelHeight, kernelWidth, ph, pw)
                : null;
        this.forwardPlan = forward != null && forward.pays() ? forward : null;
        PaddedWide backward = stride == 1 && padded && kernelHeight - 1 - ph >= 0 && kernelWidth - 1 - pw >= 0
                ? new PaddedWide(filters, im2col.outHeight(), im2col.outWidth(), kernelHeight, kernelWidth,
                kernelHeight - 1 - ph, kernelWidth - 1 - pw) : null;
        this.backwardPlan = backward != null && backward.pays() ? backward : null;
        if (source == null) {
            this.weight = new Parameter("weight", Shape.of(filters, channels, kernelHeight, kernelWidth));
            this.bias = bias ? new Parameter("bias", Shape.of(filters)) : null;
        } else {
            this.weight = new Parameter("weight", source.weight.value());
            this.bias = bias ? new Parameter("bias", source.bias.value()) : null;
        }
    }

    @Override
    public String type() {
        return "Conv2D";
    }

    @Override
    public Shape inputShape() {
        return inputShape;
    }

    @Override
    public Shape outputShape() {
        return outputShape;
    }

    /** C, the channels of the input. */
    public int inChannels() {
        return inChannels;
    }

    /** F, the number of filters (output channels). */
    public int filters() {
        return filters;
    }

    /** KH, the kernel's rows. */
    public int kernelHeight() {
        return kernelHeight;
    }

    /** KW, the kernel's columns. */
    public int kernelWidth() {
        return kernelWidth;
    }

    /** S, the step between kernel positions. */
    public int stride() {
        return stride;
    }

    /** The padding as given to the constructor. */
    public Padding padding() {
        return padding;
    }

    /** Whether a bias is added per filter. */
    public boolean hasBias() {
        return hasBias;
    }

    /**
     * Whether {@link #backward} computes dL/dx (default true). A network's first layer can switch it off: its input
     * is the data, which needs no gradient, and dL/dx (a GEMM and a col2im per image) is then skipped;
     * {@code Sequential.fit} does so for its first layer. With it off, {@code backward} still accumulates dL/dW and
     * dL/db but returns {@code null}.
     *
     * @param needed false to skip dL/dx
     */
    public void setInputGradientNeeded(boolean needed) {
        this.inputGradientNeeded = needed;
    }

    /** Whether {@link #backward} computes dL/dx; see {@link #setInputGradientNeeded(boolean)}. */
    public boolean isInputGradientNeeded() {
        return inputGradientNeeded;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> list = new ArrayList<>(2);
        list.add(weight);
        if (bias != null) {
            list.add(bias);
        }
        return Collections.unmodifiableList(list);
    }

    /**
     * Draws the weights with fanIn = C*KH*KW and fanOut = F*KH*KW; sets the biases as {@code init} says (zero, or
     * uniform in &plusmn;1/&radic;fanIn for {@link WeightInit#PYTORCH}).
     */
    @Override
    public void initialize(WeightInit init, RandomGenerator random) {
        int area = kernelHeight * kernelWidth;
        init.fill(weight.value(), inChannels * area, filters * area, random);
        if (bias != null) {
            init.fillBias(bias.value(), inChannels * area, random);
        }
    }

    /**
     * y[n,f,i,j] = b[f] + &Sigma;<sub>c,u,v</sub> x[n, c, i&middot;S + u &minus; P, j&middot;S + v &minus; P]
     * &middot; W[f,c,u,v], computed per image as y_n = W &middot; im2col(x_n) + b.
     *
     * @param input    x, shape (N, C, H, W)
     * @param training true to keep a copy of x for {@link #backward}
     * @return y, shape (N, F, OH, OW)
     */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        int batch = input.shape().dim(0);
        int imageSize = im2col.imageSize();
        int outputSize = outputShape.size();
        int positions = im2col.columns();        // OH*OW
        int patch = im2col.rows();               // C*KH*KW
        float[] x = input.data();
        float[] w = weight.value().data();
        float[] b = bias == null ? null : bias.value().data();
        Tensor output = training ? outputBuffer = Buffers.reuse(outputBuffer, outputShape.withBatch(batch))
                : Tensor.zeros(outputShape.withBatch(batch));
        float[] y = output.data();
        float[][][] buffers = training && forwardPlan == null ? columnRows() : null;
        if (forwardPlan != null) {
            forwardPaddedWide(x, batch, w, b, y, training);
        } else if (!training && batch < Parallel.threads() && !im2col.wideLayoutPays() && imagesPerGroup() == 1
                && !Parallel.insideTask()) {
            forwardSplitImage(x, batch, w, b, y);
        } else if (im2col.wideLayoutPays()) {
            forwardWide(x, batch, w, b, y, buffers);
        } else if (imagesPerGroup() > 1) {
            forwardGrouped(x, batch, w, b, y, buffers);
        } else {
            Parallel.forRange(batch, (part, from, to) -> {
                float[][] cols = training ? buffers[part] : new float[patch][positions];
                for (int n = from; n < to; n++) {
                    int yStart = n * outputSize;
                    for (int f = 0; f < filters; f++) {
                        Elementwise.fill(y, yStart + f * positions, yStart + (f + 1) * positions, b == null ? 0f : b[f]);
                    }
                    im2col.im2colRows(x, n * imageSize, cols);
                    // y_n (F x OH*OW) += W (F x CKK) . cols (CKK x OH*OW), cols as row arrays: nothing to pack
                    Gemm.multiplyRows(filters, positions, patch, w, 0, patch, cols, y, yStart, positions);
                }
            });
        }
        if (training) {
            if (savedInput == null || savedInput.length != x.length) {
                savedInput = new float[x.length];
            }
            System.arraycopy(x, 0, savedInput, 0, x.length);
            savedBatch = batch;
        }
        return output;
    }

    /**
     * The forward pass for stride 1 ({@link PaddedWide}): per group of images, each padded once, then
     * {@code [y_0 y_1 ...]_wide (F x g*L) = W . B + b} with B read straight from the padded images, and each image's
     * outputs copied out of its wide block. With fewer images than threads in inference (one large image) the
     * filters are shared out instead. The same sums, in the same order, however the images are grouped or the
     * filters shared out: the bits do not depend on the thread count.
     */
    private void forwardPaddedWide(float[] x, int batch, float[] w, float[] b, float[] y, boolean training) {
        PaddedWide plan = forwardPlan;
        int imageSize = im2col.imageSize();
        int outputSize = outputShape.size();
        int length = plan.wideColumns();
        int padded = plan.paddedSize();
        int patch = plan.rows();
        boolean inPlace = padHeight == 0 && padWidth == 0;      // no border: B is read from x itself
        int group = Math.max(1, WIDE_GROUP_COLUMNS / length);
        if (!training && batch < Parallel.threads() && !Parallel.insideTask()) {
            float[] pad = inPlace ? null : new float[padded];
            float[] product = new float[filters * length];
            for (int n = 0; n < batch; n++) {
                int image = n * imageSize;
                int yStart = n * outputSize;
                if (!inPlace) {
                    plan.pad(x, image, pad, 0);
                }
                Parallel.forRange(filters, (part, f0, f1) -> {
                    if (b != null) {
                        for (int f = f0; f < f1; f++) {
                            Elementwise.fill(product, f * length, (f + 1) * length, b[f]);
                        }
                    }
                    Gemm.multiply(false, f1 - f0, length, patch, w, f0 * patch, patch,
                            inPlace ? plan.source(x, image, 1, imageSize) : plan.source(pad, 0, 1, padded), product,
                            f0 * length, length, b != null);
                    plan.copyOut(product, length, 0, f0, f1, y, yStart);
                });
            }
            return;
        }
        float[][][] buffers = training ? wideBuffers(group, padded, filters * group * length) : null;
        Parallel.forRange(batch, (part, from, to) -> {
            int count = to - from;
            int groups = (count + group - 1) / group;
            float[] pad = inPlace ? null : buffers != null ? buffers[part][0] : new float[group * padded];
            float[] product = buffers != null ? buffers[part][1] : new float[filters * group * length];
            for (int g = 0; g < groups; g++) {
                int first = from + Parallel.start(count, groups, g);
                int images = from + Parallel.start(count, groups, g + 1) - first;
                int width = images * length;
                if (!inPlace) {
                    for (int k = 0; k < images; k++) {
                        plan.pad(x, (first + k) * imageSize, pad, k * padded);
                    }
                }
                if (b != null) {
                    for (int f = 0; f < filters; f++) {
                        Elementwise.fill(product, f * width, (f + 1) * width, b[f]);
                    }
                }
                Gemm.multiply(false, filters, width, patch, w, 0, patch,
                        inPlace ? plan.source(x, first * imageSize, images, imageSize)
                                : plan.source(pad, 0, images, padded), product, 0, width, b != null);
                for (int k = 0; k < images; k++) {
                    plan.copyOut(product, width, k, filters, y, (first + k) * outputSize);
                }
            }
        });
    }

    /**
     * dL/dx for stride 1 ({@link PaddedWide}), the lecture's formula as one product per group of images: dL/dy padded
     * by K - 1 - P, convolved with W' = rot180(W) with input and output channels swapped,
     * {@code dx_wide (C x g*L) = W' (C x F*KH*KW) . B(padded dy)}, then each image's numbers copied out (dx is
     * overwritten, every number of it).
     */
    private void backwardInputPaddedWide(float[] dy, float[] dx) {
        PaddedWide plan = backwardPlan;
        int imageSize = im2col.imageSize();
        int outputSize = outputShape.size();
        int length = plan.wideColumns();
        int padded = plan.paddedSize();
        int patch = plan.rows();                // F*KH*KW
        int group = Math.max(1, WIDE_GROUP_COLUMNS / length);
        if (rotatedWeight.length != weight.value().size()) {
            rotatedWeight = new float[weight.value().size()];
        }
        float[] rotated = rotatedWeight;
        PaddedWide.rotatedWeight(weight.value().data(), filters, inChannels, kernelHeight, kernelWidth, rotated);
        float[][][] buffers = wideGradientBuffers(group, padded, inChannels * group * length);
        Parallel.forRange(savedBatch, (part, from, to) -> {
            int count = to - from;
            int groups = (count + group - 1) / group;
            float[] pad = buffers[part][0];
            float[] product = buffers[part][1];
            for (int g = 0; g < groups; g++) {
                int first = from + Parallel.start(count, groups, g);
                int images = from + Parallel.start(count, groups, g + 1) - first;
                int width = images * length;
                for (int k = 0; k < images; k++) {
                    plan.pad(dy, (first + k) * outputSize, pad, k * padded);
                }
                Gemm.multiply(false, inChannels, width, patch, rotated, 0, patch, plan.source(pad, 0, images, padded),
                        product, 0, width, false);
                for (int k = 0; k < images; k++) {
                    plan.copyOut(product, width, k, inChannels, dx, (first + k) * imageSize);
                }
            }
        });
    }

    /** Per thread part: {padded images, wide product} for the training forward pass, kept between steps. */
    private float[][][] wideBuffers(int group, int padded, int product) {
        int parts = Parallel.threads();
        if (wideBuffers.length < parts || wideBuffers[0][0].length < group * padded
                || wideBuffers[0][1].length < product) {
            wideBuffers = new float[parts][][];
            for (int i = 0; i < parts; i++) {
                wideBuffers[i] = new float[][] {new float[group * padded], new float[product]};
            }
        }
        return wideBuffers;
    }

    /** The same for {@link #backwardInputPaddedWide}. */
    private float[][][] wideGradientBuffers(int group, int padded, int product) {
        int parts = Parallel.threads();
        if (wideGradientBuffers.length < parts || wideGradientBuffers[0][0].length < group * padded
                || wideGradientBuffers[0][1].length < product) {
            wideGradientBuffers = new float[parts][][];
            for (int i = 0; i < parts; i++) {
                wideGradientBuffers[i] = new float[][] {new float[group * padded], new float[product]};
            }
        }
        return wideGradientBuffers;
    }

    /**
     * Inference on fewer images than threads (one large image, as VGG-16's 224 x 224): each image's column matrix
     * is built with its rows shared out over the threads, then its product with the filters with the filters shared
     * out. Every output is the same sum, in the same order, as in the image-per-thread path: the bits do not depend
     * on the thread count.
     */
    private void forwardSplitImage(float[] x, int batch, float[] w, float[] b, float[] y) {
        int imageSize = im2col.imageSize();
        int outputSize = outputShape.size();
        int positions = im2col.columns();
        int patch = im2col.rows();
        float[][] cols = new float[patch][positions];
        for (int n = 0; n < batch; n++) {
            int image = n * imageSize;
            int yStart = n * outputSize;
            Parallel.forRange(patch, (part, r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    im2col.im2colRows(x, image, r, r + 1, cols[r], 0);
                }
            });
            Parallel.forRange(filters, (part, f0, f1) -> {
                for (int f = f0; f < f1; f++) {
                    Elementwise.fill(y, yStart + f * positions, yStart + (f + 1) * positions, b == null ? 0f : b[f]);
                }
                Gemm.multiplyRows(f1 - f0, positions, patch, w, f0 * patch, patch, cols, y, yStart + f0 * positions,
                        positions);
            });
        }
    }

    /**
     * Backpropagation through the forward pass
     * <pre>
     *   y[n,f,i,j] = b[f] + sum_c sum_u sum_v  x[n, c, i*S + u - P, j*S + v - P] * W[f,c,u,v]
     * </pre>
     * which in matrix form, per image, was {@code y_n = W . cols_n + b} with {@code cols_n = im2col(x_n)}. So:
     * <pre>
     *   dL/dW  += sum_n dL/dy_n . cols_n^T          (= valid convolution of x with dL/dy, dilated by S)
     *   dL/db  += sum_n sum_i sum_j dL/dy[n,f,i,j]
     *   dL/dx_n = col2im(W^T . dL/dy_n)             (= full convolution of dL/dy, dilated by S, with rot180(W))
     * </pre>
     * col2im adds each entry of W^T . dL/dy_n back to the input number it was copied from, which is exactly the
     * "sum over every output that read this input" of the full convolution; see {@link ConvReference} for the
     * literal version and {@code docs/convolution.md} for the derivation.
     *
     * @param outputGradient dL/dy, shape (N, F, OH, OW) for the batch of the last training forward
     * @return dL/dx, shape (N, C, H, W); {@code null} when {@link #setInputGradientNeeded(boolean)} switched it off
     * @throws IllegalStateException    if there was no training forward before
     * @throws IllegalArgumentException if dL/dy does not have the output's shape
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        if (savedInput == null) {
            throw new IllegalStateException("Conv2D: backward needs a forward(x, true) first");
        }
        Shape expected = outputShape.withBatch(savedBatch);
        if (!outputGradient.shape().equals(expected)) {
            throw new IllegalArgumentException("Conv2D: output gradient has shape " + outputGradient.shape()
                    + " but the last training forward produced " + expected);
        }
        int batch = savedBatch;
        int imageSize = im2col.imageSize();
        int outputSize = outputShape.size();
        int positions = im2col.columns();
        int patch = im2col.rows();
        float[] dy = outputGradient.data();
        float[] w = weight.value().data();
        float[] x = savedInput;
        int group = imagesPerGroup();
        float[][] buffers = backwardPlan != null || !inputGradientNeeded ? null : trainingScratch(patch * group
                * (im2col.wideLayoutPays() ? im2col.wideColumns() : positions));

        // dL/dx, image by image: dcols = W^T (CKK x F) . dy_n (F x OH*OW), then col2im adds it into dx_n
        Tensor inputGradient = null;
        if (inputGradientNeeded) {
            // the padded-wide plan writes every number of dL/dx; the others add into it
            inputGradient = gradientBuffer = backwardPlan != null
                    ? Buffers.reuse(gradientBuffer, inputShape.withBatch(batch))
                    : Buffers.reuseZeroed(gradientBuffer, inputShape.withBatch(batch));
            float[] dx = inputGradient.data();
            if (backwardPlan != null) {
                backwardInputPaddedWide(dy, dx);
            } else if (group > 1 || im2col.wideLayoutPays()) {
                backwardInputGrouped(dy, w, dx, buffers);
            } else {
                Parallel.forRange(batch, (part, from, to) -> {
                    float[] dcols = buffers[part];
                    for (int n = from; n < to; n++) {
                        // dcols = 0 + W^T . dy_n (overwritten, not zeroed first: the same bits)
                        Gemm.multiply(true, patch, positions, filters, w, 0, patch,
                                PanelSource.of(dy, n * outputSize, positions, 1), dcols, 0, positions, false);
                        im2col.col2im(dcols, 0, dx, n * imageSize);
                    }
                });
            }
        }

        // dL/dW += sum over n of dy_n (F x OH*OW) . cols_n^T (WeightGradient). The batch is cut into chunks of
        // WEIGHT_GRADIENT_IMAGES images (a cut decided by the batch size only, never by the thread count); each chunk
        // sums its images into its own partial dW, and the partials are added to dW in chunk order: the same sums
        // in the same order whatever the thread count.
        float[] dw = weight.grad().data();
        int chunks = (batch + WEIGHT_GRADIENT_IMAGES - 1) / WEIGHT_GRADIENT_IMAGES;
        float[][] partial = weightPartials(chunks);
        Parallel.forRange(chunks, (part, c0, c1) -> {
            for (int chunk = c0; chunk < c1; chunk++) {
                float[] sum = partial[chunk];
                Elementwise.fill(sum, 0, sum.length, 0f);
                int first = Parallel.start(batch, chunks, chunk);
                int count = Parallel.start(batch, chunks, chunk + 1) - first;
                if (forwardPlan != null) {
                    forwardPlan.weightGradient(filters, x, first * imageSize, dy, first * outputSize, count, sum);
                } else {
                    WeightGradient.accumulate(im2col, filters, x, first * imageSize, dy, first * outputSize, count,
                            sum);
                }
            }
        });
        for (int chunk = 0; chunk < chunks; chunk++) {
            float[] sum = partial[chunk];
            for (int i = 0; i < dw.length; i++) {
                dw[i] += sum[i];
            }
        }

        // dL/db[f] += sum over n, i, j of dy[n, f, i, j]
        if (bias != null) {
            float[] db = bias.grad().data();
            for (int f = 0; f < filters; f++) {
                float sum = 0f;
                for (int n = 0; n < batch; n++) {
                    int start = n * outputSize + f * positions;
                    for (int l = 0; l < positions; l++) {
                        sum += dy[start + l];
                    }
                }
                db[f] += sum;
            }
        }
        return inputGradient;
    }

    /**
     * dL/dx a group of images at a time (as in {@link #forwardGrouped}):
     * {@code [dcols_0 dcols_1 ...] (CKK x g*OH*OW) = W^T . [dy_0 dy_1 ...]}, then col2im of each image's block.
     * With the wide layout (stride 1, no padding) dy is laid out wide, zeros in the columns past OW, and the
     * column matrix goes back into dx with {@link Im2Col#col2imWide}: one run per row instead of one per row and
     * output row. The same sums in the same order as one image at a time.
     */
    private void backwardInputGrouped(float[] dy, float[] w, float[] dx, float[][] scratch) {
        int imageSize = im2col.imageSize();
        int outputSize = outputShape.size();
        int positions = im2col.columns();
        int patch = im2col.rows();
        int group = imagesPerGroup();
        boolean wide = im2col.wideLayoutPays();
        int perImage = wide ? im2col.wideColumns() : positions;
        int width = inputShape.dim(2);
        int outHeight = im2col.outHeight();
        int outWidth = im2col.outWidth();
        float[] wT = transposedWeight();
        float[][][] dyRows = gradientRows(group * perImage);
        Parallel.forRange(savedBatch, (part, from, to) -> {
            int count = to - from;
            int groups = (count + group - 1) / group;
            float[] dcols = scratch[part];
            float[][] rows = dyRows[part];
            for (int g = 0; g < groups; g++) {
                int first = from + Parallel.start(count, groups, g);
                int images = from + Parallel.start(count, groups, g + 1) - first;
                int length = images * perImage;
                for (int f = 0; f < filters; f++) {
                    float[] row = rows[f];
                    for (int k = 0; k < images; k++) {
                        int src = (first + k) * outputSize + f * positions;
                        if (wide) {
                            // output row i goes to columns k*wide + i*W ..., the W - OW columns after it are zero
                            Elementwise.fill(row, k * perImage, (k + 1) * perImage, 0f);
                            for (int i = 0; i < outHeight; i++) {
                                System.arraycopy(dy, src + i * outWidth, row, k * perImage + i * width, outWidth);
                            }
                        } else {
                            System.arraycopy(dy, src, row, k * perImage, positions);
                        }
                    }
                }
                // dcols = 0 + W^T . [dy_0 dy_1 ...] (overwritten, not zeroed first: the same bits)
                Gemm.multiply(false, patch, length, filters, wT, 0, filters, PanelSource.ofRows(rows), dcols, 0,
                        length, false);
                for (int k = 0; k < images; k++) {
                    if (wide) {
                        im2col.col2imWide(dcols, k * perImage, length, dx, (first + k) * imageSize);
                    } else {
                        im2col.col2im(dcols, k * perImage, length, dx, (first + k) * imageSize);
                    }
                }
            }
        });
    }

    /** W^T (CKK x F) in a buffer kept between calls, rewritten on every call (the weights change between steps). */
    private float[] transposedWeight() {
        int patch = im2col.rows();
        if (weightT.length != patch * filters) {
            weightT = new float[patch * filters];
        }
        float[] w = weight.value().data();
        for (int f = 0; f < filters; f++) {
            for (int r = 0; r < patch; r++) {
                weightT[r * filters + f] = w[f * patch + r];
            }
        }
        return weightT;
    }

    /** Per thread part, F row arrays of {@code length} floats for dL/dy, kept between training steps. */
    private float[][][] gradientRows(int length) {
        int parts = Parallel.threads();
        if (gradientRows.length < parts || gradientRows[0][0].length < length) {
            gradientRows = new float[parts][filters][length];
        }
        return gradientRows;
    }

    /**
     * How many images share one product when the output maps are small: enough that the product's rows are about
     * {@value #GROUP_COLUMNS} floats long (LeNet's second layer: 5 images of 10 x 10 positions), 1 when one image's
     * OH*OW is long enough by itself. Long rows are what the product's vectorised inner loop needs; with 100 columns
     * it spends much of its time entering and leaving the loop.
     */
    private int imagesPerGroup() {
        int perImage = im2col.wideLayoutPays() ? im2col.wideColumns() : im2col.columns();
        return Math.max(1, GROUP_COLUMNS / perImage);
    }

    /**
     * The forward pass for small output maps: the images of a group are laid side by side in one column matrix
     * (row r = row r of image 0's im2col, then image 1's, ...) and multiplied at once,
     * {@code [y_0 y_1 ...] (F x g*OH*OW) = W . [cols_0 cols_1 ...] + b}; each image's block of columns is then
     * copied to its place in y. Every output is the same sum in the same order as with one image at a time.
     *
     * @param buffers per-part row arrays for training, null for inference (allocated per call)
     */
    private void forwardGrouped(float[] x, int batch, float[] w, float[] b, float[] y, float[][][] buffers) {
        int imageSize = im2col.imageSize();
        int outputSize = outputShape.size();
        int positions = im2col.columns();
        int patch = im2col.rows();
        int group = imagesPerGroup();
        Parallel.forRange(batch, (part, from, to) -> {
            int count = to - from;
            int groups = (count + group - 1) / group;
            float[][] cols = buffers != null ? buffers[part] : new float[patch][group * positions];
            float[] product = buffers != null ? products[part] : new float[filters * group * positions];
            for (int g = 0; g < groups; g++) {
                int first = from + Parallel.start(count, groups, g);
                int images = from + Parallel.start(count, groups, g + 1) - first;
                int width = images * positions;
                for (int k = 0; k < images; k++) {
                    im2col.im2colRows(x, (first + k) * imageSize, cols, k * positions);
                }
                for (int f = 0; f < filters; f++) {
                    Elementwise.fill(product, f * width, (f + 1) * width, b == null ? 0f : b[f]);
                }
                Gemm.multiplyRows(filters, width, patch, w, 0, patch, cols, product, 0, width);
                for (int k = 0; k < images; k++) {
                    for (int f = 0; f < filters; f++) {
                        System.arraycopy(product, f * width + k * positions, y,
                                (first + k) * outputSize + f * positions, positions);
                    }
                }
            }
        });
    }

    /**
     * The forward pass with the column matrix in {@link Im2Col#im2colWideRows wide layout} (stride 1, no padding):
     * one copy per row of it instead of one per row and output row. The product then has (OH - 1)*W + OW columns,
     * of which those at i*W + j with j &lt; OW are the outputs (the same sums in the same order as the plain
     * layout: the same bits) and the rest are dropped when the result is copied out.
     *
     * @param buffers per-part wide row arrays for training, null for inference (allocated per call)
     */
    private void forwardWide(float[] x, int batch, float[] w, float[] b, float[] y, float[][][] buffers) {
        int imageSize = im2col.imageSize();
        int outputSize = outputShape.size();
        int positions = im2col.columns();
        int patch = im2col.rows();
        int wide = im2col.wideColumns();
        int width = inputShape.dim(2);
        int outHeight = im2col.outHeight();
        int outWidth = im2col.outWidth();
        int group = imagesPerGroup();
        Parallel.forRange(batch, (part, from, to) -> {
            int count = to - from;
            int groups = (count + group - 1) / group;
            float[][] cols = buffers != null ? buffers[part] : new float[patch][group * wide];
            float[] product = buffers != null ? products[part] : new float[filters * group * wide];
            for (int g = 0; g < groups; g++) {
                int first = from + Parallel.start(count, groups, g);
                int images = from + Parallel.start(count, groups, g + 1) - first;
                int length = images * wide;
                for (int k = 0; k < images; k++) {
                    im2col.im2colWideRows(x, (first + k) * imageSize, cols, k * wide);
                }
                for (int f = 0; f < filters; f++) {
                    Elementwise.fill(product, f * length, (f + 1) * length, b == null ? 0f : b[f]);
                }
                Gemm.multiplyRows(filters, length, patch, w, 0, patch, cols, product, 0, length);
                for (int k = 0; k < images; k++) {
                    int yStart = (first + k) * outputSize;
                    for (int f = 0; f < filters; f++) {
                        int from0 = f * length + k * wide;
                        for (int i = 0; i < outHeight; i++) {
                            System.arraycopy(product, from0 + i * width, y, yStart + f * positions + i * outWidth,
                                    outWidth);
                        }
                    }
                }
            }
        });
    }

    /**
     * Per thread part, the column matrix as C*KH*KW row arrays (of OH*OW floats, or of the wide layout's
     * (OH - 1)*W + OW when that is used), kept between training steps; with the wide layout, also the per-part
     * F x wide product buffers.
     */
    private float[][][] columnRows() {
        int parts = Parallel.threads();
        if (columnRows.length < parts) {
            int length = imagesPerGroup() * (im2col.wideLayoutPays() ? im2col.wideColumns() : im2col.columns());
            columnRows = new float[parts][im2col.rows()][length];
            products = new float[parts][filters * length];
        }
        return columnRows;
    }

    /** {@code chunks} partial weight gradients, kept between training steps. */
    private float[][] weightPartials(int chunks) {
        if (weightPartials.length < chunks) {
            weightPartials = new float[chunks][weight.value().size()];
        }
        return weightPartials;
    }

    /** One scratch buffer of at least {@code size} floats per thread part, kept between training steps. */
    private float[][] trainingScratch(int size) {
        int parts = Parallel.threads();
        if (scratch.length < parts || (scratch.length > 0 && scratch[0].length < size)) {
            scratch = new float[parts][size];
        }
        return scratch;
    }

    /**
     * A Conv2D with the same settings whose weight and bias share this layer's values, with gradients and training
     * buffers of its own; whether it computes dL/dx is copied too.
     */
    @Override
    public Optional<Layer> replica(int index) {
        Conv2D copy = new Conv2D(inputShape, filters, kernelHeight, kernelWidth, stride, padding, hasBias, this);
        copy.inputGradientNeeded = inputGradientNeeded;
        return Optional.of(copy);
    }

    /** The layer as named in error messages, e.g. {@code Conv2D (5x5, stride 1, valid)}. */
    @Override
    public String toString() {
        return "Conv2D (" + kernelHeight + "x" + kernelWidth + ", stride " + stride + ", " + padding + ")";
    }
}
