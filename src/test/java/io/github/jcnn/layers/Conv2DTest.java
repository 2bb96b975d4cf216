package io.github.jcnn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The lecture's examples, sizes, parameter counts, error messages, determinism and thread safety. */
class Conv2DTest {

    /** The lecture's 6x6 image: 10 in the left three columns, 0 in the right three. */
    private static Tensor leftBrightImage() {
        Tensor x = Tensor.zeros(1, 1, 6, 6);
        for (int h = 0; h < 6; h++) {
            for (int w = 0; w < 3; w++) {
                x.set(10f, 0, 0, h, w);
            }
        }
        return x;
    }

    private static Conv2D withKernel(float... kernel) {
        Conv2D conv = new Conv2D(Shape.of(1, 6, 6), 1, 3);
        conv.parameters().get(0).value().copyFromInPlace(Tensor.of(Shape.of(1, 1, 3, 3), kernel));
        return conv;
    }

    private static Tensor transpose(Tensor image) {
        Tensor t = Tensor.zeros(image.shape());
        for (int h = 0; h < 6; h++) {
            for (int w = 0; w < 6; w++) {
                t.set(image.get(0, 0, h, w), 0, 0, w, h);
            }
        }
        return t;
    }

    @Test
    void verticalEdgeDetectorFindsTheEdgeInTheMiddle() {
        Conv2D conv = withKernel(1, 0, -1, 1, 0, -1, 1, 0, -1);
        Tensor y = conv.forward(leftBrightImage(), false);
        assertThat(y.shape()).isEqualTo(Shape.of(1, 1, 4, 4));
        for (int i = 0; i < 4; i++) {
            float[] row = {y.get(0, 0, i, 0), y.get(0, 0, i, 1), y.get(0, 0, i, 2), y.get(0, 0, i, 3)};
            assertThat(row).containsExactly(0, 30, 30, 0);
        }
    }

    @Test
    void horizontalEdgeDetectorOnTheTransposedImage() {
        Conv2D conv = withKernel(1, 1, 1, 0, 0, 0, -1, -1, -1);
        Tensor y = conv.forward(transpose(leftBrightImage()), false);
        assertThat(y.toArray()).containsExactly(
                0, 0, 0, 0,
                30, 30, 30, 30,
                30, 30, 30, 30,
                0, 0, 0, 0);
    }

    @Test
    void outputSizes() {
        assertThat(new Conv2D(Shape.of(1, 6, 6), 1, 3).outputShape()).isEqualTo(Shape.of(1, 4, 4));
        assertThat(new Conv2D(Shape.of(1, 6, 6), 1, 3, 3, 1, Padding.SAME, true).outputShape())
                .isEqualTo(Shape.of(1, 6, 6));
        // floor((n + 2p - f) / s) + 1
        assertThat(new Conv2D(Shape.of(1, 7, 7), 2, 3, 3, 2, Padding.VALID, true).outputShape())
                .isEqualTo(Shape.of(2, 3, 3));        // (7 - 3) / 2 + 1 = 3
        assertThat(new Conv2D(Shape.of(1, 6, 6), 2, 3, 3, 2, Padding.VALID, true).outputShape())
                .isEqualTo(Shape.of(2, 2, 2));        // floor(3 / 2) + 1 = 2
        assertThat(new Conv2D(Shape.of(1, 6, 6), 2, 3, 3, 2, Padding.SAME, true).outputShape())
                .isEqualTo(Shape.of(2, 3, 3));        // floor(5 / 2) + 1 = 3
        assertThat(new Conv2D(Shape.of(3, 32, 32), 6, 5).outputShape()).isEqualTo(Shape.of(6, 28, 28));
        assertThat(new Conv2D(Shape.of(3, 5, 9), 4, 2, 4, 3, Padding.of(1), false).outputShape())
                .isEqualTo(Shape.of(4, 2, 3));        // (5 + 2 - 2) / 3 + 1 = 2, (9 + 2 - 4) / 3 + 1 = 3
    }

    @Test
    void parameterCounts() {
        Conv2D twenty = new Conv2D(Shape.of(3, 32, 32), 20, 3);
        assertThat(twenty.parameterCount()).isEqualTo(560);     // (3 x 3 x 3 + 1) x 20
        assertThat(new Conv2D(Shape.of(3, 32, 32), 1, 3).parameterCount()).isEqualTo(28);
        assertThat(new Conv2D(Shape.of(3, 32, 32), 20, 3, 3, 1, Padding.VALID, false).parameterCount())
                .isEqualTo(540);
        assertThat(twenty.parameters()).extracting(Parameter::name).containsExactly("weight", "bias");
        assertThat(twenty.parameters().get(0).value().shape()).isEqualTo(Shape.of(20, 3, 3, 3));
        assertThat(twenty.parameters().get(1).value().shape()).isEqualTo(Shape.of(20));
    }

    @Test
    void accessors() {
        Conv2D conv = new Conv2D(Shape.of(3, 9, 9), 4, 3, 5, 2, Padding.SAME, false);
        assertThat(conv.type()).isEqualTo("Conv2D");
        assertThat(conv.inChannels()).isEqualTo(3);
        assertThat(conv.filters()).isEqualTo(4);
        assertThat(conv.kernelHeight()).isEqualTo(3);
        assertThat(conv.kernelWidth()).isEqualTo(5);
        assertThat(conv.stride()).isEqualTo(2);
        assertThat(conv.padding()).isEqualTo(Padding.SAME);
        assertThat(conv.hasBias()).isFalse();
        assertThat(conv.parameters()).hasSize(1);
        assertThat(conv.inputShape()).isEqualTo(Shape.of(3, 9, 9));
        assertThat(conv).hasToString("Conv2D (3x5, stride 2, same)");
    }

    @Test
    void initializeUsesFanInAndZeroBias() {
        Conv2D conv = new Conv2D(Shape.of(3, 32, 32), 64, 5);
        conv.parameters().get(1).value().fillInPlace(7f);
        conv.initialize(WeightInit.HE, new SplittableRandom(1));
        Tensor w = conv.parameters().get(0).value();
        double std = Math.sqrt(w.sumOfSquares() / w.size());
        assertThat(std).isCloseTo(Math.sqrt(2.0 / 75), org.assertj.core.data.Offset.offset(0.01));
        assertThat(conv.parameters().get(1).value().toArray()).containsOnly(0f);
    }

    @Test
    void tooSmallInputNamesTheSizes() {
        assertThatThrownBy(() -> new Conv2D(Shape.of(16, 3, 3), 8, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Conv2D (5x5, stride 1, valid): input is 3x3x16 but the kernel needs at least 5x5");
        assertThatThrownBy(() -> new Conv2D(Shape.of(1, 2, 2), 1, 7, 7, 1, Padding.of(2), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input is 2x2x1").hasMessageContaining("6x6 with padding")
                .hasMessageContaining("at least 7x7");
    }

    @Test
    void sameWithAnEvenKernelIsRefused() {
        assertThatThrownBy(() -> new Conv2D(Shape.of(1, 8, 8), 1, 4, 4, 1, Padding.SAME, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Conv2D (4x4, stride 1, same)").hasMessageContaining("odd");
    }

    @Test
    void wrongBatchShapeNamesBothShapes() {
        Conv2D conv = new Conv2D(Shape.of(3, 8, 8), 2, 3);
        assertThatThrownBy(() -> conv.forward(Tensor.zeros(4, 1, 8, 8), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Conv2D").hasMessageContaining("(4, 1, 8, 8)")
                .hasMessageContaining("(3, 8, 8)");
        assertThatThrownBy(() -> conv.forward(Tensor.zeros(3, 8, 8), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(3, 8, 8)");
    }

    @Test
    void backwardChecksItsInput() {
        Conv2D conv = new Conv2D(Shape.of(1, 5, 5), 2, 3);
        assertThatThrownBy(() -> conv.backward(Tensor.zeros(1, 2, 3, 3)))
                .isInstanceOf(IllegalStateException.class);
        conv.forward(Tensor.zeros(2, 1, 5, 5), true);
        assertThatThrownBy(() -> conv.backward(Tensor.zeros(1, 2, 3, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(1, 2, 3, 3)").hasMessageContaining("(2, 2, 3, 3)");
    }

    private static Tensor random(Shape shape, SplittableRandom random) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return t;
    }

    @Test
    void fastPathAgreesWithTheReferenceAtRealImageSizes() {
        // the properties use small images; these are the sizes where the GEMM's column blocks come into play
        // (LeNet's first layer has 28 x 28 = 784 output positions per filter)
        Conv2D[] layers = {
            new Conv2D(Shape.of(3, 32, 32), 6, 5),
            new Conv2D(Shape.of(6, 14, 14), 16, 5),
            new Conv2D(Shape.of(3, 32, 32), 4, 3, 3, 1, Padding.SAME, true),
            new Conv2D(Shape.of(2, 40, 36), 3, 3, 5, 2, Padding.of(1), true),
        };
        SplittableRandom random = new SplittableRandom(8);
        for (Conv2D conv : layers) {
            conv.initialize(WeightInit.HE, random);
            conv.parameters().get(1).value().copyFromInPlace(random(Shape.of(conv.filters()), random));
            Tensor x = random(conv.inputShape().withBatch(3), random);
            Tensor y = conv.forward(x, true).copy();
            Tensor dy = random(y.shape(), random);
            Tensor dx = conv.backward(dy).copy();
            Tensor w = conv.parameters().get(0).value();
            int ph = conv.padding().amount(conv.kernelHeight());
            int pw = conv.padding().amount(conv.kernelWidth());
            int s = conv.stride();
            String name = conv.toString();
            assertThat(y.maxAbsDifference(io.github.jcnn.kernels.ConvReference.forward(x, w,
                    conv.parameters().get(1).value(), s, ph, pw))).as("forward of %s", name).isLessThan(1e-4f);
            assertThat(dx.maxAbsDifference(io.github.jcnn.kernels.ConvReference.inputGradient(dy, w, x.shape(), s,
                    ph, pw))).as("dx of %s", name).isLessThan(1e-4f);
            assertThat(conv.parameters().get(0).grad().maxAbsDifference(io.github.jcnn.kernels.ConvReference
                    .weightGradient(x, dy, conv.kernelHeight(), conv.kernelWidth(), s, ph, pw)))
                    .as("dW of %s", name).isLessThan(2e-3f);
            assertThat(conv.parameters().get(1).grad().maxAbsDifference(io.github.jcnn.kernels.ConvReference
                    .biasGradient(dy))).as("db of %s", name).isLessThan(2e-3f);
        }
    }

    @Test
    void theBiasGradientIsEachFiltersFloatSumInTheOrderOfTheBatch() {
        // the four-filters-at-a-time loop keeps each filter's own chain of float additions (n, then i, j): the
        // bits of the plain loop, for filter counts with and without a remainder after the groups of four
        SplittableRandom random = new SplittableRandom(5);
        for (int filters = 1; filters <= 9; filters++) {
            Conv2D conv = new Conv2D(Shape.of(2, 7, 6), filters, 3);
            conv.initialize(WeightInit.HE, random);
            Tensor x = random(conv.inputShape().withBatch(3), random);
            Tensor dy = random(conv.forward(x, true).shape(), random);
            float[] start = random(Shape.of(filters), random).toArray();
            conv.parameters().get(1).grad().copyFromInPlace(Tensor.of(Shape.of(filters), start.clone()));
            conv.backward(dy);
            int positions = dy.shape().dim(2) * dy.shape().dim(3);
            for (int f = 0; f < filters; f++) {
                float sum = 0f;
                for (int n = 0; n < 3; n++) {
                    for (int l = 0; l < positions; l++) {
                        sum += dy.data()[(n * filters + f) * positions + l];
                    }
                }
                assertThat(conv.parameters().get(1).grad().data()[f]).as("db[%d] of %d filters", f, filters)
                        .isEqualTo(start[f] + sum);
            }
        }
    }

    /** Forward output, dx, dW and db for a fixed layer and batch, with the current thread setting. */
    private static List<float[]> trainingStep() {
        SplittableRandom random = new SplittableRandom(42);
        Conv2D conv = new Conv2D(Shape.of(3, 13, 11), 5, 3, 3, 2, Padding.of(1), true);
        conv.initialize(WeightInit.GLOROT, random);
        conv.parameters().get(1).value().copyFromInPlace(random(Shape.of(5), random));
        Tensor x = random(Shape.of(7, 3, 13, 11), random);
        Tensor y = conv.forward(x, true);
        Tensor dy = random(y.shape(), random);
        Tensor dx = conv.backward(dy);
        // a second step accumulates into the same gradients, reusing the scratch buffers
        conv.forward(x, true);
        conv.backward(dy);
        return List.of(y.toArray(), dx.toArray(), conv.parameters().get(0).grad().toArray(),
                conv.parameters().get(1).grad().toArray());
    }

    @Test
    void resultsAreBitIdenticalWhateverTheThreadCount() {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1);
            List<float[]> one = trainingStep();
            for (int threads : new int[] {2, 3, 5}) {
                Parallel.setThreads(threads);
                List<float[]> many = trainingStep();
                for (int i = 0; i < one.size(); i++) {
                    assertThat(many.get(i)).as("tensor %d with %d threads", i, threads).containsExactly(one.get(i));
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void inferenceFromSeveralThreadsAtOnceGivesTheSingleThreadResult() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        Conv2D conv = new Conv2D(Shape.of(2, 10, 10), 4, 3, 3, 1, Padding.SAME, true);
        conv.initialize(WeightInit.HE, random);
        List<Tensor> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Tensor x = random(Shape.of(1 + i % 3, 2, 10, 10), random);
            inputs.add(x);
            expected.add(conv.forward(x, false).toArray());
        }
        ExecutorService executor = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final int offset = t;
                results.add(executor.submit(() -> {
                    boolean same = true;
                    for (int r = 0; r < 50; r++) {
                        int i = (r + offset) % inputs.size();
                        same &= java.util.Arrays.equals(conv.forward(inputs.get(i), false).toArray(),
                                expected.get(i));
                    }
                    return same;
                }));
            }
            for (Future<Boolean> f : results) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            executor.shutdown();
        }
    }

    @Test
    void aLayerPreparedForInferenceGivesItsBitsHoldsItsKernelsAndRefusesTraining() {
        Conv2D conv = new Conv2D(Shape.of(16, 8, 8), 16, 3, 3, 1, Padding.SAME, true);
        conv.initialize(WeightInit.HE, new SplittableRandom(3));
        SplittableRandom random = new SplittableRandom(4);
        Tensor x = Tensor.zeros(Shape.of(3, 16, 8, 8));
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = (float) random.nextGaussian();
        }
        Conv2D prepared = conv.forInference();
        assertThat(prepared).isNotSameAs(conv);
        assertThat(prepared.forInference()).isSameAs(prepared);
        float[] expected = conv.forward(x, false).data().clone();
        assertThat(prepared.forward(x, false).data()).containsExactly(expected);
        // its kernels are those of the moment it was made: the layer's own follow its weights
        conv.parameters().get(0).value().data()[0] += 1f;
        assertThat(prepared.forward(x, false).data()).containsExactly(expected);
        assertThat(conv.forward(x, false).data()).isNotEqualTo(expected);
        assertThatThrownBy(() -> prepared.forward(x, true)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("prepared for inference");
        // a layer with nothing to lay out (LeNet-5's 5x5 VALID convolution) is its own prepared layer
        Conv2D lenet = new Conv2D(Shape.of(3, 32, 32), 6, 5);
        assertThat(lenet.forInference()).isSameAs(lenet);
    }
}
