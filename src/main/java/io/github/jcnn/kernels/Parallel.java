package io.github.jcnn.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The library's one thread setting and its fixed pool.
 *
 * <p>Work is split into fixed, contiguous ranges decided only by the work size and the thread count, never by timing,
 * so that every range is computed the same way on every run; reductions that combine ranges do so in range order.
 * The default is the number of available processors; {@link #setThreads(int)} changes it for the whole library.
 * Never more threads than asked are used. The pool threads are daemons.
 *
 * <p>A forRange called from inside another forRange's task (a layer's loop inside a model that already splits its
 * batch over the threads) runs its whole range inline on the thread that called it, as part 0: the outer split
 * already keeps every thread busy, and a second level would only add hand-overs.
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
        if (parts == 1 || INSIDE.get()[0] > 0) {
            task.run(0, 0, n);
            return;
        }
        Team team = team(parts - 1);
        if (team != null) {
            try {
                team.run(n, parts, task);
            } finally {
                TEAM_LOCK.unlock();
            }
            return;
        }
        forRangeOnPool(n, parts, task);
    }

    /**
     * Whether {@code forRange(n, task)} would run the whole range on the calling thread: one part, or a call from
     * inside a task (a lane of the data-parallel training step). The training path's layers then call their range
     * code directly instead of making a task object for it, so that a training step allocates nothing per chunk.
     */
    public static boolean runsInline(int n) {
        return parts(n) == 1 || INSIDE.get()[0] > 0;
    }

    /** How many forRange tasks the current thread is running (more than 0: nested calls run inline). */
    private static final ThreadLocal<int[]> INSIDE = ThreadLocal.withInitial(() -> new int[1]);

    /** Whether the current thread is running a forRange task (so a forRange called now would run inline). */
    public static boolean insideTask() {
        return INSIDE.get()[0] > 0;
    }

    /**
     * Runs {@code body.accept(value)} with the current thread marked as inside a task, so that the forRange calls it
     * makes run inline ({@link Lanes}: each lane is one thread's worth of work already).
     */
    static void runInside(IntConsumer body, int value) {
        int[] depth = INSIDE.get();
        depth[0]++;
        try {
            body.accept(value);
        } finally {
            depth[0]--;
        }
    }

    /** Runs one range of a task with the current thread marked as inside a task. */
    private static void runPart(RangeTask task, int part, int from, int to) {
        int[] depth = INSIDE.get();
        depth[0]++;
        try {
            task.run(part, from, to);
        } finally {
            depth[0]--;
        }
    }

    /** forRange through the executor: for callers that find the team busy (concurrent or nested calls). */
    private static void forRangeOnPool(int n, int parts, RangeTask task) {
        ExecutorService executor = executor(parts - 1);
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            final int part = p;
            futures.add(executor.submit(() -> runPart(task, part, start(n, parts, part), start(n, parts, part + 1))));
        }
        Throwable failure = null;
        try {
            runPart(task, 0, 0, start(n, parts, 1));
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

    // ---- the team: persistent workers, for the common case of one caller at a time ---------------------------

    /** How long a worker (or the caller) spins before it parks, in nanoseconds. */
    private static final long SPIN_NANOS = 50_000;

    private static final java.util.concurrent.locks.ReentrantLock TEAM_LOCK =
            new java.util.concurrent.locks.ReentrantLock();
    private static Team team;

    /**
     * The team with at least {@code needed} workers, with {@link #TEAM_LOCK} held by the caller; null (lock not held)
     * when another call holds it: a concurrent caller, or a task that itself calls forRange.
     */
    private static Team team(int needed) {
        if (!TEAM_LOCK.tryLock()) {
            return null;
        }
        if (TEAM_LOCK.getHoldCount() > 1) {   // a nested call from the thread running part 0
            TEAM_LOCK.unlock();
            return null;
        }
        if (team == null || team.workers.length < needed) {
            if (team != null) {
                team.stop();
            }
            team = new Team(needed);
        }
        return team;
    }

    /**
     * Worker threads that stay alive between calls and wait for the next job by spinning briefly, then parking:
     * handing a job over costs a volatile write (and an unpark only for a parked worker), not a queued future per
     * range. Worker i runs part i + 1 of every job with more than i + 1 parts; the parts and their ranges are those
     * of {@link #start}, exactly as with the executor, so the results do not change.
     */
    private static final class Team {
        final Worker[] workers;
        /** The latest job; workers wait for it to change. Written by the caller only. */
        volatile Job job = new Job(0, 0, 0, null);
        /** Workers of the current job that have not finished yet. */
        final AtomicInteger remaining = new AtomicInteger();
        /** Whether the caller is (about to be) parked waiting for {@link #remaining} to reach 0. */
        volatile boolean callerParked;
        volatile Thread caller;
        final Throwable[] failures;

        Team(int size) {
            workers = new Worker[size];
            failures = new Throwable[size];
            for (int i = 0; i < size; i++) {
                workers[i] = new Worker(this, i);
                workers[i].start();
            }
        }

        void run(int n, int parts, RangeTask task) {
            this.caller = Thread.currentThread();
            remaining.set(parts - 1);
            job = new Job(job.generation + 1, n, parts, task);   // publishes the job (a volatile write)
            for (int i = 0; i < parts - 1; i++) {
                if (workers[i].parked) {
                    LockSupport.unpark(workers[i]);
                }
            }
            Throwable failure = null;
            try {
                runPart(task, 0, 0, start(n, parts, 1));
            } catch (RuntimeException | Error e) {
                failure = e;
            }
            awaitWorkers();
            for (int i = 0; i < parts - 1; i++) {
                if (failure == null) {
                    failure = failures[i];
                }
                failures[i] = null;
            }
            if (failure instanceof RuntimeException) {
                throw (RuntimeException) failure;
            } else if (failure instanceof Error) {
                throw (Error) failure;
            } else if (failure != null) {
                throw new IllegalStateException("parallel task failed", failure);
            }
        }

        private void awaitWorkers() {
            long spinStart = System.nanoTime();
            boolean interrupted = false;
            while (remaining.get() != 0) {
                if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    callerParked = true;
                    if (remaining.get() != 0) {
                        LockSupport.park(this);
                        interrupted |= Thread.interrupted();
                    }
                    callerParked = false;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            job = new Job(job.generation + 1, 0, -1, null);   // parts -1: stop
            for (Worker w : workers) {
                LockSupport.unpark(w);
            }
        }
    }

    /** One call of forRange, published to the workers as a whole (final fields, one volatile write). */
    private record Job(long generation, int n, int parts, RangeTask task) {
    }

    private static final class Worker extends Thread {
        private static final AtomicInteger COUNT = new AtomicInteger();
        private final Team team;
        private final int index;
        /** Whether this worker is (about to be) parked waiting for the next job. */
        volatile boolean parked;

        Worker(Team team, int index) {
            super("jcnn-team-" + COUNT.incrementAndGet());
            this.team = team;
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;   // the generation of the team's initial job: the first real job may already be out
            while (true) {
                Job job;
                long spinStart = System.nanoTime();
                while ((job = team.job).generation == seen) {
                    if (System.nanoTime() - spinStart < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (team.job.generation == seen) {
                            LockSupport.park(this);
                        }
                        parked = false;
                        spinStart = System.nanoTime();
                    }
                }
                seen = job.generation;
                int parts = job.parts;
                if (parts < 0) {
                    return;
                }
                if (index + 1 >= parts) {
                    continue;   // not needed for this job
                }
                int part = index + 1;
                int n = job.n;
                try {
                    runPart(job.task, part, Parallel.start(n, parts, part), Parallel.start(n, parts, part + 1));
                } catch (Throwable e) {
                    team.failures[index] = e;
                }
                if (team.remaining.decrementAndGet() == 0 && team.callerParked) {
                    LockSupport.unpark(team.caller);
                }
            }
        }
    }
}
