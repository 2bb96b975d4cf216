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
                .hasMessage("train-images-idx3-ubyte.gz: expected 1,568,000,000,016 bytes (16-byte header + "
                        + "2,000,000,000 images x 28 x 28), found 26");
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

        byte[] gz = TestFiles.gzip(images(50, 28, 28));
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
}
