package examples;

import io.github.jcnn.layers.AvgPool2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.MaxPool2D;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Max and average pooling of the lecture's 6x6 matrix, with a 3x3 window and stride 3 (max {@code 7 9 / 7 7}) and
 * with a 2x2 window and stride 2.
 *
 * <pre>
 *   Run:  examples/run Pooling
 * </pre>
 * Prints the matrix and each pooled result as grids, with the window sums behind the averages. Writes
 * pooling-3x3.png and pooling-2x2.png into the output folder (default {@code jcnn-out/Pooling}): the matrix with each
 * window in its own colour, beside the max-pooled and the average-pooled output, each number in its window's colour.
 */
public final class Pooling {

    private Pooling() {
    }

    static final float[] MATRIX = {
        3, 4, 6, 2, 1, 7,
        3, 5, 4, 9, 8, 8,
        1, 7, 5, 4, 6, 6,
        7, 2, 6, 5, 4, 5,
        6, 1, 7, 7, 2, 4,
        5, 3, 3, 1, 4, 3,
    };

    public static void main(String[] args) throws IOException {
        Args a = Args.parse(args);
        Path out = a.outDir("Pooling");
        Shape in = Shape.of(1, 6, 6);
        Tensor x = Tensor.of(in.withBatch(1), MATRIX);
        System.out.println("the lecture's 6x6 matrix:");
        System.out.println(Grids.format(x.reshape(6, 6)));

        System.out.println("3x3 windows, stride 3: output floor((6 - 3) / 3) + 1 = 2 per side");
        System.out.println("max pooling (the largest number of each window):");
        System.out.println(Grids.format(pool(new MaxPool2D(in, 3, 3), x)));
        System.out.println("average pooling (window sum / 9):");
        System.out.println(Grids.format(pool(new AvgPool2D(in, 3, 3), x)));
        System.out.println("  window sums:");
        System.out.println(Grids.format(pool(new AvgPool2D(in, 3, 3), x).scale(9)));

        System.out.println("2x2 windows, stride 2: output floor((6 - 2) / 2) + 1 = 3 per side");
        System.out.println("max pooling:");
        System.out.println(Grids.format(pool(new MaxPool2D(in, 2, 2), x)));
        System.out.println("average pooling (window sum / 4):");
        System.out.println(Grids.format(pool(new AvgPool2D(in, 2, 2), x)));

        System.out.println("pooling has no parameters: MaxPool2D " + new MaxPool2D(in, 3).parameterCount()
                + ", AvgPool2D " + new AvgPool2D(in, 3).parameterCount()
                + "; it works on each channel separately, so C channels in give C channels out.");

        writePicture(x, 3, out.resolve("pooling-3x3.png"));
        writePicture(x, 2, out.resolve("pooling-2x2.png"));
        System.out.println("pictures: pooling-3x3.png and pooling-2x2.png in " + out);
    }

    /** The matrix with its windows tinted, and the max and average outputs tinted the same way. */
    private static void writePicture(Tensor x, int window, Path file) throws IOException {
        Shape in = x.shape().dropFirst();
        float[][] matrix = rows(x.reshape(6, 6));
        float[][] max = rows(pool(new MaxPool2D(in, window, window), x));
        float[][] avg = rows(pool(new AvgPool2D(in, window, window), x));
        int n = max.length;
        Color[][] tints = new Color[6][6];
        Color[][] outTints = new Color[n][n];
        for (int r = 0; r < n * window; r++) {
            for (int c = 0; c < n * window; c++) {
                tints[r][c] = Figure.TINTS[(r / window * n + c / window) % Figure.TINTS.length];
                outTints[r / window][c / window] = tints[r][c];
            }
        }
        Figure.titled(String.format("Pooling the lecture's 6x6 matrix: %dx%d windows, stride %d", window, window,
                        window))
                .panel(Figure.matrix(matrix, tints, 34), "input 6x6")
                .panel(Figure.matrix(max, outTints, 44), "max pooling " + n + "x" + n)
                .panel(Figure.matrix(avg, outTints, 44), "average pooling " + n + "x" + n)
                .legend("Each output number comes from the window of its colour: the largest of its "
                        + window * window + " numbers (max), or their sum / " + window * window + " (average).")
                .legend(String.format("Output size: floor((6 - %d) / %d) + 1 = %d per side. Pooling has no parameters.",
                        window, window, n))
                .writePng(file);
    }

    private static float[][] rows(Tensor matrix) {
        int rows = matrix.shape().dim(0);
        int cols = matrix.shape().dim(1);
        float[][] out = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r][c] = matrix.get(r, c);
            }
        }
        return out;
    }

    private static Tensor pool(Layer layer, Tensor x) {
        Tensor y = layer.forward(x, false);
        return y.reshape(y.shape().dim(2), y.shape().dim(3));
    }
}
