package io.github.jcnn.layers;

import io.github.jcnn.kernels.Elementwise;
import io.github.jcnn.kernels.Lanes;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.kernels.Scratch;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Batch normalisation: each channel (or feature) is shifted and scaled to mean 0 and variance 1 over the batch, then
 * given a learnable scale &gamma; and shift &beta;.
 * <pre>
 *   training:   mean = (1/M) sum x,   var = (1/M) sum (x - mean)^2          over the M numbers of one channel
 *               xhat = (x - mean) / sqrt(var + eps)
 *               y    = gamma * xhat + beta
 *               running_mean = (1 - m) running_mean + m mean
 *               running_var  = (1 - m) running_var  + m var * M / (M - 1)    (unbiased, as PyTorch)
 *   inference:  y    = gamma * (x - running_mean) / sqrt(running_var + eps) + beta
 *
 *   input (N, C, H, W): per channel c, M = N * H * W     gamma, beta, running stats (C)
 *   input (N, D):       per feature d, M = N             gamma, beta, running stats (D)
 *   output: the input's shape
 * </pre>
 * Parameters "weight" (&gamma;, starts at 1) and "bias" (&beta;, starts at 0); buffers "running_mean" (starts at 0)
 * and "running_var" (starts at 1), updated only by training forward passes with momentum m (default 0.1) and
 * eps (default 1e-5). Training needs at least two numbers per channel (M &ge; 2).
 */
public final class BatchNorm implements Layer {

    /** Samples per chunk of the batch statistics: the data-parallel training step's chunk. */
    static final int CHUNK = 32;

    private final Shape inputShape;
    private final int channels;
    /** Numbers per channel per sample: H * W for images, 1 for flat features. */
    private final int spatial;
    private final double momentum;
    private final double epsilon;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter runningMean;
    private final Parameter runningVar;
    /** Shared by this layer and all its replicas. */
    private final Statistics statistics;
    /** Whether this is a replica for the data-parallel step (its training passes run in a lane). */
    private final boolean isReplica;
    /**
     * x of the last training forward (a reference, as {@link Dense} keeps: backward computes xhat from it again, so
     * the caller must not change it in between).
     */
    private Tensor lastInput;
    /** Per channel, of the last training forward: 1 / sqrt(var + eps), the mean and the biased variance. */
    private final double[] invStd;
    private final double[] batchMean;
    private final double[] batchVariance;
    /** Per channel, of the last backward: the batch's sums of dy and of dy * xhat. */
    private final double[] batchSumDy;
    private final double[] batchSumDyXhat;
    /** One plane's two sums, for {@link #gradientSums} in a lane (the whole batch's threads make their own). */
    private final double[] planeSums = new double[2];
    /** One plane's dy through the ReLU's derivative, for {@link #gradientSums} in a lane; made on first use. */
    private float[] planeGated;
    /** Training output and input gradient, reused while the batch size stays the same. */
    private Tensor outputBuffer;
    private Tensor gradientBuffer;
    /** The batch size of the last training forward; -1 before the first. */
    private int lastBatch = -1;

    /** Batch normalisation with momentum 0.1 and eps 1e-5, for inputs (C, H, W) or (D). */
    public BatchNorm(Shape in) {
        this(in, 0.1, 1e-5);
    }

    /**
     * Batch normalisation for inputs (C, H, W) (per channel) or (D) (per feature).
     *
     * @param momentum the weight m of the new batch in the running averages, in [0, 1]
     * @param epsilon  added to the variance before the square root, &gt; 0
     * @throws IllegalArgumentException for another input rank, or momentum or epsilon out of range
     */
    public BatchNorm(Shape in, double momentum, double epsilon) {
        if (in.rank() != 1 && in.rank() != 3) {
            throw new IllegalArgumentException("BatchNorm: input shape " + in + " has rank " + in.rank()
                    + " but (channels, height, width) or (features) was expected");
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm: momentum must be in [0, 1], got " + momentum);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("BatchNorm: epsilon must be positive, got " + epsilon);
        }
        this.inputShape = in;
        this.channels = in.dim(0);
        this.spatial = in.size() / channels;
        this.momentum = momentum;
        this.epsilon = epsilon;
        this.weight = new Parameter("weight", Tensor.full(Shape.of(channels), 1f));
        this.bias = new Parameter("bias", Shape.of(channels));
        this.runningMean = new Parameter("running_mean", Shape.of(channels));
        this.runningVar = new Parameter("running_var", Tensor.full(Shape.of(channels), 1f));
        this.statistics = new Statistics(channels);
        this.isReplica = false;
        this.invStd = new double[channels];
        this.batchMean = new double[channels];
        this.batchVariance = new double[channels];
        this.batchSumDy = new double[channels];
        this.batchSumDyXhat = new double[channels];
    }

    /** A replica of {@code source}: its values, running averages and statistics, gradients and buffers of its own. */
    private BatchNorm(BatchNorm source) {
        this.inputShape = source.inputShape;
        this.channels = source.channels;
        this.spatial = source.spatial;
        this.momentum = source.momentum;
        this.epsilon = source.epsilon;
        this.weight = new Parameter("weight", source.weight.value());
        this.bias = new Parameter("bias", source.bias.value());
        this.runningMean = source.runningMean;
        this.runningVar = source.runningVar;
        this.statistics = source.statistics;
        this.isReplica = true;
        this.invStd = new double[channels];
        this.batchMean = new double[channels];
        this.batchVariance = new double[channels];
        this.batchSumDy = new double[channels];
        this.batchSumDyXhat = new double[channels];
    }

    @Override
    public String type() {
        return "BatchNorm";
    }

    @Override
    public Shape inputShape() {
        return inputShape;
    }

    @Override
    public Shape outputShape() {
        return inputShape;
    }

    /** The number of normalised channels (or features). */
    public int channels() {
        return channels;
    }

    /** The weight m of a new batch in the running averages. */
    public double momentum() {
        return momentum;
    }

    /** The number added to the variance before the square root. */
    public double epsilon() {
        return epsilon;
    }

    /** "weight" (&gamma;) and "bias" (&beta;), each (C). */
    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    /** "running_mean" and "running_var", each (C). */
    @Override
    public List<Parameter> buffers() {
        return List.of(runningMean, runningVar);
    }

    /** Resets &gamma; to 1, &beta; to 0, the running mean to 0 and the running variance to 1. */
    @Override
    public void initialize(WeightInit init, RandomGenerator random) {
        weight.value().fillInPlace(1f);
        bias.value().fillInPlace(0f);
        runningMean.value().fillInPlace(0f);
        runningVar.value().fillInPlace(1f);
    }

    /**
     * Training: normalises with the batch's own mean and (biased) variance, remembers x (backward computes xhat
     * from it again, with the same bits) and updates the running
     * averages. Inference: normalises with the running averages and writes nothing.
     *
     * <p>The batch's statistics are combined from those of its chunks of {@value #CHUNK} samples (the same cut as
     * the data-parallel training step's), in chunk order: per channel, each chunk's mean and sum of squared
     * deviations (two passes, in double), merged chunk after chunk with the exact pairwise formula
     * <pre>
     *   n = na + nb,   d = mean_b - mean_a,   mean = mean_a + d * nb / n,   M2 = M2_a + M2_b + d^2 * na * nb / n
     * </pre>
     * A replica in the data-parallel step ({@link #replica}) computes its own chunk's part, meets the other chunks'
     * replicas at a barrier ({@link Lanes}) and merges all the parts in the same order: the same numbers, to the
     * bit, as this layer on the whole batch, whatever the thread count.
     */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        return forward(input, training, false);
    }

    /** {@link #forward(Tensor, boolean)}, followed by a ReLU when {@code relu} ({@link #withReLU}). */
    private Tensor forward(Tensor input, boolean training, boolean relu) {
        Layer.requireBatchOf(this, input);
        int batch = input.shape().dim(0);
        float[] x = input.data();
        float[] gamma = weight.value().data();
        float[] beta = bias.value().data();
        if (!training) {
            // every number is written below, so the output may be an array kept from an earlier run
            Tensor output = Tensor.wrap(input.shape(), Scratch.exactly(input.size()));
            float[] y = output.data();
            float[] runMean = runningMean.value().data();
            float[] runVar = runningVar.value().data();
            Parallel.forRange(channels, (part, from, to) -> {
                for (int c = from; c < to; c++) {
                    // y = x * scale + shift, scale = gamma / sqrt(var + eps), shift = beta - mean * scale: worked
                    // out in double, rounded once, the loop in float (vectorised)
                    double scale = gamma[c] / Math.sqrt(runVar[c] + epsilon);
                    float sc = (float) scale;
                    float shift = (float) (beta[c] - runMean[c] * scale);
                    for (int n = 0; n < batch; n++) {
                        int base = (n * channels + c) * spatial;
                        for (int s = base; s < base + spatial; s++) {
                            y[s] = x[s] * sc + shift;
                        }
                        if (relu) {
                            Elementwise.relu(y, y, base, base + spatial);
                        }
                    }
                }
            });
            return output;
        }
        Lanes.Lane lane = lane();
        Tensor output = outputBuffer = Buffers.reuse(outputBuffer, input.shape());
        float[] y = output.data();
        double[] mean = batchMean;
        long total;
        if (lane == null) {
            // the whole batch here: its chunks' moments, then merged
            int chunks = chunks(batch);
            Statistics.Slots slots = statistics.slots(chunks);
            Parallel.forRange(channels, (part, from, to) -> {
                for (int k = 0; k < chunks; k++) {
                    int first = Parallel.start(batch, chunks, k);
                    int last = Parallel.start(batch, chunks, k + 1);
                    moments(x, first, last, from, to, slots, k);
                }
            });
            total = merge(slots, chunks, mean, invStd);
        } else {
            Statistics.Slots slots = statistics.slots(lane.count());
            moments(x, 0, batch, 0, channels, slots, lane.index());
            lane.await();   // every chunk's moments are in
            total = merge(slots, lane.count(), mean, invStd);
        }
        if (total < 2) {
            throw new IllegalArgumentException("BatchNorm: training needs more than one number per channel to "
                    + "compute a variance, but the batch has " + total + " (input " + input.shape() + ")");
        }
        if (Parallel.runsInline(channels)) {
            normalize(x, y, batch, relu, 0, channels);   // a lane: no task object made
        } else {
            Parallel.forRange(channels, (part, from, to) -> normalize(x, y, batch, relu, from, to));
        }
        if (lane == null || lane.index() == 0) {
            // once per batch: running_mean and the unbiased running_var, as PyTorch
            float[] runMean = runningMean.value().data();
            float[] runVar = runningVar.value().data();
            for (int c = 0; c < channels; c++) {
                double variance = batchVariance[c];
                runMean[c] = (float) ((1 - momentum) * runMean[c] + momentum * mean[c]);
                runVar[c] = (float) ((1 - momentum) * runVar[c] + momentum * variance * total / (total - 1));
            }
        }
        lastBatch = batch;
        lastInput = input;
        return output;
    }

    /** y = gamma * xhat + beta (then the ReLU when {@code relu}) for channels from..to-1 of a training forward. */
    private void normalize(float[] x, float[] y, int batch, boolean relu, int from, int to) {
        float[] gamma = weight.value().data();
        float[] beta = bias.value().data();
        for (int c = from; c < to; c++) {
            // in float, so that the loop is vectorised: xhat = x * inv + shift with shift = -mean * inv (inv and
            // shift rounded once), not stored: backward computes it again from x, with the same bits
            float inv = inverse(c);
            float shift = shift(c);
            for (int n = 0; n < batch; n++) {
                int base = (n * channels + c) * spatial;
                Elementwise.normalize(x, y, base, base + spatial, inv, shift, gamma[c], beta[c], relu);
            }
        }
    }

    /** 1 / sqrt(var + eps) of channel c in the last training forward, rounded to float once. */
    private float inverse(int c) {
        return (float) invStd[c];
    }

    /** -mean * inv of channel c in the last training forward, worked out in double and rounded once. */
    private float shift(int c) {
        return (float) (-batchMean[c] * invStd[c]);
    }

    /** The lane this replica runs in, or null for the whole batch here; a replica outside any lane is refused. */
    private Lanes.Lane lane() {
        if (!isReplica) {
            return null;
        }
        Lanes.Lane lane = Lanes.current();
        if (lane == null) {
            throw new IllegalStateException("BatchNorm: this replica (made by replica(index) for the data-parallel "
                    + "training step) must run inside the step's lanes, where it meets the other chunks' replicas; "
                    + "a layer holding it must make its replica with Layer.replica on the step's thread");
        }
        return lane;
    }

    /** The number of chunks a batch of n samples is cut into: ceil(n / CHUNK), as the data-parallel step does. */
    private static int chunks(int n) {
        return Math.max(1, (n + CHUNK - 1) / CHUNK);
    }

    /**
     * Chunk k's count, mean and sum of squared deviations for channels c0..c1-1, over samples first..last-1 of x.
     */
    private void moments(float[] x, int first, int last, int c0, int c1, Statistics.Slots slots, int k) {
        double[] means = slots.mean[k];
        double[] squares = slots.squares[k];
        long count = (long) (last - first) * spatial;
        slots.count[k] = count;
        for (int c = c0; c < c1; c++) {
            // per sample, its plane's sum (Elementwise: four running sums), added in sample order
            double sum = 0;
            for (int n = first; n < last; n++) {
                int base = (n * channels + c) * spatial;
                sum += Elementwise.sum(x, base, base + spatial);
            }
            double mean = count == 0 ? 0 : sum / count;
            double m2 = 0;
            for (int n = first; n < last; n++) {
                int base = (n * channels + c) * spatial;
                m2 += Elementwise.squaredDeviations(x, base, base + spatial, mean);
            }
            means[c] = mean;
            squares[c] = m2;
        }
    }

    /**
     * Merges chunks 0..chunks-1 in order into the batch's mean, biased variance ({@link #batchVariance}) and
     * 1 / sqrt(var + eps) per channel; returns the batch's count per channel.
     */
    private long merge(Statistics.Slots slots, int chunks, double[] mean, double[] inverse) {
        long total = 0;
        for (int k = 0; k < chunks; k++) {
            total += slots.count[k];
        }
        for (int c = 0; c < channels; c++) {
            long n = 0;
            double m = 0;
            double m2 = 0;
            for (int k = 0; k < chunks; k++) {
                long nb = slots.count[k];
                if (nb == 0) {
                    continue;
                }
                if (n == 0) {
                    m = slots.mean[k][c];
                    m2 = slots.squares[k][c];
                } else {
                    long sum = n + nb;
                    double d = slots.mean[k][c] - m;
                    m += d * nb / sum;
                    m2 += slots.squares[k][c] + d * d * ((double) n * nb / sum);
                }
                n += nb;
            }
            double variance = total == 0 ? 0 : m2 / total;                 // biased: for normalising
            mean[c] = m;
            batchVariance[c] = variance;
            inverse[c] = 1 / Math.sqrt(variance + epsilon);
        }
        return total;
    }

    /**
     * In the forward pass this was {@code y = gamma * xhat + beta} with {@code xhat = (x - mean) / sqrt(var + eps)},
     * where mean and var depend on every x of the channel. Written out in full (sums over the M numbers of a
     * channel):
     * <pre>
     *   dxhat  = dy * gamma
     *   dx     = (1/M) * invstd * ( M * dxhat - sum dxhat - xhat * sum(dxhat * xhat) )
     *   dgamma += sum dy * xhat
     *   dbeta  += sum dy
     * </pre>
     * The middle line collects the three paths from x to the loss: directly through xhat, through the mean, and
     * through the variance. The two sums run over the whole batch: chunk by chunk, added in chunk order (a replica
     * meets the other chunks' replicas at a barrier for them, as in the forward pass). In the data-parallel step
     * the replica of chunk 0 adds the whole batch's dgamma and dbeta, the others nothing, so the model's gradient
     * gets the same bits as this layer on the whole batch.
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        return backward(outputGradient, false);
    }

    /** {@link #backward(Tensor)}, through the ReLU after this layer first when {@code relu} ({@link #withReLU}). */
    private Tensor backward(Tensor outputGradient, boolean relu) {
        LayerChecks.requireGradient(this, outputGradient, lastBatch);
        Lanes.Lane lane = lane();
        int batch = lastBatch;
        Tensor inputGradient = gradientBuffer = Buffers.reuse(gradientBuffer, inputShape.withBatch(batch));
        float[] dy = outputGradient.data();
        float[] dx = inputGradient.data();
        float[] x = lastInput.data();
        long count;
        int chunks;
        Statistics.Slots slots;
        if (lane == null) {
            chunks = chunks(batch);
            slots = statistics.slots(chunks);
            Statistics.Slots s = slots;
            Parallel.forRange(channels, (part, from, to) -> {
                double[] plane = new double[2];
                float[] gated = relu ? new float[spatial] : null;
                for (int k = 0; k < chunks; k++) {
                    gradientSums(dy, x, relu, Parallel.start(batch, chunks, k),
                            Parallel.start(batch, chunks, k + 1), from, to, s, k, plane, gated);
                }
            });
        } else {
            chunks = lane.count();
            slots = statistics.slots(chunks);
            if (relu && planeGated == null) {
                planeGated = new float[spatial];
            }
            gradientSums(dy, x, relu, 0, batch, 0, channels, slots, lane.index(), planeSums, planeGated);
            lane.await();   // every chunk's sums are in
        }
        count = 0;
        for (int k = 0; k < chunks; k++) {
            count += slots.count[k];
        }
        if (Parallel.runsInline(channels)) {
            inputGradient(dy, x, dx, batch, relu, slots, chunks, count, 0, channels);   // a lane: no task object
        } else {
            Statistics.Slots s = slots;
            int k = chunks;
            long total = count;
            Parallel.forRange(channels, (part, from, to) ->
                    inputGradient(dy, x, dx, batch, relu, s, k, total, from, to));
        }
        if (lane == null || lane.index() == 0) {
            float[] dgamma = weight.grad().data();
            float[] dbeta = bias.grad().data();
            for (int c = 0; c < channels; c++) {
                dgamma[c] += (float) batchSumDyXhat[c];
                dbeta[c] += (float) batchSumDy[c];
            }
        }
        return inputGradient;
    }

    /**
     * dL/dx for channels from..to-1, from the chunks' sums of dy and dy * xhat (also kept in batchSumDy and
     * batchSumDyXhat for dgamma and dbeta) over {@code total} numbers per channel.
     */
    private void inputGradient(float[] dy, float[] x, float[] dx, int batch, boolean relu, Statistics.Slots slots,
                               int chunks, long total, int from, int to) {
        float[] gamma = weight.value().data();
        float[] beta = bias.value().data();
        for (int c = from; c < to; c++) {
            double dySum = 0;
            double dyXhatSum = 0;
            for (int k = 0; k < chunks; k++) {
                dySum += slots.sumDy[k][c];
                dyXhatSum += slots.sumDyXhat[k][c];
            }
            batchSumDy[c] = dySum;
            batchSumDyXhat[c] = dyXhatSum;
            double g = gamma[c];
            double sumDxhat = g * dySum;               // sum dxhat
            double sumDxhatXhat = g * dyXhatSum;       // sum (dxhat * xhat)
            double factor = invStd[c] / total;
            // dx = factor * (total * g * dy - sum dxhat - xhat * sum(dxhat * xhat)) = a*dy + b*xhat + d, with the
            // three coefficients worked out in double and rounded once, the loop in float (vectorised)
            float a = (float) (factor * total * g);
            float bx = (float) (-factor * sumDxhatXhat);
            float d = (float) (-factor * sumDxhat);
            float inv = inverse(c);
            float shift = shift(c);
            for (int n = 0; n < batch; n++) {
                int base = (n * channels + c) * spatial;
                Elementwise.normalizedGradient(dy, x, dx, base, base + spatial, inv, shift, gamma[c], beta[c], relu,
                        a, bx, d);
            }
        }
    }

    /**
     * Chunk k's sum of dy and of dy * xhat per channel c0..c1-1, over samples first..last-1. When {@code relu}, dy
     * goes through the ReLU's derivative first, a plane at a time into {@code gated} (one plane long, so that it
     * stays in the cache: writing the whole batch's would add a pass over memory), and the sums are of that.
     */
    private void gradientSums(float[] dy, float[] x, boolean relu, int first, int last, int c0, int c1,
                              Statistics.Slots slots, int k, double[] plane, float[] gated) {
        float[] gamma = weight.value().data();
        float[] beta = bias.value().data();
        double[] sums = slots.sumDy[k];
        double[] products = slots.sumDyXhat[k];
        for (int c = c0; c < c1; c++) {
            double sumDy = 0;
            double sumDyXhat = 0;
            float inv = inverse(c);
            float shift = shift(c);
            for (int n = first; n < last; n++) {
                int base = (n * channels + c) * spatial;
                // sum dy, sum dy * xhat, xhat computed again from x
                if (relu) {
                    Elementwise.normalizedReluBackward(dy, x, base, base + spatial, inv, shift, gamma[c], beta[c],
                            gated, 0);
                    Elementwise.normalizedSums(gated, 0, x, base, base + spatial, inv, shift, plane);
                } else {
                    Elementwise.normalizedSums(dy, base, x, base, base + spatial, inv, shift, plane);
                }
                sumDy += plane[0];
                sumDyXhat += plane[1];
            }
            sums[c] = sumDy;
            products[c] = sumDyXhat;
        }
    }

    /**
     * The convolution {@code conv} followed by this batch norm in inference mode, as one convolution with a bias:
     * <pre>
     *   y = gamma * (conv(x) - running_mean) / sqrt(running_var + eps) + beta,   conv(x) = W * x + b
     *     = W' * x + b'   with  s = gamma / sqrt(running_var + eps)   (per filter f)
     *       W'[f] = W[f] * s[f],   b'[f] = (b[f] - running_mean[f]) * s[f] + beta[f]      (b = 0 without a bias)
     * </pre>
     * The result is a new layer with its own weights, computed now from the current values (in double, rounded
     * once); neither {@code conv} nor this layer changes. Equal to the two layers in inference within float
     * rounding, at the cost of the convolution alone. Inference uses it for every convolution directly followed by
     * a batch norm (the model's layers and its file stay as they are).
     *
     * @throws IllegalArgumentException if conv's output is not this layer's input
     */
    public Conv2D foldInto(Conv2D conv) {
        if (!conv.outputShape().equals(inputShape)) {
            throw new IllegalArgumentException("BatchNorm: cannot fold into " + conv + ", which outputs "
                    + conv.outputShape() + " while this layer takes " + inputShape);
        }
        Conv2D folded = new Conv2D(conv.inputShape(), conv.filters(), conv.kernelHeight(), conv.kernelWidth(),
                conv.stride(), conv.padding(), true);
        float[] w = conv.parameters().get(0).value().data();
        float[] b = conv.hasBias() ? conv.parameters().get(1).value().data() : null;
        float[] foldedWeight = folded.parameters().get(0).value().data();
        float[] foldedBias = folded.parameters().get(1).value().data();
        float[] gamma = weight.value().data();
        float[] beta = bias.value().data();
        float[] runMean = runningMean.value().data();
        float[] runVar = runningVar.value().data();
        int perFilter = w.length / channels;
        for (int f = 0; f < channels; f++) {
            double scale = gamma[f] / Math.sqrt(runVar[f] + epsilon);
            for (int i = f * perFilter; i < (f + 1) * perFilter; i++) {
                foldedWeight[i] = (float) (w[i] * scale);
            }
            foldedBias[f] = (float) (((b == null ? 0 : b[f]) - runMean[f]) * scale + beta[f]);
        }
        return folded;
    }

    /**
     * A BatchNorm for the data-parallel training step: it shares this layer's &gamma;, &beta; and running averages
     * and its batch {@link Statistics}, and has its own gradients and buffers. In training it must run inside the
     * step's {@link Lanes} (lane = chunk), where it meets the replicas of the other chunks at a barrier in the
     * forward and in the backward pass; it tells the step so through {@link Lanes#requireLanes()}.
     */
    @Override
    public Optional<Layer> replica(int index) {
        Lanes.requireLanes();
        return Optional.of(new BatchNorm(this));
    }

    /**
     * This batch norm and a ReLU after it, as one layer: y = max(0, gamma * xhat + beta). The forward pass writes the
     * ReLU's output in the batch norm's own pass, and the backward pass applies the ReLU's derivative (dy where
     * gamma * xhat + beta &gt; 0, recomputed from x) inside the batch norm's two passes. So the five passes of a
     * separate ReLU over the activations (read and write forward, read two and write one backward) are gone, and the
     * numbers are those of the two layers, bit for bit. The data-parallel training step uses it for each batch norm
     * of its replicas that a ReLU follows.
     *
     * <p>The layer works on this batch norm's parameters and training state: use it instead of this layer (followed
     * by a ReLU), not beside it.
     */
    public Layer withReLU() {
        return new WithReLU(this);
    }

    /** {@link #withReLU}: every call goes to the batch norm, with the ReLU switched on. */
    private static final class WithReLU implements Layer {
        private final BatchNorm norm;

        WithReLU(BatchNorm norm) {
            this.norm = norm;
        }

        @Override
        public String type() {
            return "BatchNorm+ReLU";
        }

        @Override
        public Shape inputShape() {
            return norm.inputShape;
        }

        @Override
        public Shape outputShape() {
            return norm.inputShape;
        }

        @Override
        public Tensor forward(Tensor input, boolean training) {
            return norm.forward(input, training, true);
        }

        @Override
        public Tensor backward(Tensor outputGradient) {
            return norm.backward(outputGradient, true);
        }

        @Override
        public List<Parameter> parameters() {
            return norm.parameters();
        }

        @Override
        public List<Parameter> buffers() {
            return norm.buffers();
        }

        @Override
        public void initialize(WeightInit init, RandomGenerator random) {
            norm.initialize(init, random);
        }

        @Override
        public Optional<Layer> replica(int index) {
            return norm.replica(index).map(r -> ((BatchNorm) r).withReLU());
        }

        @Override
        public String toString() {
            return norm + " + ReLU";
        }
    }

    /**
     * What the replicas of one BatchNorm exchange during a step: per chunk, its count, mean and sum of squared
     * deviations (forward) and its sums of dy and dy * xhat (backward). Each replica writes its own chunk's row
     * before the barrier and reads every row after it.
     */
    private static final class Statistics {
        private final int channels;
        private Slots slots;

        Statistics(int channels) {
            this.channels = channels;
        }

        /** Rows for at least {@code chunks} chunks (the same object for every lane of a step). */
        synchronized Slots slots(int chunks) {
            if (slots == null || slots.count.length < chunks) {
                slots = new Slots(chunks, channels);
            }
            return slots;
        }

        static final class Slots {
            final long[] count;
            final double[][] mean;
            final double[][] squares;
            final double[][] sumDy;
            final double[][] sumDyXhat;

            Slots(int chunks, int channels) {
                count = new long[chunks];
                mean = new double[chunks][channels];
                squares = new double[chunks][channels];
                sumDy = new double[chunks][channels];
                sumDyXhat = new double[chunks][channels];
            }
        }
    }

    @Override
    public String toString() {
        return "BatchNorm(" + channels + (inputShape.rank() == 3 ? " channels)" : " features)");
    }
}
