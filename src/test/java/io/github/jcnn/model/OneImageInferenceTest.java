package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * One large image (fewer images than threads): Conv2D shares out its column matrix's rows and its filters, Dense its
 * units, and the outputs are the same bits as on one thread and as in a batch.
 */
class OneImageInferenceTest {

    @Test
    void reluInPlaceNeverTouchesTheCallersInputOrAViewOfIt() {
        // Dropout returns its input in inference and Flatten a view of it: the ReLU after them must not write over
        // the caller's numbers; after Dense (a new tensor) it may, with the same result as layer by layer
        Sequential model = Sequential.builder(Shape.of(2, 3, 3))
                .dropout(0.5).flatten().relu().dense(4).relu()
                .seed(1)
                .build();
        float[] values = new float[2 * 2 * 3 * 3];
        SplittableRandom random = new SplittableRandom(4);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        Tensor input = Tensor.wrap(Shape.of(2, 2, 3, 3), values.clone());
        Tensor y = model.predict(input);
        assertThat(input.data()).containsExactly(values);
        Tensor expected = Tensor.wrap(Shape.of(2, 2, 3, 3), values.clone());
        for (var layer : model.layers()) {
            expected = layer.forward(expected, false);
        }
        assertThat(y.data()).containsExactly(expected.data());
    }

    @Test
    void oneImageGivesTheSameBitsOnOneTwoAndThreeThreadsAndInABatch() {
        Sequential model = Sequential.builder(Shape.of(3, 24, 24))
                .conv2d(8, 3, 1, Padding.SAME).relu()
                .conv2d(7, 3, 3, 1, Padding.SAME, false).batchNorm().relu().maxPool(2)
                .flatten().dense(33).relu().dense(5)
                .seed(5)
                .build();
        Tensor batch = Synthetic.images(Shape.of(3, 24, 24), 20, 3);
        assertEachImageAloneGivesItsRowOfTheBatch(model, batch, 2, 0, 7, 19);
    }

    @Test
    void winogradLayersGiveTheSameBitsAloneInAFewAndInAChunkedBatch() {
        // 16 channels and more, 3x3 SAME, stride 1: inference by F(4, 3) (a batch of 40 in chunks, the kernels
        // transformed once for the run; 6 images whole, transformed per call; one image, its tile rows shared out),
        // in a residual block's path too; 12x12 maps then 6x6, heights of 3 and 2 tile rows
        Sequential model = Sequential.builder(Shape.of(3, 12, 12))
                .conv2d(16, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                .conv2d(16, 3, 3, 1, Padding.SAME, false).batchNorm().relu().maxPool(2)
                .residual(b -> b.conv2d(24, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                        .conv2d(24, 3, 3, 1, Padding.SAME, false).batchNorm()).relu()
                .globalAvgPool().dense(5)
                .seed(6)
                .build();
        Tensor batch = Synthetic.images(Shape.of(3, 12, 12), 40, 7);
        assertEachImageAloneGivesItsRowOfTheBatch(model, batch, 2, 0, 17, 39);
        assertEachImageAloneGivesItsRowOfTheBatch(model, batch, 3, 5, 38);
        int in = 3 * 12 * 12;
        Tensor few = Tensor.wrap(Shape.of(6, 3, 12, 12), java.util.Arrays.copyOfRange(batch.data(), 0, 6 * in));
        float[] chunked = model.predict(batch).data();
        for (int t = 1; t <= 3; t++) {
            int before = Parallel.threads();
            try {
                Parallel.setThreads(t);
                assertThat(model.predict(few).data()).as("6 images whole on %d threads", t)
                        .containsExactly(java.util.Arrays.copyOfRange(chunked, 0, 6 * 5));
            } finally {
                Parallel.setThreads(before);
            }
        }
    }

    @Test
    void aLargeImageSharedOutByRowsGivesTheBitsOfABatch() {
        // 64 x 64: 4,222 wide columns for a 3x3 SAME convolution, enough to share one image out by output rows on 2
        // and 3 threads (PaddedWidePlan.SHARED_COLUMNS per thread), each thread's columns multiplied in blocks of
        // 512 that start and end inside output rows; with a bias, and with a batch norm folded into one
        Sequential model = Sequential.builder(Shape.of(3, 64, 64))
                .conv2d(8, 3, 1, Padding.SAME).relu()
                .conv2d(9, 3, 3, 1, Padding.SAME, false).batchNorm().relu().maxPool(4)
                .flatten().dense(5)
                .seed(8)
                .build();
        Tensor batch = Synthetic.images(Shape.of(3, 64, 64), 5, 9);
        // the batch on one thread, five images: each product over the whole image
        assertEachImageAloneGivesItsRowOfTheBatch(model, batch, 1, 0, 4);
    }

    /**
     * The batch predicted on {@code batchThreads} threads, then each of the {@code images} alone on 1, 2 and 3
     * threads: the same bits as its row of the batch.
     */
    private static void assertEachImageAloneGivesItsRowOfTheBatch(Sequential model, Tensor batch, int batchThreads,
                                                                  int... images) {
        Shape image = batch.shape().dropFirst();
        int in = image.size();
        int before = Parallel.threads();
        try {
            Parallel.setThreads(batchThreads);
            Tensor all = model.predict(batch);
            int out = all.size() / batch.shape().dim(0);
            for (int t = 1; t <= 3; t++) {
                Parallel.setThreads(t);
                for (int n : images) {
                    float[] one = new float[in];
                    System.arraycopy(batch.data(), n * in, one, 0, in);
                    Tensor y = model.predict(Tensor.wrap(image.withBatch(1), one));
                    float[] expected = new float[out];
                    System.arraycopy(all.data(), n * out, expected, 0, out);
                    assertThat(y.data()).as("image %d on %d threads", n, t).containsExactly(expected);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
