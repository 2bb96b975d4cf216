package io.github.jcnn.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The library's one thread setting and its fixed pool.
 *
 * <p>Work is split into fixed, contiguous ranges decided only by the work size and the thread count, never by timing,
 * so that every range is computed the same way on every run; reductions that combine ranges do so in range order.
 * The default is the number of available processors; {@link #setThreads(int)} changes it for the whole library.
 * Never more threads than asked are used. The pool threads are daemons.
 */
public final class Parallel {

    /** Body of a parallel loop: handles the indices {@code from} (inclusive) to {@code to} (exclusive). */
    @FunctionalInterface
    public interface RangeTask {
        /**
         * Processes one range.
         *
         * @param part which range this is, 0 to parts-1 (a stable id for per-part scratch buffers)
         * @param from first index, inclusive
         * @param to   last index, exclusive
         */
        void run(int part, int from, int to);
    }

    private static volatile int threads = Runtime.getRuntime().availableProcessors();
    private static ExecutorService pool;
    private static int poolSize;

    private Parallel() {
    }

    /** The number of threads the library uses. */
    public static int threads() {
        return threads;
    }

    /**
     * Sets the number of threads for the whole library (1 = everything on the calling thread).
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + n);
        }
        threads = n;
    }

    /**
     * The number of ranges {@link #forRange} splits {@code n} items into: min(threads, n), at least 1.
     */
    public static int parts(int n) {
        return Math.max(1, Math.min(threads, n));
    }

    /**
     * Runs {@code task} over 0..n-1 split into {@link #parts(int)} contiguous ranges of near-equal size, the first on
     * the calling thread, the rest on the pool, and waits for all of them.
     */
    public static void forRange(int n, RangeTask task) {
        int parts = parts(n);
        if (parts == 1) {
            task.run(0, 0, n);
            return;
        }
        ExecutorService executor = executor(parts - 1);
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            final int part = p;
            futures.add(executor.submit(() -> task.run(part, start(n, parts, part), start(n, parts, part + 1))));
        }
        Throwable failure = null;
        try {
            task.run(0, 0, start(n, parts, 1));
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure instanceof RuntimeException) {
            throw (RuntimeException) failure;
        } else if (failure instanceof Error) {
            throw (Error) failure;
        } else if (failure != null) {
            throw new IllegalStateException("parallel task failed", failure);
        }
    }

    /** The first index of range {@code part} when n items are split into {@code parts} ranges. */
    public static int start(int n, int parts, int part) {
        return (int) ((long) n * part / parts);
    }

    private static synchronized ExecutorService executor(int needed) {
        if (pool == null || poolSize < needed) {
            if (pool != null) {
                pool.shutdown();
            }
            AtomicInteger count = new AtomicInteger();
            ThreadFactory factory = r -> {
                Thread t = new Thread(r, "jcnn-worker-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            pool = Executors.newFixedThreadPool(needed, factory);
            poolSize = needed;
        }
        return pool;
    }
}
