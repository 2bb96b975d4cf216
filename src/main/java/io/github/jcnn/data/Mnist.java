package io.github.jcnn.data;

import static io.github.jcnn.data.DataFiles.n;

import io.github.jcnn.tensor.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The MNIST handwritten digits (LeCun, Cortes, Burges): grey 28 x 28 images of the digits 0 to 9, 60,000 for training
 * and 10,000 for testing, in the idx format, gzip'ed or not:
 * <pre>
 *   train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]  t10k-images-idx3-ubyte[.gz]  t10k-labels-idx1-ubyte[.gz]
 * </pre>
 * idx layout, all integers 4-byte big-endian:
 * <pre>
 *   images: magic 2051 (0x00000803), count N, rows R, columns C, then N * R * C pixel bytes
 *           (row-major; 0 = background, 255 = ink: white digits on black)
 *   labels: magic 2049 (0x00000801), count N, then N label bytes 0..9
 * </pre>
 * {@link #load(Path, Split)} gives a {@link ByteImageDataset} of (1, R, C) images (1, 28, 28) with values in [0, 1].
 * Magic numbers, counts and lengths are checked against the file's (uncompressed) length <em>before</em> anything is
 * allocated; a bad file is a {@link CorruptDataException} naming the file, the byte offset and what was expected.
 */
public final class Mnist {

    /** The folder name that {@code /work/shared/data/unpack} and most downloads use. */
    public static final String FOLDER = "mnist";

    /** Where to get the data set. */
    public static final String URL = "https://yann.lecun.com/exdb/mnist/ (or a mirror)";

    private static final int IMAGES_MAGIC = 2051;
    private static final int LABELS_MAGIC = 2049;
    private static final int CLASSES = 10;
    private static final List<String> CLASS_NAMES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private Mnist() {
    }

    /**
     * Loads a split of MNIST.
     *
     * @param dir   the folder holding the idx files, or a folder holding a {@code mnist} folder with them
     * @param split {@link Split#TRAIN} ({@code train-*}, 60,000 images) or {@link Split#TEST} ({@code t10k-*}, 10,000)
     * @throws NoSuchFileException if a file is missing; the message says where it looked
     * @throws CorruptDataException if a magic number, count, length or label is wrong, or the two files disagree
     * @throws IOException if reading fails
     */
    public static ByteImageDataset load(Path dir, Split split) throws IOException {
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        Path folder = dir;
        if (find(dir, prefix + "-images-idx3-ubyte") == null && Files.isDirectory(dir.resolve(FOLDER))) {
            folder = dir.resolve(FOLDER);
        }
        Path imagesFile = require(folder, prefix + "-images-idx3-ubyte");
        Path labelsFile = require(folder, prefix + "-labels-idx1-ubyte");

        long imagesLength = DataFiles.uncompressedLength(imagesFile);
        long labelsLength = DataFiles.uncompressedLength(labelsFile);
        String imagesName = imagesFile.getFileName().toString();
        String labelsName = labelsFile.getFileName().toString();
        if (imagesLength < 16) {
            throw new CorruptDataException(imagesName + ": expected a 16-byte header at least, found " + n(imagesLength)
                    + " bytes");
        }
        if (labelsLength < 8) {
            throw new CorruptDataException(labelsName + ": expected an 8-byte header at least, found " + n(labelsLength)
                    + " bytes");
        }
        byte[] labels;
        try (InputStream in = DataFiles.open(labelsFile)) {
            int[] header = header(in, labelsName, 2, LABELS_MAGIC, "idx1 unsigned-byte labels", labelsLength);
            long expected = 8L + header[0];
            if (expected != labelsLength) {
                throw new CorruptDataException(labelsName + ": expected " + n(expected) + " bytes (8-byte header + "
                        + n(header[0]) + " labels), found " + n(labelsLength));
            }
            labels = new byte[header[0]];
            DataFiles.readFully(in, labels, 0, labels.length, labelsName, 8, expected);
        }
        for (int i = 0; i < labels.length; i++) {
            if ((labels[i] & 0xFF) >= CLASSES) {
                throw new CorruptDataException(labelsName + ": label " + (labels[i] & 0xFF) + " of image " + n(i)
                        + " (byte offset " + n(8L + i) + "), expected 0..9");
            }
        }
        byte[] pixels;
        Shape shape;
        try (InputStream in = DataFiles.open(imagesFile)) {
            int[] header = header(in, imagesName, 4, IMAGES_MAGIC, "idx3 unsigned-byte images", imagesLength);
            int count = header[0];
            int rows = header[1];
            int columns = header[2];
            if (rows == 0 || columns == 0) {
                throw new CorruptDataException(imagesName + ": images of " + rows + " x " + columns
                        + " pixels (byte offset 8), expected positive sizes such as 28 x 28");
            }
            long expected = 16L + (long) count * rows * columns;
            if (expected != imagesLength) {
                throw new CorruptDataException(imagesName + ": expected " + n(expected) + " bytes (16-byte header + "
                        + n(count) + " images x " + rows + " x " + columns + "), found " + n(imagesLength));
            }
            if (count != labels.length) {
                throw new CorruptDataException(imagesName + " holds " + n(count) + " images but " + labelsName
                        + " holds " + n(labels.length) + " labels; expected the same count");
            }
            if (expected - 16 > Integer.MAX_VALUE - 8) {
                throw new CorruptDataException(imagesName + ": " + n(expected - 16) + " pixel bytes are too many");
            }
            shape = Shape.of(1, rows, columns);
            pixels = new byte[(int) (expected - 16)];
            DataFiles.readFully(in, pixels, 0, pixels.length, imagesName, 16, expected);
        }
        return new ByteImageDataset(shape, pixels, labels, CLASS_NAMES);
    }

    /** Reads and checks the magic number, then reads {@code ints - 1} non-negative counts/sizes. */
    private static int[] header(InputStream in, String name, int ints, int magic, String what, long length)
            throws IOException {
        byte[] bytes = new byte[4 * ints];
        DataFiles.readFully(in, bytes, 0, bytes.length, name, 0, length);
        int[] values = new int[ints];
        for (int i = 0; i < ints; i++) {
            values[i] = ((bytes[4 * i] & 0xFF) << 24) | ((bytes[4 * i + 1] & 0xFF) << 16)
                    | ((bytes[4 * i + 2] & 0xFF) << 8) | (bytes[4 * i + 3] & 0xFF);
        }
        if (values[0] != magic) {
            String hint = values[0] == IMAGES_MAGIC ? " (an images file?)"
                    : values[0] == LABELS_MAGIC ? " (a labels file?)" : "";
            throw new CorruptDataException(name + ": magic number at byte offset 0 is " + values[0] + hint
                    + ", expected " + magic + " (" + what + ")");
        }
        for (int i = 1; i < ints; i++) {
            if (values[i] < 0) {
                throw new CorruptDataException(name + ": size " + values[i] + " at byte offset " + (4 * i)
                        + ", expected a non-negative count");
            }
        }
        return java.util.Arrays.copyOfRange(values, 1, ints);
    }

    private static Path find(Path folder, String name) {
        for (Path candidate : List.of(folder.resolve(name), folder.resolve(name + ".gz"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static Path require(Path folder, String name) throws NoSuchFileException {
        Path file = find(folder, name);
        if (file == null) {
            throw new NoSuchFileException(folder.resolve(name).toString(), null, "missing (looked for " + name
                    + " and " + name + ".gz in " + folder + "). MNIST is at " + URL);
        }
        return file;
    }
}
