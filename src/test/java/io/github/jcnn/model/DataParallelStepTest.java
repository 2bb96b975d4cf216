package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.MaxPool2D;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.layers.ReLU;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The data-parallel training step: the chunks' summed gradients equal the whole batch's, the result does not depend
 * on the thread count, the ReLU / max-pool swap changes nothing, and models that cannot be split still train.
 */
class DataParallelStepTest {

    private static Sequential lenetLike(long seed) {
        return Sequential.builder(Shape.of(3, 16, 16))
                .conv2d(4, 3).relu().maxPool(2)
                .conv2d(6, 3).relu().maxPool(2)
                .flatten()
                .dense(12).relu()
                .dense(5)
                .seed(seed)
                .build();
    }

    private static Tensor images(int n, SplittableRandom random) {
        Tensor t = Tensor.zeros(Shape.of(n, 3, 16, 16));
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) random.nextGaussian();
        }
        return t;
    }

    private static int[] labels(int n, SplittableRandom random) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(5);
        }
        return y;
    }

    /** dL/dW of the whole batch, layer by layer (no chunks), as the reference. */
    private static float[][] wholeBatchGradients(Sequential model, Tensor x, int[] y) {
        for (Parameter p : model.parameters()) {
            p.zeroGrad();
        }
        List<Layer> layers = model.layers();
        Tensor out = x;
        for (Layer layer : layers) {
            out = layer.forward(out, true);
        }
        Tensor dy = new SoftmaxCrossEntropy().gradient(out, y);
        for (int i = layers.size() - 1; i >= 0; i--) {
            dy = layers.get(i).backward(dy);
        }
        return grads(model);
    }

    private static float[][] chunkedGradients(Sequential model, Tensor x, int[] y) {
        for (Parameter p : model.parameters()) {
            p.zeroGrad();
        }
        DataParallelStep step = DataParallelStep.of(model.layers(), model.layers().size(), model.parameters())
                .orElseThrow();
        step.run(x, y, new SoftmaxCrossEntropy());
        return grads(model);
    }

    private static float[][] grads(Sequential model) {
        List<Parameter> ps = model.parameters();
        float[][] out = new float[ps.size()][];
        for (int i = 0; i < ps.size(); i++) {
            out[i] = ps.get(i).grad().toArray();
        }
        return out;
    }

    @Property(tries = 25)
    void theChunksAddUpToTheWholeBatchsGradient(@ForAll @IntRange(min = 1, max = 70) int n,
                                                @ForAll @IntRange(min = 0, max = 10_000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Sequential model = lenetLike(seed);
        Tensor x = images(n, random);
        int[] y = labels(n, random);
        float[][] whole = wholeBatchGradients(model, x, y);
        float[][] chunked = chunkedGradients(model, x, y);
        for (int p = 0; p < whole.length; p++) {
            for (int i = 0; i < whole[p].length; i++) {
                double tolerance = 1e-5 + 1e-4 * Math.abs(whole[p][i]);
                assertThat((double) chunked[p][i]).as("parameter %d element %d, batch %d", p, i, n)
                        .isCloseTo(whole[p][i], org.assertj.core.data.Offset.offset(tolerance));
            }
        }
    }

    @Test
    void theStepGivesTheSameBitsOnOneTwoAndThreeThreads() {
        int threads = Parallel.threads();
        try {
            float[][][] results = new float[3][][];
            for (int t = 1; t <= 3; t++) {
                Parallel.setThreads(t);
                SplittableRandom random = new SplittableRandom(9);
                Sequential model = lenetLike(4);
                results[t - 1] = chunkedGradients(model, images(53, random), labels(53, random));
            }
            for (int p = 0; p < results[0].length; p++) {
                assertThat(results[1][p]).as("parameter %d, 2 threads", p).containsExactly(results[0][p]);
                assertThat(results[2][p]).as("parameter %d, 3 threads", p).containsExactly(results[0][p]);
            }
        } finally {
            Parallel.setThreads(threads);
        }
    }

    @Property(tries = 200)
    void maxPoolThenReluEqualsReluThenMaxPoolBitForBit(@ForAll @IntRange(min = 1, max = 3) int n,
                                                       @ForAll @IntRange(min = 1, max = 3) int channels,
                                                       @ForAll @IntRange(min = 2, max = 9) int size,
                                                       @ForAll @IntRange(min = 1, max = 3) int pool,
                                                       @ForAll @IntRange(min = 1, max = 3) int stride,
                                                       @ForAll @IntRange(min = 0, max = 10_000) int seed) {
        if (pool > size) {
            return;
        }
        SplittableRandom random = new SplittableRandom(seed);
        Shape shape = Shape.of(channels, size, size);
        Tensor x = Tensor.zeros(shape.withBatch(n));
        for (int i = 0; i < x.size(); i++) {
            // few distinct values, many zeros and negative numbers: ties everywhere
            x.data()[i] = random.nextInt(5) - 3;
        }
        List<Layer> plain = List.of(new ReLU(shape), new MaxPool2D(shape, pool, stride));
        List<Layer> swapped = Reordering.poolBeforeRelu(plain);
        assertThat(swapped.get(0)).isInstanceOf(MaxPool2D.class);
        assertThat(swapped.get(1)).isInstanceOf(ReLU.class);
        Tensor a = x;
        Tensor b = x;
        for (int i = 0; i < 2; i++) {
            a = plain.get(i).forward(a, true);
            b = swapped.get(i).forward(b, true);
        }
        assertThat(b.shape()).isEqualTo(a.shape());
        assertThat(b.data()).containsExactly(a.data());
        Tensor dy = Tensor.zeros(a.shape());
        for (int i = 0; i < dy.size(); i++) {
            dy.data()[i] = (float) random.nextGaussian();
        }
        Tensor da = dy;
        Tensor db = dy;
        for (int i = 1; i >= 0; i--) {
            da = plain.get(i).backward(da);
            db = swapped.get(i).backward(db);
        }
        assertThat(db.data()).containsExactly(da.data());
    }

    @Test
    void aModelWithBatchNormIsSplitAndTrains() {
        Sequential model = Sequential.builder(Shape.of(3, 16, 16))
                .conv2d(4, 3).batchNorm().relu().maxPool(2)
                .flatten().dense(5)
                .seed(2)
                .build();
        assertThat(DataParallelStep.of(model.layers(), model.layers().size(), model.parameters())).isPresent();
        SplittableRandom random = new SplittableRandom(1);
        Tensor x = images(20, random);
        int[] y = labels(20, random);
        SGD sgd = new SGD(model.parameters(), SGD.config(0.05));
        double first = model.trainBatch(x, y, sgd);
        double last = first;
        for (int i = 0; i < 30; i++) {
            last = model.trainBatch(x, y, sgd);
        }
        assertThat(last).isLessThan(first * 0.5);
    }

    @Test
    void parallelInferenceEqualsOneSampleAtATime() {
        Sequential model = lenetLike(6);
        Tensor x = images(75, new SplittableRandom(3));
        Tensor all = model.predict(x);
        int in = x.size() / 75;
        int out = all.size() / 75;
        for (int n = 0; n < 75; n++) {
            float[] one = new float[in];
            System.arraycopy(x.data(), n * in, one, 0, in);
            Tensor single = model.predict(Tensor.wrap(Shape.of(1, 3, 16, 16), one));
            float[] expected = single.data();
            float[] got = new float[out];
            System.arraycopy(all.data(), n * out, got, 0, out);
            assertThat(got).as("sample %d", n).containsExactly(expected);
        }
    }

    @Test
    void trainBatchTakesExactlyTheStepFitTakes() {
        io.github.jcnn.data.Dataset data = Synthetic.bars(40, 3);
        Sequential viaFit = Synthetic.smallCnn(8);
        viaFit.fit(data, FitOptions.defaults().quiet().epochs(1).batchSize(40).shuffle(false)
                .optimizer(SGD.config(0.1).momentum(0.9)));
        Sequential viaBatch = Synthetic.smallCnn(8);
        Tensor x = Tensor.zeros(Shape.of(40, 1, 8, 8));
        int[] y = new int[40];
        for (int i = 0; i < 40; i++) {
            data.copySample(i, x.data(), i * 64);
            y[i] = data.label(i);
        }
        viaBatch.trainBatch(x, y, new SGD(viaBatch.parameters(), SGD.config(0.1).momentum(0.9)));
        for (int p = 0; p < viaFit.parameters().size(); p++) {
            assertThat(viaBatch.parameters().get(p).value().data()).as("parameter %d", p)
                    .containsExactly(viaFit.parameters().get(p).value().data());
        }
    }

    @Test
    void trainBatchRefusesMismatchedLabelsAndForeignOptimizers() {
        Sequential model = lenetLike(1);
        Tensor x = images(4, new SplittableRandom(1));
        SGD sgd = new SGD(model.parameters(), SGD.config(0.1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> model.trainBatch(x, new int[3], sgd))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 images but 3 labels");
        SGD other = new SGD(lenetLike(2).parameters(), SGD.config(0.1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> model.trainBatch(x, new int[4], other))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not over this model's parameters");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> model.trainBatch(Tensor.zeros(Shape.of(4, 3, 8, 8)),
                        new int[4], sgd))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(N, 3, 16, 16)");
    }

    @Test
    void aModelWithDropoutTrainsToTheSameBitsOnOneAndTwoThreads() {
        int threads = Parallel.threads();
        try {
            float[][][] results = new float[2][][];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                Sequential model = Sequential.builder(Shape.of(3, 16, 16))
                        .conv2d(4, 3).relu().maxPool(2)
                        .flatten().dropout(0.3).dense(5)
                        .seed(12)
                        .build();
                SplittableRandom random = new SplittableRandom(4);
                SGD sgd = new SGD(model.parameters(), SGD.config(0.05).momentum(0.9));
                for (int step = 0; step < 5; step++) {
                    model.trainBatch(images(50, random), labels(50, random), sgd);
                }
                results[t - 1] = grads(model);
                for (int p = 0; p < model.parameters().size(); p++) {
                    results[t - 1][p] = model.parameters().get(p).value().toArray();
                }
            }
            for (int p = 0; p < results[0].length; p++) {
                assertThat(results[1][p]).as("parameter %d", p).containsExactly(results[0][p]);
            }
        } finally {
            Parallel.setThreads(threads);
        }
    }
}
