package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.layers.BatchNorm;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.Residual;
import io.github.jcnn.layers.WeightInit;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Inference folds each batch norm into the convolution before it: the same outputs, the model unchanged. */
class BatchNormFoldingTest {

    private static Tensor random(Shape shape, SplittableRandom random, double offset) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) (offset + random.nextGaussian());
        }
        return t;
    }

    /** BN with random gamma, beta and running statistics (as after training). */
    private static BatchNorm trainedNorm(Shape in, SplittableRandom random) {
        BatchNorm norm = new BatchNorm(in, 0.1, 1e-5);
        int c = norm.channels();
        norm.parameters().get(0).value().copyFromInPlace(random(Shape.of(c), random, 0.8));
        norm.parameters().get(1).value().copyFromInPlace(random(Shape.of(c), random, 0));
        norm.buffers().get(0).value().copyFromInPlace(random(Shape.of(c), random, 0.3));
        Tensor var = random(Shape.of(c), random, 0);
        for (int i = 0; i < c; i++) {
            var.data()[i] = 0.05f + Math.abs(var.data()[i]);
        }
        norm.buffers().get(1).value().copyFromInPlace(var);
        return norm;
    }

    @Property(tries = 60)
    void aFoldedConvolutionEqualsConvolutionThenBatchNorm(@ForAll @IntRange(min = 1, max = 3) int batch,
                                                         @ForAll @IntRange(min = 1, max = 4) int channels,
                                                         @ForAll @IntRange(min = 1, max = 5) int filters,
                                                         @ForAll @IntRange(min = 1, max = 3) int kernel,
                                                         @ForAll @IntRange(min = 1, max = 2) int stride,
                                                         @ForAll boolean same,
                                                         @ForAll boolean bias,
                                                         @ForAll @IntRange(min = 0, max = 10_000) int seed) {
        Padding padding = same && kernel % 2 == 1 ? Padding.SAME : Padding.VALID;
        Shape in = Shape.of(channels, 7, 6);
        Conv2D conv = new Conv2D(in, filters, kernel, kernel, stride, padding, bias);
        SplittableRandom random = new SplittableRandom(seed);
        conv.initialize(WeightInit.HE, random);
        if (bias) {
            conv.parameters().get(1).value().copyFromInPlace(random(Shape.of(filters), random, 0));
        }
        BatchNorm norm = trainedNorm(conv.outputShape(), random);
        float[] weightsBefore = conv.parameters().get(0).value().toArray();
        Tensor x = random(in.withBatch(batch), random, 0);
        Tensor expected = norm.forward(conv.forward(x, false), false);
        Tensor got = norm.foldInto(conv).forward(x, false);
        assertThat(got.shape()).isEqualTo(expected.shape());
        for (int i = 0; i < got.size(); i++) {
            float e = expected.data()[i];
            assertThat(got.data()[i]).as("element %d", i).isCloseTo(e, within(1e-4f + 1e-4f * Math.abs(e)));
        }
        assertThat(conv.parameters().get(0).value().toArray()).containsExactly(weightsBefore);
    }

    /**
     * Inside residual blocks too: the body's pairs and the projection shortcut's (conv 1x1 stride 2, batch norm) are
     * folded, the model's own blocks keep their layers, and predict gives the unfolded numbers after training steps
     * that moved the batch norms' running statistics.
     */
    @Test
    void residualBlocksAreFoldedInsideToo() {
        Sequential model = Sequential.builder(Shape.of(3, 8, 8))
                .conv2d(4, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                .residual(b -> b.conv2d(4, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                        .conv2d(4, 3, 3, 1, Padding.SAME, false).batchNorm()).relu()
                .residual(b -> b.conv2d(6, 3, 3, 2, Padding.SAME, false).batchNorm().relu()
                        .conv2d(6, 3, 3, 1, Padding.SAME, false).batchNorm()).relu()
                .globalAvgPool().dense(5)
                .seed(5)
                .build();
        List<Layer> layers = model.layers();
        List<Layer> plan = Reordering.inferencePlan(layers);
        assertThat(plan).extracting(Layer::type)
                .containsExactly("Conv2D", "ReLU", "Residual", "ReLU", "Residual", "ReLU", "GlobalAvgPool2D", "Dense");
        for (Layer layer : plan) {
            if (layer instanceof Residual block) {
                assertThat(block.body()).extracting(Layer::type).containsExactly("Conv2D", "ReLU", "Conv2D");
                assertThat(block.shortcut()).extracting(Layer::type).doesNotContain("BatchNorm");
            }
        }
        Residual projected = (Residual) layers.get(5);
        assertThat(projected.shortcut()).extracting(Layer::type).containsExactly("Conv2D", "BatchNorm");
        assertThat(projected.body()).extracting(Layer::type).contains("BatchNorm");
        predictFollowsTraining(model, new SplittableRandom(6));
    }

    /**
     * Three training steps on one random batch of 40 (3, 8, 8) images; after each, predict (folded) equals the
     * model's own layers run one by one in inference mode (unfolded) within float rounding: the fold follows the new
     * weights and running statistics. Returns the batch.
     */
    private static Tensor predictFollowsTraining(Sequential model, SplittableRandom random) {
        SGD sgd = new SGD(model.parameters(), SGD.config(0.1).momentum(0.9));
        Tensor x = random(Shape.of(40, 3, 8, 8), random, 0.5);
        for (int step = 0; step < 3; step++) {
            model.trainBatch(x, new int[40], sgd);
            Tensor unfolded = x;
            for (Layer layer : model.layers()) {
                unfolded = layer.forward(unfolded, false);
            }
            Tensor folded = model.predict(x);
            for (int i = 0; i < folded.size(); i++) {
                float e = unfolded.data()[i];
                assertThat(folded.data()[i]).as("step %d, element %d", step, i)
                        .isCloseTo(e, within(1e-4f + 1e-4f * Math.abs(e)));
            }
        }
        return x;
    }

    @Test
    void foldingRefusesAConvolutionOfAnotherShape() {
        Conv2D conv = new Conv2D(Shape.of(3, 8, 8), 4, 3);
        BatchNorm norm = new BatchNorm(Shape.of(5, 6, 6));
        assertThatThrownBy(() -> norm.foldInto(conv)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(4, 6, 6)").hasMessageContaining("(5, 6, 6)");
    }

    @Test
    void predictFoldsButTheModelKeepsItsLayersAndFollowsTraining() {
        Sequential model = Sequential.builder(Shape.of(3, 8, 8))
                .conv2d(4, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                .conv2d(6, 3, 3, 1, Padding.SAME, false).batchNorm().relu().maxPool(2)
                .flatten().dense(5)
                .seed(3)
                .build();
        List<Layer> layers = model.layers();
        List<Layer> plan = Reordering.inferencePlan(layers);
        assertThat(plan).extracting(Layer::type)
                .containsExactly("Conv2D", "ReLU", "Conv2D", "MaxPool2D", "ReLU", "Flatten", "Dense");
        assertThat(model.layers()).extracting(Layer::type).containsExactly("Conv2D", "BatchNorm", "ReLU", "Conv2D",
                "BatchNorm", "ReLU", "MaxPool2D", "Flatten", "Dense");
        Tensor x = predictFollowsTraining(model, new SplittableRandom(4));
        // a depth that cuts a (conv, batch norm) pair keeps the convolution alone
        Tensor conv = model.activations(x, 1);
        Tensor expected = layers.get(0).forward(x, false);
        assertThat(conv.data()).containsExactly(expected.data());
    }
}
