package io.github.jcnn.data;

import io.github.jcnn.tensor.Shape;
import java.util.random.RandomGenerator;

/**
 * A random change applied to one training sample in place, such as a random crop or a horizontal flip
 * (data augmentation). Applied to training batches only, never to validation or test data.
 */
@FunctionalInterface
public interface Transform {

    /**
     * Changes the sample stored in {@code data} from {@code offset} (shape {@code shape}, row-major) in place.
     *
     * @param random the seeded generator to draw from, so that a seed fixes the augmentation
     */
    void apply(float[] data, int offset, Shape shape, RandomGenerator random);
}
