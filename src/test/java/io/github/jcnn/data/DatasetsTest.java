package io.github.jcnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class DatasetsTest {

    /** n images (2, 2, 2) where image i has value i + c in channel c, label i % 3. */
    static ByteImageDataset small(int n) {
        byte[] pixels = new byte[n * 8];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 3);
            for (int p = 0; p < 8; p++) {
                pixels[i * 8 + p] = (byte) (i + p / 4);
            }
        }
        return new ByteImageDataset(Shape.of(2, 2, 2), pixels, labels, List.of("a", "b", "c"));
    }

    @Property(tries = 50)
    void splitIsASeededPartition(@ForAll @IntRange(min = 1, max = 60) int n, @ForAll @IntRange(min = 0, max = 60)
            int held, @ForAll long seed) {
        ByteImageDataset ds = small(n);
        int validation = Math.min(held, n);
        Datasets.TrainValidation parts = Datasets.split(ds, validation, seed);
        assertThat(parts.validation().size()).isEqualTo(validation);
        assertThat(parts.train().size()).isEqualTo(n - validation);
        Set<Float> seen = new HashSet<>();
        for (Dataset part : List.of(parts.train(), parts.validation())) {
            float[] x = new float[8];
            for (int i = 0; i < part.size(); i++) {
                part.copySample(i, x, 0);
                assertThat(seen.add(x[0])).isTrue(); // value i / 255 identifies image i
                assertThat(part.label(i)).isEqualTo(Math.round(x[0] * 255) % 3);
            }
        }
        assertThat(seen).hasSize(n);
        Datasets.TrainValidation again = Datasets.split(ds, validation, seed);
        assertThat(again.train().labels(0, n - validation)).isEqualTo(parts.train().labels(0, n - validation));
    }

    @Test
    void splitByFractionRoundsTheCount() {
        Datasets.TrainValidation parts = Datasets.split(small(50), 0.1, 42);
        assertThat(parts.validation().size()).isEqualTo(5);
        assertThat(parts.train().size()).isEqualTo(45);
        assertThat(parts.train().classNames()).containsExactly("a", "b", "c");
        assertThatThrownBy(() -> Datasets.split(small(5), 1.0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 0 and 1");
    }

    @Test
    void shuffledIsADeterministicPermutationAndSubsetsSelect() {
        ByteImageDataset ds = small(20);
        Dataset a = Datasets.shuffled(ds, 7);
        Dataset b = Datasets.shuffled(ds, 7);
        assertThat(a.images(0, 20).toArray()).isEqualTo(b.images(0, 20).toArray());
        assertThat(a.images(0, 20).toArray()).isNotEqualTo(ds.images(0, 20).toArray());
        assertThat(Datasets.permutation(20, 7)).containsExactlyInAnyOrder(Datasets.permutation(20, 8));
        Dataset first = Datasets.first(ds, 4);
        assertThat(first.size()).isEqualTo(4);
        assertThat(first.images(0, 4).toArray()).isEqualTo(ds.images(0, 4).toArray());
        assertThat(Datasets.first(ds, 100).size()).isEqualTo(20);
        assertThat(Datasets.subset(ds, 5, 7).labels(0, 2)).containsExactly(2, 0);
        assertThat(Datasets.select(ds, new int[] {3, 3}).labels(0, 2)).containsExactly(0, 0);
        assertThatThrownBy(() -> Datasets.subset(ds, 5, 21)).hasMessageContaining("does not fit in a dataset of 20");
    }

    @Test
    void normalizationFitsMeanAndStdAndTheViewsAgree() {
        ByteImageDataset ds = small(4); // channel 0 holds i / 255, channel 1 (i + 1) / 255 for i = 0..3
        Normalization norm = Normalization.fit(ds);
        assertThat(norm.mean()).containsExactly(new double[] {1.5 / 255, 2.5 / 255}, within(1e-6));
        double std = Math.sqrt(1.25) / 255;
        assertThat(norm.std()).containsExactly(new double[] {std, std}, within(1e-6));
        Dataset fused = ds.normalized(norm);
        Dataset view = Datasets.normalized(Datasets.first(ds, 4), norm);
        assertThat(fused.images(0, 4).maxAbsDifference(view.images(0, 4))).isLessThan(1e-6f);
        DatasetStats after = DatasetStats.of(fused);
        assertThat(after.channelMean()).containsExactly(new double[] {0, 0}, within(1e-5));
        assertThat(after.channelStd()).containsExactly(new double[] {1, 1}, within(1e-5));
        float[] x = fused.images(3, 4).toArray();
        norm.invertInPlace(x, 0, Shape.of(2, 2, 2));
        assertThat(x[0]).isCloseTo(3 / 255f, within(1e-6f));
        assertThat(ds.normalized(norm).unnormalized().images(0, 4).toArray()).isEqualTo(ds.images(0, 4).toArray());
        assertThatThrownBy(() -> ds.normalized(Normalization.of(new double[] {0}, new double[] {1})))
                .hasMessageContaining("1 channels but the sample shape (2, 2, 2) has 2");
    }

    @Test
    void statsCountClassesAndPrintATable() {
        DatasetStats stats = DatasetStats.of(small(7));
        assertThat(stats.classCounts()).containsExactly(3, 2, 2);
        assertThat(stats.min()).isEqualTo(0f);
        assertThat(stats.max()).isEqualTo(7 / 255f);
        assertThat(stats.table()).contains("7 samples of shape (2, 2, 2), 3 classes")
                .contains("a").contains("42.9%").contains("channel");
    }

    @Test
    void oneHotHasASingleOnePerRow() {
        Tensor t = Datasets.oneHot(new int[] {2, 0}, 3);
        assertThat(t.shape()).isEqualTo(Shape.of(2, 3));
        assertThat(t.toArray()).containsExactly(0, 0, 1, 1, 0, 0);
        assertThatThrownBy(() -> Datasets.oneHot(new int[] {3}, 3)).hasMessage(
                "label 3 at position 0 is outside 0..2");
    }

    @Test
    void byteDatasetChecksItsArrays() {
        assertThatThrownBy(() -> new ByteImageDataset(Shape.of(1, 2, 2), new byte[7], new byte[2], List.of("x")))
                .hasMessage("2 labels need 8 pixel bytes (2 x (1, 2, 2)), got 7");
        assertThatThrownBy(() -> new ByteImageDataset(Shape.of(1, 1, 1), new byte[1], new byte[] {1}, List.of("x")))
                .hasMessage("label 1 of image 0 is outside 0..0");
    }
}
