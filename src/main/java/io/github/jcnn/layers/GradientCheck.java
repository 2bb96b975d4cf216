package io.github.jcnn.layers;

import io.github.jcnn.losses.Loss;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Checks a backward pass against central finite differences: the way to prove that a layer's gradients are right.
 *
 * <p>For a layer y = f(x; w) the check builds the scalar loss L = &Sigma; y<sub>i</sub> r<sub>i</sub> with a fixed
 * random tensor r, so that dL/dy = r. The analytic gradients come from {@code backward(r)}; the numerical ones from
 * nudging each number v of x and of every parameter by &plusmn;&epsilon;:
 * <pre>
 *   dL/dv  &asymp;  ( L(v + eps) - L(v - eps) ) / (2 eps)          error O(eps^2)
 *
 *   error(v) = |analytic - numerical| / max(|analytic|, |numerical|, floor)
 * </pre>
 * The report gives, per tensor, the largest error. Why these defaults (float32): a float has about 7 significant
 * digits, so L is known to about 1e-7 relative; divided by 2&epsilon; this rounding noise grows as &epsilon; shrinks,
 * while the truncation error grows as &epsilon;&sup2;. &epsilon; = 1e-2 balances the two for values of order 1, and
 * the floor 1e-2 keeps tiny gradients (where only rounding noise is left) from producing meaningless ratios. With
 * these, a correct layer stays well below the tolerance 1e-2, and a wrong formula (a missing factor, a
 * transposed index) gives errors of order 1. The loss itself is summed in double.
 *
 * <p>Keep inputs off kinks (ReLU at 0, ties in max pooling): there the function is not differentiable and the two
 * estimates can honestly disagree. Example, for a user's own layer:
 * <pre>{@code
 *   GradientCheck.Report report = GradientCheck.of(myLayer).check(input);
 *   System.out.println(report);                 // one row per tensor: largest error, where
 *   assert report.maxError() < 1e-2;
 * }</pre>
 * The check calls {@code forward(x, true)} many times; a layer with training-time randomness (dropout) must give the
 * same output each time, for which {@link #beforeEachForward(Runnable)} can reset its generator.
 */
public final class GradientCheck {

    private final Layer layer;
    private double epsilon = 1e-2;
    private double floor = 1e-2;
    private long seed = 1;
    private int maxChecksPerTensor = Integer.MAX_VALUE;
    private Runnable beforeEachForward = () -> { };

    private GradientCheck(Layer layer) {
        this.layer = layer;
    }

    /** A checker for {@code layer} with the default settings (epsilon 1e-2, floor 1e-2). */
    public static GradientCheck of(Layer layer) {
        return new GradientCheck(layer);
    }

    /** The step &epsilon; of the central difference. */
    public GradientCheck epsilon(double epsilon) {
        this.epsilon = epsilon;
        return this;
    }

    /** The smallest denominator of the relative error. */
    public GradientCheck floor(double floor) {
        this.floor = floor;
        return this;
    }

    /** The seed of the random projection r (and of which elements are sampled). */
    public GradientCheck seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** Checks at most this many numbers of each tensor, chosen at random; default: every number. */
    public GradientCheck maxChecksPerTensor(int maxChecks) {
        this.maxChecksPerTensor = maxChecks;
        return this;
    }

    /** Runs before every forward pass, e.g. to reset a dropout generator so that all passes agree. */
    public GradientCheck beforeEachForward(Runnable hook) {
        this.beforeEachForward = hook;
        return this;
    }

    /**
     * Checks dL/dx and the gradient of every parameter of the layer at {@code input} (shape (N, inputShape...)).
     * The input tensor is nudged and restored; the parameters' gradients are overwritten.
     */
    public Report check(Tensor input) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor x = input.copy();
        beforeEachForward.run();
        Tensor y = layer.forward(x, true);
        Tensor r = Tensor.zeros(y.shape());
        for (int i = 0; i < r.size(); i++) {
            r.data()[i] = (float) (random.nextDouble() * 2 - 1);
        }
        for (Parameter p : layer.parameters()) {
            p.zeroGrad();
        }
        Tensor dx = layer.backward(r);
        List<Tensor> analyticParams = new ArrayList<>();
        for (Parameter p : layer.parameters()) {
            analyticParams.add(p.grad().copy());
        }
        DoubleSupplier loss = () -> {
            beforeEachForward.run();
            Tensor out = layer.forward(x, true);
            return dot(out, r);
        };
        Report report = new Report(layer.type());
        report.add(compare("input", x, dx, loss, random));
        List<Parameter> params = layer.parameters();
        for (int i = 0; i < params.size(); i++) {
            report.add(compare(params.get(i).name(), params.get(i).value(), analyticParams.get(i), loss, random));
        }
        return report;
    }

    /**
     * Checks a whole stack of layers ending in a loss: the gradient of loss(layers(x), labels) with respect to the
     * input and every parameter of every layer. Parameters are named {@code "#index Type name"}.
     */
    public static Report checkStack(List<Layer> layers, Loss loss, Tensor input, int[] labels, double epsilon,
                                    double floor) {
        return checkStack(layers, loss, input, labels, epsilon, floor, Integer.MAX_VALUE);
    }

    /**
     * As {@link #checkStack(List, Loss, Tensor, int[], double, double)}, checking at most {@code maxChecksPerTensor}
     * randomly chosen numbers of each tensor (a whole LeNet-5 has 62,006 parameters, each needing two passes).
     */
    public static Report checkStack(List<Layer> layers, Loss loss, Tensor input, int[] labels, double epsilon,
                                    double floor, int maxChecksPerTensor) {
        Tensor x = input.copy();
        for (Layer l : layers) {
            for (Parameter p : l.parameters()) {
                p.zeroGrad();
            }
        }
        Tensor out = x;
        for (Layer l : layers) {
            out = l.forward(out, true);
        }
        Tensor grad = loss.gradient(out, labels);
        for (int i = layers.size() - 1; i >= 0; i--) {
            grad = layers.get(i).backward(grad);
        }
        Tensor dx = grad;
        DoubleSupplier value = () -> {
            Tensor o = x;
            for (Layer l : layers) {
                o = l.forward(o, true);
            }
            return loss.loss(o, labels);
        };
        GradientCheck settings = new GradientCheck(null).epsilon(epsilon).floor(floor)
                .maxChecksPerTensor(maxChecksPerTensor);
        SplittableRandom random = new SplittableRandom(1);
        Report report = new Report("stack of " + layers.size() + " layers + " + loss.name());
        report.add(settings.compare("input", x, dx, value, random));
        for (int i = 0; i < layers.size(); i++) {
            for (Parameter p : layers.get(i).parameters()) {
                report.add(settings.compare("#" + i + " " + layers.get(i).type() + " " + p.name(), p.value(),
                        p.grad().copy(), value, random));
            }
        }
        return report;
    }

    private Entry compare(String name, Tensor variable, Tensor analytic, DoubleSupplier loss,
                          SplittableRandom random) {
        float[] v = variable.data();
        int n = v.length;
        int[] indices;
        if (n <= maxChecksPerTensor) {
            indices = new int[n];
            for (int i = 0; i < n; i++) {
                indices[i] = i;
            }
        } else {
            indices = new int[maxChecksPerTensor];
            for (int i = 0; i < indices.length; i++) {
                indices[i] = random.nextInt(n);
            }
        }
        double worst = 0;
        double worstAbs = 0;
        int worstIndex = -1;
        double worstAnalytic = 0;
        double worstNumeric = 0;
        for (int i : indices) {
            float saved = v[i];
            v[i] = (float) (saved + epsilon);
            double plus = loss.getAsDouble();
            v[i] = (float) (saved - epsilon);
            double minus = loss.getAsDouble();
            v[i] = saved;
            double numeric = (plus - minus) / (2 * epsilon);
            double a = analytic.data()[i];
            double abs = Math.abs(a - numeric);
            double rel = abs / Math.max(floor, Math.max(Math.abs(a), Math.abs(numeric)));
            if (rel > worst || worstIndex < 0) {
                worst = rel;
                worstIndex = i;
                worstAnalytic = a;
                worstNumeric = numeric;
            }
            worstAbs = Math.max(worstAbs, abs);
        }
        return new Entry(name, variable.shape().toString(), indices.length, worst, worstAbs, worstIndex,
                worstAnalytic, worstNumeric);
    }

    private static double dot(Tensor a, Tensor b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            s += (double) a.data()[i] * b.data()[i];
        }
        return s;
    }

    /**
     * One checked tensor: how many numbers were checked and the largest relative error, with where it occurred.
     *
     * @param name           the tensor ("input", "weight", ...)
     * @param shape          its shape
     * @param checked        how many of its numbers were checked
     * @param maxError       the largest relative error
     * @param maxAbsError    the largest absolute difference
     * @param worstIndex     the flat index of the largest relative error
     * @param analytic       the analytic gradient there
     * @param numerical      the numerical gradient there
     */
    public record Entry(String name, String shape, int checked, double maxError, double maxAbsError, int worstIndex,
                        double analytic, double numerical) {
    }

    /** The result of a check: one {@link Entry} per tensor. */
    public static final class Report {
        private final String subject;
        private final List<Entry> entries = new ArrayList<>();

        Report(String subject) {
            this.subject = subject;
        }

        void add(Entry e) {
            entries.add(e);
        }

        /** The entries, input first, then the parameters in order. */
        public List<Entry> entries() {
            return List.copyOf(entries);
        }

        /** The largest relative error over all entries. */
        public double maxError() {
            double m = 0;
            for (Entry e : entries) {
                m = Math.max(m, e.maxError());
            }
            return m;
        }

        /** True when every entry's largest relative error is at most {@code tolerance}. */
        public boolean passed(double tolerance) {
            return maxError() <= tolerance;
        }

        /** A table: tensor, shape, numbers checked, largest relative error, and the two gradients there. */
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("Gradient check of " + subject + "\n");
            s.append(String.format(Locale.ROOT, "%-28s %-16s %8s %12s %14s %14s%n", "tensor", "shape", "checked",
                    "max rel err", "analytic", "numerical"));
            for (Entry e : entries) {
                s.append(String.format(Locale.ROOT, "%-28s %-16s %8d %12.3e %14.6g %14.6g%n", e.name(), e.shape(),
                        e.checked(), e.maxError(), e.analytic(), e.numerical()));
            }
            return s.toString();
        }
    }
}
