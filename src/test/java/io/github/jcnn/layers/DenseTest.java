package io.github.jcnn.layers;

import static io.github.jcnn.layers.LayerTesting.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class DenseTest {

    @Test
    void handComputedForwardAndBackward() {
        Dense dense = new Dense(Shape.of(3), 2);
        assertThat(dense.type()).isEqualTo("Dense");
        assertThat(dense.inFeatures()).isEqualTo(3);
        assertThat(dense.units()).isEqualTo(2);
        assertThat(dense.hasBias()).isTrue();
        assertThat(dense.parameters()).extracting(Parameter::name).containsExactly("weight", "bias");
        assertThat(dense.parameters().get(0).value().shape()).isEqualTo(Shape.of(2, 3));
        assertThat(dense.parameterCount()).isEqualTo(8);
        dense.parameters().get(0).value().copyFromInPlace(Tensor.of(Shape.of(2, 3), 1, 2, 3, 4, 5, 6));
        dense.parameters().get(1).value().copyFromInPlace(Tensor.of(Shape.of(2), 10, 20));
        Tensor x = Tensor.of(Shape.of(2, 3), 1, 0, -1, 2, 1, 0);
        Tensor y = dense.forward(x, true);
        // row 0: (1 - 3) + 10 = 8,  (4 - 6) + 20 = 18;   row 1: (2 + 2) + 10 = 14,  (8 + 5) + 20 = 33
        assertThat(y.toArray()).containsExactly(8, 18, 14, 33);
        Tensor dx = dense.backward(Tensor.of(Shape.of(2, 2), 1, 0, 0, 1));
        // dX = dY W: row 0 = W[0], row 1 = W[1]
        assertThat(dx.toArray()).containsExactly(1, 2, 3, 4, 5, 6);
        // dW = dY^T X: row 0 = x[0], row 1 = x[1]; db = column sums of dY
        assertThat(dense.parameters().get(0).grad().toArray()).containsExactly(1, 0, -1, 2, 1, 0);
        assertThat(dense.parameters().get(1).grad().toArray()).containsExactly(1, 1);
    }

    @Test
    void initializeUsesFanInAndFanOutAndZeroBias() {
        Dense dense = new Dense(Shape.of(400), 120);
        dense.parameters().get(1).value().fillInPlace(3f);
        dense.initialize(WeightInit.GLOROT, new SplittableRandom(1));
        double limit = Math.sqrt(6.0 / (400 + 120));
        assertThat(dense.parameters().get(0).value().max()).isLessThanOrEqualTo((float) limit);
        assertThat(dense.parameters().get(0).value().sumOfSquares()).isGreaterThan(0);
        assertThat(dense.parameters().get(1).value().toArray()).containsOnly(0f);
        Dense noBias = new Dense(Shape.of(4), 2, false);
        assertThat(noBias.hasBias()).isFalse();
        assertThat(noBias.parameters()).extracting(Parameter::name).containsExactly("weight");
    }

    @Test
    void theSameNumbersWhateverTheThreadCount() {
        int saved = Parallel.threads();
        try {
            float[][] one = denseStep(1);
            float[][] three = denseStep(3);
            for (int i = 0; i < one.length; i++) {
                assertThat(three[i]).containsExactly(one[i]);
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /** y, dx, dW and db of one step on fixed data, computed with the given thread count. */
    private static float[][] denseStep(int threads) {
        Parallel.setThreads(threads);
        Dense dense = new Dense(Shape.of(37), 11);
        dense.initialize(WeightInit.HE, new SplittableRandom(5));
        Tensor y = dense.forward(LayerTesting.uniform(Shape.of(7, 37), 6), true);
        Tensor dx = dense.backward(LayerTesting.uniform(Shape.of(7, 11), 7));
        return new float[][] {y.toArray(), dx.toArray(), dense.parameters().get(0).grad().toArray(),
            dense.parameters().get(1).grad().toArray()};
    }

    @Test
    void aLayerPreparedForInferenceRefusesTraining() {
        Dense dense = new Dense(Shape.of(5), 3);
        Dense prepared = dense.forInference();
        assertThat(prepared).isNotSameAs(dense);
        assertThat(prepared.forInference()).isSameAs(prepared);
        assertThatThrownBy(() -> prepared.forward(Tensor.zeros(Shape.of(2, 5)), true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("prepared for inference");
    }

    @Test
    void errorsNameTheShapes() {
        assertThatThrownBy(() -> new Dense(Shape.of(16, 5, 5), 120))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Dense").hasMessageContaining("(16, 5, 5)")
                .hasMessageContaining("flatten first").hasMessageContaining("(400)");
        Dense dense = new Dense(Shape.of(400), 120);
        assertThatThrownBy(() -> dense.forward(Tensor.zeros(8, 300), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Dense").hasMessageContaining("(8, 300)").hasMessageContaining("(400)");
        dense.forward(Tensor.zeros(8, 400), true);
        assertThatThrownBy(() -> dense.backward(Tensor.zeros(8, 100)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(8, 100)").hasMessageContaining("(8, 120)");
    }

    @Test
    void inferenceIsPure() throws Exception {
        Dense dense = new Dense(Shape.of(7), 5);
        dense.initialize(WeightInit.HE, new SplittableRandom(3));
        LayerTesting.assertInferenceIsPure(dense, LayerTesting.uniform(Shape.of(4, 7), 1),
                LayerTesting.uniform(Shape.of(9, 7), 2));
    }

    @Property(tries = 60)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int batch,
                                          @ForAll @IntRange(min = 1, max = 12) int inFeatures,
                                          @ForAll @IntRange(min = 1, max = 6) int units,
                                          @ForAll boolean bias,
                                          @ForAll long seed) {
        Dense dense = new Dense(Shape.of(inFeatures), units, bias);
        dense.initialize(WeightInit.GLOROT, new SplittableRandom(seed));
        if (bias) {
            dense.parameters().get(1).value().copyFromInPlace(LayerTesting.uniform(Shape.of(units), seed + 1));
        }
        Tensor x = LayerTesting.uniform(Shape.of(batch, inFeatures), seed);
        GradientCheck.Report report = GradientCheck.of(dense).seed(seed).check(x);
        assertThat(report.entries()).hasSize(bias ? 3 : 2);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    @Property(tries = 30)
    void outputShapeMatchesForward(@ForAll @IntRange(min = 1, max = 4) int batch,
                                   @ForAll @IntRange(min = 1, max = 20) int inFeatures,
                                   @ForAll @IntRange(min = 1, max = 10) int units) {
        Dense dense = new Dense(Shape.of(inFeatures), units);
        Tensor y = dense.forward(Tensor.zeros(batch, inFeatures), true);
        assertThat(y.shape()).isEqualTo(dense.outputShape().withBatch(batch));
        assertThat(dense.outputShape()).isEqualTo(Shape.of(units));
    }

    /**
     * The fast paths (W transposed into row arrays for the training forward, W as row arrays for dX, Gemm for all
     * three products) against the plain triple loops. Every sum is taken in the same order as in the loops (i = 0, 1,
     * ... for y, o = 0, 1, ... for dX, n = 0, 1, ... for dW and db, the bias added last), so the numbers must agree to
     * the bit (with the rounding of the GEMM in use, see {@link #accumulate}). Two steps, with W changed in place in between as an optimizer does, the second also through a
     * replica: a stale copy of W would show. Sizes go past Gemm's 256-deep blocks and through every batch size mod 3.
     */
    @Property(tries = 100)
    void fastPathsMatchThePlainLoopsBitForBit(@ForAll @IntRange(min = 1, max = 40) int batch,
                                              @ForAll @IntRange(min = 1, max = 300) int inFeatures,
                                              @ForAll @IntRange(min = 1, max = 40) int units,
                                              @ForAll boolean bias,
                                              @ForAll long seed) {
        Dense dense = new Dense(Shape.of(inFeatures), units, bias);
        dense.initialize(WeightInit.GLOROT, new SplittableRandom(seed));
        float[] w = dense.parameters().get(0).value().data();
        float[] b = bias ? dense.parameters().get(1).value().data() : new float[units];
        if (bias) {
            dense.parameters().get(1).value().copyFromInPlace(LayerTesting.uniform(Shape.of(units), seed + 1));
        }
        Tensor x = LayerTesting.uniform(Shape.of(batch, inFeatures), seed + 2);
        Tensor dy = LayerTesting.uniform(Shape.of(batch, units), seed + 3);
        float[] expectedDw = new float[units * inFeatures];
        float[] expectedDb = new float[units];
        Layer replica = dense.replica(1).orElseThrow();
        for (Layer layer : new Layer[] {dense, dense, replica}) {
            float[] expectedY = referenceForward(x.data(), w, b, batch, inFeatures, units);
            assertThat(layer.forward(x, true).toArray()).as("training forward").containsExactly(expectedY);
            assertThat(layer.forward(x, false).toArray()).as("inference forward").containsExactly(expectedY);
            // prepared for an inference run: W^T laid out once, read in place (from 4 samples on; fewer go row by row)
            Dense prepared = ((Dense) layer).forInference();
            assertThat(prepared.forward(x, false).toArray()).as("prepared inference forward")
                    .containsExactly(expectedY);
            // the replica has gradients of its own, starting from zero; the layer's add up over its two steps
            float[] dw = layer == replica ? new float[units * inFeatures] : expectedDw;
            float[] db = layer == replica ? new float[units] : expectedDb;
            float[] expectedDx = referenceBackward(x.data(), w, dy.data(), batch, inFeatures, units, dw, db);
            assertThat(layer.backward(dy).toArray()).as("dX").containsExactly(expectedDx);
            assertThat(layer.parameters().get(0).grad().toArray()).as("dW").containsExactly(dw);
            if (bias) {
                assertThat(layer.parameters().get(1).grad().toArray()).as("db").containsExactly(db);
            }
            // the optimizer's in-place step, seen by the layer and its replica alike
            float[] step = LayerTesting.uniform(Shape.of(w.length), seed + 4).data();
            for (int i = 0; i < w.length; i++) {
                w[i] -= 0.1f * step[i];
            }
        }
    }

    /** y[n, o] = (sum over i = 0, 1, ... of x[n, i] * W[o, i]) + b[o]. */
    private static float[] referenceForward(float[] x, float[] w, float[] b, int batch, int in, int units) {
        float[] y = new float[batch * units];
        for (int n = 0; n < batch; n++) {
            for (int o = 0; o < units; o++) {
                y[n * units + o] = accumulate(0f, x, n * in, 1, w, o * in, 1, in) + b[o];
            }
        }
        return y;
    }

    /**
     * Returns dx[n, i] = sum over o = 0, 1, ... of dy[n, o] * W[o, i]; adds dy[n, o] * x[n, i] to dW[o, i] for
     * n = 0, 1, ... one after the other, and the column sum of dy (taken first) to db[o].
     */
    private static float[] referenceBackward(float[] x, float[] w, float[] dy, int batch, int in, int units,
                                             float[] dw, float[] db) {
        float[] dx = new float[batch * in];
        for (int n = 0; n < batch; n++) {
            for (int i = 0; i < in; i++) {
                dx[n * in + i] = accumulate(0f, dy, n * units, 1, w, i, in, units);
            }
        }
        for (int o = 0; o < units; o++) {
            for (int i = 0; i < in; i++) {
                dw[o * in + i] = accumulate(dw[o * in + i], dy, o, units, x, i, in, batch);
            }
            float sum = 0;
            for (int n = 0; n < batch; n++) {
                sum += dy[n * units + o];
            }
            db[o] += sum;
        }
        return dx;
    }

    /**
     * c + sum over p = 0, 1, ... of a[aStart + p*aStep] * b[bStart + p*bStep], rounded as the GEMM in use rounds: term
     * by term (the loops), or as fused multiply-add chains per block of 256 terms, each block's sum then added to c
     * (the vector GEMM, see GemmReference.multiplyFused).
     */
    private static float accumulate(float c, float[] a, int aStart, int aStep, float[] b, int bStart, int bStep,
                                    int length) {
        if (!io.github.jcnn.kernels.Gemm.vectorized()) {
            for (int p = 0; p < length; p++) {
                c += a[aStart + p * aStep] * b[bStart + p * bStep];
            }
            return c;
        }
        int block = io.github.jcnn.kernels.GemmReference.FUSED_DEPTH_BLOCK;
        for (int p0 = 0; p0 < length; p0 += block) {
            float sum = 0f;
            for (int p = p0; p < Math.min(length, p0 + block); p++) {
                sum = Math.fma(a[aStart + p * aStep], b[bStart + p * bStep], sum);
            }
            c += sum;
        }
        return c;
    }
}
