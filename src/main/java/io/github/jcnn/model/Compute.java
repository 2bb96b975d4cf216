package io.github.jcnn.model;

import io.github.jcnn.kernels.Gemm;
import io.github.jcnn.kernels.Parallel;

/**
 * How the library computes on this machine: its one thread setting, and which matrix product (GEMM) the JVM gives
 * it. The thread count is how many threads training, inference and the layers may use at most; the default is the
 * number of available processors. Results never depend on it: the same seed gives bit-identical weights on 1, 2 or
 * 16 threads (work is split into fixed ranges and reduced in a fixed order).
 * <pre>
 *   Compute.setThreads(4);      // for the whole library, from now on
 *   int n = Compute.threads();  // 4
 *   System.out.println(Compute.gemm());   // "vector GEMM (jdk.incubator.vector, 8 floats per vector)"
 * </pre>
 */
public final class Compute {

    private Compute() {
    }

    /** The number of threads the library uses. */
    public static int threads() {
        return Parallel.threads();
    }

    /**
     * Sets the number of threads for the whole library (1 = everything on the calling thread).
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static void setThreads(int n) {
        Parallel.setThreads(n);
    }

    /**
     * Which matrix product computes the convolutions and dense layers in this JVM, in words: the vector GEMM when
     * the JVM was started with {@code --add-modules jdk.incubator.vector}, else the auto-vectorised loops and why
     * (both give the same results within rounding; the vector one is about three times as fast).
     *
     * @return for example {@code "vector GEMM (jdk.incubator.vector, 8 floats per vector)"}
     */
    public static String gemm() {
        return Gemm.implementation();
    }
}
