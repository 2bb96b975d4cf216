package io.github.jcnn.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The padded wide plan against the lecture's convolution written plainly ({@link ConvReference}): the forward pass
 * (one product over the padded images, outputs copied out), dL/dx (the full convolution of the padded dL/dy with the
 * rotated kernel, through the same plan) and dL/dW, over random shapes and paddings, several images side by side.
 */
class PaddedWideProperties {

    private static Tensor random(Shape shape, SplittableRandom random) {
        float[] data = new float[shape.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return Tensor.of(shape, data);
    }

    private static void assertClose(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("%s [%d]", what, i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(expected[i]))));
        }
    }

    @Property(tries = 150)
    void forwardInputGradientAndWeightGradientAgreeWithTheReference(
            @ForAll @IntRange(min = 1, max = 3) int images, @ForAll @IntRange(min = 1, max = 4) int channels,
            @ForAll @IntRange(min = 1, max = 5) int filters, @ForAll @IntRange(min = 1, max = 9) int height,
            @ForAll @IntRange(min = 1, max = 9) int width, @ForAll @IntRange(min = 1, max = 4) int kernelHeight,
            @ForAll @IntRange(min = 1, max = 4) int kernelWidth, @ForAll @IntRange(min = 0, max = 3) int padHeight,
            @ForAll @IntRange(min = 0, max = 3) int padWidth, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        net.jqwik.api.Assume.that(height + 2 * padHeight >= kernelHeight && width + 2 * padWidth >= kernelWidth);
        SplittableRandom random = new SplittableRandom(seed);
        PaddedWide plan = new PaddedWide(channels, height, width, kernelHeight, kernelWidth, padHeight, padWidth);
        Tensor x = random(Shape.of(images, channels, height, width), random);
        Tensor w = random(Shape.of(filters, channels, kernelHeight, kernelWidth), random);
        int outHeight = plan.outHeight();
        int outWidth = plan.outWidth();
        int length = plan.wideColumns();
        int patch = plan.rows();

        // forward: all images side by side in one product
        float[] padded = new float[images * plan.paddedSize()];
        for (int n = 0; n < images; n++) {
            plan.pad(x.data(), n * plan.imageSize(), padded, n * plan.paddedSize());
        }
        float[] product = new float[filters * images * length];
        Gemm.multiply(false, filters, images * length, patch, w.data(), 0, patch,
                plan.source(padded, 0, images, plan.paddedSize()), product, 0, images * length, false);
        float[] y = new float[images * filters * outHeight * outWidth];
        for (int n = 0; n < images; n++) {
            plan.copyOut(product, images * length, n, filters, y, n * filters * outHeight * outWidth);
        }
        assertClose(y, ConvReference.forward(x, w, null, 1, padHeight, padWidth).data(), "forward");

        Tensor dy = random(Shape.of(images, filters, outHeight, outWidth), random);
        // dL/dW
        float[] dw = new float[w.size()];
        plan.weightGradient(filters, x.data(), 0, dy.data(), 0, images, dw);
        assertClose(dw, ConvReference.weightGradient(x, dy, kernelHeight, kernelWidth, 1, padHeight, padWidth).data(),
                "dL/dW");

        // dL/dx: dy padded by K - 1 - P convolved with the rotated kernel (only where that padding is not negative)
        if (kernelHeight - 1 - padHeight >= 0 && kernelWidth - 1 - padWidth >= 0) {
            PaddedWide back = new PaddedWide(filters, outHeight, outWidth, kernelHeight, kernelWidth,
                    kernelHeight - 1 - padHeight, kernelWidth - 1 - padWidth);
            assertThat(back.outHeight()).isEqualTo(height);
            assertThat(back.outWidth()).isEqualTo(width);
            float[] rotated = new float[w.size()];
            PaddedWide.rotatedWeight(w.data(), filters, channels, kernelHeight, kernelWidth, rotated);
            float[] dx = new float[x.size()];
            float[] pad = new float[back.paddedSize()];
            float[] wide = new float[channels * back.wideColumns()];
            for (int n = 0; n < images; n++) {
                back.pad(dy.data(), n * back.imageSize(), pad, 0);
                Gemm.multiply(false, channels, back.wideColumns(), back.rows(), rotated, 0, back.rows(),
                        back.source(pad, 0, 1, back.paddedSize()), wide, 0, back.wideColumns(), false);
                back.copyOut(wide, back.wideColumns(), 0, channels, dx, n * x.size() / images);
            }
            assertClose(dx, ConvReference.inputGradient(dy, w, x.shape(), 1, padHeight, padWidth).data(), "dL/dx");
        }
    }

    /**
     * A whole image's wide product copied out in blocks of columns that start and end anywhere (inside an output
     * row, in the gap between rows) gives the outputs of one copy of the whole product, and writes every output.
     */
    @Property(tries = 150)
    void blocksOfColumnsCopyOutWhatTheWholeProductDoes(
            @ForAll @IntRange(min = 1, max = 4) int filters, @ForAll @IntRange(min = 1, max = 9) int height,
            @ForAll @IntRange(min = 1, max = 9) int width, @ForAll @IntRange(min = 1, max = 3) int kernel,
            @ForAll @IntRange(min = 0, max = 2) int pad, @ForAll @IntRange(min = 1, max = 40) int block,
            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        net.jqwik.api.Assume.that(height + 2 * pad >= kernel && width + 2 * pad >= kernel);
        SplittableRandom random = new SplittableRandom(seed);
        PaddedWide plan = new PaddedWide(1, height, width, kernel, kernel, pad, pad);
        int length = plan.wideColumns();
        float[] product = random(Shape.of(filters, length), random).data();
        int outputs = filters * plan.outHeight() * plan.outWidth();
        float[] whole = new float[outputs];
        plan.copyOut(product, length, 0, filters, whole, 0);
        float[] blocks = new float[outputs + 3];
        java.util.Arrays.fill(blocks, Float.NaN);
        for (int c0 = 0; c0 < length; c0 += block) {
            int width1 = Math.min(block, length - c0);
            // the block's columns alone, at an offset in a larger array, as a thread's part of the products
            float[] part = new float[5 + filters * width1];
            for (int f = 0; f < filters; f++) {
                System.arraycopy(product, f * length + c0, part, 5 + f * width1, width1);
            }
            plan.copyOutColumns(part, 5, width1, c0, c0 + width1, filters, blocks, 3);
        }
        assertThat(java.util.Arrays.copyOfRange(blocks, 3, outputs + 3)).containsExactly(whole);
        assertThat(java.util.Arrays.copyOf(blocks, 3)).containsOnly(Float.NaN);
    }

    @Property(tries = 60)
    void panelsReadInPlaceGiveTheBitsOfPanelsCopied(
            @ForAll @IntRange(min = 1, max = 3) int images, @ForAll @IntRange(min = 1, max = 40) int channels,
            @ForAll @IntRange(min = 1, max = 20) int filters, @ForAll @IntRange(min = 3, max = 12) int size,
            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        // the vector GEMM reads a full panel of the padded images where it lies (PanelSource.inPlace), with its
        // tiles panel of A by panel of A, or blends it from two runs when it runs into the next image
        // (PanelSource.inTwoRuns: sizes from 5 up, 2 or 3 images); the same B written out as row arrays is always
        // copied, its tiles panel of B by panel of B: the bits must not differ, over several blocks of depths too
        // (from 29 channels on, more than 256 rows)
        SplittableRandom random = new SplittableRandom(seed);
        PaddedWide plan = new PaddedWide(channels, size, size, 3, 3, 1, 1);
        float[] padded = new float[images * plan.paddedSize()];
        Tensor x = random(Shape.of(images, channels, size, size), random);
        for (int n = 0; n < images; n++) {
            plan.pad(x.data(), n * plan.imageSize(), padded, n * plan.paddedSize());
        }
        float[] w = random(Shape.of(filters, plan.rows()), random).data();
        int columns = images * plan.wideColumns();
        PanelSource source = plan.source(padded, 0, images, plan.paddedSize());
        float[][] rows = new float[plan.rows()][columns];
        source.rows(0, plan.rows(), 0, columns, rows);
        float[] inPlace = new float[filters * columns];
        float[] copied = new float[filters * columns];
        Gemm.multiply(false, filters, columns, plan.rows(), w, 0, plan.rows(), source, inPlace, 0, columns, false);
        Gemm.multiply(false, filters, columns, plan.rows(), w, 0, plan.rows(), PanelSource.ofRows(rows), copied, 0,
                columns, false);
        for (int i = 0; i < inPlace.length; i++) {
            assertThat(Float.floatToRawIntBits(inPlace[i])).as("[%d]", i).isEqualTo(Float.floatToRawIntBits(copied[i]));
        }
    }

    @Property(tries = 80)
    void theWeightGradientWithRowsReadInPlaceGivesTheBitsOfThePackedProduct(
            @ForAll @IntRange(min = 1, max = 3) int images, @ForAll @IntRange(min = 1, max = 5) int channels,
            @ForAll @IntRange(min = 1, max = 40) int filters, @ForAll @IntRange(min = 2, max = 20) int size,
            @ForAll @IntRange(min = 1, max = 3) int kernel, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        // dW^T with the padded image's windows read in place by the vector GEMM, against dW with them copied into
        // panels (a transpose): per element the same chain of fused multiply-adds, into a zeroed dW. Sizes of 16 and
        // more make most images' products deeper than one block of depths (256), and more than 32 filters two panels
        net.jqwik.api.Assume.that(Simd.VECTOR && VectorGemm.readsRowsInPlace());
        int pad = kernel / 2;
        SplittableRandom random = new SplittableRandom(seed);
        PaddedWide plan = new PaddedWide(channels, size, size, kernel, kernel, pad, pad);
        Tensor x = random(Shape.of(images, channels, size, size), random);
        Tensor dy = random(Shape.of(images, filters, plan.outHeight(), plan.outWidth()), random);
        float[] inPlace = new float[filters * plan.rows()];
        float[] packed = new float[filters * plan.rows()];
        plan.weightGradientRowsInPlace(filters, x.data(), 0, false, dy.data(), 0, images, inPlace);
        plan.weightGradientPacked(filters, x.data(), 0, false, dy.data(), 0, images, packed);
        for (int i = 0; i < packed.length; i++) {
            assertThat(Float.floatToRawIntBits(inPlace[i])).as("dW[%d]", i)
                    .isEqualTo(Float.floatToRawIntBits(packed[i]));
        }
    }

    @Property(tries = 80)
    void theWeightGradientOfImagesPaddedBeforeHasTheBitsOfPaddingThemAgain(
            @ForAll @IntRange(min = 1, max = 3) int images, @ForAll @IntRange(min = 1, max = 5) int channels,
            @ForAll @IntRange(min = 1, max = 40) int filters, @ForAll @IntRange(min = 2, max = 12) int size,
            @ForAll @IntRange(min = 1, max = 3) int kernel, @ForAll @IntRange(min = 0, max = 7) int offset,
            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        // the padded copies a training forward pass keeps (here at an offset in a larger array), against the images
        // padded again: the same numbers, with the vector GEMM's rows in place and with the copied panels
        int pad = kernel / 2;
        SplittableRandom random = new SplittableRandom(seed);
        PaddedWide plan = new PaddedWide(channels, size, size, kernel, kernel, pad, pad);
        Tensor x = random(Shape.of(images, channels, size, size), random);
        Tensor dy = random(Shape.of(images, filters, plan.outHeight(), plan.outWidth()), random);
        float[] padded = new float[offset + images * plan.paddedSize() + 3];
        java.util.Arrays.fill(padded, Float.NaN);   // anything the product read outside the padded images shows
        for (int n = 0; n < images; n++) {
            plan.pad(x.data(), n * plan.imageSize(), padded, offset + n * plan.paddedSize());
        }
        float[] expected = new float[filters * plan.rows()];
        plan.weightGradient(filters, x.data(), 0, dy.data(), 0, images, expected);
        float[] kept = new float[expected.length];
        plan.weightGradientOfPadded(filters, padded, offset, dy.data(), 0, images, kept);
        float[] keptPacked = new float[expected.length];
        plan.weightGradientPacked(filters, padded, offset, true, dy.data(), 0, images, keptPacked);
        for (int i = 0; i < expected.length; i++) {
            int bits = Float.floatToRawIntBits(expected[i]);
            assertThat(Float.floatToRawIntBits(kept[i])).as("dW[%d]", i).isEqualTo(bits);
            assertThat(Float.floatToRawIntBits(keptPacked[i])).as("dW[%d], copied panels", i).isEqualTo(bits);
        }
    }

    @Test
    void theRotatedKernelOfAHandWorkedCase() {
        // F = 1, C = 2, 2x2: W[0][0] = [1 2; 3 4], W[0][1] = [5 6; 7 8] -> W'[c][0] = rot180(W[0][c])
        float[] w = {1, 2, 3, 4, 5, 6, 7, 8};
        float[] rotated = new float[8];
        PaddedWide.rotatedWeight(w, 1, 2, 2, 2, rotated);
        assertThat(rotated).containsExactly(4, 3, 2, 1, 8, 7, 6, 5);
    }

    @Test
    void theWideLayoutOfA3x3SameConvolution() {
        // 32x32, 3x3, padding 1: S = 33 (one zero between rows), L = 31*33 + 32 = 1,055 columns for 1,024 outputs
        // (3% more; with a border of 1 on each side, S = 34, it was 1,086, 6% more), pays
        PaddedWide plan = new PaddedWide(16, 32, 32, 3, 3, 1, 1);
        assertThat(plan.wideColumns()).isEqualTo(1055);
        assertThat(plan.paddedSize()).isEqualTo(16 * 34 * 33 + 1);
        assertThat(plan.pays()).isTrue();
        // 8x8: S = 9, L = 7*9 + 8 = 71 for 64 outputs
        assertThat(new PaddedWide(128, 8, 8, 3, 3, 1, 1).wideColumns()).isEqualTo(71);
        // LeNet-5's dL/dx of its second convolution: 16 maps of 10x10 padded by 4 for a 5x5 kernel, 14x14 out:
        // S = 14 = OW, so L = 14*14 and no column is wasted
        PaddedWide full = new PaddedWide(16, 10, 10, 5, 5, 4, 4);
        assertThat(full.wideColumns()).isEqualTo(14 * 14);
        // a 10x1 input, 1x7 kernel, padding 3 across: 10 outputs, but S = 4 and L = 9*4 + 1 = 37: does not pay
        PaddedWide narrow = new PaddedWide(1, 10, 1, 1, 7, 0, 3);
        assertThat(narrow.wideColumns()).isEqualTo(37);
        assertThat(narrow.pays()).isFalse();
    }

    @Test
    void aPaddedImageSharesTheBorderBetweenRows() {
        // one 2x3 channel, 3x3 kernel, padding 1: a row of zeros above and below, one zero between rows, and one
        // after the last row (its right border); S = 4
        PaddedWide plan = new PaddedWide(1, 2, 3, 3, 3, 1, 1);
        float[] padded = new float[plan.paddedSize()];
        java.util.Arrays.fill(padded, Float.NaN);
        plan.pad(new float[] {1, 2, 3, 4, 5, 6}, 0, padded, 0);
        assertThat(padded).containsExactly(
                0, 0, 0, 0,
                0, 1, 2, 3,
                0, 4, 5, 6,
                0, 0, 0, 0,
                0);
    }

    @Property(tries = 150)
    void paddingWritesEveryFloatOfThePaddedImageAndNothingElse(
            @ForAll @IntRange(min = 1, max = 4) int channels, @ForAll @IntRange(min = 1, max = 9) int height,
            @ForAll @IntRange(min = 1, max = 9) int width, @ForAll @IntRange(min = 1, max = 5) int kernelHeight,
            @ForAll @IntRange(min = 1, max = 5) int kernelWidth, @ForAll @IntRange(min = 0, max = 4) int padHeight,
            @ForAll @IntRange(min = 0, max = 4) int padWidth) {
        net.jqwik.api.Assume.that(height + 2 * padHeight >= kernelHeight && width + 2 * padWidth >= kernelWidth);
        PaddedWide plan = new PaddedWide(channels, height, width, kernelHeight, kernelWidth, padHeight, padWidth);
        float[] x = new float[plan.imageSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        int before = 5;
        float[] padded = new float[before + plan.paddedSize() + 5];
        java.util.Arrays.fill(padded, Float.NaN);
        plan.pad(x, 0, padded, before);
        int data = 0;
        for (int i = 0; i < padded.length; i++) {
            boolean inside = i >= before && i < before + plan.paddedSize();
            if (!inside) {
                assertThat(padded[i]).as("[%d], outside the padded image", i).isNaN();
            } else if (padded[i] != 0) {
                assertThat(padded[i]).as("[%d]", i).isEqualTo(x[data]);
                data++;
            }
        }
        assertThat(data).as("the image's numbers, in order").isEqualTo(x.length);
    }
}
