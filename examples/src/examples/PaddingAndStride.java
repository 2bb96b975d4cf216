package examples;

import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;

/**
 * Valid, same and strided convolution: the output size formula floor((n + 2p - f) / s) + 1, worked out for several
 * cases and checked against the shape that the Conv2D layer actually returns.
 *
 * <pre>
 *   Run:  examples/run PaddingAndStride
 * </pre>
 * Prints a table (n, f, p, s, the arithmetic, the formula's answer, Conv2D's output) and then a 5x5 image of
 * 1..25 convolved with a 3x3 kernel of ones under valid padding, same padding and stride 2, as grids. Writes no
 * pictures.
 */
public final class PaddingAndStride {

    private PaddingAndStride() {
    }

    /** One case of the table: input size n, kernel f, padding, stride s, and what it shows. */
    record Case(int n, int f, Padding padding, int s, String note) {
    }

    public static void main(String[] args) {
        Args.parse(args);   // no options besides the common ones
        System.out.println("output size = floor((n + 2p - f) / s) + 1    n input, f kernel, p padding, s stride");
        System.out.println();
        Case[] cases = {
            new Case(6, 3, Padding.VALID, 1, "the lecture's 6x6 * 3x3: shrinks by f - 1"),
            new Case(6, 3, Padding.SAME, 1, "same: p = (f - 1) / 2 = 1 keeps the size"),
            new Case(6, 3, Padding.of(2), 1, "more padding than same: grows"),
            new Case(7, 3, Padding.VALID, 2, "stride 2"),
            new Case(6, 3, Padding.VALID, 2, "stride 2, floor(1.5): the last column is never read"),
            new Case(7, 3, Padding.SAME, 2, "same padding with stride 2: about n / s"),
            new Case(32, 5, Padding.VALID, 1, "LeNet-5's first layer"),
            new Case(14, 5, Padding.VALID, 1, "LeNet-5's second layer"),
            new Case(32, 5, Padding.SAME, 1, "same with a 5x5 kernel: p = 2"),
            new Case(227, 11, Padding.VALID, 4, "AlexNet's first layer"),
        };
        System.out.printf("%4s %3s %8s %3s   %-34s %8s %12s  %s%n", "n", "f", "padding", "s", "formula", "= out",
                "Conv2D out", "");
        int mismatches = 0;
        for (Case c : cases) {
            int p = c.padding().amount(c.f());
            int top = c.n() + 2 * p - c.f();
            int formula = Math.floorDiv(top, c.s()) + 1;
            String arithmetic = String.format("floor((%d + %d - %d) / %d) + 1", c.n(), 2 * p, c.f(), c.s());
            Conv2D conv = new Conv2D(Shape.of(1, c.n(), c.n()), 1, c.f(), c.f(), c.s(), c.padding(), true);
            Tensor y = conv.forward(Tensor.zeros(1, 1, c.n(), c.n()), false);
            int actual = y.shape().dim(2);
            boolean same = actual == formula && y.shape().dim(3) == formula;
            mismatches += same ? 0 : 1;
            System.out.printf("%4d %3d %8s %3d   %-34s %8d %12s  %s%n", c.n(), c.f(), c.padding() + "", c.s(),
                    arithmetic, formula, actual + "x" + y.shape().dim(3) + (same ? "  ok" : "  MISMATCH"), c.note());
        }
        System.out.println(mismatches == 0 ? "formula and Conv2D agree on every case"
                : mismatches + " case(s) where the formula and Conv2D disagree");
        System.out.println();

        Tensor image = Tensor.zeros(1, 1, 5, 5);
        for (int i = 0; i < 25; i++) {
            image.data()[i] = i + 1;
        }
        System.out.println("a 5x5 image and a 3x3 kernel of ones (each output = the sum of a 3x3 window):");
        System.out.println(Grids.format(image.reshape(5, 5)));
        show("valid (p = 0, s = 1): floor((5 + 0 - 3) / 1) + 1 = 3", image, Padding.VALID, 1);
        show("same (p = 1, s = 1): floor((5 + 2 - 3) / 1) + 1 = 5; the border windows include zeros", image,
                Padding.SAME, 1);
        show("valid, stride 2: floor((5 + 0 - 3) / 2) + 1 = 2; the window jumps two pixels", image, Padding.VALID, 2);
        show("same, stride 2: floor((5 + 2 - 3) / 2) + 1 = 3", image, Padding.SAME, 2);
    }

    private static void show(String title, Tensor image, Padding padding, int stride) {
        Conv2D conv = new Conv2D(image.shape().dropFirst(), 1, 3, 3, stride, padding, false);
        conv.parameters().get(0).value().fill(1);
        Tensor y = conv.forward(image, false);
        System.out.println(title + ":");
        System.out.println(Grids.format(y.reshape(y.shape().dim(2), y.shape().dim(3))));
    }
}
