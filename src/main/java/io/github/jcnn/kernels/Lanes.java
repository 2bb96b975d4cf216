package io.github.jcnn.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * Pieces of work that wait for one another: lane i runs {@code body.accept(i)} on a thread of its own, and any lane
 * may stop at a barrier ({@link Lane#await()}) until every lane has reached it. At most {@link Parallel#threads()}
 * lanes compute at any moment; a lane waiting at a barrier gives its turn to another, so the lanes never deadlock
 * whatever the thread count (even 1: the lanes then take turns on one core).
 * <pre>
 *   Lanes.run(4, c -&gt; {                 // 4 chunks of a batch, 2 of them computing at a time on 2 threads
 *       partial[c] = sum(chunk c);
 *       Lanes.current().await();          // every chunk's partial is written
 *       total = partial[0] + partial[1] + partial[2] + partial[3];   // the same order in every lane
 *   });
 * </pre>
 * This is how the data-parallel training step runs a network with batch normalization: each chunk of the batch goes
 * through its own replica of the network in its own lane, and a batch-norm replica meets the other chunks' replicas
 * at a barrier to combine their statistics (in chunk order: the bits do not depend on which thread ran which lane).
 * Who computes a lane, and in which order lanes take turns, never changes what a lane computes.
 *
 * <p>A {@link Parallel#forRange} called inside a lane runs inline (the lanes already keep every thread busy), except
 * when there is a single lane: it then runs on the caller's thread and the layers split their own work as usual.
 * If a lane throws, the lanes waiting at a barrier (and those that have not started) give up, and {@link #run}
 * rethrows the first exception.
 */
public final class Lanes {

    private Lanes() {
    }

    /** The lane the current thread is running, for the code inside it; see {@link Lanes#current()}. */
    public static final class Lane {
        private Group group;
        private int index;
        /** Whether this lane holds one of the group's turns (it is computing, not waiting). */
        private boolean holding;

        private Lane(Group group, int index) {
            this.group = group;
            this.index = index;
        }

        /** This lane, made lane {@code index} of {@code group}: a worker's lane, reused run after run. */
        private Lane reset(Group group, int index) {
            this.group = group;
            this.index = index;
            this.holding = false;
            return this;
        }

        /** Which lane this is, 0 to count() - 1 (the data-parallel step's chunk number). */
        public int index() {
            return index;
        }

        /** How many lanes run together. */
        public int count() {
            return group == null ? 1 : group.count;
        }

        /**
         * Waits until every lane still running has called await as many times as this one (a barrier). What each
         * lane wrote before the barrier is visible to every lane after it. With a single lane, returns at once.
         *
         * @throws IllegalStateException when another lane failed (the lanes give up; {@link Lanes#run} throws the
         *                               other lane's exception)
         */
        public void await() {
            if (group != null) {
                group.await(this);
            }
        }
    }

    private static final ThreadLocal<Lane> CURRENT = new ThreadLocal<>();
    private static final ThreadLocal<boolean[]> REQUIRED = ThreadLocal.withInitial(() -> new boolean[1]);
    private static final AtomicInteger THREAD_COUNT = new AtomicInteger();
    /**
     * The lane workers: worker i runs lane i + 1 of every run, so a training step finds the same threads (and their
     * per-thread scratch) each time and creates none. Held by one run at a time; a run that finds them taken (runs
     * on several models at once) uses threads of {@link #SPARE} instead, so that runs never wait for each other.
     */
    private static final ReentrantLock WORKERS_LOCK = new ReentrantLock();
    private static final List<Worker> WORKERS = new ArrayList<>();
    /** Threads for runs that find the workers taken: made as needed, kept a minute, daemons. */
    private static final ExecutorService SPARE = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jcnn-lane-" + THREAD_COUNT.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /**
     * A persistent lane thread that runs one lane at a time, handed over through its monitor. It keeps one
     * {@link Lane} object for all its runs, so that handing it a lane allocates nothing.
     */
    private static final class Worker extends Thread {
        private final Lane lane = new Lane(null, 0);
        /** The body of the lane handed over and not yet started, or null; guarded by this worker's monitor. */
        private IntConsumer next;

        Worker() {
            super("jcnn-lane-" + THREAD_COUNT.incrementAndGet());
            setDaemon(true);
        }

        /** Hands this worker lane {@code index} of {@code group}; it must have finished its previous lane's body. */
        synchronized void hand(Group group, int index, IntConsumer body) {
            lane.reset(group, index);
            next = body;
            notifyAll();
        }

        @Override
        public void run() {
            while (true) {
                IntConsumer body;
                synchronized (this) {
                    while (next == null) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            // a daemon that lives as long as the JVM: keep serving
                        }
                    }
                    body = next;
                    next = null;
                }
                runLane(lane, body);
            }
        }
    }

    /** The lane the current thread is running, or null outside {@link #run}. */
    public static Lane current() {
        return CURRENT.get();
    }

    /**
     * Says that the code being set up on this thread will call {@link Lane#await()}: a layer's
     * {@code replica(index)} calls it when its replicas meet at barriers (batch normalization), so that the
     * data-parallel step building the replicas runs its chunks in lanes. See {@link #takeRequirement()}.
     */
    public static void requireLanes() {
        REQUIRED.get()[0] = true;
    }

    /** Whether {@link #requireLanes()} was called on this thread since the last call of this method; clears it. */
    public static boolean takeRequirement() {
        boolean[] flag = REQUIRED.get();
        boolean was = flag[0];
        flag[0] = false;
        return was;
    }

    /**
     * Runs {@code body.accept(i)} for i = 0 .. count - 1, each in its own lane (lane 0 on the calling thread), at
     * most {@link Parallel#threads()} at a time, and returns when all have finished.
     *
     * @throws RuntimeException the first exception a lane threw (Errors are rethrown as they are)
     */
    public static void run(int count, IntConsumer body) {
        Lane previous = CURRENT.get();
        if (count <= 1) {
            CURRENT.set(new Lane(null, 0));
            try {
                if (count == 1) {
                    body.accept(0);
                }
            } finally {
                CURRENT.set(previous);
            }
            return;
        }
        Group group = new Group(count, Math.min(count, Parallel.threads()));
        boolean own = WORKERS_LOCK.tryLock();
        if (own && WORKERS_LOCK.getHoldCount() > 1) {   // a run inside a lane 0: the workers are in use
            WORKERS_LOCK.unlock();
            own = false;
        }
        Throwable failure;
        try {
            if (own) {
                while (WORKERS.size() < count - 1) {
                    Worker w = new Worker();
                    w.start();
                    WORKERS.add(w);
                }
            }
            for (int i = 1; i < count; i++) {
                if (own) {
                    WORKERS.get(i - 1).hand(group, i, body);
                } else {
                    Lane lane = new Lane(group, i);
                    SPARE.execute(() -> runLane(lane, body));
                }
            }
            try {
                runLane(new Lane(group, 0), body);
            } finally {
                CURRENT.set(previous);
            }
            failure = group.awaitFinished();
        } finally {
            if (own) {
                WORKERS_LOCK.unlock();
            }
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        } else if (failure instanceof Error e) {
            throw e;
        } else if (failure != null) {
            throw new IllegalStateException("a lane failed", failure);
        }
    }

    private static void runLane(Lane lane, IntConsumer body) {
        CURRENT.set(lane);
        Throwable failure = null;
        try {
            if (lane.group.enter(lane)) {
                Parallel.runInside(body, lane.index);
            }
        } catch (Abandoned e) {
            // another lane failed first; its exception is the one reported
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            lane.group.finish(lane, failure);
            CURRENT.set(null);   // not remove(): the next lane on this thread then makes no new map entry
        }
    }

    /** Thrown out of await in the lanes that give up because another lane failed. */
    private static final class Abandoned extends IllegalStateException {
        Abandoned() {
            super("another lane failed");
        }
    }

    /** The shared state of one run: turns, the barrier, the finished lanes. One monitor guards all of it. */
    private static final class Group {
        final int count;
        final int turns;
        int running;
        int arrived;
        int finished;
        long generation;
        Throwable failure;

        Group(int count, int turns) {
            this.count = count;
            this.turns = turns;
        }

        /** Takes a turn; false (no turn taken) when a lane has failed meanwhile. */
        synchronized boolean enter(Lane lane) {
            boolean interrupted = false;
            while (running >= turns && failure == null) {
                interrupted |= waitHere();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                return false;
            }
            running++;
            lane.holding = true;
            return true;
        }

        synchronized void await(Lane lane) {
            if (!lane.holding) {
                throw new IllegalStateException("await outside the lane's own thread");
            }
            running--;
            lane.holding = false;
            arrived++;
            boolean interrupted = false;
            if (failure == null && arrived == count - finished) {
                advance();
            } else {
                long generationNow = generation;
                notifyAll();   // a turn is free
                while (generation == generationNow && failure == null) {
                    interrupted |= waitHere();
                }
            }
            while (running >= turns && failure == null) {
                interrupted |= waitHere();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                throw new Abandoned();
            }
            running++;
            lane.holding = true;
        }

        private void advance() {
            arrived = 0;
            generation++;
            notifyAll();
        }

        synchronized void finish(Lane lane, Throwable error) {
            if (lane.holding) {
                running--;
                lane.holding = false;
            }
            finished++;
            if (error != null && failure == null) {
                failure = error;
            }
            if (failure == null && arrived > 0 && arrived == count - finished) {
                advance();
            }
            notifyAll();
        }

        /** Waits for every lane to finish; the first failure, or null. */
        synchronized Throwable awaitFinished() {
            boolean interrupted = false;
            while (finished < count) {
                interrupted |= waitHere();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return failure;
        }

        /** wait() that reports an interrupt instead of throwing it (the lanes must all come out). */
        private boolean waitHere() {
            try {
                wait();
                return false;
            } catch (InterruptedException e) {
                return true;
            }
        }
    }
}
