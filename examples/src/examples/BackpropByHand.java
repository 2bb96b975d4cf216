package examples;

import io.github.jcnn.kernels.ConvReference;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Locale;

/**
 * The lecture's 1-D backpropagation example, worked with numbers and checked against the Conv2D layer:
 * <pre>
 *   O1 = I1 W1 + I2 W2 + I3 W3
 *   O2 = I2 W1 + I3 W2 + I4 W3
 * </pre>
 * dO/dI is the matrix [W1 W2 W3 0; 0 W1 W2 W3], dO/dW is [I1 I2 I3; I2 I3 I4]; the input gradient
 * dL/dI = (dO/dI)^T dL/dO is a full convolution of dL/dO with the flipped kernel, and dL/dW a valid convolution of the
 * input with dL/dO.
 *
 * <pre>
 *   Run:  examples/run BackpropByHand
 * </pre>
 * The layer is a Conv2D on a 1x4 image with one 1x3 filter and no bias; the pieces of the full convolution come from
 * {@code kernels.ConvReference}. Writes no pictures.
 */
public final class BackpropByHand {

    private BackpropByHand() {
    }

    static final float[] INPUT = {3, 1, 2, 4};
    static final float[] KERNEL = {2, -1, 1};
    static final float[] OUTPUT_GRADIENT = {1, -2};

    public static void main(String[] args) {
        Args.parse(args);
        float i1 = INPUT[0], i2 = INPUT[1], i3 = INPUT[2], i4 = INPUT[3];
        float w1 = KERNEL[0], w2 = KERNEL[1], w3 = KERNEL[2];
        System.out.println("I = " + row(INPUT) + "    W = " + row(KERNEL));
        Conv2D conv = new Conv2D(Shape.of(1, 1, 4), 1, 1, 3, 1, Padding.VALID, false);
        Parameter weight = conv.parameters().get(0);
        weight.value().copyFromInPlace(Tensor.of(Shape.of(1, 1, 1, 3), KERNEL));
        Tensor x = Tensor.of(Shape.of(1, 1, 1, 4), INPUT);
        Tensor o = conv.forward(x, true);
        System.out.printf(Locale.ROOT, "O1 = I1*W1 + I2*W2 + I3*W3 = %s*%s + %s*%s + %s*%s = %s%n",
                n(i1), p(w1), n(i2), p(w2), n(i3), p(w3), n(i1 * w1 + i2 * w2 + i3 * w3));
        System.out.printf(Locale.ROOT, "O2 = I2*W1 + I3*W2 + I4*W3 = %s*%s + %s*%s + %s*%s = %s%n",
                n(i2), p(w1), n(i3), p(w2), n(i4), p(w3), n(i2 * w1 + i3 * w2 + i4 * w3));
        System.out.println("Conv2D (1x4 input, one 1x3 filter) returns O = " + row(o.toArray()));
        System.out.println();

        // The two Jacobians by hand, and row by row from the layer: backward(e_k) gives row k.
        Tensor dOdI = Tensor.of(Shape.of(2, 4), w1, w2, w3, 0, 0, w1, w2, w3);
        Tensor dOdW = Tensor.of(Shape.of(2, 3), i1, i2, i3, i2, i3, i4);
        Tensor layerDOdI = Tensor.zeros(2, 4);
        Tensor layerDOdW = Tensor.zeros(2, 3);
        for (int k = 0; k < 2; k++) {
            Tensor unit = Tensor.zeros(1, 1, 1, 2);
            unit.data()[k] = 1;
            weight.zeroGrad();
            Tensor dx = conv.backward(unit);
            System.arraycopy(dx.data(), 0, layerDOdI.data(), k * 4, 4);
            System.arraycopy(weight.grad().data(), 0, layerDOdW.data(), k * 3, 3);
        }
        System.out.println("dO/dI = [W1 W2 W3 0; 0 W1 W2 W3] (row k: how O_k moves with each input):");
        System.out.println(Grids.format(dOdI));
        System.out.println("the layer's backward with dL/dO = (1, 0) and then (0, 1) gives the same rows:");
        System.out.println(Grids.format(layerDOdI));
        System.out.println("dO/dW = [I1 I2 I3; I2 I3 I4] (each weight multiplied a different input in each output):");
        System.out.println(Grids.format(dOdW));
        System.out.println("the layer's weight gradients for the same two unit vectors:");
        System.out.println(Grids.format(layerDOdW));
        System.out.println("match: dO/dI " + (dOdI.maxAbsDifference(layerDOdI) == 0) + ", dO/dW "
                + (dOdW.maxAbsDifference(layerDOdW) == 0));
        System.out.println();

        // A loss gradient dL/dO = (g1, g2): the chain rule sums over the outputs that read each input.
        float g1 = OUTPUT_GRADIENT[0], g2 = OUTPUT_GRADIENT[1];
        Tensor g = Tensor.of(Shape.of(1, 1, 1, 2), OUTPUT_GRADIENT);
        System.out.println("now a loss gradient dL/dO = " + row(OUTPUT_GRADIENT));
        float[] byHand = {w1 * g1, w2 * g1 + w1 * g2, w3 * g1 + w2 * g2, w3 * g2};
        System.out.println("dL/dI = (dO/dI)^T dL/dO = (W1 g1, W2 g1 + W1 g2, W3 g1 + W2 g2, W3 g2)");
        line("  by hand:", byHand);
        weight.zeroGrad();
        Tensor layerDx = conv.backward(g);
        line("Conv2D.backward:", layerDx.toArray());
        Tensor padded = ConvReference.pad(g, 0, 2);
        Tensor flipped = ConvReference.rotate180(weight.value());
        Tensor full = ConvReference.forward(padded, flipped, null, 1, 0, 0);
        line("full convolution of dL/dO with the flipped kernel:", full.toArray());
        System.out.println("  dL/dO padded with K - 1 = 2 zeros " + row(padded.toArray()) + ", the kernel flipped "
                + row(flipped.toArray()) + ", slid over it:");
        for (int p = 0; p < 4; p++) {
            float[] window = java.util.Arrays.copyOfRange(padded.toArray(), p, p + 3);
            System.out.printf(Locale.ROOT, "    position %d: %s . %s = %s%n", p + 1, row(window), row(flipped.toArray()),
                    n(window[0] * flipped.data()[0] + window[1] * flipped.data()[1] + window[2] * flipped.data()[2]));
        }
        Tensor reference = ConvReference.inputGradient(g, weight.value(), x.shape(), 1, 0, 0);
        line("ConvReference.inputGradient:", reference.toArray());
        System.out.println("all equal: " + (layerDx.maxAbsDifference(full) == 0
                && layerDx.maxAbsDifference(Tensor.of(layerDx.shape(), byHand)) == 0
                && layerDx.maxAbsDifference(reference) == 0));
        System.out.println();

        float[] dwByHand = {i1 * g1 + i2 * g2, i2 * g1 + i3 * g2, i3 * g1 + i4 * g2};
        line("dL/dW = (I1 g1 + I2 g2, I2 g1 + I3 g2, I3 g1 + I4 g2) =", dwByHand);
        line("Conv2D's weight gradient:", weight.grad().toArray());
        Tensor valid = ConvReference.forward(x, g, null, 1, 0, 0);
        line("valid convolution of I with dL/dO (ConvReference):", valid.toArray());
        System.out.println("all equal: " + (weight.grad().maxAbsDifference(valid.reshape(1, 1, 1, 3)) == 0
                && weight.grad().maxAbsDifference(Tensor.of(Shape.of(1, 1, 1, 3), dwByHand)) == 0));
    }

    /** A label and numbers, the numbers lined up in one column. */
    static void line(String label, float[] values) {
        System.out.printf(Locale.ROOT, "%-56s %s%n", label, row(values));
    }

    /** Numbers in parentheses, whole numbers without decimals. */
    static String row(float[] values) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "" : ", ").append(n(values[i]));
        }
        return s.append(')').toString();
    }

    /** A number, in parentheses when negative (for products like 1*(-1)). */
    static String p(float v) {
        return v < 0 ? "(" + n(v) + ")" : n(v);
    }

    static String n(float v) {
        if (v < 0 && v == Math.rint(v)) {
            return Integer.toString(Math.round(v));
        }
        return v == Math.rint(v) ? Integer.toString(Math.round(v)) : String.format(Locale.ROOT, "%.3f", v);
    }
}
