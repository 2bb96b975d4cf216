package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ConcurrentPredictTest {

    @Test
    void predictFromManyThreadsEqualsOneThread() throws Exception {
        Sequential model = Sequential.builder(Shape.of(1, 8, 8))
                .conv2d(4, 3).batchNorm().relu().maxPool(2).flatten().dropout(0.5).dense(2).softmax().seed(7).build();
        model.fit(Synthetic.bars(64, 1), FitOptions.defaults().quiet().epochs(1).batchSize(16));
        List<Tensor> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Tensor x = Synthetic.images(Shape.of(1, 8, 8), 300 + i, i);   // more than one 256-image chunk
            inputs.add(x);
            expected.add(model.predict(x).toArray());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (Tensor x : inputs) {
                    results.add(pool.submit(() -> model.predict(x).toArray()));
                }
            }
            for (int r = 0; r < results.size(); r++) {
                assertThat(results.get(r).get()).containsExactly(expected.get(r % inputs.size()));
            }
        } finally {
            pool.shutdown();
        }
        // inference is deterministic: dropout is off and the running statistics are used
        assertThat(model.predict(inputs.get(0)).toArray()).containsExactly(expected.get(0));
    }
}
