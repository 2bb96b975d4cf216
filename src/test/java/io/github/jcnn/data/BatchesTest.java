package io.github.jcnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BatchesTest {

    /** Ten samples of shape (1, 2, 2) whose four values are all the sample's index; label = index % 3. */
    private static Dataset tenSamples() {
        Tensor x = Tensor.zeros(10, 1, 2, 2);
        int[] labels = new int[10];
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < 4; j++) {
                x.data()[i * 4 + j] = i;
            }
            labels[i] = i % 3;
        }
        return new InMemoryDataset(x, labels, 3);
    }

    private static List<Integer> order(Batches batches, int epoch) {
        List<Integer> seen = new ArrayList<>();
        for (Batches.Batch b : batches.epoch(epoch)) {
            for (int i = 0; i < b.size(); i++) {
                int index = (int) b.images().data()[i * 4];
                assertThat(b.labels()[i]).isEqualTo(index % 3);
                seen.add(index);
            }
        }
        return seen;
    }

    @Test
    void withoutShuffleBatchesFollowTheDatasetAndTheLastOneIsSmaller() {
        Batches batches = new Batches(tenSamples(), 4);
        assertThat(batches.batchCount()).isEqualTo(3);
        List<Integer> sizes = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (Batches.Batch b : batches.epoch(0)) {
            sizes.add(b.size());
            shapes.add(b.images().shape());
        }
        assertThat(sizes).containsExactly(4, 4, 2);
        assertThat(shapes).containsExactly(Shape.of(4, 1, 2, 2), Shape.of(4, 1, 2, 2), Shape.of(2, 1, 2, 2));
        assertThat(order(batches, 0)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void shuffleVisitsEverySampleOncePerEpochInASeededOrder() {
        Batches a = new Batches(tenSamples(), 3, true, 42, List.of());
        Batches b = new Batches(tenSamples(), 3, true, 42, List.of());
        List<Integer> epoch0 = order(a, 0);
        List<Integer> epoch1 = order(a, 1);
        assertThat(new HashSet<>(epoch0)).hasSize(10);
        assertThat(new HashSet<>(epoch1)).hasSize(10);
        assertThat(epoch0).isNotEqualTo(epoch1);
        // same seed, same epoch: same order, even without running the earlier epochs first
        assertThat(order(b, 1)).isEqualTo(epoch1);
        assertThat(order(new Batches(tenSamples(), 3, true, 43, List.of()), 0)).isNotEqualTo(epoch0);
    }

    @Test
    void buffersAreReusedAcrossBatchesAndEpochs() {
        Batches batches = new Batches(tenSamples(), 5, true, 1, List.of());
        Set<Tensor> tensors = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Set<int[]> arrays = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int e = 0; e < 3; e++) {
            for (Batches.Batch b : batches.epoch(e)) {
                tensors.add(b.images());
                arrays.add(b.labels());
            }
        }
        assertThat(tensors).hasSize(1);
        assertThat(arrays).hasSize(1);
    }

    @Test
    void transformsAreSeededAndIndependentOfTheThreadCount() {
        Transform addNoise = (data, offset, shape, random) -> {
            for (int i = 0; i < shape.size(); i++) {
                data[offset + i] += (float) random.nextDouble();
            }
        };
        int threads = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] one = firstBatch(new Batches(tenSamples(), 10, true, 7, List.of(addNoise)));
            Parallel.setThreads(3);
            float[] three = firstBatch(new Batches(tenSamples(), 10, true, 7, List.of(addNoise)));
            assertThat(three).containsExactly(one);
            float[] plain = firstBatch(new Batches(tenSamples(), 10, true, 7, List.of()));
            assertThat(one).isNotEqualTo(plain);
        } finally {
            Parallel.setThreads(threads);
        }
    }

    private static float[] firstBatch(Batches batches) {
        return batches.epoch(0).iterator().next().images().toArray();
    }

    @Test
    void refusesABadBatchSize() {
        assertThatThrownBy(() -> new Batches(tenSamples(), 0)).hasMessageContaining("batch size");
    }
}
