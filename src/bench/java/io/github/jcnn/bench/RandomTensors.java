package io.github.jcnn.bench;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.SplittableRandom;

/** The random inputs and output gradients the layer benchmarks feed a layer. */
final class RandomTensors {

    private RandomTensors() {
    }

    /** A tensor of {@code shape} with numbers uniform in [-bound, bound), drawn from {@code random} in order. */
    static Tensor uniform(Shape shape, double bound, SplittableRandom random) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) random.nextDouble(-bound, bound);
        }
        return t;
    }
}
