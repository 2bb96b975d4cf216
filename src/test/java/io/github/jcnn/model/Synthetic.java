package io.github.jcnn.model;

import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.InMemoryDataset;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/** Small generated datasets for model tests. */
final class Synthetic {

    private Synthetic() {
    }

    /**
     * A two-class problem on 1x8x8 images: class "top" has a bright bar in the upper half, class "bottom" in the lower
     * half, at a random row and column offset, on Gaussian noise. A small CNN learns it quickly.
     */
    static Dataset bars(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor x = Tensor.zeros(n, 1, 8, 8);
        int[] labels = new int[n];
        float[] d = x.data();
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            labels[i] = label;
            for (int j = 0; j < 64; j++) {
                d[i * 64 + j] = (float) (random.nextGaussian() * 0.3);
            }
            int row = label == 0 ? random.nextInt(0, 3) : random.nextInt(5, 8);
            int col = random.nextInt(0, 4);
            for (int c = col; c < col + 5; c++) {
                d[i * 64 + row * 8 + c] += 1.5f;
            }
        }
        return new InMemoryDataset(x, labels, List.of("top", "bottom"));
    }

    /** A small CNN for {@link #bars}. */
    static Sequential smallCnn(long seed) {
        return Sequential.builder(Shape.of(1, 8, 8))
                .conv2d(4, 3).relu().maxPool(2)
                .flatten()
                .dense(2).softmax()
                .seed(seed)
                .build();
    }

    /** The lecture's LeNet-5 for 3x32x32 images. */
    static Sequential lenet5() {
        return Sequential.builder(Shape.of(3, 32, 32))
                .conv2d(6, 5).relu().maxPool(2)
                .conv2d(16, 5).relu().maxPool(2)
                .flatten()
                .dense(120).relu()
                .dense(84).relu()
                .dense(10).softmax()
                .seed(42)
                .build();
    }

    /** n random images of the given shape. */
    static Tensor images(Shape sample, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(sample.withBatch(n));
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) random.nextGaussian();
        }
        return t;
    }
}
