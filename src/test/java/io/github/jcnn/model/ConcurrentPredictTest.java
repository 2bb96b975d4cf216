package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
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

    @Test
    void eightThreadsOnRandomBatchSizesEqualOneThread() throws Exception {
        Sequential model = Sequential.builder(Shape.of(1, 8, 8))
                .conv2d(4, 3).relu().maxPool(2).flatten().dense(8).relu().dense(3).softmax().seed(11).build();
        Tensor pool = Synthetic.images(Shape.of(1, 8, 8), 600, 5);
        float[] single = model.predict(pool).toArray();   // one call: every sample's reference output
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = t;
                done.add(threads.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    for (int round = 0; round < 40; round++) {
                        int n = random.nextInt(1, 300);   // 1 to 299: below and above the 16-sample chunks
                        int from = random.nextInt(0, 600 - n + 1);
                        Tensor x = Tensor.wrap(Shape.of(n, 1, 8, 8),
                                Arrays.copyOfRange(pool.data(), from * 64, (from + n) * 64));
                        float[] got = model.predict(x).toArray();
                        assertThat(got).containsExactly(Arrays.copyOfRange(single, from * 3, (from + n) * 3));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            threads.shutdown();
        }
    }

    /**
     * While fit trains on one thread, predictions on others see the weights of a whole number of steps: each
     * output equals the output of the model as it was after some completed step (snapshots taken by a listener,
     * which runs on the training thread between steps), never a mix of two steps.
     */
    @Test
    void predictWhileFitSeesTheWeightsOfACompletedStep() throws Exception {
        for (boolean batchNorm : new boolean[] {false, true}) {
            SequentialBuilder b = Sequential.builder(Shape.of(1, 8, 8)).conv2d(4, 3);
            if (batchNorm) {
                b = b.batchNorm();
            }
            Sequential model = b.relu().maxPool(2).flatten().dense(2).softmax().seed(7).build();
            Tensor x = Synthetic.images(Shape.of(1, 8, 8), 64, 3);
            List<float[]> snapshots = new ArrayList<>();
            snapshots.add(state(model));
            TrainingListener snapshot = new TrainingListener() {
                @Override
                public void onBatchEnd(int epoch, int batch, int batches, double loss, double accuracy) {
                    synchronized (snapshots) {
                        snapshots.add(state(model));
                    }
                }
            };
            AtomicBoolean training = new AtomicBoolean(true);
            List<float[]> seen = new ArrayList<>();
            ExecutorService readers = Executors.newFixedThreadPool(3);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                done.add(readers.submit(() -> {
                    while (training.get()) {
                        float[] out = model.predict(x).toArray();
                        synchronized (seen) {
                            seen.add(out);
                        }
                    }
                    return null;
                }));
            }
            try {
                model.fit(Synthetic.bars(256, 1), FitOptions.defaults().quiet().epochs(3).batchSize(8)
                        .optimizer(io.github.jcnn.optim.SGD.config(0.5)).listeners(snapshot));
            } finally {
                training.set(false);
                for (Future<?> f : done) {
                    f.get();
                }
                readers.shutdown();
            }
            // the output of every snapshot's weights
            List<float[]> allowed = new ArrayList<>();
            float[] finalState = state(model);
            for (float[] s : snapshots) {
                restore(model, s);
                allowed.add(model.predict(x).toArray());
            }
            restore(model, finalState);
            assertThat(seen).as("predictions made during fit").hasSizeGreaterThan(3);
            for (float[] out : seen) {
                boolean matches = allowed.stream().anyMatch(a -> Arrays.equals(a, out));
                assertThat(matches).as("a prediction during fit equals the model after a whole step").isTrue();
            }
        }
    }

    /** Every parameter and buffer of the model, end to end. */
    private static float[] state(Sequential model) {
        List<Tensor> all = tensors(model);
        int size = all.stream().mapToInt(Tensor::size).sum();
        float[] out = new float[size];
        int at = 0;
        for (Tensor t : all) {
            System.arraycopy(t.data(), 0, out, at, t.size());
            at += t.size();
        }
        return out;
    }

    private static void restore(Sequential model, float[] state) {
        int at = 0;
        for (Tensor t : tensors(model)) {
            System.arraycopy(state, at, t.data(), 0, t.size());
            at += t.size();
        }
    }

    private static List<Tensor> tensors(Sequential model) {
        List<Tensor> all = new ArrayList<>();
        for (var layer : model.layers()) {
            layer.parameters().forEach(p -> all.add(p.value()));
            layer.buffers().forEach(p -> all.add(p.value()));
        }
        return all;
    }
}
