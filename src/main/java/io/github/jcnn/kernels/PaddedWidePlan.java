package io.github.jcnn.kernels;

/**
 * A padded stride-1 convolution (3x3 SAME) without im2col, by {@link PaddedWide}: each image is padded once and the
 * product reads the kernel windows straight from the padded image.
 * <pre>
 *   forward          [y_0 y_1 ...]_wide (F x g*L) = W (F x C*KH*KW) . B(padded x_0, x_1, ...) + b
 *   inputGradient    dx_wide (C x g*L') = W' (C x F*KH*KW) . B(dy_0, dy_1, ... padded by K - 1 - P)
 *                    with W' = rot180(W), input and output channels swapped: the lecture's full convolution
 *   weightGradient   dW += dy_wide . B(padded x_n)^T, image by image ({@link PaddedWide#weightGradient})
 * </pre>
 * The forward pass and dL/dW use the plan of the input ({@code forward}), dL/dx the plan of the padded dL/dy
 * ({@code backward}), or with stride 2 (the input's parity planes) {@link StrideTwoGradient}; {@link ConvPlan#of}
 * gives each only where it pays, and a direction without one is done by the im2col plan of the same shape
 * ({@code rows}). In training, a 3x3 SAME layer of 16 channels and more in and out computes its forward pass, dL/dx
 * and dL/dW by Winograd's F(4, 3) instead ({@link WinogradColumns4}: half the multiplications; the forward pass keeps
 * its transformed images, not padded ones, for dL/dW), and its inference pass too, with the same bits as the training
 * forward pass; a large one (VGG-16's) its inference pass by F(2, 3) ({@link WinogradRows}). Buffers and threads: see
 * {@link ConvPlan}.
 */
final class PaddedWidePlan implements ConvPlan {

    /**
     * One image in inference is shared out by output rows ({@link #oneImageByRows}) when it has at least this many
     * wide columns per thread, else by filters: with fewer columns, the rows would not share out evenly.
     */
    static final int SHARED_COLUMNS = 1024;
    /**
     * One image shared out by its output rows is multiplied a block of about this many wide columns at a time (see
     * {@link #columnsPerBlock}).
     */
    private static final int BLOCK_COLUMNS = 512;

    /** Several images are multiplied at a time, to rows of about this many columns. */
    private static final int WIDE_GROUP_COLUMNS = 1024;

    /** For the forward pass and dL/dW: the wide layout over the padded input; null to use {@link #rows}. */
    private final PaddedWide forward;
    /** For dL/dx: the wide layout over dL/dy padded by K - 1 - P; null to use {@link #rows}. */
    private final PaddedWide backward;
    /** Whether dL/dW is computed over the padded input; else by {@link #rows}. */
    private final boolean paddedWeightGradient;
    /** For dL/dx of a stride-2 convolution, over dL/dy's parity classes; or null. */
    private final StrideTwoGradient strideTwo;
    /** For the forward pass in inference (a large layer: {@link WinogradRows#takes}), or null. */
    private final WinogradRows winograd;
    /** For the forward pass in training (a 3x3 SAME layer: {@link WinogradColumns4#takes}), or null. */
    private final WinogradColumns4 columns4;
    /** For dL/dx the same: dL/dy (F channels) convolved with the rotated kernels (C filters); or null. */
    private final WinogradColumns4 gradientColumns4;
    /**
     * For a plan made by {@link #forInference}: the kernels it was made for, transformed for F(4, 3) (read only, by
     * every thread of the run); else null.
     */
    private final WinogradColumns4.Weights prepared;
    /** The forward pass's transformed kernels and per-thread buffers, kept between steps. */
    private final WinogradColumns4.Weights columns4Weights = new WinogradColumns4.Weights();
    private WinogradColumns4.Buffers[] columns4Buffers = new WinogradColumns4.Buffers[0];
    /** The same for dL/dx. */
    private final WinogradColumns4.Weights gradientColumns4Weights = new WinogradColumns4.Weights();
    private WinogradColumns4.Buffers[] gradientColumns4Buffers = new WinogradColumns4.Buffers[0];
    /** The im2col plan of the same shape, for a direction without a padded wide layout. */
    private final Im2ColPlan rows;
    private final Im2Col geometry;
    private final int filters;
    /** F*OH*OW, the floats of one image's output. */
    private final int outputSize;

    /** What the training forward pass keeps between steps (its buffers, W's packed panels). */
    private final Workspace forwardWork = new Workspace();
    /** The same for dL/dx (W' packed). */
    private final Workspace gradientWork = new Workspace();
    /**
     * Every image of the last training forward pass, padded (image n at n * forward.paddedSize()), for dL/dW
     * ({@link #keepsInput}); kept between steps.
     */
    private float[] keptInputs = new float[0];
    /** With F(4, 3) in training, what the last training forward pass kept instead: the batch's T_k; or null. */
    private WinogradColumns4.Kept keptTransforms;
    /** How many images {@link #keptInputs} holds from the last training forward pass (0: none). */
    private int keptImages;
    /** W' = rot180(W) with its channels swapped, rewritten on every dL/dx (the weights change between steps). */
    private float[] rotatedWeight = new float[0];

    /**
     * @param forward             the padded wide layout of the input, or null for the forward pass by {@code rows}
     * @param backward            the padded wide layout of dL/dy for dL/dx, or null for dL/dx by {@code rows}
     * @param rows                the im2col plan of the same shape
     * @param paddedWeightGradient whether dL/dW is computed over the padded input ({@code forward}, not null), or by
     *                            {@code rows}
     */
    PaddedWidePlan(PaddedWide forward, PaddedWide backward, Im2ColPlan rows, boolean paddedWeightGradient) {
        this(forward, backward, rows, paddedWeightGradient, null);
    }

    /**
     * As {@link #PaddedWidePlan(PaddedWide, PaddedWide, Im2ColPlan, boolean)}, with the forward pass in inference by
     * {@code winograd} when it is not null.
     */
    PaddedWidePlan(PaddedWide forward, PaddedWide backward, Im2ColPlan rows, boolean paddedWeightGradient,
                   WinogradRows winograd) {
        this(forward, backward, rows, paddedWeightGradient, winograd, null, null);
    }

    /**
     * As {@link #PaddedWidePlan(PaddedWide, PaddedWide, Im2ColPlan, boolean, WinogradRows)}, with the forward pass in
     * training by {@code columns4} and dL/dx by {@code gradientColumns4} when they are not null (Winograd's F(4, 3);
     * the forward layout must then be the one {@code columns4} pads into, so that dL/dW can use the kept images).
     */
    PaddedWidePlan(PaddedWide forward, PaddedWide backward, Im2ColPlan rows, boolean paddedWeightGradient,
                   WinogradRows winograd, WinogradColumns4 columns4, WinogradColumns4 gradientColumns4) {
        this(forward, backward, rows, paddedWeightGradient, winograd, columns4, gradientColumns4, null);
    }

    /** The full constructor: with {@code prepared}, the plan of {@link #forInference}. */
    private PaddedWidePlan(PaddedWide forward, PaddedWide backward, Im2ColPlan rows, boolean paddedWeightGradient,
                           WinogradRows winograd, WinogradColumns4 columns4, WinogradColumns4 gradientColumns4,
                           WinogradColumns4.Weights prepared) {
        if (paddedWeightGradient && forward == null) {
            throw new IllegalArgumentException("dL/dW over the padded input needs its wide layout");
        }
        if (columns4 != null && (forward == null || forward.paddedSize() != columns4.input().paddedSize())) {
            throw new IllegalArgumentException("Winograd's F(4, 3) pads the input as the forward layout must");
        }
        this.columns4 = columns4;
        this.gradientColumns4 = gradientColumns4;
        this.prepared = prepared;
        this.paddedWeightGradient = paddedWeightGradient;
        this.winograd = winograd;
        this.forward = forward;
        this.backward = backward;
        this.rows = rows;
        this.geometry = rows.geometry();
        this.filters = rows.filters();
        this.outputSize = filters * geometry.columns();
        this.strideTwo = forward != null && forward.stride() == 2
                ? StrideTwoGradient.of(geometry.channels(), geometry.height(), geometry.width(), filters,
                geometry.kernelHeight(), geometry.kernelWidth(), geometry.padHeight(), geometry.padWidth()) : null;
    }

    /**
     * Per group of images, each padded once, {@code [y_0 y_1 ...]_wide (F x g*L) = W . B + b} with B read straight
     * from the padded images, and each image's outputs copied out of its wide block. With fewer images than threads
     * in inference (one large image) the filters are shared out instead. The same sums, in the same order, however
     * the images are grouped or the filters shared out: the bits do not depend on the thread count.
     */
    @Override
    public void forward(float[] x, int batch, float[] w, float[] b, float[] y, boolean training) {
        if (!training && winograd != null) {
            winograd.forward(x, batch, w, b, y);
            return;
        }
        if (!training && columns4 != null) {
            inferByColumns4(x, batch, w, b, y);
            return;
        }
        if (training && columns4 != null) {
            keptImages = 0;
            WinogradColumns4.Kept keep = null;
            if (keepsInput(batch)) {
                keptTransforms = columns4.kept(batch, keptTransforms);
                keep = keptTransforms;
            }
            columns4.transformWeights(w, columns4Weights);
            columns4Buffers = columns4(columns4, columns4Weights, columns4Buffers, x, batch, b, y, keep);
            if (keep != null) {
                keptImages = batch;
            }
            return;
        }
        if (forward == null) {
            rows.forward(x, batch, w, b, y, training);
            return;
        }
        PaddedWide plan = forward;
        int imageSize = geometry.imageSize();
        int length = plan.wideColumns();
        int padded = plan.paddedSize();
        int patch = plan.rows();
        int group = Math.max(1, WIDE_GROUP_COLUMNS / length);
        if (!training && batch < Parallel.threads() && !Parallel.insideTask()) {
            float[] pad = Scratch.atLeast(padded);
            if (length >= SHARED_COLUMNS * Parallel.threads()) {
                oneImageByRows(plan, x, batch, w, b, y, pad);
                Scratch.give(pad);
                return;
            }
            float[] product = Scratch.atLeast(filters * length);
            for (int n = 0; n < batch; n++) {
                int yStart = n * outputSize;
                plan.pad(x, n * imageSize, pad, 0);
                Parallel.forRange(filters, (part, f0, f1) -> {
                    if (b != null) {
                        for (int f = f0; f < f1; f++) {
                            Elementwise.fill(product, f * length, (f + 1) * length, b[f]);
                        }
                    }
                    Gemm.multiply(false, f1 - f0, length, patch, w, f0 * patch, patch, plan.source(pad, 0, 1, padded),
                            product, f0 * length, length, b != null);
                    plan.copyOut(product, length, 0, f0, f1, y, yStart);
                });
            }
            Scratch.give(pad);
            Scratch.give(product);
            return;
        }
        float[] keep = null;
        if (training) {
            forwardWork.fit(plan, group * padded, filters * group * length, Gemm.packedSize(filters, patch));
            keptImages = 0;
            if (keepsInput(batch)) {
                keptInputs = grown(keptInputs, batch * padded);
                keep = keptInputs;
            }
        }
        multiplyPadded(plan, x, imageSize, batch, w, filters, b, y, outputSize, training ? forwardWork : null,
                keep);
        if (keep != null) {
            keptImages = batch;
        }
    }

    /**
     * The forward pass in inference by F(4, 3), writing no field: the kernels transformed into this thread's scratch
     * (or those of {@link #forInference}), then ranges of images over the threads, each part with buffers of the
     * calling thread's scratch (the pool's threads have none open), or with fewer images than threads (one image)
     * each image's tile rows shared out ({@link WinogradColumns4#forwardByTiles}). The same bits every way, and the
     * same as the training forward pass's.
     */
    private void inferByColumns4(float[] x, int batch, float[] w, float[] b, float[] y) {
        float[][] panels = null;
        WinogradColumns4.Weights u = prepared;
        if (u == null) {
            panels = Scratch.rows(WinogradColumns4.K, columns4.weightsSize());
            u = new WinogradColumns4.Weights(panels);
            columns4.transformWeights(w, u);
        }
        if (batch < Parallel.threads() && !Parallel.insideTask()) {
            float[] t = Scratch.atLeast(columns4.tileSplitTransformsSize());
            float[] products = Scratch.atLeast(columns4.tileSplitProductsSize());
            for (int n = 0; n < batch; n++) {
                columns4.forwardByTiles(u, x, n, b, y, t, products);
            }
            Scratch.give(products);
            Scratch.give(t);
        } else {
            int parts = Parallel.runsInline(batch) ? 1 : Parallel.parts(batch);
            WinogradColumns4.Buffers[] buffers = new WinogradColumns4.Buffers[parts];
            for (int i = 0; i < parts; i++) {
                buffers[i] = columns4.buffersOver(Scratch.atLeast(columns4.transformsSize()),
                        Scratch.atLeast(columns4.productsSize()));
            }
            WinogradColumns4.Weights kernels = u;
            if (parts == 1) {
                columns4.forward(kernels, x, 0, batch, b, y, null, buffers[0]);
            } else {
                Parallel.forRange(batch, (part, from, to) ->
                        columns4.forward(kernels, x, from, to, b, y, null, buffers[part]));
            }
            for (WinogradColumns4.Buffers own : buffers) {
                Scratch.give(own.products);
                Scratch.give(own.transforms);
            }
        }
        if (panels != null) {
            Scratch.give(panels);
        }
    }

    /**
     * Up to this many floats of padded images (or, with F(4, 3), of transformed ones) are kept from a training forward
     * pass for dL/dW (about 4 MB of padded images for a replica's 32 CIFAR images at 32 channels, 6 MB of transformed
     * ones); a larger batch pads (or transforms) its images again in dL/dW.
     */
    static final int KEPT_FLOATS = 1 << 22;

    /**
     * Yes when dL/dW runs over the padded input and a batch of this size fits in {@value #KEPT_FLOATS} floats: the
     * training forward pass then writes each image's padded copy, which it makes anyway, into a buffer kept for
     * dL/dW, which thus neither needs x again nor pads it a second time (the same numbers). With F(4, 3) in training:
     * when its T_k for the batch fit ({@link WinogradColumns4.Kept}; and the vector GEMM reads them in place).
     */
    @Override
    public boolean keepsInput(int batch) {
        if (columns4 != null) {
            return WinogradColumns4.keepsTransforms() && columns4.keptFloats(batch) <= KEPT_FLOATS;
        }
        return paddedWeightGradient && (long) batch * forward.paddedSize() <= KEPT_FLOATS;
    }

    /**
     * This plan for an inference run over many chunks with the kernels {@code w} as they are now: with F(4, 3), the
     * kernels transformed once here for all the chunks and threads of the run instead of once per chunk; else this
     * plan. The plan made shares this one's layouts and has training buffers of its own; its
     * {@code forward(..., false)} must be given the same w (the layer made by {@code Conv2D.forInference} does).
     */
    @Override
    public ConvPlan forInference(float[] w) {
        if (columns4 == null || winograd != null) {
            return this;
        }
        WinogradColumns4.Weights u = new WinogradColumns4.Weights();
        columns4.transformWeights(w, u);
        return new PaddedWidePlan(forward, backward, rows, paddedWeightGradient, winograd, columns4,
                gradientColumns4, u);
    }

    /**
     * Fewer images than threads in inference, with many columns (one large image: VGG-16's first layers, 224 x 224):
     * each thread takes a range of the output rows for all the filters, rather than a range of the filters for all
     * the columns. Each panel of B (the padded image, read in place) then serves all the filters while it is in the
     * core's cache, not half of them; W is packed once per call; and the columns are multiplied a block at a time
     * ({@link #columnsPerBlock}) into a small product that is copied out at once, while it is in the cache (a
     * product of the whole image, 13 MB for 64 filters at 224 x 224, went out to memory and was read back to be
     * copied).
     */
    private void oneImageByRows(PaddedWide plan, float[] x, int batch, float[] w, float[] b, float[] y,
                                   float[] pad) {
        int patch = plan.rows();
        int padded = plan.paddedSize();
        float[] into = Scratch.atLeast(Gemm.packedSize(filters, patch));
        Gemm.Packed packed = Gemm.pack(filters, patch, w, 0, patch, into);
        // every part's product taken here, from this thread's scratch (the pool's threads have none open: a product
        // of theirs would be a new array per call, for 256 filters a humongous one to G1)
        int block = columnsPerBlock(Gemm.panelColumns());
        int product = filters * block;
        float[] products = Scratch.atLeast(Parallel.parts(plan.outHeight()) * product);
        for (int n = 0; n < batch; n++) {
            plan.pad(x, n * geometry.imageSize(), pad, 0);
            PanelSource source = plan.source(pad, 0, 1, padded);
            int yStart = n * outputSize;
            Parallel.forRange(plan.outHeight(), (part, i0, i1) ->
                    outputRows(plan, packed, source, b, y, yStart, i0, i1, block, products, part * product));
        }
        Scratch.give(products);
        Scratch.give(into);
    }

    /**
     * Output rows i0..i1-1 of one image, {@code block} of their wide columns (row i at i*S' ..) at a time: the block
     * for all the filters into a small product at {@code product[at]}, copied out into y while it is still in the
     * core's cache.
     */
    private void outputRows(PaddedWide plan, Gemm.Packed packed, PanelSource source, float[] b, float[] y,
                            int yStart, int i0, int i1, int block, float[] product, int at) {
        int from = i0 * plan.rowStride();
        int to = Math.min(plan.wideColumns(), i1 * plan.rowStride());
        for (int c0 = from; c0 < to; c0 += block) {
            int width = Math.min(block, to - c0);
            if (b != null) {
                for (int f = 0; f < filters; f++) {
                    Elementwise.fill(product, at + f * width, at + (f + 1) * width, b[f]);
                }
            }
            Gemm.multiply(packed, width, source.fromColumn(c0), product, at, width, b != null);
            plan.copyOutColumns(product, at, width, c0, c0 + width, filters, y, yStart);
        }
    }

    /**
     * Wide columns per block of {@link #outputRows}: about {@value #BLOCK_COLUMNS}, a whole number of the GEMM's panels
     * ({@code panel} columns each, see {@link Gemm#panelColumns}). A product does the work of whole panels, so a
     * block that ended where an output row ends could waste most of a panel: VGG-16's 224-wide rows two at a time
     * (452 wide columns) cost 15 panels for 14.1 panels of numbers. A block may start and end inside a row
     * ({@link PaddedWide#copyOutColumns}); the bits do not depend on the blocks.
     */
    static int columnsPerBlock(int panel) {
        return Math.max(1, BLOCK_COLUMNS / panel) * panel;
    }

    /**
     * dL/dx, the lecture's formula as one product per group of images: dL/dy padded by K - 1 - P, convolved with
     * W' = rot180(W) with input and output channels swapped,
     * {@code dx_wide (C x g*L) = W' (C x F*KH*KW) . B(padded dy)}, then each image's numbers copied out (dx is
     * overwritten, every number of it).
     */
    @Override
    public void inputGradient(float[] dy, int batch, float[] w, float[] dx) {
        if (strideTwo != null) {
            strideTwo.inputGradient(dy, batch, w, dx);
            return;
        }
        if (backward == null) {
            rows.inputGradient(dy, batch, w, dx);
            return;
        }
        int channels = geometry.channels();
        int length = backward.wideColumns();
        int padded = backward.paddedSize();
        int group = Math.max(1, WIDE_GROUP_COLUMNS / length);
        if (rotatedWeight.length != w.length) {
            rotatedWeight = new float[w.length];
        }
        PaddedWide.rotatedWeight(w, filters, channels, geometry.kernelHeight(), geometry.kernelWidth(), rotatedWeight);
        if (gradientColumns4 != null) {
            gradientColumns4.transformWeights(rotatedWeight, gradientColumns4Weights);
            gradientColumns4Buffers = columns4(gradientColumns4, gradientColumns4Weights, gradientColumns4Buffers, dy,
                    batch, null, dx, null);
            return;
        }
        gradientWork.fit(backward, group * padded, channels * group * length,
                Gemm.packedSize(channels, backward.rows()));
        multiplyPadded(backward, dy, outputSize, batch, rotatedWeight, channels, null, dx, geometry.imageSize(),
                gradientWork, null);
    }

    /**
     * {@code out_n = a . B(padded in_n) + bias} for the {@code batch} images of {@code in} ({@code inSize} floats
     * each, laid out as {@code plan} expects), a group of images per product: each image padded once into the group's
     * buffer, {@code [out_0 out_1 ...]_wide (m x g*L) = a (m x plan.rows()) . B}, then each image's {@code m} rows
     * copied out of its wide block into {@code out} ({@code outSize} floats an image, every number written). The
     * groups are fixed ranges of each thread's images, and each image gets the same sums in the same order however
     * it is grouped: the bits do not depend on the thread count.
     *
     * @param bias    one number per row of a added to it, or null for none
     * @param work    the training pass's kept buffers, or null (inference) to take them from the scratch per call
     * @param keep    null, or an array of at least batch * plan.paddedSize() floats to pad the images into (image n
     *                at n * paddedSize) instead of the group's buffer, kept there for the caller
     */
    private static void multiplyPadded(PaddedWide plan, float[] in, int inSize, int batch, float[] a, int m,
                                       float[] bias, float[] out, int outSize, Workspace work, float[] keep) {
        int patch = plan.rows();
        // a packed once for all groups and threads: into the training workspace, or from the scratch in inference
        float[] into = work != null ? null : Scratch.atLeast(Gemm.packedSize(m, patch));
        Gemm.Packed packed = work != null ? Gemm.pack(m, patch, a, 0, patch, work.panels, work.packed)
                : Gemm.pack(m, patch, a, 0, patch, into);
        if (Parallel.runsInline(batch)) {   // a chunk of the training step: no task object made
            multiplyRange(plan, in, inSize, packed, m, bias, out, outSize, work, keep, 0, 0, batch);
        } else {
            Parallel.forRange(batch, (part, from, to) ->
                    multiplyRange(plan, in, inSize, packed, m, bias, out, outSize, work, keep, part, from, to));
        }
        if (into != null) {
            Scratch.give(into);
        }
    }

    /** Images from..to-1 of {@link #multiplyPadded}, as thread part {@code part}, group after group. */
    private static void multiplyRange(PaddedWide plan, float[] in, int inSize, Gemm.Packed packed, int m,
                                      float[] bias, float[] out, int outSize, Workspace work, float[] keep,
                                      int part, int from, int to) {
        int length = plan.wideColumns();
        int padded = plan.paddedSize();
        int group = Math.max(1, WIDE_GROUP_COLUMNS / length);
        int count = to - from;
        int groups = (count + group - 1) / group;
        float[] pad = work != null ? work.buffers[part][0] : Scratch.atLeast(group * padded);
        float[] product = work != null ? work.buffers[part][1] : Scratch.atLeast(m * group * length);
        // one source per part, pointed at each group in turn
        PaddedWide.Source groupSource = work != null ? work.sources[part] : plan.newSource();
        for (int g = 0; g < groups; g++) {
            int first = from + Parallel.start(count, groups, g);
            int images = from + Parallel.start(count, groups, g + 1) - first;
            int width = images * length;
            // the group's images padded side by side: in the kept buffer at their place, or in the group's
            float[] source = keep != null ? keep : pad;
            int base = keep != null ? first * padded : 0;
            for (int k = 0; k < images; k++) {
                plan.pad(in, (first + k) * inSize, source, base + k * padded);
            }
            if (bias != null) {
                for (int row = 0; row < m; row++) {
                    Elementwise.fill(product, row * width, (row + 1) * width, bias[row]);
                }
            }
            Gemm.multiply(packed, width, groupSource.of(source, base, images, padded), product, 0, width, bias != null);
            for (int k = 0; k < images; k++) {
                plan.copyOut(product, width, k, m, out, (first + k) * outSize);
            }
        }
        if (work == null) {
            Scratch.give(pad);
            Scratch.give(product);
        }
    }

    /**
     * {@code out = } the F(4, 3) convolution of the {@code batch} images of {@code in} by the kernels {@code u} holds,
     * plus bias: on this thread when it is a chunk of the training step, else in fixed ranges of images over the
     * threads, each with its own buffers (grown here and returned, to be kept). {@code keep}: see
     * {@link WinogradColumns4#forward}.
     */
    private static WinogradColumns4.Buffers[] columns4(WinogradColumns4 plan, WinogradColumns4.Weights u,
                                                       WinogradColumns4.Buffers[] buffers, float[] in, int batch,
                                                       float[] bias, float[] out, WinogradColumns4.Kept keep) {
        int parts = Parallel.threads();
        if (buffers.length < parts) {
            WinogradColumns4.Buffers[] more = java.util.Arrays.copyOf(buffers, parts);
            for (int i = buffers.length; i < parts; i++) {
                more[i] = plan.newBuffers();
            }
            buffers = more;
        }
        WinogradColumns4.Buffers[] own = buffers;
        if (Parallel.runsInline(batch)) {
            plan.forward(u, in, 0, batch, bias, out, keep, own[0]);
        } else {
            Parallel.forRange(batch, (part, from, to) -> plan.forward(u, in, from, to, bias, out, keep, own[part]));
        }
        return own;
    }

    /**
     * dW += dy_wide . B(padded x_n)^T image by image ({@link PaddedWide#weightGradient}), or by {@link #rows}; with
     * F(4, 3) in training, by {@link WinogradColumns4#weightGradient} (from the kept T_k when x is null).
     */
    @Override
    public void weightGradient(float[] x, float[] dy, int first, int count, float[] dw) {
        if (!paddedWeightGradient) {
            rows.weightGradient(x, dy, first, count, dw);
            return;
        }
        if (x == null) {
            if (first < 0 || first + count > keptImages) {
                throw new IllegalStateException("dL/dW of images " + first + " to " + (first + count - 1)
                        + " without x, but the last training forward pass kept " + keptImages);
            }
            if (columns4 != null) {
                columns4.weightGradient(keptTransforms, first, dy, first * outputSize, count, dw);
                return;
            }
            forward.weightGradientOfPadded(filters, keptInputs, first * forward.paddedSize(), dy, first * outputSize,
                    count, dw);
            return;
        }
        if (columns4 != null) {
            columns4.weightGradient(x, first * geometry.imageSize(), dy, first * outputSize, count, dw);
            return;
        }
        forward.weightGradient(filters, x, first * geometry.imageSize(), dy, first * outputSize, count, dw);
    }

    /** {@code array} if it has at least {@code size} floats, else a new array of that size. */
    private static float[] grown(float[] array, int size) {
        return array.length >= size ? array : new float[size];
    }

    /**
     * What a training pass in one direction keeps from step to step, so that it allocates nothing: per thread part
     * its {padded images, wide product} buffers and its product source, and A's packed panels.
     */
    private static final class Workspace {
        float[][][] buffers = new float[0][][];
        PaddedWide.Source[] sources = new PaddedWide.Source[0];
        float[] panels = new float[0];
        final Gemm.Packed packed = new Gemm.Packed();

        /** Grows the buffers to these sizes for every thread part; sources for {@code plan}. */
        void fit(PaddedWide plan, int padded, int product, int panelSize) {
            int parts = Parallel.threads();
            if (buffers.length < parts || buffers[0][0].length < padded || buffers[0][1].length < product) {
                buffers = new float[parts][][];
                for (int i = 0; i < parts; i++) {
                    buffers[i] = new float[][] {new float[padded], new float[product]};
                }
            }
            if (sources.length < parts) {
                sources = new PaddedWide.Source[parts];
                for (int i = 0; i < parts; i++) {
                    sources[i] = plan.newSource();
                }
            }
            panels = grown(panels, panelSize);
        }
    }

    /**
     * The plan as named in test failures, e.g. {@code padded wide (forward: padded wide, dL/dW: padded wide, dL/dx:
     * im2col (plain layout, 1 image a group))}.
     */
    @Override
    public String toString() {
        return "padded wide (forward: " + (forward == null ? rows : forward.stride() == 1 ? "padded wide"
                : "parity planes") + (columns4 == null ? "" : winograd == null ? ", training and inference: " + columns4
                : ", training: " + columns4)
                + (winograd == null ? "" : ", inference: " + winograd) + ", dL/dW: "
                + (paddedWeightGradient ? "padded wide" : rows) + ", dL/dx: "
                + (strideTwo != null ? "parity classes" : gradientColumns4 != null ? gradientColumns4
                : backward != null ? "padded wide" : rows) + ")";
    }
}
