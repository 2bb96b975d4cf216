package io.github.jcnn.bench;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.WeightInit;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
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
 * One {@link Conv2D} on a chunk of 16 images (what a training replica or an inference chunk gives a layer), one
 * thread, microseconds per call: the forward pass, dL/dW alone (dL/dx switched off, as for a first layer) and the
 * whole backward (dL/dW, dL/db and dL/dx). GFLOP/s = 2 * 16 * F * OH * OW * C * K * K / time for each of the three
 * products.
 *
 * <p>{@code shape} is {@code C:H:F:K:S:P} (input channels, square image side, filters, square kernel, stride,
 * padding): the convolutions of the {@code vgg} network of docs/performance.md (3x3 SAME, 3 to 128 channels) and of
 * a small residual network (stride 2 and its 1x1 shortcut), then LeNet-5's two.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConvBenchmark {

    /** C:H:F:K:S:P. */
    @Param({"3:32:32:3:1:1", "32:32:32:3:1:1", "32:16:64:3:1:1", "64:16:64:3:1:1", "64:8:128:3:1:1",
            "128:8:128:3:1:1", "32:32:64:3:2:1", "32:32:64:1:2:0", "64:16:128:3:2:1", "3:32:6:5:1:0",
            "6:14:16:5:1:0"})
    public String shape;

    private Conv2D conv;
    private Tensor x;
    private Tensor dy;

    /** The layer (He initialisation), random inputs and output gradients. */
    @Setup
    public void setup() {
        Parallel.setThreads(1);
        String[] s = shape.split(":");
        int channels = Integer.parseInt(s[0]);
        int side = Integer.parseInt(s[1]);
        int kernel = Integer.parseInt(s[3]);
        conv = new Conv2D(Shape.of(channels, side, side), Integer.parseInt(s[2]), kernel, kernel,
                Integer.parseInt(s[4]), Padding.of(Integer.parseInt(s[5])), true);
        SplittableRandom random = new SplittableRandom(1);
        conv.initialize(WeightInit.HE, random);
        x = RandomTensors.uniform(conv.inputShape().withBatch(16), 1, random);
        dy = RandomTensors.uniform(conv.outputShape().withBatch(16), 0.01, random);
        conv.forward(x, true);
    }

    /** forward(x, true). */
    @Benchmark
    public Tensor forward() {
        return conv.forward(x, true);
    }

    /** backward(dy) with dL/dx: dL/dW, dL/db and dL/dx. */
    @Benchmark
    public Tensor backward() {
        conv.setInputGradientNeeded(true);
        return conv.backward(dy);
    }

    /** backward(dy) without dL/dx: dL/dW and dL/db. */
    @Benchmark
    public Tensor weightGradient() {
        conv.setInputGradientNeeded(false);
        conv.backward(dy);
        return conv.parameters().get(0).grad();
    }
}
