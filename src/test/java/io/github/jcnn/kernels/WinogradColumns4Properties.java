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
 * {@link WinogradColumns4}, Winograd's F(4, 3) down the columns, against the lecture's convolution written plainly
 * ({@link ConvReference}): the same sums within float rounding on random shapes (heights that are and are not
 * multiples of 4, widths of one column up), the same bits however the images are grouped or shared out; and, through
 * {@link PaddedWidePlan}, the training forward pass, dL/dx and dL/dW from the images the forward pass kept.
 */
class WinogradColumns4Properties {

    /** Images from..to-1 through {@code plan}, into an output of NaNs (every number must be written). */
    private static float[] forward(WinogradColumns4 plan, float[] x, int n, float[] w, float[] b, int outputSize,
                                   boolean keep) {
        WinogradColumns4.Weights u = new WinogradColumns4.Weights();
        plan.transformWeights(w, u);
        float[] y = new float[n * outputSize];
        Arrays.fill(y, Float.NaN);
        WinogradColumns4.Kept kept = keep ? plan.kept(n, null) : null;
        plan.forward(u, x, 0, n, b, y, kept, plan.newBuffers());
        return y;
    }

    /**
     * |actual - expected| &le; tolerance * (1 + the convolution of |x| by |w| plus |b|): the error is rounding,
     * relative to the size of the terms summed.
     */
    private static void assertCloseToReference(float[] actual, Tensor x, Tensor weight, Tensor b, float tolerance,
                                               String what) {
        float[] expected = ConvReference.forward(x, weight, b, 1, 1, 1).data();
        float[] scale = ConvReference.forward(Tensor.of(x.shape(), absolute(x.data())),
                Tensor.of(weight.shape(), absolute(weight.data())),
                b == null ? null : Tensor.of(b.shape(), absolute(b.data())), 1, 1, 1).data();
        assertThat(actual).as(what).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("%s, output %d", what, i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tolerance * (1 + scale[i])));
        }
    }

    @Property(tries = 200)
    void computesTheReferenceSumsWithinRounding(@ForAll @IntRange(min = 1, max = 4) int n,
                                                @ForAll @IntRange(min = 1, max = 20) int c,
                                                @ForAll @IntRange(min = 1, max = 12) int f,
                                                @ForAll @IntRange(min = 1, max = 14) int h,
                                                @ForAll @IntRange(min = 1, max = 40) int w,
                                                @ForAll @IntRange(min = 1, max = 4) int group,
                                                @ForAll boolean bias,
                                                @ForAll boolean keep,
                                                @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor x = Tensor.of(Shape.of(n, c, h, w), random(n * c * h * w, random));
        Tensor weight = Tensor.of(Shape.of(f, c, 3, 3), random(f * c * 9, random));
        Tensor b = bias ? Tensor.of(Shape.of(f), random(f, random)) : null;
        WinogradColumns4 plan = new WinogradColumns4(c, h, w, f, group);
        float[] y = forward(plan, x.data(), n, weight.data(), bias ? b.data() : null, f * h * w, keep);
        assertCloseToReference(y, x, weight, b, 1e-5f, c + "x" + h + "x" + w + ", " + f + " filters, " + plan);
    }

    @Property(tries = 60)
    void theBitsDoNotDependOnTheGroupingOrTheBatch(@ForAll @IntRange(min = 1, max = 6) int n,
                                                   @ForAll @IntRange(min = 1, max = 12) int c,
                                                   @ForAll @IntRange(min = 1, max = 10) int f,
                                                   @ForAll @IntRange(min = 1, max = 18) int h,
                                                   @ForAll @IntRange(min = 1, max = 40) int w,
                                                   @ForAll @IntRange(min = 1, max = 5) int group,
                                                   @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = random(n * c * h * w, random);
        float[] weight = random(f * c * 9, random);
        float[] b = random(f, random);
        int output = f * h * w;
        float[] all = forward(new WinogradColumns4(c, h, w, f), x, n, weight, b, output, false);
        assertThat(forward(new WinogradColumns4(c, h, w, f, group), x, n, weight, b, output, true))
                .as("%d images a product, transformed into the kept T", group).containsExactly(all);
        int image = c * h * w;
        for (int k = 0; k < n; k++) {
            float[] alone = forward(new WinogradColumns4(c, h, w, f, group),
                    Arrays.copyOfRange(x, k * image, (k + 1) * image), 1, weight, b, output, false);
            assertThat(alone).as("image %d alone", k)
                    .containsExactly(Arrays.copyOfRange(all, k * output, (k + 1) * output));
        }
    }

    @Property(tries = 100)
    void theVectorRowTransformsGiveTheBitsOfTheLoops(@ForAll @IntRange(min = 1, max = 70) int width,
                                                    @ForAll @IntRange(min = 1, max = 4) int rows,
                                                    @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        // six input rows at uneven offsets in one array, the fourth in another
        float[] a = random(6 * width + 5, random);
        float[] other = random(width + 2, random);
        int stride = 2 * width + 3;
        float[] t = new float[6 * stride];
        float[] expected = new float[6 * stride];
        WinogradColumns4.inputRows(a, 0, a, width, a, 2 * width + 1, other, 2, a, 3 * width + 2, a, 4 * width + 4,
                t, 1, stride, width);
        for (int j = 0; j < width; j++) {
            float d0 = a[j];
            float d1 = a[width + j];
            float d2 = a[2 * width + 1 + j];
            float d3 = other[2 + j];
            float d4 = a[3 * width + 2 + j];
            float d5 = a[4 * width + 4 + j];
            expected[1 + j] = 4f * d0 - 5f * d2 + d4;
            expected[1 + stride + j] = (d3 + d4) - 4f * (d1 + d2);
            expected[1 + 2 * stride + j] = 4f * (d1 - d2) + (d4 - d3);
            expected[1 + 3 * stride + j] = (d4 - d2) - 2f * (d1 - d3);
            expected[1 + 4 * stride + j] = (d4 - d2) + 2f * (d1 - d3);
            expected[1 + 5 * stride + j] = 4f * d1 - 5f * d3 + d5;
        }
        assertThat(t).as("input rows").containsExactly(expected);

        float[] m = random(6 * stride + 1, random);
        float bias = (float) random.nextDouble();
        float[] y = new float[4 * width];
        float[] want = new float[4 * width];
        WinogradColumns4.outputRows(m, 1, stride, bias, y, 0, rows, width);
        for (int j = 0; j < width; j++) {
            float s = m[1 + stride + j] + m[1 + 2 * stride + j];
            float d = m[1 + stride + j] - m[1 + 2 * stride + j];
            float p = m[1 + 3 * stride + j] + m[1 + 4 * stride + j];
            float q = m[1 + 3 * stride + j] - m[1 + 4 * stride + j];
            float[] all = {m[1 + j] + s + p + bias, d + 2f * q + bias, s + 4f * p + bias,
                d + 8f * q + m[1 + 5 * stride + j] + bias};
            for (int i = 0; i < rows; i++) {
                want[i * width + j] = all[i];
            }
        }
        assertThat(y).as("%d output rows", rows).containsExactly(want);

        float[] z = new float[6 * stride];
        float[] wantZ = new float[6 * stride];
        WinogradColumns4.gradientRows(a, 0, other, 1, a, 2 * width + 1, a, 4 * width + 3, z, 1, stride, width);
        for (int j = 0; j < width; j++) {
            float e0 = a[j];
            float e1 = other[1 + j];
            float e2 = a[2 * width + 1 + j];
            float e3 = a[4 * width + 3 + j];
            float[] all = {e0, (e0 + e2) + (e1 + e3), (e0 + e2) - (e1 + e3), (e0 + 4f * e2) + (2f * e1 + 8f * e3),
                (e0 + 4f * e2) - (2f * e1 + 8f * e3), e3};
            for (int k = 0; k < 6; k++) {
                wantZ[1 + k * stride + j] = all[k];
            }
        }
        assertThat(z).as("gradient rows").containsExactly(wantZ);
    }

    /**
     * dL/dW by F(4, 3) ({@link WinogradColumns4#weightGradient}) against the plain sums within rounding, from x and
     * from the T a forward pass kept for the whole batch (any run of its images, the same bits as from x), with
     * groups of images from one up.
     */
    @Property(tries = 120)
    void theWeightGradientIsTheReferenceSumsWithinRounding(@ForAll @IntRange(min = 1, max = 7) int n,
                                                          @ForAll @IntRange(min = 1, max = 20) int c,
                                                          @ForAll @IntRange(min = 1, max = 12) int f,
                                                          @ForAll @IntRange(min = 1, max = 14) int h,
                                                          @ForAll @IntRange(min = 1, max = 40) int w,
                                                          @ForAll @IntRange(min = 0, max = 6) int skip,
                                                          @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int first = Math.min(skip, n - 1);
        int count = n - first;
        Tensor x = Tensor.of(Shape.of(n, c, h, w), random(n * c * h * w, random));
        Tensor weight = Tensor.of(Shape.of(f, c, 3, 3), random(f * c * 9, random));
        Tensor dy = Tensor.of(Shape.of(n, f, h, w), random(n * f * h * w, random));
        WinogradColumns4 plan = new WinogradColumns4(c, h, w, f);
        int image = c * h * w;
        int output = f * h * w;
        float[] fromX = new float[f * c * 9];
        plan.weightGradient(x.data(), first * image, dy.data(), first * output, count, fromX);
        // the reference over the images first .. n - 1 only
        Tensor part = Tensor.of(Shape.of(count, c, h, w), Arrays.copyOfRange(x.data(), first * image, n * image));
        Tensor partDy = Tensor.of(Shape.of(count, f, h, w), Arrays.copyOfRange(dy.data(), first * output,
                n * output));
        float[] expected = ConvReference.weightGradient(part, partDy, 3, 3, 1, 1, 1).data();
        float[] scale = ConvReference.weightGradient(Tensor.of(part.shape(), absolute(part.data())),
                Tensor.of(partDy.shape(), absolute(partDy.data())), 3, 3, 1, 1, 1).data();
        String what = c + "x" + h + "x" + w + ", " + f + " filters, images " + first + " to " + (n - 1);
        for (int i = 0; i < expected.length; i++) {
            assertThat(fromX[i]).as("%s: dL/dW %d", what, i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f * (1 + scale[i])));
        }
        float[] loops = new float[f * c * 9];
        plan.weightGradientWithoutVectorProducts(x.data(), first * image, dy.data(), first * output, count, loops);
        for (int i = 0; i < expected.length; i++) {
            assertThat(loops[i]).as("%s: dL/dW %d without the vector products", what, i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f * (1 + scale[i])));
        }
        if (WinogradColumns4.keepsTransforms()) {
            WinogradColumns4.Kept kept = plan.kept(n, null);
            WinogradColumns4.Weights u = new WinogradColumns4.Weights();
            plan.transformWeights(weight.data(), u);
            plan.forward(u, x.data(), 0, n, null, new float[n * output], kept, plan.newBuffers());
            float[] fromKept = new float[f * c * 9];
            plan.weightGradient(kept, first, dy.data(), first * output, count, fromKept);
            assertThat(fromKept).as("%s: from the kept T", what).containsExactly(fromX);
        }
    }

    /**
     * Through {@link PaddedWidePlan} on small shapes ({@link ConvPlan#of} gives F(4, 3) only to 16 channels and more):
     * the training forward pass and dL/dx against the reference, dL/dW from the kept images, and the same bits on 1,
     * 2 and 3 threads.
     */
    @Property(tries = 60)
    void thePlanTrainsWithTheReferenceSumsOnAnyThreadCount(@ForAll @IntRange(min = 1, max = 7) int n,
                                                           @ForAll @IntRange(min = 1, max = 9) int c,
                                                           @ForAll @IntRange(min = 1, max = 9) int f,
                                                           @ForAll @IntRange(min = 2, max = 13) int h,
                                                           @ForAll @IntRange(min = 2, max = 20) int w,
                                                           @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor x = Tensor.of(Shape.of(n, c, h, w), random(n * c * h * w, random));
        Tensor weight = Tensor.of(Shape.of(f, c, 3, 3), random(f * c * 9, random));
        Tensor b = Tensor.of(Shape.of(f), random(f, random));
        Tensor dy = Tensor.of(Shape.of(n, f, h, w), random(n * f * h * w, random));
        int before = Parallel.threads();
        try {
            float[][] first = null;
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                PaddedWidePlan plan = planWithColumns4(c, h, w, f);
                float[] y = new float[n * f * h * w];
                Arrays.fill(y, Float.NaN);
                plan.forward(x.data(), n, weight.data(), b.data(), y, true);
                float[] dx = new float[x.size()];
                Arrays.fill(dx, Float.NaN);
                plan.inputGradient(dy.data(), n, weight.data(), dx);
                float[] dw = new float[weight.size()];
                plan.weightGradient(null, dy.data(), 0, n, dw);
                if (first == null) {
                    assertCloseToReference(y, x, weight, b, 1e-5f, plan + ": forward");
                    float[] expected = ConvReference.inputGradient(dy, weight, x.shape(), 1, 1, 1).data();
                    // dL/dx's terms: the same sums of |dy| by |w|
                    float[] scale = ConvReference.inputGradient(Tensor.of(dy.shape(), absolute(dy.data())),
                            Tensor.of(weight.shape(), absolute(weight.data())), x.shape(), 1, 1, 1).data();
                    for (int i = 0; i < dx.length; i++) {
                        assertThat(dx[i]).as("%s: dL/dx %d", plan, i).isCloseTo(expected[i],
                                org.assertj.core.data.Offset.offset(1e-5f * (1 + scale[i])));
                    }
                    float[] expectedDw = ConvReference.weightGradient(x, dy, 3, 3, 1, 1, 1).data();
                    float[] scaleDw = ConvReference.weightGradient(Tensor.of(x.shape(), absolute(x.data())),
                            Tensor.of(dy.shape(), absolute(dy.data())), 3, 3, 1, 1, 1).data();
                    for (int i = 0; i < dw.length; i++) {
                        assertThat(dw[i]).as("%s: dL/dW %d", plan, i).isCloseTo(expectedDw[i],
                                org.assertj.core.data.Offset.offset(1e-5f * (1 + scaleDw[i])));
                    }
                    float[] fromX = new float[weight.size()];
                    plan.weightGradient(x.data(), dy.data(), 0, n, fromX);
                    assertThat(dw).as("%s: dL/dW from the kept images", plan).containsExactly(fromX);
                    first = new float[][] {y, dx, dw};
                } else {
                    assertThat(y).as("%s: forward on %d threads", plan, threads).containsExactly(first[0]);
                    assertThat(dx).as("%s: dL/dx on %d threads", plan, threads).containsExactly(first[1]);
                    assertThat(dw).as("%s: dL/dW on %d threads", plan, threads).containsExactly(first[2]);
                }
                // the same plan on a batch of another size, then this one again (an epoch's last batch): the kept
                // arrays reused must give the same bits as a new plan's
                int other = n == 1 ? 3 : n - 1;
                Tensor xOther = Tensor.of(Shape.of(other, c, h, w), random(other * c * h * w, random));
                plan.forward(xOther.data(), other, weight.data(), b.data(), new float[other * f * h * w], true);
                plan.weightGradient(null, Arrays.copyOf(dy.data(), other * f * h * w), 0, other,
                        new float[weight.size()]);
                float[] again = new float[n * f * h * w];
                plan.forward(x.data(), n, weight.data(), b.data(), again, true);
                float[] dwAgain = new float[weight.size()];
                plan.weightGradient(null, dy.data(), 0, n, dwAgain);
                assertThat(again).as("%s: forward after a batch of %d", plan, other).containsExactly(first[0]);
                assertThat(dwAgain).as("%s: dL/dW after a batch of %d", plan, other).containsExactly(first[2]);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * Inference by F(4, 3) through {@link PaddedWidePlan}: the training forward pass's bits on 1, 2 and 3 threads,
     * with the kernels transformed per call or once for a run ({@link PaddedWidePlan#forInference}), from inside a
     * task (a chunk of a large batch), and for each image alone (its tile rows shared out over the threads).
     */
    @Property(tries = 60)
    void inferenceGivesTheTrainingBitsOnAnyThreadCountAndForOneImage(@ForAll @IntRange(min = 1, max = 5) int n,
                                                                     @ForAll @IntRange(min = 1, max = 9) int c,
                                                                     @ForAll @IntRange(min = 1, max = 9) int f,
                                                                     @ForAll @IntRange(min = 1, max = 17) int h,
                                                                     @ForAll @IntRange(min = 1, max = 20) int w,
                                                                     @ForAll boolean bias,
                                                                     @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = random(n * c * h * w, random);
        float[] weight = random(f * c * 9, random);
        float[] b = bias ? random(f, random) : null;
        int output = f * h * w;
        int image = c * h * w;
        int before = Parallel.threads();
        try {
            float[] expected = null;
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                PaddedWidePlan plan = planWithColumns4(c, h, w, f);
                float[] trained = run(plan, x, n, weight, b, output, true);
                if (expected == null) {
                    expected = trained;
                    assertCloseToReference(trained, Tensor.of(Shape.of(n, c, h, w), x),
                            Tensor.of(Shape.of(f, c, 3, 3), weight), bias ? Tensor.of(Shape.of(f), b) : null,
                            1e-5f, plan.toString());
                }
                assertThat(trained).as("%s: training on %d threads", plan, threads).containsExactly(expected);
                ConvPlan prepared = plan.forInference(weight);
                assertThat(prepared).as("a plan with its kernels transformed").isNotSameAs(plan);
                assertThat(run(plan, x, n, weight, b, output, false)).as("%s: inference on %d threads", plan, threads)
                        .containsExactly(expected);
                assertThat(run(prepared, x, n, weight, b, output, false))
                        .as("%s: inference prepared on %d threads", plan, threads).containsExactly(expected);
                float[][] inTask = new float[1][];
                Parallel.forRange(threads, (part, from, to) -> {
                    if (part == 0) {
                        inTask[0] = run(prepared, x, n, weight, b, output, false);
                    }
                });
                assertThat(inTask[0]).as("%s: inference inside a task", plan).containsExactly(expected);
                for (int k = 0; k < n; k++) {
                    float[] one = Arrays.copyOfRange(x, k * image, (k + 1) * image);
                    float[] row = Arrays.copyOfRange(expected, k * output, (k + 1) * output);
                    assertThat(run(plan, one, 1, weight, b, output, false))
                            .as("%s: image %d alone on %d threads", plan, k, threads).containsExactly(row);
                    assertThat(run(prepared, one, 1, weight, b, output, false))
                            .as("%s: image %d alone, prepared, on %d threads", plan, k, threads).containsExactly(row);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** {@code plan.forward} of n images into an output of NaNs (every number must be written). */
    private static float[] run(ConvPlan plan, float[] x, int n, float[] w, float[] b, int output, boolean training) {
        float[] y = new float[n * output];
        Arrays.fill(y, Float.NaN);
        plan.forward(x, n, w, b, y, training);
        return y;
    }

    /** The plan {@link ConvPlan#of} makes for a 3x3 SAME layer, with F(4, 3) in training whatever its size. */
    private static PaddedWidePlan planWithColumns4(int c, int h, int w, int f) {
        Im2ColPlan rows = new Im2ColPlan(new Im2Col(c, h, w, 3, 3, 1, 1, 1), f);
        return new PaddedWidePlan(new PaddedWide(c, h, w, 3, 3, 1, 1), new PaddedWide(f, h, w, 3, 3, 1, 1), rows,
                true, null, new WinogradColumns4(c, h, w, f), new WinogradColumns4(f, h, w, c));
    }

    @Test
    void theCifarNetworksLayersTrainAndInferThisWayButTheirFirst() {
        assertThat(ConvPlan.of(32, 32, 32, 32, 3, 3, 1, 1, 1).toString())
                .contains("training and inference: Winograd F(4, 3)").contains("dL/dx: Winograd F(4, 3)");
        assertThat(ConvPlan.of(128, 8, 8, 128, 3, 3, 1, 1, 1).toString())
                .contains("training and inference: Winograd F(4, 3)");
        // the RGB input layer, a layer of few filters, a stride-2 layer and a 5x5 kernel keep the plain sums
        assertThat(ConvPlan.of(3, 32, 32, 32, 3, 3, 1, 1, 1).toString()).doesNotContain("F(4, 3)");
        assertThat(ConvPlan.of(32, 32, 32, 8, 3, 3, 1, 1, 1).toString()).doesNotContain("F(4, 3)");
        assertThat(ConvPlan.of(32, 32, 32, 32, 3, 3, 2, 1, 1).toString()).doesNotContain("F(4, 3)");
        assertThat(ConvPlan.of(32, 32, 32, 32, 5, 5, 1, 2, 2).toString()).doesNotContain("F(4, 3)");
    }
}
