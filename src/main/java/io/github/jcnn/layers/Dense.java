package io.github.jcnn.layers;

import io.github.jcnn.kernels.Gemm;
import io.github.jcnn.kernels.PanelSource;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A fully connected layer: every output is a weighted sum of all inputs plus a bias.
 * <pre>
 *   y = x W^T + b            y[n, o] = b[o] + sum over i of x[n, i] * W[o, i]
 *
 *   input   x  (N, in)
 *   weight  W  (units, in)   as PyTorch's Linear: one row of weights per output unit
 *   bias    b  (units)
 *   output  y  (N, units)
 * </pre>
 * The input must be flat: put a {@link Flatten} before a dense layer that follows a convolution or a pooling layer.
 * {@link #initialize} draws W with fanIn = in and fanOut = units and b as the scheme says (zero except for
 * {@link WeightInit#PYTORCH}); until then both are zero.
 * Parameters: "weight" and "bias" (no bias when built with {@code bias = false}).
 */
public final class Dense extends LayerBase {

    private final int inFeatures;
    private final int units;
    private final Parameter weight;
    private final Parameter bias;
    /** The input of the last training forward (a reference, not a copy: it must not change before backward). */
    private Tensor lastInput;
    /** Training output and input gradient, reused while the batch size stays the same. */
    private Tensor outputBuffer;
    private Tensor gradientBuffer;
    /**
     * W<sup>T</sup> as row arrays, {@code transposedWeight[i][o] = W[o][i]}: the layout {@link Gemm#multiplyRows} wants
     * for y = x W<sup>T</sup>. Rewritten by every training forward, because the optimizer changes W in place between
     * steps (and a replica shares W with the layer it was made from). Inference does not use it.
     */
    private float[][] transposedWeight;
    /**
     * For a layer made by {@link #forInference}: W<sup>T</sup> as it was then, flat, {@code [i*units + o] = W[o][i]};
     * null for every other layer.
     */
    private final float[] inferenceWeightT;

    /** A dense layer with bias from (in) features to {@code units} outputs. */
    public Dense(Shape in, int units) {
        this(in, units, true);
    }

    /**
     * A dense layer from (in) features to {@code units} outputs.
     *
     * @param in    the per-sample input shape, which must be flat: (in)
     * @param units the number of outputs
     * @param bias  whether to add a learnable bias
     * @throws IllegalArgumentException if the input is not flat (flatten it first) or units is below 1
     */
    public Dense(Shape in, int units, boolean bias) {
        this(in, units, bias, null);
    }

    /** The full constructor; with a {@code source}, the parameters share its values (see {@link #replica}). */
    private Dense(Shape in, int units, boolean bias, Dense source) {
        this(in, units, bias, source, null);
    }

    private Dense(Shape in, int units, boolean bias, Dense source, float[] inferenceWeightT) {
        super("Dense", flat(in), Shape.of(positive(units)));
        this.inFeatures = in.dim(0);
        this.units = units;
        this.inferenceWeightT = inferenceWeightT;
        if (source == null) {
            this.weight = new Parameter("weight", Shape.of(units, inFeatures));
            this.bias = bias ? new Parameter("bias", Shape.of(units)) : null;
        } else {
            this.weight = new Parameter("weight", source.weight.value());
            this.bias = bias ? new Parameter("bias", source.bias.value()) : null;
        }
    }

    private static Shape flat(Shape in) {
        if (in.rank() != 1) {
            throw new IllegalArgumentException("Dense: input shape " + in + " is not flat; a dense layer needs"
                    + " (features), so flatten first: put a Flatten layer before it to get (" + in.size() + ")");
        }
        return in;
    }

    private static int positive(int units) {
        if (units < 1) {
            throw new IllegalArgumentException("Dense: units must be at least 1, got " + units);
        }
        return units;
    }

    /** The number of inputs per sample. */
    public int inFeatures() {
        return inFeatures;
    }

    /** The number of outputs per sample. */
    public int units() {
        return units;
    }

    /** Whether the layer adds a bias. */
    public boolean hasBias() {
        return bias != null;
    }

    /** "weight" (units, in), then "bias" (units) when present. */
    @Override
    public List<Parameter> parameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    /**
     * Draws the weights with {@code init} (fanIn = in, fanOut = units) and sets the bias as {@code init} says (zero,
     * or uniform in &plusmn;1/&radic;fanIn for {@link WeightInit#PYTORCH}).
     */
    @Override
    public void initialize(WeightInit init, RandomGenerator random) {
        init.fill(weight.value(), inFeatures, units, random);
        if (bias != null) {
            init.fillBias(bias.value(), inFeatures, random);
        }
    }

    /**
     * y[n, o] = b[o] + sum over i of x[n, i] * W[o, i]; each sum runs over i = 0, 1, ... and b is added last, as in
     * the plain triple loop, so training and inference give the same bits. Training (small chunks of a batch, one
     * thread per layer replica) first transposes W into the layer's row arrays and then multiplies with
     * {@link Gemm#multiplyRows}; inference, which may run on several threads at once and must not share that copy,
     * lets {@link Gemm#multiply} pack W<sup>T</sup> into its per-thread workspace.
     */
    /**
     * Below this many samples, inference reads W row by row ({@link Gemm#multiplyTransposedVector}) instead of packing
     * it for the GEMM: once per sample against once per call, but packing VGG-16's 25,088 x 4,096 weights costs
     * about as much as three or four samples read row by row.
     */
    private static final int FEW_SAMPLES = 4;

    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        if (training && inferenceWeightT != null) {
            throw new IllegalStateException(this + " was prepared for inference (forInference) and cannot be trained");
        }
        int batch = input.shape().dim(0);
        Tensor output = training ? outputBuffer = Buffers.reuseZeroed(outputBuffer, outputShape().withBatch(batch))
                : Tensor.zeros(outputShape().withBatch(batch));
        float[] x = input.data();
        float[] b = bias == null ? null : bias.value().data();
        float[] y = output.data();
        float[] w = weight.value().data();
        float[][] wt = training ? transposeWeight() : null;
        if (!training && batch < Math.max(FEW_SAMPLES, Parallel.threads()) && !Parallel.insideTask()) {
            // a few samples (one image through VGG-16's 25088 x 4096 layer): share out the units over the threads,
            // and read each row of W where it lies (packing it for the GEMM would cost more than the product: 80
            // against 22 ms for one image on one core); each output is the same sum in the same order as in a batch
            Parallel.forRange(units, (part, from, to) -> {
                for (int n = 0; n < batch; n++) {
                    Gemm.multiplyTransposedVector(to - from, inFeatures, x, n * inFeatures, w, from * inFeatures,
                            inFeatures, y, n * units + from);
                }
                if (b != null) {
                    for (int n = 0; n < batch; n++) {
                        for (int o = from; o < to; o++) {
                            y[n * units + o] += b[o];
                        }
                    }
                }
            });
            return output;
        }
        // Y (N x units) = X (N x in) . W^T (in x units), rows of the batch split over threads; then + b on every row
        float[] prepared = training ? null : inferenceWeightT;
        if (Parallel.runsInline(batch)) {
            forwardRows(x, y, prepared, wt, 0, batch);   // a chunk of the training step: no task object made
        } else {
            Parallel.forRange(batch, (part, from, to) -> forwardRows(x, y, prepared, wt, from, to));
        }
        if (training) {
            lastInput = input;
        }
        return output;
    }

    /**
     * Y = X . W^T + b for samples from..to-1, with W^T {@code prepared} for inference ({@link #forInference}), or
     * {@code wt} as row arrays in training, or W packed by the GEMM.
     */
    private void forwardRows(float[] x, float[] y, float[] prepared, float[][] wt, int from, int to) {
        float[] w = weight.value().data();
        float[] b = bias == null ? null : bias.value().data();
        if (prepared != null) {
            Gemm.multiply(false, to - from, units, inFeatures, x, from * inFeatures, inFeatures,
                    PanelSource.ofReadInPlace(prepared, 0, units), y, from * units, units, true);
        } else if (wt != null) {
            Gemm.multiplyRows(to - from, units, inFeatures, x, from * inFeatures, inFeatures, wt,
                    y, from * units, units);
        } else {
            Gemm.multiply(false, true, to - from, units, inFeatures, x, from * inFeatures, inFeatures,
                    w, 0, inFeatures, y, from * units, units);
        }
        if (b != null) {
            for (int n = from; n < to; n++) {
                for (int o = 0; o < units; o++) {
                    y[n * units + o] += b[o];
                }
            }
        }
    }

    /**
     * In the forward pass this was {@code y[n, o] = b[o] + sum over i of x[n, i] * W[o, i]}, so
     * <pre>
     *   dx[n, i] = sum over o of dy[n, o] * W[o, i]       dX = dY W
     *   dW[o, i] += sum over n of dy[n, o] * x[n, i]      dW += dY^T X
     *   db[o]    += sum over n of dy[n, o]
     * </pre>
     * All three products go through {@link Gemm}; each element of dW is summed over the batch in order
     * n = 0, 1, ..., whatever the thread count. (Unlike forward's W<sup>T</sup>, what {@link Gemm#multiply} packs here
     * is a plain copy of rows, W for dX and X for dW: copying them into row arrays for {@link Gemm#multiplyRows}
     * instead measured no faster.)
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradient(this, outputGradient, lastInput == null ? -1 : lastInput.shape().dim(0));
        int batch = lastInput.shape().dim(0);
        Tensor inputGradient = gradientBuffer = Buffers.reuseZeroed(gradientBuffer, inputShape().withBatch(batch));
        float[] dy = outputGradient.data();
        float[] dx = inputGradient.data();
        // dX (N x in) = dY (N x units) . W (units x in), rows of the batch split over threads
        if (Parallel.runsInline(batch)) {
            inputGradientRows(dy, dx, 0, batch);   // a chunk of the training step: no task object made
        } else {
            Parallel.forRange(batch, (part, from, to) -> inputGradientRows(dy, dx, from, to));
        }
        // dW (units x in) += dY^T (units x N) . X (N x in), rows of dW split over threads; each element sums over
        // n = 0, 1, ... in order whatever the thread count. db[o] += sum over n of dy[n, o].
        if (Parallel.runsInline(units)) {
            weightGradientRows(dy, batch, 0, units);
        } else {
            Parallel.forRange(units, (part, from, to) -> weightGradientRows(dy, batch, from, to));
        }
        return inputGradient;
    }

    /** dX = dY . W for samples from..to-1. */
    private void inputGradientRows(float[] dy, float[] dx, int from, int to) {
        Gemm.multiply(false, false, to - from, inFeatures, units, dy, from * units, units,
                weight.value().data(), 0, inFeatures, dx, from * inFeatures, inFeatures);
    }

    /** dW += dY^T . X and db += the sums of dY's columns, for units from..to-1. */
    private void weightGradientRows(float[] dy, int batch, int from, int to) {
        float[] db = bias == null ? null : bias.grad().data();
        Gemm.multiply(true, false, to - from, inFeatures, batch, dy, from, units,
                lastInput.data(), 0, inFeatures, weight.grad().data(), from * inFeatures, inFeatures);
        if (db != null) {
            for (int o = from; o < to; o++) {
                float biasSum = 0;
                for (int n = 0; n < batch; n++) {
                    biasSum += dy[n * units + o];
                }
                db[o] += biasSum;
            }
        }
    }

    /**
     * Rewrites {@link #transposedWeight} from W and returns it. Four rows of the copy at a time: each step reads four
     * neighbouring floats of a row of W and writes one float to each of four arrays. Measured (best of 41 rounds,
     * one thread): 18 us for 120 x 400, against 69 us one float at a time, row of W after row of W, which is how
     * {@link Gemm#multiply} packs a transposed B; 8 rows at a time or 4 rows of W at a time were slower.
     */
    private float[][] transposeWeight() {
        if (transposedWeight == null) {
            transposedWeight = new float[inFeatures][units];
        }
        float[][] wt = transposedWeight;
        float[] w = weight.value().data();
        int i = 0;
        for (; i + 4 <= inFeatures; i += 4) {
            float[] t0 = wt[i];
            float[] t1 = wt[i + 1];
            float[] t2 = wt[i + 2];
            float[] t3 = wt[i + 3];
            for (int o = 0, at = i; o < units; o++, at += inFeatures) {
                t0[o] = w[at];
                t1[o] = w[at + 1];
                t2[o] = w[at + 2];
                t3[o] = w[at + 3];
            }
        }
        for (; i < inFeatures; i++) {
            float[] t = wt[i];
            for (int o = 0, at = i; o < units; o++, at += inFeatures) {
                t[o] = w[at];
            }
        }
        return wt;
    }

    /** Weights of at most this many floats are laid out for {@link #forInference}; larger layers stay as they are. */
    private static final int PREPARED_WEIGHTS = 1 << 22;

    /**
     * This layer prepared for one inference run over many samples: W<sup>T</sup> laid out once, as the product's
     * right-hand matrix, for all of the run's chunks and threads. Without it every chunk of 16 samples transposes W
     * again while the product reads it (LeNet-5's 400 x 120 layer: 10% of its inference time). The result shares
     * this layer's parameters but holds W<sup>T</sup> as it is now: it is for inference only ({@code forward(x, true)}
     * is refused) and for a run that holds the model's weights fixed. Each output is the same sum in the same order,
     * so the same bits. Returns this layer itself when W has more than {@value #PREPARED_WEIGHTS} floats (VGG-16's
     * 25,088 x 4,096: a second copy would not fit in the memory such a model is run in).
     */
    public Dense forInference() {
        if (inferenceWeightT != null || (long) units * inFeatures > PREPARED_WEIGHTS) {
            return this;
        }
        float[] w = weight.value().data();
        float[] t = new float[inFeatures * units];
        for (int o = 0; o < units; o++) {
            for (int i = 0, at = o * inFeatures; i < inFeatures; i++, at++) {
                t[i * units + o] = w[at];
            }
        }
        return new Dense(inputShape(), units, bias != null, this, t);
    }

    /** A Dense layer whose weight and bias share this layer's values, with its own gradients and buffers. */
    @Override
    public Optional<Layer> replica(int index) {
        return Optional.of(new Dense(inputShape(), units, bias != null, this));
    }

    @Override
    public String toString() {
        return "Dense(" + inFeatures + " -> " + units + (bias == null ? ", no bias)" : ")");
    }
}
