package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.InMemoryDataset;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.layers.WeightInit;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.optim.LearningRateSchedule;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The modern training recipe's options, each against hand-worked numbers or PyTorch's. */
class RecipeTest {

    @Test
    void labelSmoothingMatchesPyTorch() {
        // torch: F.cross_entropy(z, y, label_smoothing=0.3) for z = [[1, 0, 0], [0.5, -1, 2]], y = [0, 1]
        //        loss 1.7713780403137207, grad [[-0.1119415, 0.0559708, 0.0559708], [0.0376452, -0.3804437, 0.3427985]]
        SoftmaxCrossEntropy loss = SoftmaxCrossEntropy.withLabelSmoothing(0.3);
        Tensor z = Tensor.of(Shape.of(2, 3), 1, 0, 0, 0.5f, -1, 2);
        int[] y = {0, 1};
        assertThat(loss.loss(z, y)).isCloseTo(1.7713780403137207, within(1e-6));
        float[] expected = {-0.11194154620170593f, 0.05597078427672386f, 0.05597078427672386f,
            0.03764519467949867f, -0.3804437220096588f, 0.34279850125312805f};
        float[] grad = loss.gradient(z, y).toArray();
        for (int i = 0; i < grad.length; i++) {
            assertThat(grad[i]).isCloseTo(expected[i], within(1e-6f));
        }
        // by hand: logits (0, 0), eps 0.2, K = 2: targets (0.9, 0.1), p = (0.5, 0.5): loss ln 2, dL/dz = p - t
        SoftmaxCrossEntropy two = SoftmaxCrossEntropy.withLabelSmoothing(0.2);
        assertThat(two.loss(Tensor.zeros(1, 2), new int[] {0})).isCloseTo(Math.log(2), within(1e-7));
        assertThat(two.gradient(Tensor.zeros(1, 2), new int[] {0}).toArray()).containsExactly(-0.4f, 0.4f);
        assertThat(new SoftmaxCrossEntropy().labelSmoothing()).isZero();
        assertThat(two.name()).contains("label smoothing 0.2");
        assertThatThrownBy(() -> SoftmaxCrossEntropy.withLabelSmoothing(1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 1], got 1.5");
    }

    @Test
    void labelSmoothingGradientMatchesFiniteDifferences() {
        SoftmaxCrossEntropy loss = SoftmaxCrossEntropy.withLabelSmoothing(0.1);
        SplittableRandom random = new SplittableRandom(3);
        Tensor z = Tensor.zeros(4, 5);
        for (int i = 0; i < z.size(); i++) {
            z.data()[i] = (float) (random.nextDouble() * 4 - 2);
        }
        int[] y = {0, 3, 4, 1};
        float[] grad = loss.gradient(z, y).toArray();
        for (int i = 0; i < z.size(); i++) {
            float v = z.data()[i];
            z.data()[i] = v + 1e-2f;
            double up = loss.loss(z, y);
            z.data()[i] = v - 1e-2f;
            double down = loss.loss(z, y);
            z.data()[i] = v;
            assertThat(grad[i]).as("element %d", i).isCloseTo((float) ((up - down) / 2e-2), within(2e-4f));
        }
    }

    @Test
    void oneCycleAndCosineStepsAreThePeerScriptsRates() {
        // torch_cifar10_modern.py: warm = max(1, int(warmup * steps_per_epoch)), total = epochs * steps_per_epoch,
        // lr (step + 1) / warm before warm, then (total - step) / (total - warm); here 3 epochs of 4 steps, warm-up 1
        LearningRateSchedule one = LearningRateSchedule.oneCycle(3, 1);
        assertThat(one.perStep()).isTrue();
        double[] expected = {0.25, 0.5, 0.75, 1, 1, 7 / 8.0, 6 / 8.0, 5 / 8.0, 4 / 8.0, 3 / 8.0, 2 / 8.0, 1 / 8.0};
        for (int s = 0; s < 12; s++) {
            assertThat(one.factor(s / 4, s % 4, 4)).as("step %d", s).isCloseTo(expected[s], within(1e-12));
        }
        // fractional warm-up: 0.5 epoch of 4 steps = 2 steps
        assertThat(LearningRateSchedule.oneCycle(2, 0.5).factor(0, 0, 4)).isEqualTo(0.5);
        LearningRateSchedule cos = LearningRateSchedule.cosineSteps(2);
        assertThat(cos.factor(0, 0, 2)).isEqualTo(1.0);
        assertThat(cos.factor(0, 1, 2)).isCloseTo((1 + Math.cos(Math.PI / 4)) / 2, within(1e-12));
        assertThat(cos.factor(1, 0, 2)).isCloseTo(0.5, within(1e-12));
        assertThat(LearningRateSchedule.constant().perStep()).isFalse();
        assertThat(LearningRateSchedule.constant().times(one).perStep()).isTrue();
        assertThat(LearningRateSchedule.constant().times(one).factor(0, 1, 4)).isEqualTo(0.5);
        assertThatThrownBy(() -> LearningRateSchedule.oneCycle(2, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("warm-up");
    }

    @Test
    void fitSetsAPerStepRateBeforeEveryStep() {
        Dataset train = Synthetic.bars(32, 1);                  // batch 8: 4 steps per epoch
        Sequential model = Synthetic.smallCnn(2);
        History h = model.fit(train, FitOptions.defaults().quiet().epochs(2).batchSize(8)
                .optimizer(SGD.config(0.1)).schedule(LearningRateSchedule.oneCycle(2, 1)));
        // the rate of each epoch's last step: step 3 of 8 (end of warm-up, 1.0), step 7 ((8 - 7) / (8 - 4) = 0.25)
        assertThat(h.epochs().get(0).learningRate()).isCloseTo(0.1, within(1e-12));
        assertThat(h.epochs().get(1).learningRate()).isCloseTo(0.025, within(1e-12));
    }

    @Test
    void sgdDecoupledDecayAndParameterGroups() {
        Parameter matrix = new Parameter("weight", Tensor.full(Shape.of(1, 2), 1f));
        Parameter vector = new Parameter("bias", Tensor.full(Shape.of(2), 1f));
        // gradient 0, lr 0.1, decoupled decay 0.5: w = w (1 - 0.1 * 0.5) = 0.95, then 0.9025; vectors exempt
        var sgd = SGD.config(0.1).momentum(0.9).decoupledWeightDecay(0.5).decayVectors(false)
                .create(List.of(matrix, vector));
        sgd.step();
        assertThat(matrix.value().toArray()).containsExactly(0.95f, 0.95f);
        assertThat(vector.value().toArray()).containsExactly(1f, 1f);
        sgd.step();
        assertThat(matrix.value().get(0, 0)).isCloseTo(0.9025f, within(1e-6f));
        // coupled (PyTorch SGD's weight_decay 0.5): g = 0 + 0.5 w goes through the momentum: w = 1 - 0.1 * 0.5 = 0.95,
        // then v = 0.9 * 0.5 + 0.5 * 0.95 = 0.925, w = 0.95 - 0.0925 = 0.8575 (torch gives the same)
        Parameter p = new Parameter("weight", Tensor.full(Shape.of(1, 1), 1f));
        Parameter b = new Parameter("bias", Tensor.full(Shape.of(1), 1f));
        var coupled = SGD.config(0.1).momentum(0.9).weightDecay(0.5).create(List.of(p, b));
        coupled.step();
        coupled.step();
        assertThat(p.value().get(0, 0)).isCloseTo(0.8575f, within(1e-6f));
        assertThat(b.value().get(0)).isCloseTo(0.8575f, within(1e-6f));         // one group: biases decay too
    }

    @Test
    void flipAveragingIsTheMeanOfBothViews() {
        Sequential model = Synthetic.smallCnn(3);
        Tensor x = Synthetic.images(Shape.of(1, 8, 8), 5, 4);
        Tensor mirror = Inference.flipped(x);
        assertThat(mirror.get(2, 0, 3, 0)).isEqualTo(x.get(2, 0, 3, 7));
        Tensor expected = model.predict(x).addInPlace(model.predict(mirror)).scaleInPlace(0.5f);
        assertThat(model.predictWithFlip(x).toArray()).containsExactly(expected.toArray());
        // evaluate: accuracy of the averaged probabilities, loss -ln of the averaged probability of the label
        int[] labels = {0, 1, 1, 0, 1};
        Dataset data = new InMemoryDataset(x, labels, List.of("top", "bottom"));
        Evaluation e = model.evaluate(data, new SoftmaxCrossEntropy(), true);
        int[] predicted = expected.argMaxRows();
        double loss = 0;
        int right = 0;
        for (int i = 0; i < 5; i++) {
            loss -= Math.log(expected.get(i, labels[i]));
            right += predicted[i] == labels[i] ? 1 : 0;
        }
        assertThat(e.loss()).isCloseTo(loss / 5, within(1e-5));
        assertThat(e.confusion().correct()).isEqualTo(right);
        assertThatThrownBy(() -> Sequential.builder(Shape.of(4)).dense(2).build().predictWithFlip(Tensor.zeros(1, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("flip averaging needs images");
    }

    @Test
    void pytorchInitialisationDrawsWeightsAndBiasesWithinOneOverRootFanIn() {
        Sequential model = Sequential.builder(Shape.of(3, 8, 8))
                .conv2d(16, 3).relu().flatten().dense(50)
                .defaultInit(WeightInit.PYTORCH).seed(1).build();
        Layer conv = model.layers().get(0);
        Layer dense = model.layers().get(3);
        checkUniform(conv.parameters().get(0).value(), 1 / Math.sqrt(27));
        checkUniform(conv.parameters().get(1).value(), 1 / Math.sqrt(27));
        checkUniform(dense.parameters().get(0).value(), 1 / Math.sqrt(16 * 6 * 6));
        checkUniform(dense.parameters().get(1).value(), 1 / Math.sqrt(16 * 6 * 6));
        // the default stays He before ReLU with zero biases
        Sequential he = Sequential.builder(Shape.of(3, 8, 8)).conv2d(16, 3).relu().seed(1).build();
        assertThat(he.layers().get(0).parameters().get(1).value().toArray()).containsOnly(0f);
    }

    /** All values within +-bound, and spread like a uniform: none all equal, mean square near bound^2 / 3. */
    private static void checkUniform(Tensor t, double bound) {
        double squares = 0;
        for (float v : t.toArray()) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo((float) bound);
            squares += v * v;
        }
        double meanSquare = squares / t.size();
        double tolerance = t.size() >= 400 ? 0.15 : 0.5;
        assertThat(meanSquare).isCloseTo(bound * bound / 3, within(tolerance * bound * bound / 3));
    }
}
