package io.github.jcnn.model;

import io.github.jcnn.kernels.Parallel;

/**
 * The library's one thread setting: how many threads training, inference and the layers' kernels may use at most.
 * The default is the number of available processors. Results never depend on it: the same seed gives bit-identical
 * weights on 1, 2 or 16 threads (work is split into fixed ranges and reduced in a fixed order).
 * <pre>
 *   Threads.set(4);            // for the whole library, from now on
 *   int n = Threads.count();   // 4
 * </pre>
 */
public final class Threads {

    private Threads() {
    }

    /** The number of threads the library uses. */
    public static int count() {
        return Parallel.threads();
    }

    /**
     * Sets the number of threads for the whole library (1 = everything on the calling thread).
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static void set(int n) {
        Parallel.setThreads(n);
    }
}
