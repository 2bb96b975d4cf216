package io.github.jcnn.data;

import io.github.jcnn.tensor.Shape;
import java.util.random.RandomGenerator;

/**
 * Data augmentation: with probability p mirrors an image (C, H, W) left to right,
 * <pre>
 *   out[c][y][x] = in[c][y][W - 1 - x]
 * </pre>
 * in place. Each call draws exactly one number from the generator ({@code nextDouble() < p} flips), so a seed fixes
 * the augmentation. A cat facing left is still a cat; an upside-down one is rarer, hence no vertical flip.
 * Training data only.
 */
public final class RandomHorizontalFlip implements Transform {

    private final double probability;

    /**
     * @param probability the chance of a flip, 0 to 1 (0.5 is usual)
     * @throws IllegalArgumentException if it is outside [0, 1]
     */
    public RandomHorizontalFlip(double probability) {
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("the flip probability must be in [0, 1], got " + probability);
        }
        this.probability = probability;
    }

    /** The chance of a flip. */
    public double probability() {
        return probability;
    }

    /**
     * Mirrors the image at {@code offset} with probability p.
     *
     * @throws IllegalArgumentException if the shape is not (C, H, W)
     */
    @Override
    public void apply(float[] data, int offset, Shape shape, RandomGenerator random) {
        if (shape.rank() != 3) {
            throw new IllegalArgumentException("RandomHorizontalFlip needs an image shape (C, H, W), got " + shape);
        }
        if (random.nextDouble() >= probability) {
            return;
        }
        int width = shape.dim(2);
        int rows = shape.dim(0) * shape.dim(1);
        for (int r = 0; r < rows; r++) {
            int left = offset + r * width;
            int right = left + width - 1;
            while (left < right) {
                float t = data[left];
                data[left++] = data[right];
                data[right--] = t;
            }
        }
    }

    @Override
    public String toString() {
        return "RandomHorizontalFlip(p " + probability + ")";
    }
}
