package examples;

import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Valid, same and strided convolution: the output size formula floor((n + 2p - f) / s) + 1, worked out for several
 * cases and checked against the shape that the Conv2D layer actually returns.
 *
 * <pre>
 *   Run:  examples/run PaddingAndStride
 * </pre>
 * Prints a table (n, f, p, s, the arithmetic, the formula's answer, Conv2D's output) and then a 5x5 image of
 * 1..25 convolved with a 3x3 kernel of ones under valid padding, same padding and stride 2, as grids. Writes
 * padding.png (valid and same padding, stride 1) and stride.png (stride 2) into the output folder (default
 * {@code jcnn-out/PaddingAndStride}): each case's input, zero border included, with the first two window positions
 * outlined, beside the output with the two numbers they give.
 */
public final class PaddingAndStride {

    private PaddingAndStride() {
    }

    /** One case of the table: input size n, kernel f, padding, stride s, and what it shows. */
    record Case(int n, int f, Padding padding, int s, String note) {
    }

    /** The first window position and the next one along the row. */
    static final Color FIRST = new Color(0x1f77b4);
    static final Color NEXT = new Color(0xff7f0e);
    static final Color PADDING = new Color(0xeeeeee);

    public static void main(String[] args) throws IOException {
        Args a = Args.parse(args);   // no options besides the common ones
        Path out = a.outDir("PaddingAndStride");
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

        writeCases("Padding: a 3x3 kernel of ones over a 5x5 image, stride 1", image, 1, out.resolve("padding.png"));
        writeCases("Stride 2: the same kernel, the window jumps two cells", image, 2, out.resolve("stride.png"));
        System.out.println("pictures of the four cases: padding.png and stride.png in " + out);
    }

    /** Valid and same padding at one stride: the padded input with two window positions, and each output. */
    private static void writeCases(String title, Tensor image, int stride, Path file) throws IOException {
        Figure figure = Figure.titled(title);
        int n = image.shape().dim(2);
        for (Padding padding : new Padding[] {Padding.VALID, Padding.SAME}) {
            int p = padding.amount(3);
            int size = n + 2 * p;
            float[][] in = new float[size][size];
            Color[][] tints = new Color[size][size];
            for (int r = 0; r < size; r++) {
                for (int c = 0; c < size; c++) {
                    boolean inside = r >= p && r < p + n && c >= p && c < p + n;
                    in[r][c] = inside ? image.get(0, 0, r - p, c - p) : 0;
                    tints[r][c] = inside ? null : PADDING;
                }
            }
            Tensor y = convolve(image, padding, stride);
            int outSize = y.shape().dim(2);
            float[][] o = new float[outSize][outSize];
            Color[][] outTints = new Color[outSize][outSize];
            for (int r = 0; r < outSize; r++) {
                for (int c = 0; c < outSize; c++) {
                    o[r][c] = y.get(0, 0, r, c);
                }
            }
            outTints[0][0] = FIRST.brighter();
            outTints[0][1] = NEXT.brighter();
            String name = padding == Padding.VALID ? "valid" : "same";
            figure.panel(Figure.matrix(in, tints, 30, List.of(new Figure.Box(0, 0, 3, 3, FIRST),
                            new Figure.Box(0, stride, 3, 3, NEXT))),
                    name + ": input " + n + "x" + n + (p > 0 ? " + zero border p = " + p : ", p = 0"));
            figure.panel(Figure.matrix(o, outTints, 36), String.format("output: floor((%d + %d - 3) / %d) + 1 = %d",
                    n, 2 * p, stride, outSize));
        }
        figure.legend("Blue: the first 3x3 window and the number it gives (the sum of its 9 cells);"
                        + " orange: the window one stride (" + stride + ") to the right.")
                .legend("Grey cells: the zero border that same padding adds, p = (f - 1) / 2 = 1.")
                .writePng(file);
    }

    private static Tensor convolve(Tensor image, Padding padding, int stride) {
        Conv2D conv = new Conv2D(image.shape().dropFirst(), 1, 3, 3, stride, padding, false);
        conv.parameters().get(0).value().fillInPlace(1);
        return conv.forward(image, false);
    }

    private static void show(String title, Tensor image, Padding padding, int stride) {
        Tensor y = convolve(image, padding, stride);
        System.out.println(title + ":");
        System.out.println(Grids.format(y.reshape(y.shape().dim(2), y.shape().dim(3))));
    }
}
