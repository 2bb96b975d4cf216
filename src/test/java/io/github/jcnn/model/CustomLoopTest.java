package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.data.Batches;
import io.github.jcnn.data.Dataset;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.losses.MeanSquaredError;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.optim.Gradients;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The PyTorch-like split of a training step (issue 13): zeroGrad, forwardLoss, backward, (clip), step gives the same
 * bits as trainBatch and fit, and the gradients it leaves (of the weights and of the input) are the true ones.
 */
class CustomLoopTest {

    /** A LeNet-5-like model for 1 x 12 x 12 images, 2 classes (data-parallel path). */
    private static Sequential lenetLike(long seed) {
        return Sequential.builder(Shape.of(1, 12, 12))
                .conv2d(4, 3).relu().maxPool(2)
                .conv2d(8, 3).relu().maxPool(2)
                .flatten().dense(16).relu().dense(2).softmax()
                .seed(seed).build();
    }

    /** The same with batch normalization: trained on whole batches (no replicas). */
    private static Sequential withBatchNorm(long seed) {
        return Sequential.builder(Shape.of(1, 12, 12))
                .conv2d(4, 3).batchNorm().relu().maxPool(2)
                .flatten().dense(2).softmax()
                .seed(seed).build();
    }

    /** The bars problem of {@link Synthetic#bars} on 12 x 12 images (class = bar in the top or bottom half). */
    private static Dataset bars12(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor x = Tensor.zeros(n, 1, 12, 12);
        int[] labels = new int[n];
        float[] d = x.data();
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int j = 0; j < 144; j++) {
                d[i * 144 + j] = (float) (random.nextGaussian() * 0.3);
            }
            int row = labels[i] == 0 ? random.nextInt(0, 5) : random.nextInt(7, 12);
            int col = random.nextInt(0, 6);
            for (int c = col; c < col + 6; c++) {
                d[i * 144 + row * 12 + c] += 1.5f;
            }
        }
        return new io.github.jcnn.data.InMemoryDataset(x, labels, 2);
    }

    private static float[] weights(Sequential model) {
        List<Float> all = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            for (float v : p.value().data()) {
                all.add(v);
            }
        }
        for (var layer : model.layers()) {
            for (Parameter b : layer.buffers()) {
                for (float v : b.value().data()) {
                    all.add(v);
                }
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }

    @Test
    void theSplitStepEqualsTrainBatchBitForBit() {
        for (boolean batchNorm : new boolean[] {false, true}) {
            Sequential a = batchNorm ? withBatchNorm(5) : lenetLike(5);
            Sequential b = batchNorm ? withBatchNorm(5) : lenetLike(5);
            Optimizer adamA = Adam.config(0.01).create(a.parameters());
            Optimizer adamB = Adam.config(0.01).create(b.parameters());
            Dataset data = bars12(120, 1);
            for (Batches.Batch batch : new Batches(data, 40).epoch(0)) {   // 40: three chunks of 14, 13, 13
                double lossA = a.trainBatch(batch.images(), batch.labels(), adamA);
                adamB.zeroGrad();
                TrainingStep step = b.forwardLoss(batch.images(), batch.labels());
                step.backward();
                adamB.step();
                assertThat(step.loss()).isEqualTo(lossA);
                assertThat(step.size()).isEqualTo(40);
            }
            assertThat(weights(b)).containsExactly(weights(a));
        }
    }

    @Test
    void aCustomLoopWithoutClippingIsFitBitForBitWhateverTheThreadCount() {
        Dataset train = bars12(200, 1);
        int threads = Parallel.threads();
        try {
            float[] reference = null;
            for (int t = 1; t <= 3; t++) {
                Parallel.setThreads(t);
                Sequential fitted = lenetLike(7);
                fitted.fit(train, FitOptions.defaults().quiet().epochs(2).batchSize(32).seed(9)
                        .optimizer(SGD.config(0.05).momentum(0.9)));
                Sequential custom = lenetLike(7);
                Optimizer sgd = SGD.config(0.05).momentum(0.9).create(custom.parameters());
                Batches batches = new Batches(train, 32, true, 9, List.of());
                for (int epoch = 0; epoch < 2; epoch++) {
                    for (Batches.Batch b : batches.epoch(epoch)) {
                        sgd.zeroGrad();
                        custom.forwardLoss(b.images(), b.labels()).backward();
                        sgd.step();
                    }
                }
                assertThat(weights(custom)).containsExactly(weights(fitted));
                if (reference == null) {
                    reference = weights(custom);
                }
                assertThat(weights(custom)).containsExactly(reference);
            }
        } finally {
            Parallel.setThreads(threads);
        }
    }

    @Test
    void aCustomLoopWithClippingTrainsAsWellAsFit() {
        Dataset train = bars12(400, 1);
        Dataset test = bars12(200, 2);
        Sequential fitted = lenetLike(11);
        fitted.fit(train, FitOptions.defaults().quiet().epochs(4).batchSize(32).seed(3).optimizer(Adam.config(0.005)));
        double fitAccuracy = fitted.evaluate(test).accuracy();

        Sequential custom = lenetLike(11);
        Optimizer adam = Adam.config(0.005).create(custom.parameters());
        Batches batches = new Batches(train, 32, true, 3, List.of());
        int clipped = 0;
        for (int epoch = 0; epoch < 4; epoch++) {
            for (Batches.Batch b : batches.epoch(epoch)) {
                adam.zeroGrad();
                custom.forwardLoss(b.images(), b.labels()).backward();
                double norm = Gradients.clipNorm(custom.parameters(), 0.5);
                if (norm > 0.5) {
                    clipped++;
                    assertThat(Gradients.norm(custom.parameters())).isCloseTo(0.5, org.assertj.core.data.Offset
                            .offset(1e-4));
                }
                adam.step();
            }
        }
        double customAccuracy = custom.evaluate(test).accuracy();
        assertThat(clipped).as("steps whose gradient was clipped").isGreaterThan(0);
        assertThat(fitAccuracy).isGreaterThan(0.9);
        assertThat(customAccuracy).isGreaterThan(0.9).isCloseTo(fitAccuracy, org.assertj.core.data.Offset.offset(0.05));
    }

    /** The loss of the model on (x, y) in training mode; the models here have no dropout, so it is deterministic. */
    private static double loss(Sequential model, Tensor x, int[] y) {
        return model.forwardLoss(x, y).loss();
    }

    @Test
    void theGradientsMatchFiniteDifferencesWithoutAnyOptimizer() {
        Sequential model = lenetLike(13);   // data-parallel path: 20 samples are two chunks
        Tensor x = Synthetic.images(Shape.of(1, 12, 12), 20, 4);
        int[] y = new int[20];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 3 == 0 ? 1 : 0;
        }
        model.zeroGrad();
        TrainingStep step = model.forwardLoss(x, y);
        Tensor dx = step.backwardToInput();
        assertThat(dx.shape()).isEqualTo(x.shape());
        float[] gradW = model.parameters().get(0).grad().toArray();
        float[] gradLast = model.parameters().get(model.parameters().size() - 2).grad().toArray();
        double eps = 1e-2;
        SplittableRandom random = new SplittableRandom(1);
        for (int k = 0; k < 12; k++) {
            int i = random.nextInt(x.size());
            float saved = x.data()[i];
            x.data()[i] = (float) (saved + eps);
            double plus = loss(model, x, y);
            x.data()[i] = (float) (saved - eps);
            double minus = loss(model, x, y);
            x.data()[i] = saved;
            double numeric = (plus - minus) / (2 * eps);
            assertThat((double) dx.data()[i]).as("dL/dx[%d]", i).isCloseTo(numeric,
                    org.assertj.core.data.Offset.offset(2e-3 + 0.05 * Math.abs(numeric)));
        }
        // the last Dense's weights (no ReLU kink after them) and, with a smaller step, the first conv's
        for (int[] which : new int[][] {{0, 5}, {0, 17}, {model.parameters().size() - 2, 3},
                {model.parameters().size() - 2, 20}}) {
            Parameter p = model.parameters().get(which[0]);
            float[] analytic = which[0] == 0 ? gradW : gradLast;
            int i = which[1];
            eps = which[0] == 0 ? 1e-3 : 1e-2;
            float saved = p.value().data()[i];
            p.value().data()[i] = (float) (saved + eps);
            double plus = loss(model, x, y);
            p.value().data()[i] = (float) (saved - eps);
            double minus = loss(model, x, y);
            p.value().data()[i] = saved;
            double numeric = (plus - minus) / (2 * eps);
            assertThat((double) analytic[i]).as("dL/dW of parameter %d [%d]", which[0], i)
                    .isCloseTo(numeric, org.assertj.core.data.Offset.offset(2e-3 + 0.05 * Math.abs(numeric)));
        }
    }

    @Test
    void theInputGradientIsTheSameOnBothPathsAndDoesNotChangeTheWeightGradients() {
        for (boolean batchNorm : new boolean[] {false, true}) {
            Sequential a = batchNorm ? withBatchNorm(3) : lenetLike(3);
            Sequential b = batchNorm ? withBatchNorm(3) : lenetLike(3);
            Tensor x = Synthetic.images(Shape.of(1, 12, 12), 37, 8);
            int[] y = new int[37];
            a.zeroGrad();
            a.forwardLoss(x, y).backward();
            b.zeroGrad();
            Tensor dx = b.forwardLoss(x, y).backwardToInput();
            for (int k = 0; k < a.parameters().size(); k++) {
                assertThat(b.parameters().get(k).grad().toArray())
                        .containsExactly(a.parameters().get(k).grad().toArray());
            }
            assertThat(dx.isFinite()).isTrue();
            assertThat(dx.toArray()).isNotEqualTo(new float[dx.size()]);
        }
        // the data-parallel input gradient equals the whole-batch one of the same weights (within rounding)
        Sequential model = lenetLike(3);
        Tensor x = Synthetic.images(Shape.of(1, 12, 12), 37, 8);
        int[] y = new int[37];
        Tensor chunked = model.forwardLoss(x, y).backwardToInput();
        Tensor oneByOne = Tensor.zeros(x.shape());
        for (int i = 0; i < 37; i++) {
            Tensor xi = Tensor.wrap(Shape.of(1, 1, 12, 12), java.util.Arrays.copyOfRange(x.data(), i * 144,
                    (i + 1) * 144));
            Tensor gi = model.forwardLoss(xi, new int[] {y[i]}).backwardToInput();
            for (int j = 0; j < 144; j++) {
                oneByOne.data()[i * 144 + j] = gi.data()[j] / 37;   // the batch loss is the mean over 37 samples
            }
        }
        for (int i = 0; i < x.size(); i++) {
            assertThat(chunked.data()[i]).isCloseTo(oneByOne.data()[i], org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    @Test
    void backwardBelongsToTheLatestForwardAndRunsOnce() {
        Sequential model = lenetLike(1);
        Tensor x = Synthetic.images(Shape.of(1, 12, 12), 4, 1);
        TrainingStep first = model.forwardLoss(x, new int[4]);
        TrainingStep second = model.forwardLoss(x, new int[4]);
        assertThatThrownBy(first::backward).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("forwardLoss ran again since");
        second.backward();
        assertThatThrownBy(second::backward).isInstanceOf(IllegalStateException.class);
        // trainBatch in between also makes a step stale
        for (Sequential m : List.of(lenetLike(1), withBatchNorm(1))) {   // both training paths
            TrainingStep third = m.forwardLoss(x, new int[4]);
            m.trainBatch(x, new int[4], Adam.config().create(m.parameters()));
            assertThatThrownBy(third::backward).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no longer the model's latest");
        }
    }

    @Test
    void anotherLossIsUsedAsGiven() {
        Sequential a = lenetLike(2);
        Sequential b = lenetLike(2);
        Optimizer sgdA = SGD.config(0.1).create(a.parameters());
        Optimizer sgdB = SGD.config(0.1).create(b.parameters());
        Tensor x = Synthetic.images(Shape.of(1, 12, 12), 24, 1);
        int[] y = new int[24];
        double lossA = a.trainBatch(x, y, sgdA, new MeanSquaredError());
        sgdB.zeroGrad();
        TrainingStep step = b.forwardLoss(x, y, new MeanSquaredError());
        step.backward();
        sgdB.step();
        assertThat(step.loss()).isEqualTo(lossA);
        assertThat(weights(b)).containsExactly(weights(a));
    }

    @Test
    void aNonFiniteLossInACustomLoopNamesTheLayer() {
        Sequential model = lenetLike(1);
        model.parameters().get(2).value().data()[0] = Float.NaN;   // the second Conv2D's weight
        Tensor x = Synthetic.images(Shape.of(1, 12, 12), 20, 1);
        assertThatThrownBy(() -> model.forwardLoss(x, new int[20]))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageStartingWith("training diverged in forwardLoss: Conv2D #3 weight became NaN or infinite")
                .satisfies(e -> assertThat(((TrainingDivergedException) e).epoch()).isEqualTo(-1));
    }
}
