package io.github.jcnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.viz.ImageGrid;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The loaders on the real files. Opt-in: {@code JCNN_DATA=data mvn -B verify -Preal-data -Dgroups=real-data}, where
 * the folder holds {@code cifar-10-batches-bin/} and {@code mnist/} (as {@code scripts/get-data} makes them).
 * {@code JCNN_ARCHIVE} may name a {@code cifar-10-binary.tar.gz} to compare with the folder (default: that file in the
 * {@code JCNN_DATA} folder; skipped when there is none).
 */
@Tag("real-data")
class RealDataTest {

    private static Path data() {
        String env = System.getenv("JCNN_DATA");
        Assumptions.assumeTrue(env != null && Files.isDirectory(Path.of(env)),
                "JCNN_DATA is not set to a folder holding cifar-10-batches-bin/ and mnist/; skipping the real-data tests"
                        + " (run scripts/get-data DEST, then JCNN_DATA=DEST)");
        return Path.of(env);
    }

    @Test
    void cifar10HasTheOfficialCountsAndChannelStatistics() throws Exception {
        Path dir = data();
        Assumptions.assumeTrue(Files.isDirectory(dir.resolve(Cifar10.FOLDER)), "no " + dir.resolve(Cifar10.FOLDER));
        long start = System.nanoTime();
        ByteImageDataset train = Cifar10.load(dir, Split.TRAIN);
        long loaded = System.nanoTime();
        ByteImageDataset test = Cifar10.load(dir, Split.TEST);
        assertThat(train.size()).isEqualTo(50_000);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(train.classNames()).isEqualTo(Cifar10.CLASS_NAMES);
        DatasetStats stats = DatasetStats.of(train);
        assertThat(stats.classCounts()).containsOnly(5_000);
        assertThat(DatasetStats.of(test).classCounts()).containsOnly(1_000);
        assertThat(stats.channelMean()).containsExactly(new double[] {0.491, 0.482, 0.447}, within(0.001));
        assertThat(stats.channelStd()).containsExactly(new double[] {0.247, 0.243, 0.262}, within(0.001));
        assertThat(stats.min()).isEqualTo(0f);
        assertThat(stats.max()).isEqualTo(1f);
        System.out.printf("CIFAR-10 train loaded from the folder in %.2f s%n%s%n%s%n", (loaded - start) / 1e9, stats,
                Normalization.fit(train));
        Path out = Path.of("target", "real-data-pictures");
        ImageGrid.samplesPerClass(train, 10).title("CIFAR-10 training images").writePng(out.resolve("cifar10.png"));
    }

    @Test
    void cifar10FromTheArchiveEqualsTheFolder() throws Exception {
        Path dir = data();
        String given = System.getenv("JCNN_ARCHIVE");
        Path archive = given != null && !given.isBlank() ? Path.of(given) : dir.resolve(Cifar10.ARCHIVE);
        Assumptions.assumeTrue(Files.isRegularFile(archive), "no archive at " + archive + " (set JCNN_ARCHIVE)");
        long start = System.nanoTime();
        ByteImageDataset fromArchive = Cifar10.load(archive, Split.TRAIN);
        long loaded = System.nanoTime();
        System.out.printf("CIFAR-10 train loaded from %s in %.2f s%n", archive, (loaded - start) / 1e9);
        ByteImageDataset fromFolder = Cifar10.load(dir, Split.TRAIN);
        assertThat(fromArchive.size()).isEqualTo(50_000);
        for (int i = 0; i < 50_000; i += 997) {
            assertThat(fromArchive.label(i)).isEqualTo(fromFolder.label(i));
            assertThat(fromArchive.images(i, i + 1).toArray()).isEqualTo(fromFolder.images(i, i + 1).toArray());
        }
    }

    @Test
    void mnistHasTheOfficialCounts() throws Exception {
        Path dir = data();
        Assumptions.assumeTrue(Files.isDirectory(dir.resolve(Mnist.FOLDER)), "no " + dir.resolve(Mnist.FOLDER));
        ByteImageDataset train = Mnist.load(dir, Split.TRAIN);
        ByteImageDataset test = Mnist.load(dir, Split.TEST);
        assertThat(train.size()).isEqualTo(60_000);
        assertThat(test.size()).isEqualTo(10_000);
        DatasetStats stats = DatasetStats.of(train);
        assertThat(stats.channelMean()[0]).isCloseTo(0.1307, within(0.001));
        assertThat(stats.channelStd()[0]).isCloseTo(0.3081, within(0.001));
        System.out.println("MNIST train\n" + stats);
        // the same files gzip'ed (as they are published) load to the same data
        Path gz = Files.createDirectories(Path.of("target", "real-data-gz"));
        for (String name : new String[] {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz.resolve(name + ".gz")))) {
                Files.copy(dir.resolve(Mnist.FOLDER).resolve(name), out);
            }
        }
        ByteImageDataset fromGz = Mnist.load(gz, Split.TEST);
        assertThat(fromGz.labels(0, 10_000)).isEqualTo(test.labels(0, 10_000));
        assertThat(fromGz.images(0, 10_000).toArray()).isEqualTo(test.images(0, 10_000).toArray());
        ImageGrid.samplesPerClass(train, 10).writePng(Path.of("target", "real-data-pictures", "mnist.png"));
    }
}
