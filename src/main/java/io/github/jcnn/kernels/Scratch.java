package io.github.jcnn.kernels;

import java.lang.ref.Cleaner;
import java.lang.ref.SoftReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The large float arrays of an inference run (layer outputs, padded images, products), kept on the thread that ran
 * it for the next run instead of being left to the garbage collector.
 *
 * <p>Why: G1 puts every array of half a heap region or more (512 KB in heaps under 2 GB) straight into the old
 * generation as a "humongous" object, and when the old generation is already past its marking threshold (45% of the
 * heap at first), every such allocation starts a concurrent marking cycle. A large model fills the old generation by
 * itself (VGG-16's 553 MB of weights in an 800 MB heap), and one image through it allocated about 35 such arrays: the
 * collector kept a core busy and the prediction took about 0.20 s instead of 0.12 s (docs/performance.md).
 *
 * <p>How: {@code Inference} opens the thread's scratch ({@link #open}) for a run of a small batch (at most one
 * chunk, one image above all) and closes it after. While it is open, {@link #exactly} and {@link #atLeast} hand out
 * an array kept from an earlier run when one fits, and {@link #give} takes back an array the run no longer needs (a
 * layer's output once the next layer has read it, a plan's scratch at its end). Only arrays
 * this thread's scratch handed out are taken back, and an array handed out and not given back (the run's result)
 * belongs to whoever holds it. Outside a run (a layer called directly) both are plain {@code new float[]} and a no-op.
 * The arrays kept by all threads together are bounded (an eighth of the heap) and softly held: the collector may
 * take them when memory is short (the bound then counts them until their thread's next give).
 */
public final class Scratch {

    /**
     * Arrays smaller than this (16 KB) are left to the allocator, which serves them cheaply. Larger ones are kept:
     * LeNet-5's chunks of 16 images allocated about 700 KB of activations and column matrices each, 2.4 GB/s at
     * 45,000 images/s, a young collection every 0.1 s and every array written twice (zeroed, then filled) through
     * the cache (with 256 KB here: 36 young collections in a benchmark run, with 16 KB and column matrices kept: 9).
     */
    private static final int MIN_FLOATS = 1 << 12;
    /** The floats kept by all threads together at most: an eighth of the heap. */
    private static final long MAX_KEPT = Runtime.getRuntime().maxMemory() / 8 / Float.BYTES;
    /** The floats kept by all threads together now. */
    private static final AtomicLong KEPT_FLOATS = new AtomicLong();

    private static final ThreadLocal<Scratch> OPEN = new ThreadLocal<>();
    private static final ThreadLocal<SoftReference<Scratch>> KEPT = new ThreadLocal<>();

    /** Returns a collected scratch's count to {@link #KEPT_FLOATS} (its thread ended, or memory was short). */
    private static final Cleaner CLEANER = Cleaner.create();

    /** Arrays kept for reuse, not in use: float[] and (row arrays of a matrix) float[][]. */
    private final ArrayList<Object> free = new ArrayList<>();
    /** Their floats: a holder of its own, which the cleaning action reads without keeping this scratch alive. */
    private final AtomicLong freeFloats;
    /** Arrays handed out during the open run and not given back yet. */
    private final Set<Object> lent = Collections.newSetFromMap(new IdentityHashMap<>());
    private int depth;

    private Scratch(AtomicLong freeFloats) {
        this.freeFloats = freeFloats;
    }

    private static Scratch create() {
        AtomicLong count = new AtomicLong();
        Scratch scratch = new Scratch(count);
        CLEANER.register(scratch, () -> KEPT_FLOATS.addAndGet(-count.get()));
        return scratch;
    }

    /**
     * Opens this thread's scratch for an inference run (nested opens count: the scratch closes with the outermost);
     * close it with {@link #close} in a finally block.
     */
    public static Scratch open() {
        Scratch scratch = OPEN.get();
        if (scratch == null) {
            SoftReference<Scratch> kept = KEPT.get();
            scratch = kept == null ? null : kept.get();
            if (scratch == null) {
                scratch = create();
                KEPT.set(new SoftReference<>(scratch));
            }
            OPEN.set(scratch);
        }
        scratch.depth++;
        return scratch;
    }

    /** Ends the run (the outermost open): the arrays still lent out now belong to their holders. */
    public void close() {
        if (--depth == 0) {
            lent.clear();
            OPEN.remove();
        }
    }

    /**
     * An array of exactly {@code size} floats whose contents are undefined (the caller writes every number it reads):
     * one kept from an earlier run when this thread has its scratch open and one of that size is free, else a new one.
     * For a layer's output, which a tensor of exactly that size wraps.
     */
    public static float[] exactly(int size) {
        return take(size, false);
    }

    /**
     * An array of at least {@code size} floats (the smallest free one that is large enough), contents undefined; as
     * {@link #exactly} otherwise. For working space indexed by the caller, where any larger array serves: the few
     * largest then serve every layer.
     */
    public static float[] atLeast(int size) {
        return take(size, true);
    }

    private static float[] take(int size, boolean larger) {
        Scratch scratch = size < MIN_FLOATS ? null : OPEN.get();
        if (scratch == null) {
            return new float[size];
        }
        int best = -1;
        for (int i = 0; i < scratch.free.size(); i++) {
            if (scratch.free.get(i) instanceof float[] kept && (kept.length == size || larger && kept.length > size)
                    && (best < 0 || kept.length < floats(scratch.free.get(best)))) {
                best = i;
            }
        }
        float[] array = best >= 0 ? (float[]) scratch.reuse(best) : new float[size];
        scratch.lent.add(array);
        return array;
    }

    /**
     * A matrix of {@code count} rows as row arrays of at least {@code length} floats each, contents undefined: for a
     * column matrix that a product reads row by row ({@code Im2Col}'s). Kept from an earlier run as {@link #atLeast}
     * keeps a float[] (the smallest free one of {@code count} rows that is long enough), else new; taken back by
     * {@link #give(float[][])}.
     */
    public static float[][] rows(int count, int length) {
        Scratch scratch = (long) count * length < MIN_FLOATS ? null : OPEN.get();
        if (scratch == null) {
            return new float[count][length];
        }
        int best = -1;
        for (int i = 0; i < scratch.free.size(); i++) {
            if (scratch.free.get(i) instanceof float[][] kept && kept.length == count && kept[0].length >= length
                    && (best < 0 || floats(kept) < floats(scratch.free.get(best)))) {
                best = i;
            }
        }
        float[][] rows = best >= 0 ? (float[][]) scratch.reuse(best) : new float[count][length];
        scratch.lent.add(rows);
        return rows;
    }

    /** Takes the kept array at {@code index} out of the free list, for a new loan. */
    private Object reuse(int index) {
        Object array = free.remove(index);
        long size = floats(array);
        freeFloats.addAndGet(-size);
        KEPT_FLOATS.addAndGet(-size);
        return array;
    }

    /** The floats of a float[] or of a float[][] of rows of equal length. */
    private static long floats(Object array) {
        if (array instanceof float[] a) {
            return a.length;
        }
        float[][] rows = (float[][]) array;
        return (long) rows.length * rows[0].length;
    }

    /**
     * Takes back an array this thread's open scratch handed out, for the next request; the caller must not use
     * it again. Anything else (no scratch open, an array from elsewhere) is ignored. When the arrays kept by all
     * threads would pass their bound, this thread's largest kept ones are let go first, and then this one.
     */
    public static void give(float[] array) {
        keep(array);
    }

    /** {@link #give(float[])} for row arrays handed out by {@link #rows}. */
    public static void give(float[][] rows) {
        keep(rows);
    }

    private static void keep(Object array) {
        Scratch scratch = OPEN.get();
        if (scratch == null || array == null || !scratch.lent.remove(array)) {
            return;
        }
        long size = floats(array);
        // within the bound shared by all threads: this thread's largest kept arrays go first, then this one
        while (KEPT_FLOATS.get() + size > MAX_KEPT && !scratch.free.isEmpty()) {
            int largest = 0;
            for (int i = 1; i < scratch.free.size(); i++) {
                if (floats(scratch.free.get(i)) > floats(scratch.free.get(largest))) {
                    largest = i;
                }
            }
            scratch.reuse(largest);
        }
        if (KEPT_FLOATS.addAndGet(size) > MAX_KEPT) {
            KEPT_FLOATS.addAndGet(-size);
            return;
        }
        scratch.free.add(array);
        scratch.freeFloats.addAndGet(size);
    }

    /** Floats kept for reuse by this thread's scratch (for tests). */
    static long keptFloats() {
        SoftReference<Scratch> kept = KEPT.get();
        Scratch scratch = kept == null ? null : kept.get();
        return scratch == null ? 0 : scratch.freeFloats.get();
    }
}
