package io.github.jcnn.kernels;

import static io.github.jcnn.kernels.RandomArrays.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The convolution plans against the lecture's convolution written plainly ({@link ConvReference}), through the
 * {@link ConvPlan} contract: the forward pass and dL/dx write every number of their output, dL/dW adds to what is
 * there, a batch's dL/dW may be taken in pieces; and which plan {@link ConvPlan#of} picks for which shape.
 */
class ConvPlanProperties {

    private static float[] garbage(int size) {
        float[] a = new float[size];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    /** |a - b| &le; 1e-4 * (1 + |b|), element by element. */
    private static void assertClose(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("%s [%d]", what, i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(expected[i]))));
        }
    }

    @Property(tries = 300)
    void everyPlanComputesTheReferenceSums(@ForAll @IntRange(min = 1, max = 4) int n,
                                           @ForAll @IntRange(min = 1, max = 3) int c,
                                           @ForAll @IntRange(min = 1, max = 3) int f,
                                           @ForAll @IntRange(min = 1, max = 8) int h,
                                           @ForAll @IntRange(min = 1, max = 8) int w,
                                           @ForAll @IntRange(min = 1, max = 4) int kh,
                                           @ForAll @IntRange(min = 1, max = 4) int kw,
                                           @ForAll @IntRange(min = 1, max = 2) int s,
                                           @ForAll @IntRange(min = 0, max = 3) int ph,
                                           @ForAll @IntRange(min = 0, max = 3) int pw,
                                           @ForAll boolean bias,
                                           @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Assume.that(h + 2 * ph >= kh && w + 2 * pw >= kw);
        SplittableRandom random = new SplittableRandom(seed);
        ConvPlan plan = ConvPlan.of(c, h, w, f, kh, kw, s, ph, pw);
        int oh = (h + 2 * ph - kh) / s + 1;
        int ow = (w + 2 * pw - kw) / s + 1;
        Tensor x = Tensor.of(Shape.of(n, c, h, w), random(n * c * h * w, random));
        Tensor weight = Tensor.of(Shape.of(f, c, kh, kw), random(f * c * kh * kw, random));
        Tensor b = bias ? Tensor.of(Shape.of(f), random(f, random)) : null;
        Tensor dy = Tensor.of(Shape.of(n, f, oh, ow), random(n * f * oh * ow, random));
        String name = plan.toString();

        // forward, twice in training (the kept buffers reused) and once in inference: the same bits
        float[] y = garbage(n * f * oh * ow);
        plan.forward(x.data(), n, weight.data(), bias ? b.data() : null, y, true);
        assertClose(y, ConvReference.forward(x, weight, b, s, ph, pw).data(), name + ": forward");
        float[] again = garbage(y.length);
        plan.forward(x.data(), n, weight.data(), bias ? b.data() : null, again, true);
        assertThat(again).as(name + ": second training forward").containsExactly(y);
        float[] inference = garbage(y.length);
        plan.forward(x.data(), n, weight.data(), bias ? b.data() : null, inference, false);
        assertThat(inference).as(name + ": inference forward").containsExactly(y);

        // dL/dx overwrites every number of dx
        float[] dx = garbage(x.size());
        plan.inputGradient(dy.data(), n, weight.data(), dx);
        assertClose(dx, ConvReference.inputGradient(dy, weight, x.shape(), s, ph, pw).data(), name + ": dL/dx");

        // dL/dW adds to dw, and the batch may be summed in two pieces
        float[] start = random(weight.size(), random);
        float[] dw = start.clone();
        int split = n == 1 ? n : 1 + random.nextInt(n - 1);
        plan.weightGradient(x.data(), dy.data(), 0, split, dw);
        if (split < n) {
            plan.weightGradient(x.data(), dy.data(), split, n - split, dw);
        }
        float[] expected = ConvReference.weightGradient(x, dy, kh, kw, s, ph, pw).data().clone();
        for (int i = 0; i < expected.length; i++) {
            expected[i] += start[i];
        }
        assertClose(dw, expected, name + ": dL/dW");

        // a plan that keeps its padded input from the training forward pass gives the same bits without x; the
        // inference pass in between must not have touched it
        if (plan.keepsInput(n)) {
            float[] kept = start.clone();
            plan.weightGradient(null, dy.data(), 0, split, kept);
            if (split < n) {
                plan.weightGradient(null, dy.data(), split, n - split, kept);
            }
            assertThat(kept).as(name + ": dL/dW from the kept input").containsExactly(dw);
        }
    }

    /**
     * Without padding, the forward pass over the image read in place gives the bits of im2col's (the same sums in the
     * same order), so choosing it changed no trained model's numbers.
     */
    @Property(tries = 100)
    void unpaddedForwardPassHasTheBitsOfIm2col(@ForAll @IntRange(min = 1, max = 20) int n,
                                               @ForAll @IntRange(min = 1, max = 7) int c,
                                               @ForAll @IntRange(min = 1, max = 18) int f,
                                               @ForAll @IntRange(min = 5, max = 20) int h,
                                               @ForAll @IntRange(min = 5, max = 20) int w,
                                               @ForAll @IntRange(min = 1, max = 5) int k,
                                               @ForAll boolean bias,
                                               @ForAll boolean training,
                                               @ForAll @IntRange(min = 0, max = 1000) int seed) {
        assertTheForwardPassHasTheBitsOfIm2col(n, c, f, h, w, k, 1, 0, bias, training, seed);
    }

    /**
     * With stride 2, the forward pass over the parity planes gives the bits of im2col's (the same sums in the same
     * order), so choosing it changed no trained model's numbers.
     */
    @Property(tries = 100)
    void strideTwoForwardPassHasTheBitsOfIm2col(@ForAll @IntRange(min = 1, max = 20) int n,
                                                @ForAll @IntRange(min = 1, max = 7) int c,
                                                @ForAll @IntRange(min = 1, max = 18) int f,
                                                @ForAll @IntRange(min = 3, max = 20) int h,
                                                @ForAll @IntRange(min = 3, max = 20) int w,
                                                @ForAll @IntRange(min = 2, max = 4) int k,
                                                @ForAll @IntRange(min = 0, max = 2) int p,
                                                @ForAll boolean bias,
                                                @ForAll boolean training,
                                                @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Assume.that(h + 2 * p >= k && w + 2 * p >= k);
        assertTheForwardPassHasTheBitsOfIm2col(n, c, f, h, w, k, 2, p, bias, training, seed);
    }

    /**
     * The forward pass of {@link ConvPlan#of}'s plan for the shape, when it is a {@link PaddedWidePlan}, has the bits
     * of the im2col plan's on random images, weights and bias (the shapes here are far below the layers that take
     * Winograd's F(2, 3) in inference).
     */
    private static void assertTheForwardPassHasTheBitsOfIm2col(int n, int c, int f, int h, int w, int k, int s,
                                                               int p, boolean bias, boolean training, int seed) {
        ConvPlan plan = ConvPlan.of(c, h, w, f, k, k, s, p, p);
        Assume.that(plan instanceof PaddedWidePlan);
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = random(n * c * h * w, random);
        float[] weight = random(f * c * k * k, random);
        float[] b = bias ? random(f, random) : null;
        int size = n * f * ((h + 2 * p - k) / s + 1) * ((w + 2 * p - k) / s + 1);
        float[] fast = garbage(size);
        plan.forward(x, n, weight, b, fast, training);
        float[] rows = garbage(size);
        new Im2ColPlan(new Im2Col(c, h, w, k, k, s, p, p), f).forward(x, n, weight, b, rows, training);
        assertThat(fast).as(plan.toString()).containsExactly(rows);
    }

    @Test
    void thePlanIsChosenByShape() {
        // LeNet-5's convolutions, without padding: the forward pass over the image read in place, dL/dx over dL/dy
        // padded by 4, dL/dW by im2col's wide layout (the second convolution's, 3 images of 136 columns a group)
        assertThat(ConvPlan.of(3, 32, 32, 6, 5, 5, 1, 0, 0)).hasToString("padded wide (forward: padded wide, dL/dW: "
                + "im2col (wide layout, 1 image a group), dL/dx: padded wide)");
        assertThat(ConvPlan.of(6, 14, 14, 16, 5, 5, 1, 0, 0)).hasToString("padded wide (forward: padded wide, dL/dW: "
                + "im2col (wide layout, 3 images a group), dL/dx: padded wide)");
        // no padding on a 4x4 output: the forward pass's wide columns (28 for 16) do not pay, dL/dx's do (the 4x4
        // dL/dy padded by 4 with its rows 8 apart: 64 columns for the 8x8 dL/dx)
        assertThat(ConvPlan.of(1, 8, 8, 2, 5, 5, 1, 0, 0)).hasToString("padded wide (forward: im2col (plain layout,"
                + " 32 images a group), dL/dW: im2col (plain layout, 32 images a group), dL/dx: padded wide)");
        // stride 2: the forward pass and dL/dW over the parity planes, dL/dx over dL/dy's four parity classes; a 1x1
        // kernel (a residual block's shortcut) all by im2col
        assertThat(ConvPlan.of(3, 32, 32, 16, 3, 3, 2, 1, 1)).hasToString("padded wide (forward: parity planes, "
                + "dL/dW: padded wide, dL/dx: parity classes)");
        assertThat(ConvPlan.of(32, 32, 32, 64, 1, 1, 2, 0, 0)).hasToString("im2col (plain layout, 2 images a group)");
        // 3x3 SAME: both directions over the padded image
        assertThat(ConvPlan.of(16, 8, 8, 8, 3, 3, 1, 1, 1))
                .hasToString("padded wide (forward: padded wide, dL/dW: padded wide, dL/dx: padded wide)");
        // 5x5 SAME on 4 x 1: rows of 3 (the pixel and a gap of 2) for one output each, 10 columns for 4 outputs:
        // more than half again the work, both ways
        assertThat(ConvPlan.of(4, 4, 1, 4, 5, 5, 1, 2, 2)).hasToString("im2col (plain layout, 128 images a group)");
        // a 1x1 kernel with padding 1: dL/dy would need padding -1, so dL/dx falls back to im2col
        assertThat(ConvPlan.of(2, 6, 6, 3, 1, 1, 1, 1, 1)).hasToString(
                "padded wide (forward: padded wide, dL/dW: padded wide, dL/dx: im2col (plain layout, 8 images a"
                        + " group))");
        // 5x5 kernel, padding 1, on 6 x 6: the forward pass does not pay (25 columns for 16), dL/dx does (41 for 36)
        assertThat(ConvPlan.of(2, 6, 6, 3, 5, 5, 1, 1, 1)).hasToString(
                "padded wide (forward: im2col (plain layout, 32 images a group), dL/dW: im2col (plain layout, 32 images"
                        + " a group), dL/dx: padded wide)");
    }
}
