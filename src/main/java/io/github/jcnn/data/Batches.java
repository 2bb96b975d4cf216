package io.github.jcnn.data;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Cuts a {@link Dataset} into mini-batches, epoch after epoch: a seeded shuffle per epoch, augmentation of training
 * samples, and buffers that are allocated once and reused.
 * <pre>
 *   Batches batches = new Batches(train, 64, true, 42, List.of(randomFlip));
 *   for (int epoch = 0; epoch &lt; 10; epoch++) {
 *       for (Batches.Batch b : batches.epoch(epoch)) {
 *           model.trainStep(b.images(), b.labels());     // images (N, C, H, W), labels N ints
 *       }
 *   }
 * </pre>
 * <ul>
 *   <li>The order of epoch e is a shuffle drawn from a generator seeded by (seed, e) alone, so epoch 7 is the same
 *       whether or not epochs 0 to 6 ran in this process (that is what makes resuming training exact).</li>
 *   <li>Each sample's transforms draw from their own generator seeded by (seed, epoch, position in the epoch), so
 *       the result does not depend on the number of threads that fill the batch.</li>
 *   <li>The images tensor and labels array of a batch are <em>overwritten by the next batch</em>: copy them to keep
 *       them. The last batch of an epoch is smaller when the size does not divide evenly (it has its own buffers, also
 *       reused).</li>
 * </ul>
 * One {@code Batches} serves one consumer at a time; it is not thread-safe.
 */
public final class Batches {

    /**
     * One mini-batch; valid until the next batch is taken.
     *
     * @param index  the batch's position in the epoch, from 0
     * @param images (size, sampleShape...) samples, transformed for training
     * @param labels size labels
     */
    public record Batch(int index, Tensor images, int[] labels) {
        /** The number of samples in this batch. */
        public int size() {
            return labels.length;
        }
    }

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final List<Transform> transforms;
    private final int[] order;
    private final Tensor fullImages;
    private final int[] fullLabels;
    private final Tensor lastImages;
    private final int[] lastLabels;

    /** Batches in the dataset's order, without transforms. */
    public Batches(Dataset dataset, int batchSize) {
        this(dataset, batchSize, false, 0, List.of());
    }

    /**
     * Batches for training.
     *
     * @param dataset    the samples
     * @param batchSize  samples per batch (at least 1; the last batch may be smaller)
     * @param shuffle    whether each epoch visits the samples in a fresh random order
     * @param seed       fixes the shuffles and the transforms
     * @param transforms applied in order to every sample of every batch (empty for none)
     */
    public Batches(Dataset dataset, int batchSize, boolean shuffle, long seed, List<Transform> transforms) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (dataset.size() < 1) {
            throw new IllegalArgumentException("the dataset is empty");
        }
        this.dataset = dataset;
        this.batchSize = Math.min(batchSize, dataset.size());
        this.shuffle = shuffle;
        this.seed = seed;
        this.transforms = List.copyOf(transforms);
        this.order = new int[dataset.size()];
        Shape sample = dataset.sampleShape();
        this.fullImages = Tensor.zeros(sample.withBatch(this.batchSize));
        this.fullLabels = new int[this.batchSize];
        int rest = dataset.size() % this.batchSize;
        this.lastImages = rest == 0 ? fullImages : Tensor.zeros(sample.withBatch(rest));
        this.lastLabels = rest == 0 ? fullLabels : new int[rest];
    }

    /** The dataset being batched. */
    public Dataset dataset() {
        return dataset;
    }

    /** The size of a full batch (the requested size, or the dataset's size when that is smaller). */
    public int batchSize() {
        return batchSize;
    }

    /** The number of batches per epoch, counting the last, partial one. */
    public int batchCount() {
        return (dataset.size() + batchSize - 1) / batchSize;
    }

    /**
     * The batches of epoch {@code epoch} (0-based). Iterating again, or over another epoch, reuses the same buffers.
     */
    public Iterable<Batch> epoch(int epoch) {
        return () -> new Iterator<>() {
            private final long epochSeed = mix(seed ^ mix(epoch + 0x9E3779B97F4A7C15L));
            private int next = 0;

            {
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                if (shuffle) {
                    SplittableRandom random = new SplittableRandom(epochSeed);
                    for (int i = order.length - 1; i > 0; i--) {   // Fisher-Yates
                        int j = random.nextInt(i + 1);
                        int t = order[i];
                        order[i] = order[j];
                        order[j] = t;
                    }
                }
            }

            @Override
            public boolean hasNext() {
                return next < batchCount();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("epoch " + epoch + " has only " + batchCount() + " batches");
                }
                int index = next++;
                int from = index * batchSize;
                int n = Math.min(batchSize, order.length - from);
                Tensor images = n == batchSize ? fullImages : lastImages;
                int[] labels = n == batchSize ? fullLabels : lastLabels;
                fill(images, labels, from, n, epochSeed);
                return new Batch(index, images, labels);
            }
        };
    }

    private void fill(Tensor images, int[] labels, int from, int n, long epochSeed) {
        Shape sample = dataset.sampleShape();
        int sampleSize = sample.size();
        float[] data = images.data();
        Parallel.forRange(n, (part, start, end) -> {
            for (int i = start; i < end; i++) {
                int position = from + i;
                int index = order[position];
                labels[i] = dataset.label(index);
                dataset.copySample(index, data, i * sampleSize);
                if (!transforms.isEmpty()) {
                    SplittableRandom random = new SplittableRandom(mix(epochSeed + position));
                    for (Transform t : transforms) {
                        t.apply(data, i * sampleSize, sample, random);
                    }
                }
            }
        });
    }

    /** The SplitMix64 finaliser: spreads nearby seeds (42, 43, ...) to unrelated ones. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
