package io.github.jcnn.layers;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
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
    /** xhat of the last training forward, reused while the batch size stays the same. */
    private float[] normalized = new float[0];
    /** 1 / sqrt(var + eps) per channel of the last training forward. */
    private final double[] invStd;
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
        this.invStd = new double[channels];
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
        weight.value().fill(1f);
        bias.value().fill(0f);
        runningMean.value().fill(0f);
        runningVar.value().fill(1f);
    }

    /**
     * Training: normalises with the batch's own mean and (biased) variance, remembers xhat and updates the running
     * averages. Inference: normalises with the running averages and writes nothing.
     */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        int batch = input.shape().dim(0);
        int count = batch * spatial;
        if (training && count < 2) {
            throw new IllegalArgumentException("BatchNorm: training needs more than one number per channel to "
                    + "compute a variance, but input " + input.shape() + " has " + count);
        }
        Tensor output = Tensor.zeros(input.shape());
        float[] x = input.data();
        float[] y = output.data();
        float[] gamma = weight.value().data();
        float[] beta = bias.value().data();
        float[] runMean = runningMean.value().data();
        float[] runVar = runningVar.value().data();
        if (!training) {
            Parallel.forRange(channels, (part, from, to) -> {
                for (int c = from; c < to; c++) {
                    double mean = runMean[c];
                    double scale = gamma[c] / Math.sqrt(runVar[c] + epsilon);
                    for (int n = 0; n < batch; n++) {
                        int base = (n * channels + c) * spatial;
                        for (int s = 0; s < spatial; s++) {
                            y[base + s] = (float) ((x[base + s] - mean) * scale + beta[c]);
                        }
                    }
                }
            });
            return output;
        }
        if (normalized.length != x.length) {
            normalized = new float[x.length];
        }
        float[] xhat = normalized;
        Parallel.forRange(channels, (part, from, to) -> {
            for (int c = from; c < to; c++) {
                double sum = 0;
                for (int n = 0; n < batch; n++) {
                    int base = (n * channels + c) * spatial;
                    for (int s = 0; s < spatial; s++) {
                        sum += x[base + s];
                    }
                }
                double mean = sum / count;
                double squares = 0;
                for (int n = 0; n < batch; n++) {
                    int base = (n * channels + c) * spatial;
                    for (int s = 0; s < spatial; s++) {
                        double d = x[base + s] - mean;
                        squares += d * d;
                    }
                }
                double variance = squares / count;                 // biased: for normalising
                double inv = 1 / Math.sqrt(variance + epsilon);
                invStd[c] = inv;
                for (int n = 0; n < batch; n++) {
                    int base = (n * channels + c) * spatial;
                    for (int s = 0; s < spatial; s++) {
                        float h = (float) ((x[base + s] - mean) * inv);
                        xhat[base + s] = h;
                        y[base + s] = gamma[c] * h + beta[c];
                    }
                }
                runMean[c] = (float) ((1 - momentum) * runMean[c] + momentum * mean);
                runVar[c] = (float) ((1 - momentum) * runVar[c] + momentum * squares / (count - 1));  // unbiased
            }
        });
        lastBatch = batch;
        return output;
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
     * through the variance.
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradient(this, outputGradient, lastBatch);
        int batch = lastBatch;
        int count = batch * spatial;
        Tensor inputGradient = Tensor.zeros(inputShape.withBatch(batch));
        float[] dy = outputGradient.data();
        float[] dx = inputGradient.data();
        float[] xhat = normalized;
        float[] gamma = weight.value().data();
        float[] dgamma = weight.grad().data();
        float[] dbeta = bias.grad().data();
        Parallel.forRange(channels, (part, from, to) -> {
            for (int c = from; c < to; c++) {
                double sumDy = 0;
                double sumDyXhat = 0;
                for (int n = 0; n < batch; n++) {
                    int base = (n * channels + c) * spatial;
                    for (int s = 0; s < spatial; s++) {
                        sumDy += dy[base + s];
                        sumDyXhat += (double) dy[base + s] * xhat[base + s];
                    }
                }
                double g = gamma[c];
                double sumDxhat = g * sumDy;               // sum dxhat
                double sumDxhatXhat = g * sumDyXhat;       // sum (dxhat * xhat)
                double factor = invStd[c] / count;
                for (int n = 0; n < batch; n++) {
                    int base = (n * channels + c) * spatial;
                    for (int s = 0; s < spatial; s++) {
                        double dxhat = dy[base + s] * g;
                        dx[base + s] = (float) (factor * (count * dxhat - sumDxhat - xhat[base + s] * sumDxhatXhat));
                    }
                }
                dgamma[c] += (float) sumDyXhat;
                dbeta[c] += (float) sumDy;
            }
        });
        return inputGradient;
    }

    @Override
    public String toString() {
        return "BatchNorm(" + channels + (inputShape.rank() == 3 ? " channels)" : " features)");
    }
}
