package examples;

import io.github.jcnn.layers.AvgPool2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.MaxPool2D;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;

/**
 * Max and average pooling of the lecture's 6x6 matrix, with a 3x3 window and stride 3 (max {@code 7 9 / 7 7}) and
 * with a 2x2 window and stride 2.
 *
 * <pre>
 *   Run:  examples/run Pooling
 * </pre>
 * Prints the matrix and each pooled result as grids, with the window sums behind the averages. Writes no pictures.
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

    public static void main(String[] args) {
        Args.parse(args);
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
    }

    private static Tensor pool(Layer layer, Tensor x) {
        Tensor y = layer.forward(x, false);
        return y.reshape(y.shape().dim(2), y.shape().dim(3));
    }
}
