package io.github.jcnn.bench;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.kernels.Scratch;
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
 * One large image through one 3x3 SAME {@link Conv2D} in inference ({@code forward(x, false)}, the scratch opened
 * around the call as a {@code predict} opens it), milliseconds per call: VGG-16's convolutions, with Winograd's
 * F(2, 3) where the library takes it ({@code winograd=true}) against the plain product ({@code winograd=false}, the
 * system property {@code jcnn.winograd}). GFLOP/s of the plain sums = 2 * F * H * H * C * 9 / time.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -jar target/benchmarks.jar LargeConvBenchmark
 * </pre>
 * {@code shape} is {@code C:H:F} (input channels, square map side, filters); {@code threads} the library's threads.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LargeConvBenchmark {

    /** C:H:F. */
    @Param({"64:224:64", "128:112:128", "256:56:256", "512:28:512", "512:14:512"})
    public String shape;

    /** Whether Winograd's F(2, 3) may be used (the system property jcnn.winograd when the layer is built). */
    @Param({"true", "false"})
    public boolean winograd;

    /** The library's thread count. */
    @Param({"2"})
    public int threads;

    private Conv2D conv;
    private Tensor x;

    /** The layer (He initialisation) and one random image. */
    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        String[] s = shape.split(":");
        int channels = Integer.parseInt(s[0]);
        int side = Integer.parseInt(s[1]);
        String before = System.getProperty("jcnn.winograd");
        System.setProperty("jcnn.winograd", Boolean.toString(winograd));
        try {
            conv = new Conv2D(Shape.of(channels, side, side), Integer.parseInt(s[2]), 3, 3, 1, Padding.SAME, true);
        } finally {
            if (before == null) {
                System.clearProperty("jcnn.winograd");
            } else {
                System.setProperty("jcnn.winograd", before);
            }
        }
        SplittableRandom random = new SplittableRandom(1);
        conv.initialize(WeightInit.HE, random);
        x = RandomTensors.uniform(conv.inputShape().withBatch(1), 1, random);
    }

    /** forward(x, false) of one image. */
    @Benchmark
    public Tensor forward() {
        Scratch scratch = Scratch.open();
        try {
            return conv.forward(x, false);
        } finally {
            scratch.close();
        }
    }
}
