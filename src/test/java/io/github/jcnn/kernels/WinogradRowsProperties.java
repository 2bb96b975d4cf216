package io.github.jcnn.kernels;

import static io.github.jcnn.kernels.RandomArrays.absolute;
import static io.github.jcnn.kernels.RandomArrays.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@link WinogradRows}, Winograd's F(2, 3) down the columns, against the lecture's convolution written plainly
 * ({@link ConvReference}): the same sums within float rounding, on random shapes (odd and even heights, widths of
 * one column up), and the same bits for any thread count, block size and batch.
 */
class WinogradRowsProperties {

    private static float[] forward(WinogradRows plan, float[] x, int n, float[] w, float[] b, int size) {
        float[] y = new float[size];
        Arrays.fill(y, Float.NaN);                      // every number must be written
        plan.forward(x, n, w, b, y);
        return y;
    }

    @Property(tries = 200)
    void computesTheReferenceSumsWithinRounding(@ForAll @IntRange(min = 1, max = 3) int n,
                                                @ForAll @IntRange(min = 1, max = 20) int c,
                                                @ForAll @IntRange(min = 1, max = 12) int f,
                                                @ForAll @IntRange(min = 1, max = 13) int h,
                                                @ForAll @IntRange(min = 1, max = 40) int w,
                                                @ForAll @IntRange(min = 1, max = 4) int block,
                                                @ForAll boolean bias,
                                                @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor x = Tensor.of(Shape.of(n, c, h, w), random(n * c * h * w, random));
        Tensor weight = Tensor.of(Shape.of(f, c, 3, 3), random(f * c * 9, random));
        Tensor b = bias ? Tensor.of(Shape.of(f), random(f, random)) : null;
        float[] y = forward(new WinogradRows(c, h, w, f, block), x.data(), n, weight.data(), bias ? b.data() : null,
                n * f * h * w);
        float[] expected = ConvReference.forward(x, weight, b, 1, 1, 1).data();
        // the error is rounding, relative to the size of the terms summed: the convolution of |x| by |w| (+ |b|)
        float[] scale = ConvReference.forward(Tensor.of(x.shape(), absolute(x.data())),
                Tensor.of(weight.shape(), absolute(weight.data())),
                bias ? Tensor.of(b.shape(), absolute(b.data())) : null, 1, 1, 1).data();
        for (int i = 0; i < y.length; i++) {
            assertThat(y[i]).as("output %d of %dx%dx%d, %d filters", i, c, h, w, f)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(2e-6f * (1 + scale[i])));
        }
    }

    @Property(tries = 60)
    void theBitsDoNotDependOnThreadsBlocksOrBatch(@ForAll @IntRange(min = 1, max = 3) int n,
                                                  @ForAll @IntRange(min = 1, max = 12) int c,
                                                  @ForAll @IntRange(min = 1, max = 10) int f,
                                                  @ForAll @IntRange(min = 1, max = 30) int h,
                                                  @ForAll @IntRange(min = 1, max = 40) int w,
                                                  @ForAll @IntRange(min = 1, max = 5) int block,
                                                  @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = random(n * c * h * w, random);
        float[] weight = random(f * c * 9, random);
        float[] b = random(f, random);
        int size = n * f * h * w;
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] one = forward(new WinogradRows(c, h, w, f), x, n, weight, b, size);
            for (int threads = 2; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                assertThat(forward(new WinogradRows(c, h, w, f), x, n, weight, b, size))
                        .as("%d threads", threads).containsExactly(one);
            }
            assertThat(forward(new WinogradRows(c, h, w, f, block), x, n, weight, b, size))
                    .as("%d tile rows a block", block).containsExactly(one);
            // called from inside a task (two at once, as inference chunks are run): all on the calling thread
            Parallel.setThreads(2);
            float[][] inside = new float[2][];
            Parallel.forRange(2, (part, from, to) ->
                    inside[part] = forward(new WinogradRows(c, h, w, f, block), x, n, weight, b, size));
            assertThat(inside[0]).as("inside a task").containsExactly(one);
            assertThat(inside[1]).as("inside a task on the pool").containsExactly(one);
            // each image alone gives its numbers in the batch
            int image = c * h * w;
            int output = f * h * w;
            for (int k = 0; k < n; k++) {
                float[] alone = forward(new WinogradRows(c, h, w, f), Arrays.copyOfRange(x, k * image,
                        (k + 1) * image), 1, weight, b, output);
                assertThat(alone).as("image %d alone", k)
                        .containsExactly(Arrays.copyOfRange(one, k * output, (k + 1) * output));
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Property(tries = 25)
    void largerMapsSharedOutByTileRowsGiveTheSameBitsAndTheReferenceSums(
            @ForAll @IntRange(min = 1, max = 5) int c, @ForAll @IntRange(min = 1, max = 19) int f,
            @ForAll @IntRange(min = 40, max = 75) int h, @ForAll @IntRange(min = 24, max = 45) int w,
            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        // at least 1,024 wide columns: shared out by tile rows on 2 threads too (smaller maps go by filters)
        SplittableRandom random = new SplittableRandom(seed);
        Tensor x = Tensor.of(Shape.of(1, c, h, w), random(c * h * w, random));
        Tensor weight = Tensor.of(Shape.of(f, c, 3, 3), random(f * c * 9, random));
        Tensor b = Tensor.of(Shape.of(f), random(f, random));
        int size = f * h * w;
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] one = forward(new WinogradRows(c, h, w, f), x.data(), 1, weight.data(), b.data(), size);
            float[] expected = ConvReference.forward(x, weight, b, 1, 1, 1).data();
            for (int i = 0; i < size; i++) {
                assertThat(one[i]).as("output %d", i)
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(2e-6f * (1 + 9 * c)));
            }
            for (int threads = 2; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                float[] shared = forward(new WinogradRows(c, h, w, f), x.data(), 1, weight.data(), b.data(), size);
                assertThat(Arrays.mismatch(shared, one)).as("first output that differs, %d threads", threads)
                        .isEqualTo(-1);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Property(tries = 100)
    void theVectorRowTransformsGiveTheBitsOfTheLoops(@ForAll @IntRange(min = 1, max = 70) int width,
                                                    @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] a = random(4 * width + 3, random);
        float[] t = new float[4 * width];
        float[] expected = new float[4 * width];
        WinogradRows.inputRow(a, 0, a, width, a, 2 * width + 1, a, 3 * width + 3, t, 0, width, 2 * width,
                3 * width, width);
        for (int j = 0; j < width; j++) {
            float d0 = a[j];
            float d1 = a[width + j];
            float d2 = a[2 * width + 1 + j];
            float d3 = a[3 * width + 3 + j];
            expected[j] = d0 - d2;
            expected[width + j] = d1 + d2;
            expected[2 * width + j] = d2 - d1;
            expected[3 * width + j] = d1 - d3;
        }
        assertThat(t).as("input rows").containsExactly(expected);

        float[] m = random(4 * width + 1, random);
        float bias = (float) random.nextDouble();
        float[] y = new float[2 * width];
        float[] want = new float[2 * width];
        WinogradRows.outputRows(m, 1, width + 1, 2 * width + 1, 3 * width + 1, bias, y, 0, width, width);
        for (int j = 0; j < width; j++) {
            want[j] = m[1 + j] + m[width + 1 + j] + m[2 * width + 1 + j] + bias;
            want[width + j] = m[width + 1 + j] - m[2 * width + 1 + j] - m[3 * width + 1 + j] + bias;
        }
        assertThat(y).as("output rows").containsExactly(want);
        float[] only = new float[2 * width];
        WinogradRows.outputRows(m, 1, width + 1, 2 * width + 1, 3 * width + 1, bias, only, 0, -1, width);
        assertThat(Arrays.copyOfRange(only, 0, width)).as("first output row alone")
                .containsExactly(Arrays.copyOfRange(want, 0, width));
        assertThat(Arrays.copyOfRange(only, width, 2 * width)).as("no second row").containsOnly(0f);
    }

    @Test
    void numbersLeftInTheScratchNeverReachTheOutput() {
        // 3 tile rows on 2 threads, blocks of 3: each thread's first block is short, and its buffers come from a
        // scratch full of NaNs (arrays this large are reused); a border it failed to write would show as a NaN
        SplittableRandom random = new SplittableRandom(11);
        int c = 16;
        int f = 9;
        int h = 6;
        int w = 60;
        Tensor x = Tensor.of(Shape.of(1, c, h, w), random(c * h * w, random));
        Tensor weight = Tensor.of(Shape.of(f, c, 3, 3), random(f * c * 9, random));
        float[] expected = ConvReference.forward(x, weight, null, 1, 1, 1).data();
        int before = Parallel.threads();
        Scratch scratch = Scratch.open();
        try {
            Parallel.setThreads(2);
            float[][] dirty = new float[12][];
            for (int i = 0; i < dirty.length; i++) {
                dirty[i] = Scratch.atLeast(60_000);
                Arrays.fill(dirty[i], Float.NaN);
            }
            for (float[] array : dirty) {
                Scratch.give(array);
            }
            float[] y = forward(new WinogradRows(c, h, w, f, 3), x.data(), 1, weight.data(), null, f * h * w);
            for (int i = 0; i < y.length; i++) {
                assertThat(y[i]).as("output %d", i)
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
        } finally {
            scratch.close();
            Parallel.setThreads(before);
        }
    }

    @Test
    void onePairOfRowsByHand() {
        // one channel, a column of two pixels a = 4, b = 5; with one column, only the kernel's middle column
        // (g0, g1, g2) = (1, 2, 3) meets the image. The padded column is d = (0, 4, 5, 0), and
        //   m0 = g0 (d0 - d2) = -5    m1 = (g0 + g1 + g2)/2 (d1 + d2) = 27    m2 = (g0 - g1 + g2)/2 (d2 - d1) = 1
        //   m3 = g2 (d1 - d3) = 12    y0 = m0 + m1 + m2 = 23 = 2*4 + 3*5    y1 = m1 - m2 - m3 = 14 = 1*4 + 2*5
        float[] w = {9, 1, 9, 9, 2, 9, 9, 3, 9};        // the 9s fall on the zero padding
        float[] y = forward(new WinogradRows(1, 2, 1, 1), new float[] {4, 5}, 1, w, null, 2);
        assertThat(y).containsExactly(23f, 14f);
    }

    @Test
    void theLecturesEdgeImageGivesRowsOfZeroThirtyThirtyZero() {
        // the 6x6 image, 10s on the left half and 0s on the right, and the vertical edge detector: with padding 1
        // the inner 4x4 of the output is the lecture's valid result, rows of 0 30 30 0 (exact: the halves of 3 and
        // -3, times sums of 10s, are exact in float)
        float[] x = new float[36];
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 3; j++) {
                x[i * 6 + j] = 10;
            }
        }
        float[] w = {1, 0, -1, 1, 0, -1, 1, 0, -1};
        float[] y = forward(new WinogradRows(1, 6, 6, 1), x, 1, w, null, 36);
        for (int i = 1; i <= 4; i++) {
            assertThat(Arrays.copyOfRange(y, i * 6 + 1, i * 6 + 5)).as("row %d", i).containsExactly(0f, 30f, 30f, 0f);
        }
    }

    @Test
    void severalThreadsMayRunOnePlanAtOnce() throws Exception {
        // inference writes no field: applications' threads predicting at once through one model get the same bits,
        // on a map shared out by tile rows (64x40) and on one shared out by filters (12x12)
        for (int[] shape : new int[][] {{3, 64, 40, 5}, {8, 12, 12, 24}}) {
            int c = shape[0];
            int h = shape[1];
            int w = shape[2];
            int f = shape[3];
            SplittableRandom random = new SplittableRandom(5);
            float[] x = random(c * h * w, random);
            float[] weight = random(f * c * 9, random);
            float[] b = random(f, random);
            WinogradRows plan = new WinogradRows(c, h, w, f);
            float[] alone = forward(plan, x, 1, weight, b, f * h * w);
            java.util.concurrent.ExecutorService apps = java.util.concurrent.Executors.newFixedThreadPool(3);
            try {
                java.util.List<java.util.concurrent.Future<float[]>> results = new java.util.ArrayList<>();
                for (int t = 0; t < 12; t++) {
                    results.add(apps.submit(() -> forward(plan, x, 1, weight, b, f * h * w)));
                }
                for (java.util.concurrent.Future<float[]> result : results) {
                    assertThat(Arrays.mismatch(result.get(), alone)).as("first output that differs, %dx%d", h, w)
                            .isEqualTo(-1);
                }
            } finally {
                apps.shutdown();
            }
        }
    }

    @Test
    void blocksAreChosenToFillTheProductsPanels() {
        // 224 columns: one tile row, 224 wide columns, 7 panels of 32 exactly; 56 columns: 9 rows, 512 columns
        assertThat(WinogradRows.blockRows(112, 224, 32)).isEqualTo(1);
        assertThat(WinogradRows.blockRows(28, 56, 32)).isEqualTo(9);
        assertThat(WinogradRows.blockRows(3, 56, 32)).isEqualTo(3);
        assertThat(WinogradRows.blockRows(1, 1000, 32)).isEqualTo(1);
    }

    @Test
    void convPlanUsesItOnlyForInferenceOfLargeLayers() {
        SplittableRandom random = new SplittableRandom(7);
        int c = 128;
        int f = 256;
        int h = 56;                                     // 128 x 256 x 56 x 56: about 2^26.6
        float[] x = random(c * h * h, random);
        float[] w = random(f * c * 9, random);
        float[] b = random(f, random);
        ConvPlan plan = ConvPlan.of(c, h, h, f, 3, 3, 1, 1, 1);
        assertThat(plan.toString()).contains("inference: Winograd F(2, 3)");
        float[] inference = new float[f * h * h];
        plan.forward(x, 1, w, b, inference, false);
        // (compared by Arrays.mismatch: AssertJ's containsExactly is quadratic in the length)
        float[] direct = forward(new WinogradRows(c, h, h, f), x, 1, w, b, f * h * h);
        assertThat(Arrays.mismatch(inference, direct)).as("first output that differs").isEqualTo(-1);
        // training takes F(4, 3) (WinogradColumns4): other sums, so not the same bits (the rounding differs somewhere
        // in 802,816 outputs)
        float[] training = new float[f * h * h];
        plan.forward(x, 1, w, b, training, true);
        assertThat(Arrays.mismatch(training, inference)).as("first output that differs").isNotEqualTo(-1);
        // VGG-16's 28x28 layers go this way, its 14x14 ones and its first (3 channels) do not
        assertThat(ConvPlan.of(256, 28, 28, 512, 3, 3, 1, 1, 1).toString()).contains("inference: Winograd F(2, 3)");
        assertThat(ConvPlan.of(512, 14, 14, 512, 3, 3, 1, 1, 1).toString()).doesNotContain("F(2, 3)");
        assertThat(ConvPlan.of(3, 224, 224, 64, 3, 3, 1, 1, 1).toString()).doesNotContain("F(2, 3)");
        // nor do the CIFAR networks' layers: 32x32 maps of 128 channels in and out are 2^24
        assertThat(ConvPlan.of(128, 32, 32, 128, 3, 3, 1, 1, 1).toString()).doesNotContain("F(2, 3)");
        // nor other kernels and strides
        assertThat(ConvPlan.of(256, 56, 56, 256, 3, 3, 2, 1, 1).toString()).doesNotContain("F(2, 3)");
        assertThat(ConvPlan.of(256, 56, 56, 256, 5, 5, 1, 2, 2).toString()).doesNotContain("F(2, 3)");
        assertThat(ConvPlan.of(256, 56, 56, 256, 1, 1, 1, 0, 0).toString()).doesNotContain("F(2, 3)");
    }

    @Test
    void theSystemPropertyTurnsItOff() {
        String before = System.getProperty("jcnn.winograd");
        try {
            System.setProperty("jcnn.winograd", "false");
            // neither F(2, 3) in inference nor F(4, 3) in training
            assertThat(ConvPlan.of(256, 28, 28, 512, 3, 3, 1, 1, 1).toString()).doesNotContain("Winograd");
            assertThat(ConvPlan.of(32, 32, 32, 32, 3, 3, 1, 1, 1).toString()).doesNotContain("Winograd");
        } finally {
            if (before == null) {
                System.clearProperty("jcnn.winograd");
            } else {
                System.setProperty("jcnn.winograd", before);
            }
        }
        assertThat(ConvPlan.of(256, 28, 28, 512, 3, 3, 1, 1, 1).toString()).contains("Winograd");
    }
}
