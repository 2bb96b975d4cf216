package io.github.jcnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {

    @TempDir
    Path dir;

    @Test
    void loadsTheTrainingBatchesFromTheFolderInOrder() throws Exception {
        Path folder = TestFiles.cifarFolder(dir, 3);
        ByteImageDataset train = Cifar10.load(folder, Split.TRAIN);
        assertThat(train.size()).isEqualTo(15);
        assertThat(train.sampleShape()).isEqualTo(Shape.of(3, 32, 32));
        assertThat(train.classNames()).containsExactlyElementsOf(Cifar10.CLASS_NAMES);
        // batch b, record r has label (b + r) % 10
        assertThat(train.labels(0, 15)).containsExactly(0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5, 4, 5, 6);
    }

    @Test
    void mapsARecordToRgbPlanesOfAThreeByThirtyTwoByThirtyTwoTensor() throws Exception {
        ByteImageDataset test = Cifar10.load(TestFiles.cifarFolder(dir, 2), Split.TEST);
        assertThat(test.size()).isEqualTo(2);
        Tensor images = test.images(0, 2);
        // record 1: red at row 3, column 5 is pixel byte 3 * 32 + 5; green is 1024 later; blue 2048 later
        assertThat(images.get(1, 0, 3, 5)).isEqualTo(TestFiles.pixel(1, 3 * 32 + 5) / 255f);
        assertThat(images.get(1, 1, 3, 5)).isEqualTo(TestFiles.pixel(1, 1024 + 3 * 32 + 5) / 255f);
        assertThat(images.get(1, 2, 31, 31)).isEqualTo(TestFiles.pixel(1, 3071) / 255f);
        assertThat(test.pixel(1, 1024)).isEqualTo(TestFiles.pixel(1, 1024));
    }

    @Test
    void findsTheFolderOrTheArchiveInAParentFolder() throws Exception {
        TestFiles.cifarFolder(dir, 2);
        assertThat(Cifar10.load(dir, Split.TEST).size()).isEqualTo(2);
        Path other = Files.createDirectory(dir.resolve("other"));
        Files.write(other.resolve(Cifar10.ARCHIVE), TestFiles.tar(TestFiles.cifarFiles(2), "cifar-10-batches-bin/",
                true));
        assertThat(Cifar10.load(other, Split.TRAIN).size()).isEqualTo(10);
    }

    @Test
    void readsTheTarGzArchiveDirectlyWithTheSameResultAsTheFolder() throws Exception {
        Path folder = TestFiles.cifarFolder(dir, 4);
        Path archive = dir.resolve("c.tar.gz");
        Files.write(archive, TestFiles.tar(TestFiles.cifarFiles(4), "cifar-10-batches-bin/", true));
        for (Split split : Split.values()) {
            ByteImageDataset a = Cifar10.load(folder, split);
            ByteImageDataset b = Cifar10.load(archive, split);
            assertThat(b.size()).isEqualTo(a.size());
            assertThat(b.labels(0, b.size())).isEqualTo(a.labels(0, a.size()));
            assertThat(b.images(0, b.size()).toArray()).isEqualTo(a.images(0, a.size()).toArray());
        }
        Path plainTar = dir.resolve("c.tar");
        Files.write(plainTar, TestFiles.tar(TestFiles.cifarFiles(4), "./cifar-10-batches-bin/", false));
        assertThat(Cifar10.load(plainTar, Split.TRAIN).size()).isEqualTo(20);
    }

    @Test
    void refusesAFileWhoseLengthIsNotAWholeNumberOfRecords() throws Exception {
        Path folder = TestFiles.cifarFolder(dir, 2);
        Files.write(folder.resolve("data_batch_1.bin"), new byte[1234]);
        assertThatThrownBy(() -> Cifar10.load(folder, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageStartingWith("data_batch_1.bin: expected a positive multiple of 3,073 bytes")
                .hasMessageContaining("30,730,000 for the official 10,000 records")
                .hasMessageEndingWith("found 1,234");
    }

    @Test
    void refusesALabelAboveNineNamingTheRecordAndOffset() throws Exception {
        Path folder = TestFiles.cifarFolder(dir, 3);
        byte[] batch = TestFiles.cifarBatch(new int[] {1, 2, 12});
        Files.write(folder.resolve("data_batch_3.bin"), batch);
        assertThatThrownBy(() -> Cifar10.load(folder, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("data_batch_3.bin: record 2 (byte offset 6,146) has label 12, expected 0..9");
    }

    @Test
    void refusesAMissingBatchFileSayingWhereToGetTheData() throws Exception {
        Path folder = TestFiles.cifarFolder(dir, 2);
        Files.delete(folder.resolve("data_batch_4.bin"));
        assertThatThrownBy(() -> Cifar10.load(folder, Split.TRAIN))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("data_batch_4.bin")
                .hasMessageContaining("missing")
                .hasMessageContaining(Cifar10.URL);
        assertThat(Cifar10.load(folder, Split.TEST).size()).isEqualTo(2);
    }

    @Test
    void saysWhereItLookedWhenThereIsNoData() {
        assertThatThrownBy(() -> Cifar10.load(dir, Split.TRAIN))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(dir.resolve("cifar-10-batches-bin").toString())
                .hasMessageContaining(dir.resolve("cifar-10-binary.tar.gz").toString())
                .hasMessageContaining("https://www.cs.toronto.edu/~kriz/cifar.html");
        assertThatThrownBy(() -> Cifar10.load(dir.resolve("nowhere"), Split.TEST))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("nowhere");
    }

    @Test
    void refusesATruncatedArchive() throws Exception {
        byte[] tar = TestFiles.tar(TestFiles.cifarFiles(3), "cifar-10-batches-bin/", false);
        // plain tar cut inside data_batch_2.bin's records, and in the padding after them
        // (directory header, meta header + 1 block, then per batch a header + 9,219 bytes padded to 9,728)
        int batch2 = 512 + 1024 + (512 + 9728) + 512;
        for (int length : new int[] {batch2 + 5000, batch2 + 9500}) {
            Path cut = dir.resolve("cut" + length + ".tar");
            Files.write(cut, Arrays.copyOf(tar, length));
            assertThatThrownBy(() -> Cifar10.load(cut, Split.TRAIN))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageStartingWith("cut" + length + ".tar")
                    .hasMessageContaining("truncated");
        }
        // gzip'ed and cut: the gzip stream ends early
        byte[] gz = TestFiles.gzip(tar);
        Path cutGz = dir.resolve("cut.tar.gz");
        Files.write(cutGz, Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> Cifar10.load(cutGz, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("cut.tar.gz")
                .hasMessageContaining("truncated");
    }

    @Test
    void refusesAnArchiveWithoutTheNeededBatch() throws Exception {
        Map<String, byte[]> files = TestFiles.cifarFiles(2);
        files.remove("test_batch.bin");
        Path archive = dir.resolve("a.tar.gz");
        Files.write(archive, TestFiles.tar(files, "cifar-10-batches-bin/", true));
        assertThatThrownBy(() -> Cifar10.load(archive, Split.TEST))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("the archive has no test_batch.bin");
    }

    @Test
    void refusesADamagedTarHeader() throws Exception {
        byte[] tar = TestFiles.tar(TestFiles.cifarFiles(1), "cifar-10-batches-bin/", false);
        tar[512 + 3] ^= 0x55; // inside the name of the second header (batches.meta.txt)
        Path bad = dir.resolve("bad.tar");
        Files.write(bad, tar);
        assertThatThrownBy(() -> Cifar10.load(bad, Split.TEST))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("bad.tar: tar header at byte offset 512 has checksum");
    }

    @Test
    void refusesAMetaFileWithoutTenNames() throws Exception {
        Path folder = TestFiles.cifarFolder(dir, 1);
        Files.writeString(folder.resolve("batches.meta.txt"), "cat\n\ndog\n");
        assertThatThrownBy(() -> Cifar10.load(folder, Split.TEST))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("batches.meta.txt: expected 10 class names (one per line), found 2");
    }
}
