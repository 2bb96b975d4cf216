package io.github.jcnn.layers;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Helpers shared by the layer tests: random inputs that keep away from kinks and ties, and the inference-purity
 * check.
 *
 * <p>Tolerance of the gradient checks: {@link #TOLERANCE} = 1e-2 on GradientCheck's relative error with its
 * defaults epsilon = 1e-2 and floor = 1e-2. Why: the layers compute in float32 (about 7 significant digits), so a
 * loss of order 1-10 carries rounding noise of order 1e-6, which the division by 2 epsilon = 2e-2 turns into about
 * 1e-4 absolute on a numerical gradient; the truncation error of the central difference is of order epsilon^2 = 1e-4
 * times the third derivative (smooth layers: sigmoid, tanh, softmax, batch norm). Both stay one to two orders of
 * magnitude below 1e-2, while a wrong formula (missing factor, transposed index, forgotten path through the batch
 * mean) gives errors of order 0.1 to 1.
 */
final class LayerTesting {

    /** The largest relative error accepted between analytic and numerical gradients; see the class comment. */
    static final double TOLERANCE = 1e-2;

    private LayerTesting() {
    }

    /** Uniform numbers in [-1, 1). */
    static Tensor uniform(Shape shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return t;
    }

    /**
     * Numbers with |x| in [0.1, 2]: a nudge of epsilon = 1e-2 never crosses the kink of ReLU or LeakyReLU at 0.
     */
    static Tensor offKinks(Shape shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) {
            double magnitude = 0.1 + random.nextDouble() * 1.9;
            t.data()[i] = (float) (random.nextBoolean() ? magnitude : -magnitude);
        }
        return t;
    }

    /**
     * A random permutation of the values spacing * (i - size/2): all distinct and {@code spacing} apart, so with
     * spacing &gt; 2 epsilon a nudge never changes which number wins a max-pool window (no ties anywhere, even with
     * overlapping windows).
     */
    static Tensor distinct(Shape shape, double spacing, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int size = shape.size();
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (spacing * (i - size / 2));
        }
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            float v = values[i];
            values[i] = values[j];
            values[j] = v;
        }
        return Tensor.wrap(shape, values);
    }

    /** Copies of the layer's parameter and buffer values, in order. */
    static List<float[]> state(Layer layer) {
        List<float[]> values = new ArrayList<>();
        for (Parameter p : layer.parameters()) {
            values.add(p.value().toArray());
        }
        for (Parameter p : layer.buffers()) {
            values.add(p.value().toArray());
        }
        return values;
    }

    /**
     * Inference purity: forward(x, false) run twice and from four threads at once gives identical numbers, leaves
     * parameters and buffers unchanged, and does not disturb what the last training forward remembered for backward
     * (checked by comparing backward after a training forward with and without inference passes in between; the
     * inference batch has another size on purpose).
     */
    static void assertInferenceIsPure(Layer layer, Tensor trainingInput, Tensor inferenceInput) throws Exception {
        assertInferenceIsPure(layer, trainingInput, inferenceInput, () -> { });
    }

    /** As above, with {@code beforeTraining} run before each training forward (to reseed dropout). */
    static void assertInferenceIsPure(Layer layer, Tensor trainingInput, Tensor inferenceInput,
                                      Runnable beforeTraining) throws Exception {
        Tensor dy = uniform(layer.outputShape().withBatch(trainingInput.shape().dim(0)), 99);
        beforeTraining.run();
        layer.forward(trainingInput, true);
        for (Parameter p : layer.parameters()) {
            p.zeroGrad();
        }
        float[] expectedDx = layer.backward(dy).toArray();
        List<float[]> expectedGrads = new ArrayList<>();
        for (Parameter p : layer.parameters()) {
            expectedGrads.add(p.grad().toArray());
            p.zeroGrad();
        }

        beforeTraining.run();
        layer.forward(trainingInput, true);
        List<float[]> before = state(layer);
        float[] reference = layer.forward(inferenceInput, false).toArray();
        assertThat(layer.forward(inferenceInput, false).toArray()).containsExactly(reference);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> layer.forward(inferenceInput, false).toArray()));
            }
            for (Future<float[]> f : results) {
                assertThat(f.get()).containsExactly(reference);
            }
        } finally {
            pool.shutdown();
        }
        List<float[]> after = state(layer);
        for (int i = 0; i < before.size(); i++) {
            assertThat(after.get(i)).as("parameter or buffer %d after inference", i).containsExactly(before.get(i));
        }
        assertThat(layer.backward(dy).toArray()).as("backward after inference passes").containsExactly(expectedDx);
        for (int i = 0; i < expectedGrads.size(); i++) {
            assertThat(layer.parameters().get(i).grad().toArray()).containsExactly(expectedGrads.get(i));
        }
    }
}
