package io.github.jcnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.tensor.Shape;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistTest {

    @TempDir
    Path dir;

    private static byte[] images(int count, int rows, int cols) {
        byte[] data = new byte[count * rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 13);
        }
        return TestFiles.idx(2051, new int[] {count, rows, cols}, data);
    }

    private static byte[] labels(int... values) {
        byte[] data = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            data[i] = (byte) values[i];
        }
        return TestFiles.idx(2049, new int[] {values.length}, data);
    }

    @Test
    void loadsPlainIdxFiles() throws Exception {
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(3, 28, 28));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(5, 0, 9));
        ByteImageDataset train = Mnist.load(dir, Split.TRAIN);
        assertThat(train.size()).isEqualTo(3);
        assertThat(train.sampleShape()).isEqualTo(Shape.of(1, 28, 28));
        assertThat(train.labels(0, 3)).containsExactly(5, 0, 9);
        assertThat(train.classNames()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        // image 2, row 1, column 3 is pixel byte 2 * 784 + 1 * 28 + 3
        int i = 2 * 784 + 28 + 3;
        assertThat(train.images(2, 3).get(0, 0, 1, 3)).isEqualTo(((i * 13) & 0xFF) / 255f);
    }

    @Test
    void loadsGzippedFilesFromAMnistSubfolder() throws Exception {
        Path mnist = Files.createDirectory(dir.resolve("mnist"));
        Files.write(mnist.resolve("t10k-images-idx3-ubyte.gz"), TestFiles.gzip(images(2, 4, 5)));
        Files.write(mnist.resolve("t10k-labels-idx1-ubyte.gz"), TestFiles.gzip(labels(1, 2)));
        ByteImageDataset test = Mnist.load(dir, Split.TEST);
        assertThat(test.size()).isEqualTo(2);
        assertThat(test.sampleShape()).isEqualTo(Shape.of(1, 4, 5));
    }

    @Test
    void refusesAWrongMagicNumber() throws Exception {
        Files.write(dir.resolve("train-images-idx3-ubyte"), labels(new int[20]));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(1, 2));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("train-images-idx3-ubyte: magic number at byte offset 0 is 2049 (a labels file?), "
                        + "expected 2051 (idx3 unsigned-byte images)");
    }

    @Test
    void checksTheHeaderAgainstTheFileLengthBeforeAllocating() throws Exception {
        byte[] huge = TestFiles.idx(2051, new int[] {2_000_000_000, 28, 28}, new byte[10]);
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), TestFiles.gzip(huge));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(1));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("train-images-idx3-ubyte.gz: declares 2,000,000,000 images x 28 x 28 = 1,568,000,000,000 "
                        + "bytes (byte offsets 4 to 15), more than one Java array can hold (2,147,483,639)");
    }

    @Test
    void refusesALabelAboveNineWithItsOffset() throws Exception {
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(3, 2, 2));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(1, 10, 2));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("train-labels-idx1-ubyte: label 10 of image 1 (byte offset 9), expected 0..9");
    }

    @Test
    void refusesDifferentCountsAndTruncatedGzip() throws Exception {
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(3, 2, 2));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(1, 2));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("holds 3 images but train-labels-idx1-ubyte holds 2 labels");

        byte[] noise = new byte[50 * 28 * 28]; // incompressible, so that the cut file could still hold the pixels
        new java.util.Random(7).nextBytes(noise);
        byte[] gz = TestFiles.gzip(TestFiles.idx(2051, new int[] {50, 28, 28}, noise));
        byte[] cut = java.util.Arrays.copyOf(gz, gz.length - 100);
        // keep the original trailer so that the length check passes and the decompressor meets the damage
        System.arraycopy(gz, gz.length - 4, cut, cut.length - 4, 4);
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), cut);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), labels(new int[50]));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TEST))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageStartingWith("t10k-images-idx3-ubyte.gz: truncated");
    }

    @Test
    void saysWhereItLookedForAMissingFile() {
        assertThatThrownBy(() -> Mnist.load(dir, Split.TEST))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("t10k-images-idx3-ubyte.gz")
                .hasMessageContaining(dir.toString());
    }

    // ---- issue 12: hostile and damaged files (each test reproduces one finding) ----

    /** The finding: a 40-byte .gz claiming 2,000,000,000 labels, ISIZE to match, gave an OutOfMemoryError. */
    @Test
    void aFortyByteGzipClaimingTwoBillionLabelsIsRefusedWithoutAllocating() throws Exception {
        byte[] header = TestFiles.idx(2049, new int[] {2_000_000_000}, new byte[0]);
        byte[] gz = TestFiles.gzipClaiming(header, 2_000_000_008L);
        assertThat(gz.length).isLessThanOrEqualTo(40);
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gz);
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(1, 2, 2));
        long before = allocated();
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageStartingWith("train-labels-idx1-ubyte.gz: expected 2,000,000,008 bytes (8-byte header + "
                        + "2,000,000,000 labels) but a gzip file of " + gz.length + " bytes")
                .hasMessageContaining("can hold at most");
        assertThat(allocated() - before).isLessThan(4 << 20);
    }

    /** The finding: an images .gz claiming 200 x 3000 x 3000 (ISIZE to match) also ran out of memory. */
    @Test
    void anImagesGzipClaimingTwoHundredHugeImagesIsRefused() throws Exception {
        byte[] header = TestFiles.idx(2051, new int[] {200, 3000, 3000}, new byte[0]);
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), TestFiles.gzipClaiming(header, 16L + 200 * 9_000_000L));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(new int[200]));
        long before = allocated();
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageStartingWith("train-images-idx3-ubyte.gz: expected 1,800,000,016 bytes (16-byte header + "
                        + "200 images x 3,000 x 3,000) but a gzip file of");
        assertThat(allocated() - before).isLessThan(4 << 20);
    }

    /** A gzip file whose declared length is within what it could hold but that really holds less. */
    @Test
    void measuresTheDecompressedLengthInsteadOfTrustingTheTrailer() throws Exception {
        byte[] header = TestFiles.idx(2049, new int[] {5000}, new byte[0]);
        byte[] padding = new byte[100]; // compresses to almost nothing: the file could hold 5,008 bytes
        byte[] content = java.nio.ByteBuffer.allocate(header.length + padding.length).put(header).put(padding).array();
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), TestFiles.gzip(content));
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(5000, 1, 1));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("train-labels-idx1-ubyte.gz: expected 5,008 bytes (8-byte header + 5,000 labels), found "
                        + "108 once decompressed");
    }

    /** The finding: rows = cols = 2^30 overflowed to a size that matched, then a bare IllegalArgumentException. */
    @Test
    void refusesSizesWhoseProductOverflowsNamingTheFile() throws Exception {
        Files.write(dir.resolve("train-images-idx3-ubyte"), TestFiles.idx(2051, new int[] {16, 1 << 30, 1 << 30},
                new byte[0]));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(new int[16]));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("train-images-idx3-ubyte: declares 16 images x 1,073,741,824 x 1,073,741,824 = more than "
                        + "2^63 bytes (byte offsets 4 to 15), more than one Java array can hold (2,147,483,639)");
        Files.write(dir.resolve("train-images-idx3-ubyte"), TestFiles.idx(2051, new int[] {1, 1 << 30, 1 << 30},
                new byte[0]));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(0));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageStartingWith("train-images-idx3-ubyte: declares 1 images x 1,073,741,824 x 1,073,741,824 = "
                        + "1,152,921,504,606,846,976 bytes");
    }

    /** The finding: a count of 0 returned an empty dataset silently. */
    @Test
    void refusesAnEmptyDataSet() throws Exception {
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(0, 28, 28));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels());
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("train-labels-idx1-ubyte: count 0 at byte offset 4: the file holds no labels (an empty "
                        + "data set cannot be used)");
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(1));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("train-images-idx3-ubyte: count 0 at byte offset 4: the file holds no images (an empty "
                        + "data set cannot be used)");
    }

    /** The finding: the gzip CRC was never checked; a flipped bit in a labels .gz changed labels silently. */
    @Test
    void refusesAFlippedBitInAGzipFileByItsCrc() throws Exception {
        int[] values = new int[200];
        for (int i = 0; i < values.length; i++) {
            values[i] = i % 10;
        }
        byte[] gz = TestFiles.gzip(labels(values));
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(200, 1, 1));
        Path labelsGz = dir.resolve("train-labels-idx1-ubyte.gz");
        Files.write(labelsGz, gz);
        assertThat(Mnist.load(dir, Split.TRAIN).size()).isEqualTo(200);
        int refused = 0;
        for (int bit = 0; bit < 8 * (gz.length - 18); bit++) { // every bit of the deflate data
            byte[] bad = gz.clone();
            bad[10 + bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(labelsGz, bad);
            try {
                ByteImageDataset loaded = Mnist.load(dir, Split.TRAIN);
                assertThat(loaded.labels(0, 200)).containsExactly(values);
            } catch (CorruptDataException e) {
                assertThat(e).hasMessageStartingWith("train-labels-idx1-ubyte.gz: ");
                refused++;
            }
        }
        assertThat(refused).isGreaterThan(8 * (gz.length - 18) * 9 / 10);
        byte[] crcFlipped = gz.clone();
        crcFlipped[gz.length - 8] ^= 1;
        Files.write(labelsGz, crcFlipped);
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageStartingWith("train-labels-idx1-ubyte.gz: CRC32 mismatch: the decompressed data has CRC32 ");
    }

    /** The finding: damaged gzip headers surfaced as raw ZipException / EOFException without the file's name. */
    @Test
    void wrapsEveryGzipProblemNamingTheFile() throws Exception {
        byte[] gz = TestFiles.gzip(labels(1, 2, 3));
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(3, 1, 1));
        Path labelsGz = dir.resolve("train-labels-idx1-ubyte.gz");
        byte[] method = gz.clone();
        method[2] = 7;
        byte[] reserved = gz.clone();
        reserved[3] = (byte) 0x80;
        byte[] garbage = java.util.Arrays.copyOf(gz, gz.length + 3);
        Object[][] cases = {
            {method, "gzip compression method 7 at byte offset 2, expected 8 (deflate)"},
            {reserved, "gzip header flags 80 at byte offset 3 set reserved bits"},
            {java.util.Arrays.copyOf(gz, 5), "truncated: the file ends at byte offset 5 inside the gzip header"},
            {java.util.Arrays.copyOf(gz, gz.length - 3), "truncated: the file ends at byte offset " + (gz.length - 3)
                + " inside the 8-byte gzip trailer"},
            {java.util.Arrays.copyOf(gz, 14), "truncated: the compressed data ends at byte offset 14"},
            {garbage, "unexpected bytes after the end of the gzip data at byte offset " + gz.length},
        };
        for (Object[] c : cases) {
            Files.write(labelsGz, (byte[]) c[0]);
            assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageStartingWith("train-labels-idx1-ubyte.gz: ")
                    .hasMessageContaining((String) c[1]);
        }
    }

    static long allocated() {
        return TestFiles.allocatedBytes();
    }
}
