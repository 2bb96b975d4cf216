package io.github.jcnn.layers;

import io.github.jcnn.kernels.ConvPlan;
import io.github.jcnn.kernels.Scratch;
import io.github.jcnn.kernels.ConvReference;
import io.github.jcnn.kernels.Elementwise;
import io.github.jcnn.kernels.Parallel;
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
 * <p>Computation: the lecture's formulas as plain loops are {@link ConvReference}; this layer computes the same sums
 * fast through a {@link ConvPlan} of {@code kernels/}, chosen once for its shape: im2col + GEMM
 * ({@code y_n = W . cols_n + b}, with a wide layout and images side by side where they pay), or for padded stride-1
 * convolutions (3x3 SAME) one product over the zero-padded image whose dL/dx is the full convolution with the rotated
 * kernel; a 3x3 SAME layer of 16 channels and more in and out by Winograd's F(4, 3), half the multiplications, in
 * training and inference alike (docs/convolution.md). The tests check every plan against {@link ConvReference}.
 *
 * <p>Threads and determinism: images are split into fixed ranges over the {@link Parallel} threads for the forward
 * pass and for dL/dx (each image is independent). For dL/dW the batch is cut into fixed chunks of 16 consecutive
 * images (the cut depends on the batch size only); each chunk's images are summed into a partial gradient, and the
 * partials are added in chunk order on the calling thread. Every weight gradient is thus the same sum taken in the
 * same order whatever the thread count: training is bit-identical with 1, 2 or 16 threads. dL/db is summed on the
 * calling thread, in order. (Sequential.fit usually calls a layer with one chunk of 32 images per thread, through
 * {@link #replica}; a layer's own splitting matters when it is trained on whole batches.)
 *
 * <p>Memory: {@code forward(x, true)} keeps a copy of x for backward; the plan's scratch buffers (one column matrix
 * per thread) are kept and reused while the batch size stays the same (a replica has a plan of its own), and so are
 * the training output and dL/dx tensors (valid until the next training forward / backward). {@code forward(x, false)}
 * writes no field, neither the layer's nor the plan's: its output and scratch are allocated per call (one buffer per
 * thread, not per image), so several threads may run inference at once.
 */
public final class Conv2D implements Layer {

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
    private final boolean hasBias;
    private final Parameter weight;
    private final Parameter bias;
    /** How this shape's forward pass and gradients are computed fast (with its own training buffers). */
    private final ConvPlan plan;

    /** Whether this layer was made by {@link #forInference} (its plan holds its kernels as they were then). */
    private final boolean forInference;
    /** Whether backward computes dL/dx; false for a network's first layer, whose input needs no gradient. */
    private boolean inputGradientNeeded = true;
    /**
     * Copy of the last training batch, for backward; null when the plan keeps what it needs of the batch itself
     * ({@link ConvPlan#keepsInput}).
     */
    private float[] savedInput;
    /** The batch size of the last training forward pass; -1 before the first. */
    private int savedBatch = -1;
    /** Per chunk of the batch: its partial dL/dW (F*C*KH*KW floats). */
    private float[][] weightPartials = new float[0][];
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

    /** With a {@code source}, the parameters share its values (see {@link #replica}). */
    private Conv2D(Shape inputShape, int filters, int kernelHeight, int kernelWidth, int stride, Padding padding,
                   boolean bias, Conv2D source) {
        this(inputShape, filters, kernelHeight, kernelWidth, stride, padding, bias, source, null);
    }

    /**
     * The full constructor; with a {@code source}, the parameters share its values (see {@link #replica}); with a
     * {@code prepared} plan (the source's plan prepared for inference: {@link #forInference}), this layer uses it.
     */
    private Conv2D(Shape inputShape, int filters, int kernelHeight, int kernelWidth, int stride, Padding padding,
                   boolean bias, Conv2D source, ConvPlan prepared) {
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
        this.hasBias = bias;
        // OH = floor((H + 2P - KH) / S) + 1, OW = floor((W + 2P - KW) / S) + 1
        this.outputShape = Shape.of(filters, (height + 2 * ph - kernelHeight) / stride + 1,
                (width + 2 * pw - kernelWidth) / stride + 1);
        this.plan = prepared != null ? prepared
                : ConvPlan.of(channels, height, width, filters, kernelHeight, kernelWidth, stride, ph, pw);
        this.forInference = prepared != null;
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
     * is the data, which needs no gradient, and dL/dx (a product per image or group of images) is then skipped;
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
     * &middot; W[f,c,u,v]: the sums of {@link ConvReference#forward}, computed fast by this shape's {@link ConvPlan}.
     *
     * @param input    x, shape (N, C, H, W)
     * @param training true to keep a copy of x for {@link #backward}
     * @return y, shape (N, F, OH, OW)
     */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        if (training && forInference) {
            throw new IllegalStateException(this + " was prepared for inference (forInference) and cannot be trained");
        }
        int batch = input.shape().dim(0);
        float[] x = input.data();
        float[] w = weight.value().data();
        float[] b = bias == null ? null : bias.value().data();
        // in inference the plan writes every number, so the output may be an array kept from an earlier run
        Tensor output = training ? outputBuffer = Buffers.reuse(outputBuffer, outputShape.withBatch(batch))
                : Tensor.wrap(outputShape.withBatch(batch), Scratch.exactly(outputShape.size() * batch));
        plan.forward(x, batch, w, b, output.data(), training);
        if (training) {
            if (plan.keepsInput(batch)) {
                savedInput = null;   // the plan kept a padded copy of x, which dL/dW reads instead
            } else {
                if (savedInput == null || savedInput.length != x.length) {
                    savedInput = new float[x.length];
                }
                System.arraycopy(x, 0, savedInput, 0, x.length);
            }
            savedBatch = batch;
        }
        return output;
    }

    /**
     * Backpropagation through the forward pass
     * <pre>
     *   y[n,f,i,j] = b[f] + sum_c sum_u sum_v  x[n, c, i*S + u - P, j*S + v - P] * W[f,c,u,v]
     * </pre>
     * Input x[n,c,h,w] was multiplied by W[f,c,u,v] in every output y[n,f,i,j] whose window put it under that tap
     * (i*S + u - P = h, j*S + v - P = w), so its gradient collects dL/dy[n,f,i,j] * W[f,c,u,v] over those outputs,
     * and W[f,c,u,v] collects dL/dy[n,f,i,j] times the input under it over every n, i, j. So:
     * <pre>
     *   dL/dx   = full convolution of dL/dy (dilated by S) with rot180(W), summed over f, cropped by P
     *   dL/dW  += valid convolution of x (padded by P) with dL/dy (dilated by S), summed over n
     *   dL/db  += sum over n, i, j of dL/dy[n, f, i, j]
     * </pre>
     * The first two lines as plain loops, in the lecture's five steps (dilate, pad, rot180, slide, crop), are
     * {@link ConvReference#inputGradient} and {@link ConvReference#weightGradient}; this shape's {@link ConvPlan}
     * computes the same sums as matrix products, and {@code Conv2DProperties} checks the two against each other on
     * random shapes, strides and paddings. {@code docs/convolution.md} has the derivation.
     *
     * @param outputGradient dL/dy, shape (N, F, OH, OW) for the batch of the last training forward
     * @return dL/dx, shape (N, C, H, W); {@code null} when {@link #setInputGradientNeeded(boolean)} switched it off
     * @throws IllegalStateException    if there was no training forward before
     * @throws IllegalArgumentException if dL/dy does not have the output's shape
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        if (savedBatch < 0) {
            throw new IllegalStateException("Conv2D: backward needs a forward(x, true) first");
        }
        Shape expected = outputShape.withBatch(savedBatch);
        if (!outputGradient.shape().equals(expected)) {
            throw new IllegalArgumentException("Conv2D: output gradient has shape " + outputGradient.shape()
                    + " but the last training forward produced " + expected);
        }
        int batch = savedBatch;
        float[] dy = outputGradient.data();
        float[] x = savedInput;

        // dL/dx = ConvReference.inputGradient(dy, W, ...): the full convolution of dL/dy with rot180(W)
        Tensor inputGradient = null;
        if (inputGradientNeeded) {
            inputGradient = gradientBuffer = Buffers.reuse(gradientBuffer, inputShape.withBatch(batch));
            plan.inputGradient(dy, batch, weight.value().data(), inputGradient.data());
        }

        // dL/dW += ConvReference.weightGradient(x, dy, ...), summed over the images. The batch is cut into chunks of
        // WEIGHT_GRADIENT_IMAGES images (a cut decided by the batch size only, never by the thread count); each chunk
        // sums its images into its own partial dW, and the partials are added to dW in chunk order: the same sums
        // in the same order whatever the thread count.
        float[] dw = weight.grad().data();
        int chunks = (batch + WEIGHT_GRADIENT_IMAGES - 1) / WEIGHT_GRADIENT_IMAGES;
        float[][] partial = weightPartials(chunks);
        if (Parallel.runsInline(chunks)) {
            weightGradientChunks(x, dy, batch, chunks, 0, chunks);   // inline: no task object made
        } else {
            Parallel.forRange(chunks, (part, c0, c1) -> weightGradientChunks(x, dy, batch, chunks, c0, c1));
        }
        for (int chunk = 0; chunk < chunks; chunk++) {
            float[] sum = partial[chunk];
            for (int i = 0; i < dw.length; i++) {
                dw[i] += sum[i];
            }
        }

        // dL/db[f] += sum over n, i, j of dy[n, f, i, j]
        if (bias != null) {
            biasGradient(dy, batch, bias.grad().data());
        }
        return inputGradient;
    }

    /**
     * db[f] += sum over n, i, j of dy[n, f, i, j], each filter's sum in float, in the order n, then i and j. Four
     * filters' sums run side by side (four chains of additions, each in its own order): one chain alone waits for
     * each addition to finish before the next.
     */
    private void biasGradient(float[] dy, int batch, float[] db) {
        int positions = outputShape.dim(1) * outputShape.dim(2);
        int outputSize = outputShape.size();
        int f = 0;
        for (; f + 4 <= filters; f += 4) {
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            for (int n = 0; n < batch; n++) {
                int start = n * outputSize + f * positions;
                for (int l = start; l < start + positions; l++) {
                    s0 += dy[l];
                    s1 += dy[l + positions];
                    s2 += dy[l + 2 * positions];
                    s3 += dy[l + 3 * positions];
                }
            }
            db[f] += s0;
            db[f + 1] += s1;
            db[f + 2] += s2;
            db[f + 3] += s3;
        }
        for (; f < filters; f++) {
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

    /** The partial dL/dW of chunks c0..c1-1 of the batch's {@code chunks}, each into its zeroed partial. */
    private void weightGradientChunks(float[] x, float[] dy, int batch, int chunks, int c0, int c1) {
        for (int chunk = c0; chunk < c1; chunk++) {
            float[] sum = weightPartials[chunk];
            Elementwise.fill(sum, 0, sum.length, 0f);
            int first = Parallel.start(batch, chunks, chunk);
            int count = Parallel.start(batch, chunks, chunk + 1) - first;
            plan.weightGradient(x, dy, first, count, sum);
        }
    }

    /** {@code chunks} partial weight gradients, kept between training steps. */
    private float[][] weightPartials(int chunks) {
        if (weightPartials.length < chunks) {
            weightPartials = new float[chunks][weight.value().size()];
        }
        return weightPartials;
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

    /**
     * This layer prepared for one inference run over many samples, with its weights as they are now: where its plan
     * lays the kernels out for a fast path (Winograd's F(4, 3) transforms them into six matrices), once for all the
     * run's chunks and threads instead of once per chunk. The result shares this layer's parameters but holds the
     * kernels as laid out now: it is for inference only ({@code forward(x, true)} is refused) and for a run that holds
     * the model's weights fixed. The same numbers as this layer's inference. Returns this layer itself when its plan
     * has nothing to lay out.
     */
    public Conv2D forInference() {
        if (forInference) {
            return this;
        }
        ConvPlan prepared = plan.forInference(weight.value().data());
        if (prepared == plan) {
            return this;
        }
        Conv2D copy = new Conv2D(inputShape, filters, kernelHeight, kernelWidth, stride, padding, hasBias, this,
                prepared);
        copy.inputGradientNeeded = inputGradientNeeded;
        return copy;
    }

    /** The layer as named in error messages, e.g. {@code Conv2D (5x5, stride 1, valid)}. */
    @Override
    public String toString() {
        return "Conv2D (" + kernelHeight + "x" + kernelWidth + ", stride " + stride + ", " + padding + ")";
    }
}
