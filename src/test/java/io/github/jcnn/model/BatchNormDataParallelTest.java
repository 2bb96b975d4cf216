package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.BatchNorm;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Batch normalization on the data-parallel path: the chunks' replicas use the whole batch's statistics (the same
 * numbers as the layers run on the whole batch), the result does not depend on the thread count, and a batch norm
 * inside a layer made of layers takes part too.
 */
class BatchNormDataParallelTest {

    /** A small VGG-like network: (conv 3x3 SAME without bias, BN, ReLU) x 2, max pool, dense. */
    private static Sequential vggLike(long seed) {
        return Sequential.builder(Shape.of(3, 8, 8))
                .conv2d(4, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                .conv2d(6, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                .maxPool(2)
                .flatten().dense(5)
                .seed(seed)
                .build();
    }

    private static Tensor images(Shape sample, int n, SplittableRandom random) {
        Tensor t = Tensor.zeros(sample.withBatch(n));
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) (0.5 + random.nextGaussian());
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

    /** Forward and backward of the whole batch through the model's own layers, one after another. */
    private static void wholeBatch(Sequential model, Tensor x, int[] y) {
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
    }

    private static void chunked(Sequential model, Tensor x, int[] y) {
        for (Parameter p : model.parameters()) {
            p.zeroGrad();
        }
        DataParallelStep.of(model.layers(), model.layers().size(), model.parameters()).orElseThrow()
                .run(x, y, new SoftmaxCrossEntropy());
    }

    /** Every parameter's gradient and every buffer (running statistics), in order. */
    private static List<float[]> state(Sequential model, boolean values) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            out.add(values ? p.value().toArray() : p.grad().toArray());
        }
        for (Layer layer : model.layers()) {
            for (Parameter b : layer.buffers()) {
                out.add(b.value().toArray());
            }
        }
        return out;
    }

    @Property(tries = 12)
    void theReplicasGiveTheWholeBatchsGradientsAndStatistics(@ForAll @IntRange(min = 2, max = 60) int n,
                                                             @ForAll @IntRange(min = 1, max = 3) int threads,
                                                             @ForAll @IntRange(min = 0, max = 1000) int seed) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            SplittableRandom random = new SplittableRandom(seed);
            Tensor x = images(Shape.of(3, 8, 8), n, random);
            int[] y = labels(n, random);
            Sequential a = vggLike(seed);
            Sequential b = vggLike(seed);
            wholeBatch(a, x, y);
            chunked(b, x, y);
            List<float[]> whole = state(a, false);
            List<float[]> split = state(b, false);
            for (int p = 0; p < whole.size(); p++) {
                for (int i = 0; i < whole.get(p).length; i++) {
                    float w = whole.get(p)[i];
                    assertThat(split.get(p)[i]).as("tensor %d element %d, batch %d", p, i, n)
                            .isCloseTo(w, within(1e-5f + 1e-4f * Math.abs(w)));
                }
            }
            // the running statistics come from the same chunk moments merged in the same order: the same bits
            int params = a.parameters().size();
            for (int p = params; p < whole.size(); p++) {
                assertThat(split.get(p)).as("buffer %d, batch %d", p - params, n).containsExactly(whole.get(p));
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * The same with 16 channels, whose second convolution trains by Winograd's F(4, 3) (it keeps its transformed
     * images from the forward pass for dL/dW): batches of changing size, as an epoch's last one, and back.
     */
    private static Sequential vggLikeWide(long seed) {
        return Sequential.builder(Shape.of(3, 8, 8))
                .conv2d(16, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                .conv2d(16, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                .maxPool(2)
                .flatten().dense(5)
                .seed(seed)
                .build();
    }

    @Test
    void trainingIsBitIdenticalOnOneTwoAndThreeThreads() {
        trainsBitIdenticallyOnOneTwoAndThreeThreads(false, new int[] {64, 64, 64, 37});   // 4 chunks, then 3 unequal
    }

    @Test
    void trainingByWinogradIsBitIdenticalOnOneTwoAndThreeThreadsWhateverTheBatchSizes() {
        trainsBitIdenticallyOnOneTwoAndThreeThreads(true, new int[] {64, 37, 64, 16, 64});
    }

    private static void trainsBitIdenticallyOnOneTwoAndThreeThreads(boolean wide, int[] batches) {
        int before = Parallel.threads();
        try {
            List<List<float[]>> results = new ArrayList<>();
            for (int t = 1; t <= 3; t++) {
                Parallel.setThreads(t);
                Sequential model = wide ? vggLikeWide(3) : vggLike(3);
                SplittableRandom random = new SplittableRandom(5);
                SGD sgd = new SGD(model.parameters(), SGD.config(0.05).momentum(0.9));
                for (int n : batches) {
                    model.trainBatch(images(Shape.of(3, 8, 8), n, random), labels(n, random), sgd);
                }
                results.add(state(model, true));
            }
            for (int t = 1; t < 3; t++) {
                for (int p = 0; p < results.get(0).size(); p++) {
                    assertThat(results.get(t).get(p)).as("tensor %d, %d threads", p, t + 1)
                            .containsExactly(results.get(0).get(p));
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aDivergingBatchStopsEveryChunkWithoutHanging() {
        int before = Parallel.threads();
        try {
            for (int t = 1; t <= 3; t++) {
                Parallel.setThreads(t);
                Sequential model = vggLike(2);
                SplittableRandom random = new SplittableRandom(1);
                Tensor x = images(Shape.of(3, 8, 8), 50, random);
                x.data()[40 * 3 * 64 + 5] = Float.NaN;   // one image of the last chunk (fit refuses such input;
                                                         // the step itself must still come out of its barriers)
                DataParallelStep step = DataParallelStep.of(model.layers(), model.layers().size(),
                        model.parameters()).orElseThrow();
                assertThat(step.run(x, labels(50, random), new SoftmaxCrossEntropy()).loss()).isNaN();
                // and the step still trains on good data afterwards
                Tensor good = images(Shape.of(3, 8, 8), 50, random);
                for (Parameter p : model.parameters()) {
                    p.zeroGrad();
                }
                assertThat(step.run(good, labels(50, random), new SoftmaxCrossEntropy()).loss()).isFinite();
                for (Parameter p : model.parameters()) {
                    assertThat(p.grad().isFinite()).isTrue();
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void fitTrainsAVggLikeNetworkOnTwoThreads() {
        io.github.jcnn.data.Dataset data = Synthetic.bars(96, 3);
        Sequential model = Sequential.builder(Shape.of(1, 8, 8))
                .conv2d(4, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                .maxPool(2).flatten().dense(3)
                .seed(1)
                .build();
        History h = model.fit(data, FitOptions.defaults().quiet().epochs(8).batchSize(32)
                .optimizer(SGD.config(0.1).momentum(0.9)));
        assertThat(h.epochs().get(h.epochs().size() - 1).trainAccuracy()).isGreaterThan(0.9);
    }

    /**
     * A layer made of layers (here conv then batch norm, run one after the other), replicated as Layer's javadoc
     * says: a replica of each inner layer with the same index. Its inner batch norm meets the other chunks' through
     * the step's lanes, and the result equals the same two layers side by side in the model.
     */
    private static final class Pair implements Layer {
        private final Layer first;
        private final Layer second;

        Pair(Layer first, Layer second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public String type() {
            return "Pair";
        }

        @Override
        public Shape inputShape() {
            return first.inputShape();
        }

        @Override
        public Shape outputShape() {
            return second.outputShape();
        }

        @Override
        public Tensor forward(Tensor input, boolean training) {
            return second.forward(first.forward(input, training), training);
        }

        @Override
        public Tensor backward(Tensor outputGradient) {
            return first.backward(second.backward(outputGradient));
        }

        @Override
        public List<Parameter> parameters() {
            List<Parameter> all = new ArrayList<>(first.parameters());
            all.addAll(second.parameters());
            return all;
        }

        @Override
        public List<Parameter> buffers() {
            return second.buffers();
        }

        @Override
        public Optional<Layer> replica(int index) {
            Optional<Layer> a = first.replica(index);
            Optional<Layer> b = second.replica(index);
            return a.isPresent() && b.isPresent() ? Optional.of(new Pair(a.get(), b.get())) : Optional.empty();
        }
    }

    @Test
    void aBatchNormInsideACompositeLayerUsesTheWholeBatch() {
        int before = Parallel.threads();
        try {
            List<float[]> reference = null;
            for (int t = 1; t <= 3; t++) {
                Parallel.setThreads(t);
                Sequential plain = vggLike(7);
                List<Layer> layers = plain.layers();
                // the constructor, not the builder: it would draw the layers' weights again
                Sequential composite = new Sequential(Shape.of(3, 8, 8), List.of(
                        new Pair(layers.get(0), layers.get(1)), layers.get(2),
                        new Pair(layers.get(3), layers.get(4)), layers.get(5),
                        layers.get(6), layers.get(7), layers.get(8)), 7);
                SplittableRandom random = new SplittableRandom(2);
                Tensor x = images(Shape.of(3, 8, 8), 50, random);
                int[] y = labels(50, random);
                chunked(composite, x, y);
                List<float[]> got = state(composite, false);
                Sequential again = vggLike(7);
                chunked(again, x, y);
                List<float[]> expected = new ArrayList<>();
                for (Parameter p : again.parameters()) {
                    expected.add(p.grad().toArray());
                }
                for (int p = 0; p < expected.size(); p++) {
                    assertThat(got.get(p)).as("gradient %d, %d threads", p, t).containsExactly(expected.get(p));
                }
                if (reference == null) {
                    reference = got;
                }
                for (int p = 0; p < got.size(); p++) {
                    assertThat(got.get(p)).as("tensor %d, %d threads against 1", p, t)
                            .containsExactly(reference.get(p));
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void theStepRunsBatchNormReplicasInLanes() {
        Sequential model = vggLike(1);
        Layer bn = model.layers().get(1);
        assertThat(bn).isInstanceOf(BatchNorm.class);
        assertThat(model.layers().get(0)).isInstanceOf(Conv2D.class);
        assertThat(DataParallelStep.of(model.layers(), model.layers().size(), model.parameters())).isPresent();
    }
}
