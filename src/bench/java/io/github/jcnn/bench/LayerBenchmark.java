package io.github.jcnn.bench;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Each LeNet-5 layer's forward (training mode) and backward on a batch of 64, microseconds per batch.
 * {@code layer} is the index in the model: 0 conv1, 1 relu, 2 maxpool, 3 conv2, 4 relu, 5 maxpool, 6 flatten,
 * 7 dense 120, 8 relu, 9 dense 84, 10 relu, 11 dense 10.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LayerBenchmark {

    /** Index of the layer in LeNet-5. */
    @Param({"0", "1", "2", "3", "4", "5", "7", "9", "11"})
    public int layer;

    /** Threads for the library. */
    @Param({"1"})
    public int threads;

    private Layer l;
    private Tensor x;
    private Tensor dy;

    /** Input activations of the right shape and a gradient for the output. */
    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        LeNet net = new LeNet();
        List<Layer> layers = net.model().layers();
        l = layers.get(layer);
        SplittableRandom r = new SplittableRandom(3);
        x = RandomTensors.uniform(l.inputShape().withBatch(64), 1, r);
        dy = RandomTensors.uniform(l.outputShape().withBatch(64), 0.01, r);
        l.forward(x, true);
    }

    /** forward(x, true). */
    @Benchmark
    public Tensor forward() {
        return l.forward(x, true);
    }

    /** backward(dy) after the forward of setup (for layer 0 without dX, as in training). */
    @Benchmark
    public Tensor backward() {
        return l.backward(dy);
    }
}
