package io.github.jcnn.layers;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.kernels.ConvReference;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.SplittableRandom;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Conv2D over random small shapes, strides and paddings: its output shape, its agreement with the plain reference
 * kernel (forward and all gradients), and central finite differences.
 */
class Conv2DProperties {

    /** The sizes of one random case; small so that jqwik can shrink a failure to the smallest shape that breaks. */
    record Case(int batch, int channels, int filters, int height, int width, int kernelHeight, int kernelWidth,
                int stride, int pad, boolean bias) {

        Conv2D layer() {
            return new Conv2D(Shape.of(channels, height, width), filters, kernelHeight, kernelWidth, stride,
                    Padding.of(pad), bias);
        }

        boolean possible() {
            return height + 2 * pad >= kernelHeight && width + 2 * pad >= kernelWidth;
        }
    }

    private static Case of(int n, int c, int f, int h, int w, int kh, int kw, int s, int p, boolean bias) {
        Case k = new Case(n, c, f, h, w, kh, kw, s, p, bias);
        Assume.that(k.possible());
        return k;
    }

    private static Tensor random(Shape shape, SplittableRandom random) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return t;
    }

    private static Conv2D randomLayer(Case k, SplittableRandom random) {
        Conv2D conv = k.layer();
        conv.parameters().get(0).value().copyFromInPlace(random(conv.parameters().get(0).value().shape(), random));
        if (k.bias()) {
            conv.parameters().get(1).value().copyFromInPlace(random(Shape.of(k.filters()), random));
        }
        return conv;
    }

    /** |a - b| &le; 1e-4 * max(1, largest |b|), element by element. */
    private static void assertClose(Tensor actual, Tensor expected, String what) {
        assertThat(actual.shape()).as(what + " shape").isEqualTo(expected.shape());
        float scale = Math.max(1f, Math.max(expected.max(), -expected.min()));
        assertThat(actual.maxAbsDifference(expected)).as(what).isLessThanOrEqualTo(1e-4f * scale);
    }

    @Property
    void outputShapeMatchesForward(@ForAll @IntRange(min = 1, max = 3) int n,
                                   @ForAll @IntRange(min = 1, max = 3) int c,
                                   @ForAll @IntRange(min = 1, max = 3) int f,
                                   @ForAll @IntRange(min = 1, max = 8) int h,
                                   @ForAll @IntRange(min = 1, max = 8) int w,
                                   @ForAll @IntRange(min = 1, max = 4) int kh,
                                   @ForAll @IntRange(min = 1, max = 4) int kw,
                                   @ForAll @IntRange(min = 1, max = 3) int s,
                                   @ForAll @IntRange(min = 0, max = 2) int p) {
        Case k = of(n, c, f, h, w, kh, kw, s, p, true);
        Conv2D conv = k.layer();
        Tensor y = conv.forward(Tensor.zeros(n, c, h, w), false);
        assertThat(y.shape()).isEqualTo(conv.outputShape().withBatch(n));
        assertThat(conv.outputShape()).isEqualTo(Shape.of(f, (h + 2 * p - kh) / s + 1, (w + 2 * p - kw) / s + 1));
    }

    @Property
    void fastPathAgreesWithTheReferenceKernel(@ForAll @IntRange(min = 1, max = 3) int n,
                                              @ForAll @IntRange(min = 1, max = 3) int c,
                                              @ForAll @IntRange(min = 1, max = 3) int f,
                                              @ForAll @IntRange(min = 1, max = 8) int h,
                                              @ForAll @IntRange(min = 1, max = 8) int w,
                                              @ForAll @IntRange(min = 1, max = 4) int kh,
                                              @ForAll @IntRange(min = 1, max = 4) int kw,
                                              @ForAll @IntRange(min = 1, max = 3) int s,
                                              @ForAll @IntRange(min = 0, max = 2) int p,
                                              @ForAll boolean bias,
                                              @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Case k = of(n, c, f, h, w, kh, kw, s, p, bias);
        SplittableRandom random = new SplittableRandom(seed);
        Conv2D conv = randomLayer(k, random);
        Tensor weight = conv.parameters().get(0).value();
        Tensor b = bias ? conv.parameters().get(1).value() : null;
        Tensor x = random(Shape.of(n, c, h, w), random);

        Tensor y = conv.forward(x, true);
        assertClose(y, ConvReference.forward(x, weight, b, s, p, p), "forward");
        assertClose(conv.forward(x, false), y, "inference forward");

        Tensor dy = random(y.shape(), random);
        Tensor dx = conv.backward(dy);
        assertClose(dx, ConvReference.inputGradient(dy, weight, x.shape(), s, p, p), "dL/dx");
        assertClose(conv.parameters().get(0).grad(), ConvReference.weightGradient(x, dy, kh, kw, s, p, p), "dL/dW");
        if (bias) {
            assertClose(conv.parameters().get(1).grad(), ConvReference.biasGradient(dy), "dL/db");
        }
    }

    @Property(tries = 12)
    void fastPathAgreesWithTheReferenceAtLeNetSizes(@ForAll @IntRange(min = 0, max = 5) int which,
                                                    @ForAll @IntRange(min = 1, max = 10) int n,
                                                    @ForAll @IntRange(min = 0, max = 1000) int seed) {
        // real sizes: rows of OH*OW past the GEMM's 512-column blocks, C*KH*KW past its 256-deep blocks, batches
        // past dL/dW's 8 chunks, the 3x3 SAME convolutions of vgg (several images a group, several groups); and
        // the first-layer switch that skips dL/dx
        Case k = switch (which) {
            case 0 -> of(n, 3, 6, 32, 32, 5, 5, 1, 0, true);       // LeNet conv1: 784 positions, 75 rows
            case 1 -> of(n, 6, 16, 14, 14, 5, 5, 1, 0, true);      // LeNet conv2
            case 2 -> of(n, 1, 3, 40, 40, 3, 3, 1, 1, false);      // 1,600 positions
            case 3 -> of(n, 12, 5, 9, 9, 5, 5, 2, 2, true);        // 300 rows, stride 2, padding
            case 4 -> of(n, 16, 8, 8, 8, 3, 3, 1, 1, true);        // 3x3 SAME on 8x8 (vgg): 8 images a group
            default -> of(n, 3, 4, 32, 32, 3, 3, 1, 1, false);     // 3x3 SAME on 32x32 (vgg's first layer)
        };
        SplittableRandom random = new SplittableRandom(seed);
        Conv2D conv = randomLayer(k, random);
        Tensor weight = conv.parameters().get(0).value();
        Tensor b = k.bias() ? conv.parameters().get(1).value() : null;
        Tensor x = random(conv.inputShape().withBatch(n), random);
        Tensor y = conv.forward(x, true);
        assertClose(y, ConvReference.forward(x, weight, b, k.stride(), k.pad(), k.pad()), "forward");
        assertThat(conv.forward(x, false).data()).as("inference = training forward").containsExactly(y.data());
        Tensor dy = random(y.shape(), random);
        Tensor dx = conv.backward(dy).copy();
        assertClose(dx, ConvReference.inputGradient(dy, weight, x.shape(), k.stride(), k.pad(), k.pad()),
                "dL/dx");
        assertClose(conv.parameters().get(0).grad(), ConvReference.weightGradient(x, dy, k.kernelHeight(),
                k.kernelWidth(), k.stride(), k.pad(), k.pad()), "dL/dW");
        Tensor first = conv.parameters().get(0).grad().copy();
        conv.parameters().get(0).zeroGrad();
        conv.setInputGradientNeeded(false);
        conv.forward(x, true);
        assertThat(conv.backward(dy)).as("dL/dx when switched off").isNull();
        assertThat(conv.parameters().get(0).grad().data()).containsExactly(first.data());
    }

    @Property(tries = 60)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int n,
                                          @ForAll @IntRange(min = 1, max = 3) int c,
                                          @ForAll @IntRange(min = 1, max = 3) int f,
                                          @ForAll @IntRange(min = 1, max = 8) int h,
                                          @ForAll @IntRange(min = 1, max = 8) int w,
                                          @ForAll @IntRange(min = 1, max = 4) int kh,
                                          @ForAll @IntRange(min = 1, max = 4) int kw,
                                          @ForAll @IntRange(min = 1, max = 3) int s,
                                          @ForAll @IntRange(min = 0, max = 2) int p,
                                          @ForAll boolean bias,
                                          @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Case k = of(n, c, f, h, w, kh, kw, s, p, bias);
        SplittableRandom random = new SplittableRandom(seed);
        Conv2D conv = randomLayer(k, random);
        Tensor x = random(Shape.of(n, c, h, w), random);
        GradientCheck.Report report = GradientCheck.of(conv).seed(seed).check(x);
        assertThat(report.entries()).hasSize(bias ? 3 : 2);
        assertThat(report.maxError()).as(report.toString()).isLessThan(1e-2);
    }

    @Property
    void sameKeepsTheSizeAtStrideOne(@ForAll @IntRange(min = 1, max = 9) int h,
                                     @ForAll @IntRange(min = 1, max = 9) int w,
                                     @ForAll @IntRange(min = 0, max = 2) int halfKernel) {
        int kernel = 2 * halfKernel + 1;
        Assume.that(h + 2 * halfKernel >= kernel && w + 2 * halfKernel >= kernel);
        Conv2D conv = new Conv2D(Shape.of(1, h, w), 2, kernel, kernel, 1, Padding.SAME, true);
        assertThat(conv.outputShape()).isEqualTo(Shape.of(2, h, w));
    }
}
