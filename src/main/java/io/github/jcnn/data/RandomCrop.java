package io.github.jcnn.data;

import io.github.jcnn.tensor.Shape;
import java.util.random.RandomGenerator;

/**
 * Data augmentation: pads an image (C, H, W) with {@code padding} zeros on every side and crops a random H x W window
 * back out, i.e. shifts the image by (dy, dx) with dy, dx drawn uniformly from -padding..padding and fills the
 * uncovered border with zeros (as torchvision's {@code RandomCrop(32, padding=4)}):
 * <pre>
 *   out[c][y][x] = in[c][y + dy][x + dx]   when 0 &lt;= y + dy &lt; H and 0 &lt;= x + dx &lt; W, else 0
 * </pre>
 * The same shift applies to all channels. Each call draws exactly two numbers from the generator (dy, then dx), so a
 * seed fixes the augmentation. Works in place without allocating. Zero is the padding value of the data as given,
 * i.e. the channel mean when applied after normalisation. Training data only.
 */
public final class RandomCrop implements Transform {

    private final int padding;

    /**
     * @param padding the largest shift in pixels, e.g. 4 for 32 x 32 images
     * @throws IllegalArgumentException if padding is negative
     */
    public RandomCrop(int padding) {
        if (padding < 0) {
            throw new IllegalArgumentException("padding must not be negative, got " + padding);
        }
        this.padding = padding;
    }

    /** The largest shift in pixels. */
    public int padding() {
        return padding;
    }

    /**
     * Shifts the (C, H, W) image at {@code offset} by a random (dy, dx) in place.
     *
     * @throws IllegalArgumentException if the shape is not (C, H, W)
     */
    @Override
    public void apply(float[] data, int offset, Shape shape, RandomGenerator random) {
        if (shape.rank() != 3) {
            throw new IllegalArgumentException("RandomCrop needs an image shape (C, H, W), got " + shape);
        }
        int dy = random.nextInt(2 * padding + 1) - padding;
        int dx = random.nextInt(2 * padding + 1) - padding;
        shift(data, offset, shape.dim(0), shape.dim(1), shape.dim(2), dy, dx);
    }

    /** out[y][x] = in[y + dy][x + dx] (0 outside), in place; rows are visited so that no source row is overwritten. */
    /**
     * data[from .. to) = 0, by a loop of its own: many short {@code Arrays.fill} calls here would shape how the JIT
     * compiles {@code Arrays.fill} for every other caller in the program (see {@code Elementwise.fill}).
     */
    private static void zero(float[] data, int from, int to) {
        for (int i = from; i < to; i++) {
            data[i] = 0f;
        }
    }

    static void shift(float[] data, int offset, int channels, int height, int width, int dy, int dx) {
        if (dy == 0 && dx == 0) {
            return;
        }
        int x0 = Math.max(0, -dx);              // first output column with a source
        int x1 = Math.min(width, width - dx);   // one past the last
        for (int c = 0; c < channels; c++) {
            int plane = offset + c * height * width;
            for (int k = 0; k < height; k++) {
                int y = dy >= 0 ? k : height - 1 - k; // dy > 0 reads rows below: go down; dy < 0: go up
                int row = plane + y * width;
                int sy = y + dy;
                if (sy < 0 || sy >= height || x0 >= x1) {
                    zero(data, row, row + width);
                    continue;
                }
                // arraycopy copies as if through a temporary array, so overlap within a row (dy == 0) is fine
                System.arraycopy(data, plane + sy * width + x0 + dx, data, row + x0, x1 - x0);
                zero(data, row, row + x0);
                zero(data, row + x1, row + width);
            }
        }
    }

    @Override
    public String toString() {
        return "RandomCrop(padding " + padding + ")";
    }
}
