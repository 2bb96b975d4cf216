package examples;

import io.github.jcnn.layers.AvgPool2D;
import io.github.jcnn.layers.BatchNorm;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Dense;
import io.github.jcnn.layers.Dropout;
import io.github.jcnn.layers.Flatten;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.LeakyReLU;
import io.github.jcnn.layers.MaxPool2D;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.ReLU;
import io.github.jcnn.layers.Sigmoid;
import io.github.jcnn.layers.Softmax;
import io.github.jcnn.layers.Tanh;
import io.github.jcnn.layers.WeightInit;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Proves the backward passes right: runs the library's gradient checker ({@link io.github.jcnn.layers.GradientCheck},
 * central finite differences) on every layer type and on the whole LeNet-5 with its loss, and prints the largest
 * relative error of each.
 *
 * <pre>
 *   Run:  examples/run GradientCheck [--tiny]
 * </pre>
 * A layer passes when its largest relative error is at most 1e-2 (float32; see the checker's javadoc for why). LeNet-5
 * is checked on a batch of 2 images with 25 sampled numbers per tensor (--tiny: 5), which takes a few seconds: with
 * tanh and average pooling (LeCun's original) and with ReLU and max pooling (each nudge audited: where it crosses a
 * kink, a ReLU sign change or a new pooling winner, the finite difference is not scored). Single-layer inputs are kept off kinks (ReLU at 0, max-pool ties). Writes no pictures.
 */
public final class GradientCheck {

    private GradientCheck() {
    }

    static final double TOLERANCE = 1e-2;

    public static void main(String[] args) {
        Args a = Args.parse(args);
        int samples = a.tiny() ? 5 : 25;
        System.out.println("relative error = |analytic - numerical| / max(|analytic|, |numerical|, 1e-2),"
                + " epsilon 1e-2; pass when <= " + TOLERANCE);
        System.out.println();
        System.out.printf(Locale.ROOT, "%-34s %-14s %8s %14s  %s%n", "layer", "input", "checked", "max rel error",
                "");
        List<Boolean> passed = new ArrayList<>();
        Shape image = Shape.of(2, 5, 5);
        Shape flat = Shape.of(6);
        check("Conv2D 3x3, stride 1, valid", new Conv2D(image, 3, 3), image, passed);
        check("Conv2D 3x3, stride 2, same", new Conv2D(image, 3, 3, 3, 2, Padding.SAME, true), image, passed);
        check("Conv2D 2x3, stride 2, pad 1", new Conv2D(image, 2, 2, 3, 2, Padding.of(1), true), image, passed);
        check("MaxPool2D 2x2, stride 2", new MaxPool2D(Shape.of(2, 4, 4), 2), Shape.of(2, 4, 4), passed);
        check("MaxPool2D 3x3, stride 1 (overlap)", new MaxPool2D(image, 3, 1), image, passed);
        check("AvgPool2D 2x2, stride 2", new AvgPool2D(Shape.of(2, 4, 4), 2), Shape.of(2, 4, 4), passed);
        check("AvgPool2D 3x3, stride 1 (overlap)", new AvgPool2D(image, 3, 1), image, passed);
        check("Flatten", new Flatten(image), image, passed);
        check("Dense 6 -> 4", new Dense(flat, 4), flat, passed);
        check("ReLU", new ReLU(image), image, passed);
        check("LeakyReLU (slope 0.1)", new LeakyReLU(image, 0.1f), image, passed);
        check("Sigmoid", new Sigmoid(image), image, passed);
        check("Tanh", new Tanh(image), image, passed);
        check("Softmax", new Softmax(flat), flat, passed);
        check("Dropout (rate 0.5)", new Dropout(image, 0.5), image, passed);
        check("BatchNorm (per channel)", new BatchNorm(image), image, passed);
        check("BatchNorm (per feature), batch 6", new BatchNorm(flat), flat, passed);

        // The whole LeNet-5 with softmax cross-entropy on its logits (the softmax layer is left out, as in training).
        // Checked pass/fail: LeNet-5 with LeCun's smooth activations (tanh, average pooling). The ReLU + max-pool
        // version that the other examples train has thousands of kinks, some always within epsilon of a nudge.
        Sequential smooth = Sequential.builder(Shape.of(3, 32, 32))
                .conv2d(6, 5).tanh().avgPool(2)
                .conv2d(16, 5).tanh().avgPool(2)
                .flatten().dense(120).tanh().dense(84).tanh().dense(10).softmax()
                .seed(42).build();
        io.github.jcnn.layers.GradientCheck.Report report = checkLeNet("LeNet-5, tanh + average pooling", smooth,
                samples);
        passed.add(report.passed(TOLERANCE));
        System.out.printf(Locale.ROOT, "LeNet-5 (tanh + average pooling) max rel error %.2e: %s%n",
                report.maxError(), report.passed(TOLERANCE) ? "pass" : "FAIL");
        System.out.println();

        // The lecture's LeNet-5 (ReLU, max pooling) is piecewise smooth: a nudge that moves a ReLU input across 0 or
        // changes the winner of a pooling window crosses a kink, and there the finite difference measures a different
        // piece of the function. So every sampled number is audited: the ReLU signs and pooling winners at v - step
        // and v + step are compared; where they are the same the function is smooth on that segment and the two
        // gradients must agree; where they differ the number is reported as "kink" and not scored. (Smaller steps
        // cross fewer kinks but drown in float32 rounding: at 6e-4 the rounding of the loss alone gives errors of
        // 1e-1, so the step stays 1e-2.)
        passed.add(checkReluLeNet(LectureData.lenet5(10, 42), samples));
        long failures = passed.stream().filter(p -> !p).count();
        System.out.println();
        System.out.println(failures == 0 ? "all " + passed.size() + " checks pass"
                : failures + " of " + passed.size() + " checks FAIL");
    }

    /**
     * Checks the ReLU + max-pool LeNet-5 number by number, auditing each finite difference for kinks (see main).
     * Returns whether every smooth number agrees within the tolerance.
     */
    private static boolean checkReluLeNet(Sequential model, int samples) {
        List<Layer> stack = new ArrayList<>(model.layers().subList(0, model.layers().size() - 1));
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        SplittableRandom random = new SplittableRandom(3);
        Tensor x = Tensor.zeros(2, 3, 32, 32);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = (float) random.nextDouble(-1, 1);
        }
        int[] labels = {3, 7};
        double epsilon = 1e-2;

        // analytic gradients: one training forward and backward
        for (Layer l : stack) {
            l.parameters().forEach(io.github.jcnn.layers.Parameter::zeroGrad);
        }
        Tensor out = x;
        for (Layer l : stack) {
            out = l.forward(out, true);
        }
        Tensor grad = loss.gradient(out, labels);
        for (int i = stack.size() - 1; i >= 0; i--) {
            grad = stack.get(i).backward(grad);
        }
        List<String> names = new ArrayList<>(List.of("input"));
        List<Tensor> values = new ArrayList<>(List.of(x));
        List<Tensor> analytic = new ArrayList<>(List.of(grad.copy()));
        for (int i = 0; i < stack.size(); i++) {
            for (io.github.jcnn.layers.Parameter p : stack.get(i).parameters()) {
                names.add("#" + i + " " + stack.get(i).type() + " " + p.name());
                values.add(p.value());
                analytic.add(p.grad().copy());
            }
        }

        System.out.printf(Locale.ROOT, "LeNet-5, ReLU + max pooling (%,d parameters) + softmax cross-entropy, batch of 2,"
                + " %d sampled numbers per tensor, each audited for kinks:%n", model.parameterCount(), samples);
        System.out.printf(Locale.ROOT, "  %-32s %-18s %8s %8s %14s%n", "tensor", "shape", "smooth", "kink",
                "max rel error");
        boolean ok = true;
        int smoothTotal = 0;
        int kinkTotal = 0;
        for (int t = 0; t < names.size(); t++) {
            float[] v = values.get(t).data();
            int smooth = 0;
            int kinks = 0;
            double worst = 0;
            for (int s = 0; s < Math.min(samples, v.length); s++) {
                int i = v.length <= samples ? s : random.nextInt(v.length);
                float saved = v[i];
                v[i] = (float) (saved + epsilon);
                StringBuilder plusPieces = new StringBuilder();
                double plus = lossAndPieces(stack, loss, x, labels, plusPieces);
                v[i] = (float) (saved - epsilon);
                StringBuilder minusPieces = new StringBuilder();
                double minus = lossAndPieces(stack, loss, x, labels, minusPieces);
                v[i] = saved;
                if (!plusPieces.toString().equals(minusPieces.toString())) {
                    kinks++;
                    continue;
                }
                double numerical = (plus - minus) / (2 * epsilon);
                smooth++;
                double a = analytic.get(t).data()[i];
                double error = Math.abs(a - numerical) / Math.max(1e-2, Math.max(Math.abs(a), Math.abs(numerical)));
                worst = Math.max(worst, error);
            }
            ok &= worst <= TOLERANCE;
            smoothTotal += smooth;
            kinkTotal += kinks;
            System.out.printf(Locale.ROOT, "  %-32s %-18s %8d %8d %14.2e%n", names.get(t),
                    values.get(t).shape().toString(), smooth, kinks, worst);
        }
        ok &= smoothTotal > 0;
        System.out.println("  A first-layer weight or bias feeds every position of its filter's map: 1,568 ReLU inputs"
                + " over 2 images, so");
        System.out.println("  most of its nudges cross a kink. Those numbers are proven by the tanh LeNet-5 above, the"
                + " single-layer checks");
        System.out.println("  and the library's LeNet-like stack property (LeNetStackGradientProperties).");
        System.out.printf(Locale.ROOT, "LeNet-5 (ReLU + max pooling): %d smooth numbers agree within %.0e: %s;"
                + " %d nudges crossed a kink (a ReLU input changed sign or a pooling window changed its winner)"
                + " and are not scored%n", smoothTotal, TOLERANCE, ok ? "pass" : "FAIL", kinkTotal);
        return ok;
    }

    /**
     * The loss at x, and in {@code pieces} which piece of the piecewise-smooth function x falls on: the sign of every
     * ReLU input and the winner of every max-pool window.
     */
    private static double lossAndPieces(List<Layer> stack, SoftmaxCrossEntropy loss, Tensor x, int[] labels,
                                        StringBuilder pieces) {
        Tensor y = x;
        for (Layer layer : stack) {
            if (layer instanceof ReLU) {
                for (float value : y.data()) {
                    pieces.append(value > 0 ? '+' : '-');
                }
            } else if (layer instanceof MaxPool2D pool) {
                appendWinners(y, pool, pieces);
            }
            y = layer.forward(y, false);
        }
        return loss.loss(y, labels);
    }

    /** The index of the largest input of every pooling window (input (N, C, H, W)). */
    private static void appendWinners(Tensor input, MaxPool2D pool, StringBuilder pieces) {
        Shape s = input.shape();
        int channels = s.dim(0) * s.dim(1);
        int h = s.dim(2);
        int w = s.dim(3);
        int k = pool.poolSize();
        int stride = pool.stride();
        float[] d = input.data();
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i + k <= h; i += stride) {
                for (int j = 0; j + k <= w; j += stride) {
                    int best = -1;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int u = 0; u < k; u++) {
                        for (int v = 0; v < k; v++) {
                            float value = d[(c * h + i + u) * w + j + v];
                            if (value > max) {
                                max = value;
                                best = u * k + v;
                            }
                        }
                    }
                    pieces.append((char) ('a' + best));
                }
            }
        }
    }

    /** Checks LeNet-5 without its softmax layer, with softmax cross-entropy, on 2 random images; prints the table. */
    private static io.github.jcnn.layers.GradientCheck.Report checkLeNet(String title, Sequential model,
                                                                        int samples) {
        List<Layer> stack = new ArrayList<>(model.layers().subList(0, model.layers().size() - 1));
        SplittableRandom random = new SplittableRandom(3);
        Tensor x = Tensor.zeros(2, 3, 32, 32);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = (float) random.nextDouble(-1, 1);
        }
        long start = System.nanoTime();
        io.github.jcnn.layers.GradientCheck.Report report = io.github.jcnn.layers.GradientCheck.checkStack(stack,
                new SoftmaxCrossEntropy(), x, new int[] {3, 7}, 1e-2, 1e-2, samples);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%s (%,d parameters) + softmax cross-entropy, batch of 2, %d sampled numbers"
                + " per tensor (%.1f s):%n", title, model.parameterCount(), samples, seconds);
        System.out.printf(Locale.ROOT, "  %-32s %-18s %8s %14s%n", "tensor", "shape", "checked", "max rel error");
        for (io.github.jcnn.layers.GradientCheck.Entry e : report.entries()) {
            System.out.printf(Locale.ROOT, "  %-32s %-18s %8d %14.2e%n", e.name(), e.shape(), e.checked(),
                    e.maxError());
        }
        return report;
    }

    /** Checks one layer on a batch of 2 random inputs kept at least 0.05 away from 0 and from each other. */
    private static void check(String name, Layer layer, Shape sampleShape, List<Boolean> passed) {
        SplittableRandom random = new SplittableRandom(name.hashCode());
        layer.initialize(WeightInit.HE, random);
        // Batch norm over features normalises N numbers per feature: with N = 2 they always become -1 and +1.
        Tensor x = Tensor.zeros(sampleShape.withBatch(name.contains("batch 6") ? 6 : 2));
        // Distinct values 0.05 apart, shuffled, with signs: no ReLU kinks within epsilon and no max-pool ties.
        int n = x.size();
        int[] order = io.github.jcnn.data.Datasets.permutation(n, 7);
        for (int i = 0; i < n; i++) {
            float magnitude = 0.1f + 0.05f * order[i];
            x.data()[i] = (i % 2 == 0 ? 1 : -1) * magnitude / (1 + 0.05f * n) * 2;
        }
        io.github.jcnn.layers.GradientCheck check = io.github.jcnn.layers.GradientCheck.of(layer);
        if (layer instanceof Dropout dropout) {
            check.beforeEachForward(() -> dropout.initialize(WeightInit.HE, new SplittableRandom(11)));
        }
        io.github.jcnn.layers.GradientCheck.Report report = check.check(x);
        int checked = report.entries().stream().mapToInt(io.github.jcnn.layers.GradientCheck.Entry::checked).sum();
        boolean ok = report.passed(TOLERANCE);
        passed.add(ok);
        System.out.printf(Locale.ROOT, "%-34s %-14s %8d %14.2e  %s%n", name, sampleShape.toString(), checked,
                report.maxError(), ok ? "pass" : "FAIL");
    }
}
