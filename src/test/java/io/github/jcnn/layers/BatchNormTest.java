package io.github.jcnn.layers;

import static io.github.jcnn.layers.LayerTesting.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BatchNormTest {

    /**
     * Inputs of the gradient checks are distinct numbers at least this far apart. With only two numbers per channel
     * (M = 2), xhat = d / sqrt(d^2 + eps) for half their difference d: when d is comparable to the check's step
     * (1e-2), this curves so sharply that the central difference itself is off by several percent (seen: 4e-2 at
     * d of about 0.05), although the analytic gradient is right. The truncation error of the central difference is
     * about eps^2/6 times the third derivative, which grows as 1/sigma^3 for a batch standard deviation sigma: at a
     * spacing of 0.25, a batch of 4 single features (sigma of about 0.28) still gave an error of 1.6e-2 on a correct
     * layer (one seed in a few hundred). A spacing of 1 makes sigma at least 0.5 and that error 60 times smaller.
     */
    static final double SPREAD = 1.0;

    @Test
    void namesAndInitialValuesFollowPyTorch() {
        BatchNorm norm = new BatchNorm(Shape.of(3, 4, 4));
        assertThat(norm.type()).isEqualTo("BatchNorm");
        assertThat(norm.channels()).isEqualTo(3);
        assertThat(norm.momentum()).isEqualTo(0.1);
        assertThat(norm.epsilon()).isEqualTo(1e-5);
        assertThat(norm.parameters()).extracting(Parameter::name).containsExactly("weight", "bias");
        assertThat(norm.buffers()).extracting(Parameter::name).containsExactly("running_mean", "running_var");
        assertThat(norm.parameters().get(0).value().toArray()).containsOnly(1f);
        assertThat(norm.parameters().get(1).value().toArray()).containsOnly(0f);
        assertThat(norm.buffers().get(0).value().toArray()).containsOnly(0f);
        assertThat(norm.buffers().get(1).value().toArray()).containsOnly(1f);
        assertThat(norm.parameterCount()).isEqualTo(6);
    }

    @Test
    void handComputedFeatureExample() {
        BatchNorm norm = new BatchNorm(Shape.of(1), 0.1, 1e-5);
        // one feature, batch (1, 3): mean 2, biased variance 2/3, unbiased 1
        Tensor y = norm.forward(Tensor.of(Shape.of(3, 1), 1, 2, 3), true);
        double inv = 1 / Math.sqrt(2.0 / 3 + 1e-5);
        assertThat(y.toArray()).containsExactly(new float[] {(float) -inv, 0, (float) inv}, within(1e-6f));
        // running_mean = 0.9 * 0 + 0.1 * 2;  running_var = 0.9 * 1 + 0.1 * 1 (unbiased)
        assertThat(norm.buffers().get(0).value().get(0)).isCloseTo(0.2f, within(1e-7f));
        assertThat(norm.buffers().get(1).value().get(0)).isCloseTo(1.0f, within(1e-7f));
        // inference uses the running averages: (x - 0.2) / sqrt(1 + eps)
        Tensor z = norm.forward(Tensor.of(Shape.of(1, 1), 1.2f), false);
        assertThat(z.get(0, 0)).isCloseTo((float) (1 / Math.sqrt(1 + 1e-5)), within(1e-6f));
        // a gradient that is constant over the batch only moves beta: dx = 0, dgamma = sum xhat = 0, dbeta = 3
        Tensor dx = norm.backward(Tensor.full(Shape.of(3, 1), 1f));
        assertThat(dx.toArray()).containsExactly(new float[] {0, 0, 0}, within(1e-6f));
        assertThat(norm.parameters().get(0).grad().get(0)).isCloseTo(0f, within(1e-6f));
        assertThat(norm.parameters().get(1).grad().get(0)).isEqualTo(3f);
    }

    @Test
    void channelStatisticsRunOverBatchAndSpace() {
        BatchNorm norm = new BatchNorm(Shape.of(2, 1, 2));
        // channel 0 holds 1, 3 (image 0) and 5, 7 (image 1): mean 4; channel 1 is constant 10
        Tensor x = Tensor.of(Shape.of(2, 2, 1, 2), 1, 3, 10, 10, 5, 7, 10, 10);
        Tensor y = norm.forward(x, true);
        double inv = 1 / Math.sqrt(5 + 1e-5);   // biased variance of 1, 3, 5, 7 is 5
        assertThat(y.get(0, 0, 0, 0)).isCloseTo((float) (-3 * inv), within(1e-6f));
        assertThat(y.get(1, 0, 0, 1)).isCloseTo((float) (3 * inv), within(1e-6f));
        assertThat(y.get(1, 1, 0, 0)).isEqualTo(0f);
        assertThat(norm.buffers().get(0).value().toArray()).containsExactly(new float[] {0.4f, 1.0f}, within(1e-6f));
        // unbiased variance of 1, 3, 5, 7 is 20/3
        assertThat(norm.buffers().get(1).value().get(0)).isCloseTo((float) (0.9 + 0.1 * 20 / 3.0), within(1e-6f));
    }

    @Test
    void errorsNameTheShapes() {
        assertThatThrownBy(() -> new BatchNorm(Shape.of(4, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(4, 4)");
        BatchNorm norm = new BatchNorm(Shape.of(3, 4, 4));
        assertThatThrownBy(() -> norm.forward(Tensor.zeros(2, 4, 4, 4), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BatchNorm").hasMessageContaining("(2, 4, 4, 4)").hasMessageContaining("(3, 4, 4)");
        BatchNorm features = new BatchNorm(Shape.of(5));
        assertThatThrownBy(() -> features.forward(Tensor.zeros(1, 5), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than one");
        assertThat(features.forward(Tensor.zeros(1, 5), false).shape()).isEqualTo(Shape.of(1, 5));
        features.forward(Tensor.zeros(4, 5), true);
        assertThatThrownBy(() -> features.backward(Tensor.zeros(2, 5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(2, 5)").hasMessageContaining("(4, 5)");
    }

    @Test
    void inferenceIsPureAndLeavesTheRunningStatisticsAlone() throws Exception {
        BatchNorm norm = new BatchNorm(Shape.of(2, 3, 3));
        norm.parameters().get(0).value().copyFromInPlace(Tensor.of(Shape.of(2), 1.5f, -0.5f));
        LayerTesting.assertInferenceIsPure(norm, LayerTesting.uniform(Shape.of(3, 2, 3, 3), 1),
                LayerTesting.uniform(Shape.of(1, 2, 3, 3), 2));
    }

    /**
     * The gradient check with a step of 1e-2 times the smallest standard deviation sigma of a channel's inputs (at
     * least 1e-2). Batch norm's output depends on x only through (x - mean) / sigma, so the central difference's
     * truncation error goes as (step / sigma)^2, while its rounding error, the float output's last digit divided by
     * the step, is a fixed amount against a gradient of order 1 / sigma. A fixed step of 1e-2 was too small for the
     * largest inputs checked here (up to 225 numbers spaced 1 apart: sigma up to 65, gradients of order 1e-3 to
     * 1e-2, rounding of order 1e-4): about one run in 1,500 passed the tolerance on a correct layer, at that step and
     * at half of it. With this step and {@link #inputs}, 20,000 random cases of each property's shapes stayed below
     * 2e-3; with either change alone, below 1e-2 only just.
     */
    private static GradientCheck.Report gradientCheck(BatchNorm norm, Tensor x, long seed, double floor) {
        int channels = norm.channels();
        int batch = x.shape().dim(0);
        int spatial = x.size() / (batch * channels);
        double smallest = Double.MAX_VALUE;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int n = 0; n < batch; n++) {
                for (int s = 0; s < spatial; s++) {
                    sum += x.data()[(n * channels + c) * spatial + s];
                }
            }
            double mean = sum / (batch * spatial);
            double squares = 0;
            for (int n = 0; n < batch; n++) {
                for (int s = 0; s < spatial; s++) {
                    double d = x.data()[(n * channels + c) * spatial + s] - mean;
                    squares += d * d;
                }
            }
            smallest = Math.min(smallest, Math.sqrt(squares / (batch * spatial)));
        }
        return GradientCheck.of(norm).floor(floor).epsilon(1e-2 * Math.max(1, smallest)).seed(seed).check(x);
    }

    /**
     * Distinct inputs (see {@link #SPREAD}), each channel then moved by a whole number of steps so that its mean is
     * within one step of 0. Shuffled over the whole tensor, a channel of a few numbers can sit far from 0 (a mean of
     * 6 with sigma 0.8): then x - mean loses the float digits of |x| (its last digit at 9 is 1e-6), and the central
     * difference turns that loss into errors of 1e-4 on a correct layer. Whole steps keep the numbers exact and
     * distinct; the layer still subtracts a mean that is not 0.
     */
    static Tensor inputs(Shape shape, long seed) {
        Tensor x = LayerTesting.distinct(shape, SPREAD, seed);
        int batch = shape.dim(0);
        int channels = shape.dim(1);
        int spatial = x.size() / (batch * channels);
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int n = 0; n < batch; n++) {
                for (int s = 0; s < spatial; s++) {
                    sum += x.data()[(n * channels + c) * spatial + s];
                }
            }
            float shift = (float) (SPREAD * Math.floor(sum / (batch * spatial) / SPREAD));
            for (int n = 0; n < batch; n++) {
                for (int s = 0; s < spatial; s++) {
                    x.data()[(n * channels + c) * spatial + s] -= shift;
                }
            }
        }
        return x;
    }

    /** Per channel of (C, H, W) inputs; gamma and beta random so that every path of the formula counts. */
    @Property(tries = 50)
    void channelBackwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int batch,
                                                 @ForAll @IntRange(min = 1, max = 3) int channels,
                                                 @ForAll @IntRange(min = 1, max = 5) int height,
                                                 @ForAll @IntRange(min = 2, max = 5) int width,
                                                 @ForAll long seed) {
        BatchNorm norm = new BatchNorm(Shape.of(channels, height, width));
        randomAffine(norm, seed);
        Tensor x = inputs(Shape.of(batch, channels, height, width), seed);
        GradientCheck.Report report = gradientCheck(norm, x, seed, 1e-2);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    /** Per feature of (D) inputs: the batch alone is the sample, so at least 2 (and with 2, xhat is just +-1). */
    @Property(tries = 50)
    void featureBackwardMatchesFiniteDifferences(@ForAll @IntRange(min = 2, max = 6) int batch,
                                                 @ForAll @IntRange(min = 1, max = 6) int features,
                                                 @ForAll long seed) {
        BatchNorm norm = new BatchNorm(Shape.of(features));
        randomAffine(norm, seed);
        Tensor x = inputs(Shape.of(batch, features), seed);
        // with 2, dL/dx is almost 0 (about 1e-5: only batch norm's epsilon makes xhat depend on x), and moving x by
        // +-epsilon moves y by less than a float's last digit: the central difference is rounding, up to 2.6e-4 (one
        // run in several hundred), against the default floor's 1e-4. A wrong formula's error is of order 1 either way.
        GradientCheck.Report report = gradientCheck(norm, x, seed, batch == 2 ? 1e-1 : 1e-2);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    /**
     * Batches of more than one chunk (16 samples): the statistics are merged from the chunks' and must agree with
     * the plain two-pass formulas over the whole batch (PyTorch's BatchNorm2d in training mode: biased variance to
     * normalise, unbiased for running_var, momentum 0.1).
     */
    @Property(tries = 40)
    void mergedChunkStatisticsEqualTheWholeBatchFormulas(@ForAll @IntRange(min = 2, max = 50) int batch,
                                                         @ForAll @IntRange(min = 1, max = 3) int channels,
                                                         @ForAll @IntRange(min = 1, max = 3) int size,
                                                         @ForAll long seed) {
        BatchNorm norm = new BatchNorm(Shape.of(channels, size, size));
        Tensor x = LayerTesting.uniform(Shape.of(batch, channels, size, size), seed);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = 3 + 2 * x.data()[i];   // an offset, so that a one-pass variance would lose digits
        }
        Tensor y = norm.forward(x, true);
        int spatial = size * size;
        int m = batch * spatial;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int n = 0; n < batch; n++) {
                for (int s = 0; s < spatial; s++) {
                    sum += x.data()[(n * channels + c) * spatial + s];
                }
            }
            double mean = sum / m;
            double squares = 0;
            for (int n = 0; n < batch; n++) {
                for (int s = 0; s < spatial; s++) {
                    double d = x.data()[(n * channels + c) * spatial + s] - mean;
                    squares += d * d;
                }
            }
            double inv = 1 / Math.sqrt(squares / m + 1e-5);
            for (int n = 0; n < batch; n++) {
                for (int s = 0; s < spatial; s++) {
                    int i = (n * channels + c) * spatial + s;
                    // the layer computes x * inv + (-mean * inv) in float: each term is rounded at its own size,
                    // which is (|x| + |mean|) * inv, large next to y when the channel's spread is small
                    double rounding = 1e-6 * (1 + (Math.abs(x.data()[i]) + Math.abs(mean)) * inv);
                    assertThat((double) y.data()[i]).isCloseTo((x.data()[i] - mean) * inv, within(rounding));
                }
            }
            assertThat((double) norm.buffers().get(0).value().get(c)).isCloseTo(0.1 * mean, within(1e-6));
            assertThat((double) norm.buffers().get(1).value().get(c))
                    .isCloseTo(0.9 + 0.1 * squares / (m - 1), within(1e-5));
        }
    }

    /** The backward pass across chunks (17 to 40 samples: 2 or 3 chunks of the batch sums). */
    @Property(tries = 15)
    void featureBackwardAcrossChunksMatchesFiniteDifferences(@ForAll @IntRange(min = 17, max = 40) int batch,
                                                             @ForAll @IntRange(min = 1, max = 3) int features,
                                                             @ForAll long seed) {
        BatchNorm norm = new BatchNorm(Shape.of(features));
        randomAffine(norm, seed);
        Tensor x = inputs(Shape.of(batch, features), seed);
        GradientCheck.Report report = gradientCheck(norm, x, seed, 1e-2);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void aReplicaRefusesToTrainOutsideTheStepsLanes() {
        BatchNorm norm = new BatchNorm(Shape.of(2, 3, 3));
        Layer replica = norm.replica(0).orElseThrow();
        io.github.jcnn.kernels.Lanes.takeRequirement();
        assertThat(replica.parameters().get(0).value()).isSameAs(norm.parameters().get(0).value());
        assertThat(replica.parameters().get(0).grad()).isNotSameAs(norm.parameters().get(0).grad());
        assertThat(replica.buffers().get(1).value()).isSameAs(norm.buffers().get(1).value());
        assertThatThrownBy(() -> replica.forward(Tensor.zeros(4, 2, 3, 3), true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("lanes");
        assertThat(replica.forward(Tensor.zeros(4, 2, 3, 3), false).shape()).isEqualTo(Shape.of(4, 2, 3, 3));
    }

    @Property(tries = 30)
    void outputShapeMatchesForward(@ForAll @IntRange(min = 2, max = 3) int batch,
                                   @ForAll @IntRange(min = 1, max = 3) int channels,
                                   @ForAll @IntRange(min = 1, max = 6) int height,
                                   @ForAll @IntRange(min = 1, max = 6) int width,
                                   @ForAll boolean training) {
        BatchNorm norm = new BatchNorm(Shape.of(channels, height, width));
        Tensor y = norm.forward(LayerTesting.uniform(Shape.of(batch, channels, height, width), 1), training);
        assertThat(y.shape()).isEqualTo(norm.outputShape().withBatch(batch));
    }

    /**
     * {@link BatchNorm#withReLU} gives, bit for bit, the output, input gradient and parameter gradients of the batch
     * norm followed by a ReLU, over batches of one and several chunks (images and flat features).
     */
    @Property(tries = 40)
    void withReLUGivesTheBitsOfBatchNormThenReLU(@ForAll @IntRange(min = 2, max = 70) int batch,
                                                 @ForAll @IntRange(min = 1, max = 3) int channels,
                                                 @ForAll @IntRange(min = 1, max = 6) int size,
                                                 @ForAll boolean flat, @ForAll long seed) {
        Shape in = flat ? Shape.of(channels * size) : Shape.of(channels, size, size);
        BatchNorm separate = new BatchNorm(in);
        BatchNorm fused = new BatchNorm(in);
        randomAffine(separate, seed);
        randomAffine(fused, seed);
        // gamma of both signs: the ReLU then cuts at the low end of x in some channels
        fused.parameters().get(0).value().data()[0] *= -1;
        separate.parameters().get(0).value().data()[0] *= -1;
        ReLU relu = new ReLU(in);
        Layer both = fused.withReLU();
        assertThat(both.type()).isEqualTo("BatchNorm+ReLU");
        assertThat(both.parameters()).isEqualTo(fused.parameters());
        Tensor x = LayerTesting.uniform(in.withBatch(batch), seed + 3);
        Tensor dy = LayerTesting.uniform(in.withBatch(batch), seed + 4);
        assertSameBits(both.forward(x, true), relu.forward(separate.forward(x, true), true), "output");
        assertSameBits(both.backward(dy), separate.backward(relu.backward(dy)), "dL/dx");
        for (int p = 0; p < 2; p++) {
            assertSameBits(fused.parameters().get(p).grad(), separate.parameters().get(p).grad(), "gradient " + p);
        }
        for (int p = 0; p < 2; p++) {
            assertSameBits(fused.buffers().get(p).value(), separate.buffers().get(p).value(), "buffer " + p);
        }
        assertSameBits(both.forward(x, false), relu.forward(separate.forward(x, false), false), "inference");
    }

    private static void assertSameBits(Tensor actual, Tensor expected, String what) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(Float.floatToRawIntBits(actual.data()[i])).as("%s [%d]: %s against %s", what, i,
                    actual.data()[i], expected.data()[i]).isEqualTo(Float.floatToRawIntBits(expected.data()[i]));
        }
    }

    private static void randomAffine(BatchNorm norm, long seed) {
        int c = norm.channels();
        Tensor gamma = LayerTesting.uniform(Shape.of(c), seed + 1);
        for (int i = 0; i < c; i++) {
            gamma.data()[i] = 0.5f + Math.abs(gamma.data()[i]);
        }
        norm.parameters().get(0).value().copyFromInPlace(gamma);
        norm.parameters().get(1).value().copyFromInPlace(LayerTesting.uniform(Shape.of(c), seed + 2));
    }
}
