package examples;

import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Convolution over colour images: a 6x6x3 input with one 3x3x3 filter gives one 4x4 map; with F filters the maps are
 * stacked into a 4x4xF output. Ends with the lecture's quiz: 20 filters of 3x3x3 have 560 parameters.
 *
 * <pre>
 *   Run:  examples/run RgbFilters
 * </pre>
 * Prints the three channels of the input, the filter's three slices, each channel's contribution and their sum (checked
 * against Conv2D), then the stacked output of two filters, then the parameter count with its arithmetic. Writes
 * rgb-filter.png into the output folder (default {@code jcnn-out/RgbFilters}): a row per channel (the channel, the
 * filter's slice for it, their convolution) and the sum that Conv2D returns.
 */
public final class RgbFilters {

    private RgbFilters() {
    }

    static final String[] CHANNELS = {"red", "green", "blue"};

    /** Pale tints for the red, green and blue channels' cells. */
    static final Color[] TINTS = {new Color(0xfcd5d5), new Color(0xd5f0d5), new Color(0xd5e0fc)};

    public static void main(String[] args) throws IOException {
        Args a = Args.parse(args);
        Path out = a.outDir("RgbFilters");
        // A 6x6 RGB image: red has a vertical edge (left half 10), green a horizontal edge (top half 10),
        // blue is a constant 5. Stored as (N, C, H, W) = (1, 3, 6, 6).
        Tensor image = Tensor.zeros(1, 3, 6, 6);
        for (int r = 0; r < 6; r++) {
            for (int c = 0; c < 6; c++) {
                image.set(c < 3 ? 10 : 0, 0, 0, r, c);
                image.set(r < 3 ? 10 : 0, 0, 1, r, c);
                image.set(5, 0, 2, r, c);
            }
        }
        System.out.println("input: 6x6x3 (height x width x channels), one 6x6 grid per channel");
        for (int ch = 0; ch < 3; ch++) {
            System.out.println(CHANNELS[ch] + ":");
            System.out.println(Grids.format(channel(image, ch)));
        }

        // One filter is a 3x3x3 block: a 3x3 slice per input channel. Weight shape (F, C, KH, KW) = (1, 3, 3, 3).
        float[] vertical = {1, 0, -1, 1, 0, -1, 1, 0, -1};
        float[] horizontal = {1, 1, 1, 0, 0, 0, -1, -1, -1};
        float[] zero = new float[9];
        Tensor oneFilter = weights(new float[][][] {{vertical, horizontal, zero}});
        System.out.println("one 3x3x3 filter: vertical-edge slice on red, horizontal-edge slice on green, zeros on blue");
        Conv2D conv = new Conv2D(Shape.of(3, 6, 6), 1, 3, 3, 1, Padding.VALID, false);
        conv.parameters().get(0).value().copyFromInPlace(oneFilter);
        Tensor y = conv.forward(image, false);
        System.out.println("each output number sums 3 x 3 x 3 = 27 products, so the channels' contributions add up:");
        Tensor sum = Tensor.zeros(4, 4);
        Figure figure = Figure.titled(
                "One 3x3x3 filter over a 6x6x3 image: a 3x3 slice per channel, the results added");
        for (int ch = 0; ch < 3; ch++) {
            float[] slice = new float[][] {vertical, horizontal, zero}[ch];
            Tensor part = EdgeDetection.convolve(channel(image, ch).copy().reshape(1, 1, 6, 6), slice).reshape(4, 4);
            sum.addInPlace(part);
            System.out.println(CHANNELS[ch] + " * its slice:");
            System.out.println(Grids.format(part));
            figure.panel(Figure.matrix(rows(channel(image, ch)), tinted(6, TINTS[ch]), 30), CHANNELS[ch] + " channel")
                    .panel(Figure.matrix(rows(Tensor.of(Shape.of(3, 3), slice)), tinted(3, TINTS[ch]), 30),
                            "* the filter's " + CHANNELS[ch] + " slice")
                    .panel(Figure.matrix(rows(part), null, 34), "= the " + CHANNELS[ch] + " contribution, 4x4")
                    .nextRow();
        }
        System.out.println("Conv2D output, shape " + y.shape() + " = one 4x4 map (4x4x1):");
        System.out.println(Grids.format(y.reshape(4, 4)));
        System.out.println("equals the sum of the three contributions: " + (y.reshape(4, 4).maxAbsDifference(sum) == 0));
        figure.panel(Figure.matrix(rows(y.reshape(4, 4)), null, 34), "Conv2D's output: red + green + blue, 4x4x1")
                .legend("Each output number sums 3 x 3 x 3 = 27 products (plus the bias, 0 here): 9 from each channel.")
                .legend("A second filter would give a second 4x4 map, stacked behind this one: 4x4x2.")
                .writePng(out.resolve("rgb-filter.png"));
        System.out.println("picture: rgb-filter.png in " + out);
        System.out.println();

        // Two filters: the one above, and one that looks for vertical edges in every channel.
        Tensor twoFilters = weights(new float[][][] {{vertical, horizontal, zero}, {vertical, vertical, vertical}});
        Conv2D conv2 = new Conv2D(Shape.of(3, 6, 6), 2, 3, 3, 1, Padding.VALID, false);
        conv2.parameters().get(0).value().copyFromInPlace(twoFilters);
        Tensor y2 = conv2.forward(image, false);
        System.out.println("two filters, weight shape (F, C, KH, KW) = " + conv2.parameters().get(0).value().shape()
                + " -> output " + y2.shape() + ", i.e. 4x4x2: one map per filter, stacked");
        for (int f = 0; f < 2; f++) {
            System.out.println("output channel " + f + (f == 0 ? " (the filter above):" : " (vertical edges in every channel):"));
            System.out.println(Grids.format(channel(y2, f)));
        }

        System.out.println("Quiz: a layer of 20 filters, each 3x3x3. How many parameters?");
        Conv2D quiz = new Conv2D(Shape.of(3, 32, 32), 20, 3);
        int perFilter = 3 * 3 * 3 + 1;
        System.out.println("  per filter: 3 x 3 x 3 weights + 1 bias = " + perFilter);
        System.out.println("  20 filters: " + perFilter + " x 20 = " + perFilter * 20);
        System.out.println("  Conv2D(3x32x32 input, 20 filters, 3x3).parameterCount() = " + quiz.parameterCount());
        System.out.println("  and the same for a 1000x1000x3 input: "
                + new Conv2D(Shape.of(3, 1000, 1000), 20, 3).parameterCount()
                + " (the filters are shared over all positions, so the image size does not matter)");
    }

    /** A size x size grid of one tint. */
    private static Color[][] tinted(int size, Color tint) {
        Color[][] tints = new Color[size][size];
        for (Color[] row : tints) {
            java.util.Arrays.fill(row, tint);
        }
        return tints;
    }

    /** A 2-D tensor as rows of numbers. */
    private static float[][] rows(Tensor matrix) {
        int h = matrix.shape().dim(0);
        int w = matrix.shape().dim(1);
        float[][] out = new float[h][w];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                out[r][c] = matrix.get(r, c);
            }
        }
        return out;
    }

    /** Channel c of the first image of a (1, C, H, W) tensor as an (H, W) matrix. */
    static Tensor channel(Tensor t, int c) {
        int h = t.shape().dim(2);
        int w = t.shape().dim(3);
        Tensor m = Tensor.zeros(h, w);
        System.arraycopy(t.data(), c * h * w, m.data(), 0, h * w);
        return m;
    }

    /** A (F, C, 3, 3) weight tensor from slices[f][c] (nine numbers each, row-major). */
    static Tensor weights(float[][][] slices) {
        int f = slices.length;
        int c = slices[0].length;
        Tensor w = Tensor.zeros(f, c, 3, 3);
        for (int i = 0; i < f; i++) {
            for (int j = 0; j < c; j++) {
                System.arraycopy(slices[i][j], 0, w.data(), (i * c + j) * 9, 9);
            }
        }
        return w;
    }
}
