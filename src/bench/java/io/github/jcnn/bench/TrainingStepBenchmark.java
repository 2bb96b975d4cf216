package io.github.jcnn.bench;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Tensor;
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
 * One training step (forward, loss, backward, SGD-momentum update) and one inference batch of a {@link Models}
 * network ({@code lenet} or {@code vgg}), milliseconds per call. With {@code -prof gc}, {@code gc.alloc.rate.norm}
 * is the bytes allocated per step:
 * <pre>
 *   java -jar target/benchmarks.jar TrainingStepBenchmark.trainStep -p model=vgg -p batch=32,64,128 -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrainingStepBenchmark {

    /** Images per step. */
    @Param({"64"})
    public int batch;

    /** Which network of {@link Models}. */
    @Param({"lenet"})
    public String model;

    /** Threads for the library. */
    @Param({"1", "2"})
    public int threads;

    private io.github.jcnn.model.Sequential net;
    private io.github.jcnn.optim.SGD optimizer;
    private Tensor x;
    private int[] y;
    private Tensor inferX;

    /** Model and synthetic batch. */
    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        net = Models.build(model, 1).orElseThrow();
        optimizer = new io.github.jcnn.optim.SGD(net.parameters(),
                io.github.jcnn.optim.SGD.config(0.01).momentum(0.9));
        x = LeNet.images(batch, 5);
        y = LeNet.labels(batch, 5);
        inferX = LeNet.images(256, 6);
    }

    /** One training step on a batch. */
    @Benchmark
    public double trainStep() {
        return net.trainBatch(x, y, optimizer);
    }

    /** Inference on 256 images. */
    @Benchmark
    public Tensor infer256() {
        return net.predict(inferX);
    }
}
