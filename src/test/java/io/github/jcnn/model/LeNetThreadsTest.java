package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.data.InMemoryDataset;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The lecture's LeNet-5 on CIFAR-shaped data, trained with the same seed on 1, 2 and 3 threads, ends with the same
 * bits in every weight: the fast kernels split work by fixed ranges and reduce in a fixed order.
 */
class LeNetThreadsTest {

    @Test
    void aLeNetTrainingRunIsBitIdenticalWhateverTheThreadCount() {
        int threads = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[][] one = train();
            Parallel.setThreads(2);
            float[][] two = train();
            Parallel.setThreads(3);
            float[][] three = train();
            for (int p = 0; p < one.length; p++) {
                assertThat(two[p]).as("parameter %d with 2 threads", p).containsExactly(one[p]);
                assertThat(three[p]).as("parameter %d with 3 threads", p).containsExactly(one[p]);
            }
        } finally {
            Parallel.setThreads(threads);
        }
    }

    private static float[][] train() {
        SplittableRandom random = new SplittableRandom(3);
        int n = 200;   // three batches of 64 and a last one of 8
        Tensor images = Tensor.zeros(Shape.of(n, 3, 32, 32));
        for (int i = 0; i < images.size(); i++) {
            images.data()[i] = random.nextInt(256) / 255f;
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(10);
        }
        Sequential model = Sequential.builder(Shape.of(3, 32, 32))
                .conv2d(6, 5).relu().maxPool(2)
                .conv2d(16, 5).relu().maxPool(2)
                .flatten()
                .dense(120).relu()
                .dense(84).relu()
                .dense(10)
                .seed(11)
                .build();
        model.fit(new InMemoryDataset(images, labels, 10),
                FitOptions.defaults().quiet().epochs(2).batchSize(64).seed(5).optimizer(SGD.config(0.05).momentum(0.9)));
        float[][] weights = new float[model.parameters().size()][];
        int p = 0;
        for (Parameter parameter : model.parameters()) {
            weights[p++] = parameter.value().data().clone();
        }
        return weights;
    }
}
