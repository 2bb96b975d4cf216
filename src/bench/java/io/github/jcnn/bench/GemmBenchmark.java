package io.github.jcnn.bench;

import io.github.jcnn.kernels.Gemm;
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
 * {@link Gemm#multiply} on one thread at LeNet-5's shapes, at 1024<sup>3</sup> and at the {@code vgg} network's
 * convolution products (docs/performance.md lists them, with OpenBLAS at the same shapes); {@code RN} is
 * {@link Gemm#multiplyRows} (B given as row arrays, as Conv2D calls it). JMH reports microseconds per
 * call; GFLOP/s = 2 m n k / time (the {@code shape} names give m x k . k x n). Run with {@code -jvmArgsAppend
 * -XX:-UseSuperWord} as the control that shows what vectorisation brings.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GemmBenchmark {

    /** Name: transposes, m, n, k. */
    @Param({"conv1-fwd:NN:6:784:75", "conv1-fwd:RN:6:784:75", "conv1-dW:NN:6:75:784", "conv1-dW:RN:6:75:784", "conv1-dcols:TN:75:784:6",
            "conv2-fwd:NN:16:100:150", "conv2-fwd:RN:16:100:150", "conv2-dW:NN:16:150:100", "conv2-dcols:TN:150:100:16",
            "conv2-fwd-g8:NN:16:800:150", "dense1-fwd:NT:64:120:400", "1024:NN:1024:1024:1024",
            "1024:NT:1024:1024:1024", "1024:TN:1024:1024:1024",
            // the vgg network's convolutions on a chunk of 16 images, as single products: forward W . cols
            // (F x 16*OH*OW x 9C), dL/dW dY . cols^T (F x 9C x 16*OH*OW), dL/dcols W^T . dY (9C x 16*OH*OW x F)
            "vgg1-fwd:RN:32:16384:27", "vgg1-dW:NT:32:27:16384",
            "vgg2-fwd:RN:32:16384:288", "vgg2-dW:NT:32:288:16384", "vgg2-dcols:TN:288:16384:32",
            "vgg3-fwd:RN:64:4096:288", "vgg3-dW:NT:64:288:4096", "vgg3-dcols:TN:288:4096:64",
            "vgg4-fwd:RN:64:4096:576", "vgg4-dW:NT:64:576:4096", "vgg4-dcols:TN:576:4096:64",
            "vgg5-fwd:RN:128:1024:576", "vgg5-dW:NT:128:576:1024", "vgg5-dcols:TN:576:1024:128",
            "vgg6-fwd:RN:128:1024:1152", "vgg6-dW:NT:128:1152:1024", "vgg6-dcols:TN:1152:1024:128"})
    public String shape;

    private boolean ta;
    private boolean tb;
    private int m;
    private int n;
    private int k;
    private float[] a;
    private float[] b;
    private float[] c;
    private boolean rows;
    private float[][] bRows;

    /** Random matrices of the shape. */
    @Setup
    public void setup() {
        String[] s = shape.split(":");
        rows = s[1].charAt(0) == 'R';
        ta = s[1].charAt(0) == 'T';
        tb = s[1].charAt(1) == 'T';
        m = Integer.parseInt(s[2]);
        n = Integer.parseInt(s[3]);
        k = Integer.parseInt(s[4]);
        SplittableRandom r = new SplittableRandom(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextDouble(-1, 1);
        }
        bRows = new float[k][n];
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, p * n, bRows[p], 0, n);
        }
    }

    /** C += op(A) op(B). */
    @Benchmark
    public float[] multiply() {
        if (rows) {
            Gemm.multiplyRows(m, n, k, a, 0, k, bRows, c, 0, n);
        } else {
            Gemm.multiply(ta, tb, m, n, k, a, 0, ta ? m : k, b, 0, tb ? k : n, c, 0, n);
        }
        return c;
    }
}
