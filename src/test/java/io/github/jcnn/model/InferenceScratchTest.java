package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.kernels.Scratch;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Inference reuses its large arrays from run to run (kernels.Scratch): a result handed to the caller is never written
 * again by a later run, and every run gives the numbers of a model that reuses nothing.
 */
class InferenceScratchTest {

    private static Tensor random(Shape shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) random.nextGaussian();
        }
        return t;
    }

    @Test
    void aResultIsNeverOverwrittenByTheNextRunAndRunsAgreeWithLayerByLayer() {
        // outputs of 16 x 64 x 64 floats (past the size Scratch keeps), ending in a convolution: the result itself
        // is an array the run took from the scratch; Flatten and Dropout (views of their input) on the way
        Sequential model = Sequential.builder(Shape.of(3, 64, 64))
                .conv2d(16, 3, 1, Padding.SAME).relu()
                .conv2d(16, 3, 1, Padding.SAME).relu().maxPool(2).maxPool(1)
                .conv2d(64, 3, 1, Padding.SAME)
                .seed(3)
                .build();
        Tensor x1 = random(Shape.of(1, 3, 64, 64), 1);
        Tensor x2 = random(Shape.of(1, 3, 64, 64), 2);
        Tensor y1 = model.predict(x1);
        float[] first = y1.toArray();
        for (int run = 0; run < 3; run++) {
            Tensor y2 = model.predict(x2);
            assertThat(y2.data()).isNotSameAs(y1.data());
            assertThat(y1.data()).as("the first result after run %d", run).containsExactly(first);
        }
        assertThat(model.predict(x1).data()).containsExactly(first);
        Tensor expected = x1;
        for (var layer : model.layers()) {
            expected = layer.forward(expected, false);
        }
        assertThat(first).containsExactly(expected.data());
    }

    /**
     * A layer that, like a convolution, takes an array from the scratch before it reads its input (and fills it):
     * if the input's array had been handed back while still in use, this is where it would be written over.
     */
    private static final class TakesScratchFirst implements Layer {
        private final Shape shape;

        TakesScratchFirst(Shape shape) {
            this.shape = shape;
        }

        @Override
        public String type() {
            return "TakesScratchFirst";
        }

        @Override
        public Shape inputShape() {
            return shape;
        }

        @Override
        public Shape outputShape() {
            return shape;
        }

        @Override
        public Tensor forward(Tensor input, boolean training) {
            float[] out = Scratch.exactly(input.size());
            java.util.Arrays.fill(out, 7f);
            float[] x = input.data();
            for (int i = 0; i < x.length; i++) {
                out[i] = x[i] * 2;
            }
            return Tensor.wrap(input.shape(), out);
        }

        @Override
        public Tensor backward(Tensor outputGradient) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void anOutputSeenThroughAViewIsNotHandedBackWhileTheViewIsInUse() {
        // Dropout passes its input on as it is in inference: the convolution's array must stay lent through it
        Sequential model = Sequential.builder(Shape.of(3, 64, 64))
                .conv2d(16, 3, 1, Padding.SAME).dropout(0.5)
                .add(TakesScratchFirst::new)
                .flatten().dense(10)
                .seed(4)
                .build();
        Tensor x = random(Shape.of(2, 3, 64, 64), 5);
        float[] first = model.predict(x).toArray();
        for (int run = 0; run < 3; run++) {
            assertThat(model.predict(x).data()).containsExactly(first);
        }
        Tensor expected = x;
        for (var layer : model.layers()) {
            expected = layer.forward(expected, false);
        }
        assertThat(first).containsExactly(expected.data());
    }

    /** Each image of the batch x alone through {@code layers}, outside any inference run: no chunks, no scratch. */
    private static float[] imageByImage(List<Layer> layers, Tensor x) {
        Shape one = x.shape().dropFirst().withBatch(1);
        int size = one.size();
        int images = x.shape().dim(0);
        float[] out = null;
        for (int n = 0; n < images; n++) {
            Tensor y = Tensor.wrap(one, Arrays.copyOfRange(x.data(), n * size, (n + 1) * size));
            for (Layer layer : layers) {
                y = layer.forward(y, false);
            }
            if (out == null) {
                out = new float[images * y.size()];
            }
            System.arraycopy(y.data(), 0, out, n * y.size(), y.size());
        }
        return out;
    }

    @Test
    void chunksReuseTheirArraysAndGiveEverySampleItsOwnNumbers() {
        // 37 images: chunks of 16, 16 and 5 (or 13, 12, 12), each chunk's activations 16 x 16 x 32 x 32 floats, past
        // the size Scratch keeps: every chunk after the first runs on the arrays of the one before
        Sequential model = Sequential.builder(Shape.of(3, 32, 32))
                .conv2d(16, 3, 1, Padding.SAME).relu().maxPool(2)
                .conv2d(16, 3, 1, Padding.SAME).relu()
                .flatten().dense(5)
                .seed(6)
                .build();
        Tensor x = random(Shape.of(37, 3, 32, 32), 7);
        float[] expected = imageByImage(model.layers(), x);
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                Tensor first = model.predict(x);
                assertThat(first.data()).as("%d threads", threads).containsExactly(expected);
                for (int run = 0; run < 2; run++) {
                    assertThat(model.predict(x).data()).as("%d threads, run %d", threads, run)
                            .containsExactly(expected);
                }
                assertThat(first.data()).as("%d threads, the first result after later runs", threads)
                        .containsExactly(expected);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void residualBlocksHandTheirArraysBackAndGiveTheNumbersOfLayerByLayer() {
        // the resnet of the benchmarks: inside each block, the layers' outputs and the two paths' sums come from the
        // scratch and go back to it while the block runs; the block's input, read by both paths, must not
        Sequential model = ResidualModelTest.resnet8(12);
        Tensor x = random(Shape.of(37, 3, 32, 32), 13);
        int size = 3 * 32 * 32;
        // the layers predict runs (the stem's batch norm folded into its convolution)
        float[] expected = imageByImage(Reordering.inferencePlan(model.layers()), x);
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                for (int run = 0; run < 2; run++) {
                    assertThat(model.predict(x).data()).as("%d threads, run %d", threads, run)
                            .containsExactly(expected);
                }
                Tensor one = Tensor.wrap(Shape.of(1, 3, 32, 32), Arrays.copyOfRange(x.data(), 5 * size, 6 * size));
                assertThat(model.predict(one).data()).as("image 5 alone, %d threads", threads)
                        .containsExactly(Arrays.copyOfRange(expected, 50, 60));
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
