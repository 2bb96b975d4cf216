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
                .hasMessageContaining("at most 30,730,000 (the official 10,000 records x 3,073)")
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

    // ---- issue 12: hostile and damaged files (each test reproduces one finding) ----

    /** The finding: a member declaring ~2.1e9 bytes (checksum fixed) made loadArchive allocate before reading. */
    @Test
    void refusesAMemberDeclaringMoreThanTheArchiveCanHoldBeforeAllocating() throws Exception {
        byte[] tar = TestFiles.tar(TestFiles.cifarFiles(2), "cifar-10-batches-bin/", false);
        byte[] hostile = TestFiles.withDeclaredSize(tar, TestFiles.headerOffset(tar, "test_batch.bin"), 2_100_000_000L);
        Path archive = dir.resolve("hostile.tar.gz");
        Files.write(archive, TestFiles.gzip(hostile));
        long before = TestFiles.allocatedBytes();
        assertThatThrownBy(() -> Cifar10.load(archive, Split.TEST))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageStartingWith("hostile.tar.gz: tar entry cifar-10-batches-bin/test_batch.bin (header at byte "
                        + "offset ")
                .hasMessageContaining("declares 2,100,000,000 bytes, but a gzip file of")
                .hasMessageContaining("can hold at most");
        assertThat(TestFiles.allocatedBytes() - before).isLessThan(4 << 20);
        // a plain tar: checked against the exact bytes left
        Path plain = dir.resolve("hostile.tar");
        Files.write(plain, TestFiles.withDeclaredSize(tar, TestFiles.headerOffset(tar, "test_batch.bin"), 30_730_000));
        assertThatThrownBy(() -> Cifar10.load(plain, Split.TEST))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("declares 30,730,000 bytes, but the file (" + DataFiles.n(Files.size(plain)) + " bytes) can "
                        + "hold at most");
    }

    /** A batch member is at most the official 30,730,000 bytes, in the archive and in the folder. */
    @Test
    void refusesABatchOfMoreThanTenThousandRecords() throws Exception {
        Path folder = TestFiles.cifarFolder(dir, 1);
        Files.write(folder.resolve("test_batch.bin"), TestFiles.cifarBatch(new int[10_001]));
        assertThatThrownBy(() -> Cifar10.load(folder, Split.TEST))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("test_batch.bin: expected a positive multiple of 3,073 bytes (1 label byte + 3,072 pixel "
                        + "bytes per record), at most 30,730,000 (the official 10,000 records x 3,073), found "
                        + "30,733,073");
    }

    /** The finding: a .tar.gz whose gzip CRC was inverted loaded all images. */
    @Test
    void refusesAnArchiveWithAWrongGzipCrc() throws Exception {
        byte[] gz = TestFiles.tar(TestFiles.cifarFiles(2), "cifar-10-batches-bin/", true);
        for (int i = gz.length - 8; i < gz.length - 4; i++) {
            gz[i] = (byte) ~gz[i];
        }
        Path archive = dir.resolve("crc.tar.gz");
        Files.write(archive, gz);
        assertThatThrownBy(() -> Cifar10.load(archive, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageStartingWith("crc.tar.gz: CRC32 mismatch");
    }

    /** The finding: a member held twice (a 10-record test_batch.bin before the full one) loaded the first silently. */
    @Test
    void refusesAnArchiveHoldingAFileTwice() throws Exception {
        Map<String, byte[]> first = new java.util.LinkedHashMap<>();
        first.put("test_batch.bin", TestFiles.cifarBatch(new int[10]));
        byte[] a = TestFiles.tar(first, "cifar-10-batches-bin/", false);
        byte[] b = TestFiles.tar(TestFiles.cifarFiles(20), "cifar-10-batches-bin/", false);
        // a's entries (without its end blocks), then all of b
        byte[] both = new byte[a.length - 1024 + b.length];
        System.arraycopy(a, 0, both, 0, a.length - 1024);
        System.arraycopy(b, 0, both, a.length - 1024, b.length);
        Path archive = dir.resolve("twice.tar.gz");
        Files.write(archive, TestFiles.gzip(both));
        for (Split split : Split.values()) {
            assertThatThrownBy(() -> Cifar10.load(archive, split))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageMatching("twice.tar.gz: holds test_batch.bin twice \\(tar headers at byte offsets "
                            + "512 and [0-9,]+\\); expected each file once");
        }
    }

    /** The findings: non-UTF-8 class names became U+FFFD; an oversized meta file was ignored by the archive loader. */
    @Test
    void refusesABadClassNameFileTheSameWayInTheFolderAndTheArchive() throws Exception {
        byte[] latin1 = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntr\u00fcck\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] big = new byte[70_000];
        java.util.Arrays.fill(big, (byte) 'a');
        for (int i = 0; i < 10; i++) {
            big[1000 * i + 999] = '\n';
        }
        String[] expected = {
            "batches.meta.txt: not UTF-8 text: byte offset 56 holds fc, which is not valid UTF-8 there",
            "batches.meta.txt: 70,000 bytes, expected at most 65,536 (10 class names, one per line)"};
        byte[][] metas = {latin1, big};
        for (int m = 0; m < metas.length; m++) {
            Map<String, byte[]> files = TestFiles.cifarFiles(1);
            files.put("batches.meta.txt", metas[m]);
            Path folder = Files.createDirectories(dir.resolve("f" + m).resolve("cifar-10-batches-bin"));
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                Files.write(folder.resolve(e.getKey()), e.getValue());
            }
            Path archive = dir.resolve("m" + m + ".tar.gz");
            Files.write(archive, TestFiles.tar(files, "cifar-10-batches-bin/", true));
            assertThatThrownBy(() -> Cifar10.load(folder, Split.TEST))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageStartingWith(expected[m]);
            assertThatThrownBy(() -> Cifar10.load(archive, Split.TEST))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageStartingWith("m" + m + ".tar.gz!cifar-10-batches-bin/" + expected[m]);
        }
    }

    /** The finding: a test_batch.bin starting with 1f 8b gave a raw ZipException. */
    @Test
    void explainsAGzipCompressedBatchFile() throws Exception {
        Path folder = TestFiles.cifarFolder(dir, 2);
        Files.write(folder.resolve("test_batch.bin"), java.util.Arrays.copyOf(TestFiles.gzip(new byte[100_000]), 6146));
        assertThatThrownBy(() -> Cifar10.load(folder, Split.TEST))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("test_batch.bin: record 0 (byte offset 0) has label 31, expected 0..9 (the file starts with"
                        + " 1f 8b, the gzip signature: CIFAR-10 .bin files are not compressed; decompress it first)");
    }

    /** The finding: damaged gzip headers in the archive surfaced as ZipException / EOFException without the name. */
    @Test
    void wrapsEveryGzipProblemOfTheArchiveNamingIt() throws Exception {
        byte[] gz = TestFiles.tar(TestFiles.cifarFiles(1), "cifar-10-batches-bin/", true);
        Path archive = dir.resolve("bad.tar.gz");
        for (int at = 0; at < 10; at++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = gz.clone();
                bad[at] ^= (byte) (1 << bit);
                Files.write(archive, bad);
                try {
                    assertThat(Cifar10.load(archive, Split.TEST).size()).isEqualTo(1);
                    // only these header bytes carry nothing the data depend on: FTEXT, MTIME, XFL, OS
                    assertThat(at == 3 && bit == 0 || at >= 4).isTrue();
                } catch (CorruptDataException e) {
                    assertThat(e).hasMessageStartingWith("bad.tar.gz: ");
                }
            }
        }
        Files.write(archive, java.util.Arrays.copyOf(gz, gz.length + 1));
        assertThatThrownBy(() -> Cifar10.load(archive, Split.TEST))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageStartingWith("bad.tar.gz: unexpected bytes after the end of the gzip data");
    }

    /** Anything but zeros after the end-of-archive block is refused. */
    @Test
    void refusesDataAfterTheEndOfTheArchive() throws Exception {
        byte[] tar = TestFiles.tar(TestFiles.cifarFiles(1), "cifar-10-batches-bin/", false);
        byte[] longer = java.util.Arrays.copyOf(tar, tar.length + 512);
        longer[tar.length + 7] = 1;
        Path archive = dir.resolve("more.tar");
        Files.write(archive, longer);
        assertThatThrownBy(() -> Cifar10.load(archive, Split.TEST))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("more.tar: unexpected data after the end-of-archive block: byte offset " + String.format(
                        java.util.Locale.ROOT, "%,d", tar.length + 7) + " holds 1, expected only zero bytes to the end"
                        + " of the tar stream");
    }

    /** Batches of different sizes, in any archive order, still load like the folder. */
    @Test
    void loadsBatchesOfDifferentSizesInAnyOrder() throws Exception {
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        Map<String, byte[]> all = TestFiles.cifarFiles(3);
        files.put("data_batch_3.bin", all.get("data_batch_3.bin"));
        files.put("data_batch_1.bin", TestFiles.cifarBatch(new int[] {1, 2, 3, 4, 5}));
        files.put("data_batch_5.bin", all.get("data_batch_5.bin"));
        files.put("data_batch_2.bin", all.get("data_batch_2.bin"));
        files.put("data_batch_4.bin", TestFiles.cifarBatch(new int[] {9}));
        Path archive = dir.resolve("mixed.tar.gz");
        Files.write(archive, TestFiles.tar(files, "cifar-10-batches-bin/", true));
        ByteImageDataset train = Cifar10.load(archive, Split.TRAIN);
        assertThat(train.labels(0, train.size())).containsExactly(1, 2, 3, 4, 5, 1, 2, 3, 2, 3, 4, 9, 4, 5, 6);
        assertThat(train.pixel(5, 10)).isEqualTo(TestFiles.pixel(0, 10));
        assertThat(train.pixel(14, 3071)).isEqualTo(TestFiles.pixel(2, 3071));
    }

    /** Damage met in the middle of the compressed archive is reported with the archive and the entry being read. */
    @Test
    void namesTheEntryWhereTheCompressedDataAreCut() throws Exception {
        Map<String, byte[]> files = TestFiles.cifarFiles(40);
        java.util.Random random = new java.util.Random(1);
        for (String name : Cifar10.batchFiles(Split.TRAIN)) { // incompressible pixels: the cut is met, not foreseen
            byte[] batch = files.get(name);
            for (int i = 0; i < batch.length; i++) {
                if (i % 3073 != 0) {
                    batch[i] = (byte) random.nextInt(256);
                }
            }
        }
        byte[] gz = TestFiles.tar(files, "cifar-10-batches-bin/", true);
        Path archive = dir.resolve("cut.tar.gz");
        int named = 0;
        for (int length = gz.length / 4; length < gz.length - 8; length += gz.length / 10) {
            Files.write(archive, java.util.Arrays.copyOf(gz, length));
            try {
                Cifar10.load(archive, Split.TRAIN);
                throw new AssertionError("cut to " + length + " bytes, it loaded");
            } catch (CorruptDataException e) {
                assertThat(e).hasMessageStartingWith("cut.tar.gz: truncated: the compressed data ends at byte offset "
                        + DataFiles.n(length))
                        .hasMessageMatching(".*\\(while reading (tar entry cifar-10-batches-bin/[a-z_0-9]+\\.bin, "
                                + "header|the tar header) at byte offset [0-9,]+\\)");
                named += e.getMessage().contains("tar entry") ? 1 : 0;
            }
        }
        assertThat(named).isPositive();
    }
}
