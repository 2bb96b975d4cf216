package io.github.jcnn.data;

import static io.github.jcnn.data.DataFiles.n;

import io.github.jcnn.tensor.Shape;
import java.io.IOException;
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
 * Magic numbers, counts and sizes are checked <em>before</em> anything is allocated: every size must be positive (an
 * empty data set is refused), their product is computed with overflow checks and must fit one array, and the file
 * must hold exactly that many bytes: a plain file's length, or for a gzip file what decompressing it once gives (after
 * checking the declared length against the most its compressed bytes can hold; the trailer's ISIZE is never
 * trusted). Gzip files are read through their trailer, so CRC32 and length are verified. A bad file is a
 * {@link CorruptDataException} naming the file, the byte offset and what was expected.
 */
public final class Mnist {

    /** The folder name that {@code scripts/get-data} and most downloads use. */
    public static final String FOLDER = "mnist";

    /** Where to get the data set. */
    public static final String URL = "https://yann.lecun.com/exdb/mnist/ (or a mirror)";

    private static final int IMAGES_MAGIC = 2051;
    private static final int LABELS_MAGIC = 2049;
    private static final int CLASSES = 10;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final List<String> CLASS_NAMES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private Mnist() {
    }

    /**
     * Loads a split of MNIST.
     *
     * @param dir   the folder holding the idx files, or a folder holding a {@code mnist} folder with them
     * @param split {@link Split#TRAIN} ({@code train-*}, 60,000 images) or {@link Split#TEST} ({@code t10k-*}, 10,000)
     * @throws NoSuchFileException if a file is missing; the message says where it looked
     * @throws CorruptDataException if a magic number, count, size, length, label or gzip checksum is wrong, a count is
     *         0, or the two files disagree
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

        Idx labelsIdx = Idx.measure(labelsFile, LABELS_MAGIC, 1, "idx1 unsigned-byte labels");
        Idx imagesIdx = Idx.measure(imagesFile, IMAGES_MAGIC, 3, "idx3 unsigned-byte images");
        String imagesName = imagesIdx.name;
        String labelsName = labelsIdx.name;
        int count = imagesIdx.sizes[0];
        if (count != labelsIdx.sizes[0]) {
            throw new CorruptDataException(imagesName + " holds " + n(count) + " images but " + labelsName
                    + " holds " + n(labelsIdx.sizes[0]) + " labels; expected the same count");
        }
        byte[] labels = labelsIdx.read(labelsFile);
        for (int i = 0; i < labels.length; i++) {
            if ((labels[i] & 0xFF) >= CLASSES) {
                throw new CorruptDataException(labelsName + ": label " + (labels[i] & 0xFF) + " of image " + n(i)
                        + " (byte offset " + n(8L + i) + "), expected 0..9");
            }
        }
        byte[] pixels = imagesIdx.read(imagesFile);
        return new ByteImageDataset(Shape.of(1, imagesIdx.sizes[1], imagesIdx.sizes[2]), pixels, labels, CLASS_NAMES);
    }

    /**
     * One idx file whose header has been read and checked and whose length has been confirmed, before its data are
     * allocated: the sizes are positive, their product is computed with overflow checks and fits one array, and the
     * file holds exactly that many bytes. For a plain file that is its length; a gzip file is decompressed once
     * (nothing kept; CRC32 and length verified) after checking the declared length against what its compressed bytes
     * can hold at most.
     */
    private static final class Idx {
        final String name;
        final int[] sizes;
        final int headerBytes;
        final int dataBytes;

        private Idx(String name, int[] sizes, int headerBytes, int dataBytes) {
            this.name = name;
            this.sizes = sizes;
            this.headerBytes = headerBytes;
            this.dataBytes = dataBytes;
        }

        static Idx measure(Path file, int magic, int dims, String what) throws IOException {
            try (DataStream in = DataStream.open(file)) {
                String name = in.name();
                int[] sizes = header(in, name, dims + 1, magic, what);
                long product;
                try {
                    product = 1;
                    for (int size : sizes) {
                        product = Math.multiplyExact(product, size);
                    }
                } catch (ArithmeticException e) {
                    product = Long.MAX_VALUE;
                }
                int headerBytes = 4 + 4 * dims;
                String declared = dims == 1 ? n(sizes[0]) + " labels"
                        : n(sizes[0]) + " images x " + n(sizes[1]) + " x " + n(sizes[2]);
                if (product > MAX_ARRAY) {
                    throw new CorruptDataException(name + ": declares " + declared + " = "
                            + (product == Long.MAX_VALUE ? "more than 2^63" : n(product)) + " bytes (byte offsets 4 to "
                            + (headerBytes - 1) + "), more than one Java array can hold (" + n(MAX_ARRAY) + ")");
                }
                long expected = headerBytes + product;
                if (!in.compressed()) {
                    if (expected != in.fileLength()) {
                        throw new CorruptDataException(name + ": expected " + n(expected) + " bytes (" + headerBytes
                                + "-byte header + " + declared + "), found " + n(in.fileLength()));
                    }
                } else {
                    long canHold = in.maxRemaining();
                    if (product > canHold) {
                        throw new CorruptDataException(name + ": expected " + n(expected) + " bytes (" + headerBytes
                                + "-byte header + " + declared + ") but " + in.holds() + " can hold at most "
                                + n(headerBytes + canHold));
                    }
                    long found = headerBytes + in.count(product);
                    if (found != expected) {
                        throw new CorruptDataException(name + ": expected " + n(expected) + " bytes (" + headerBytes
                                + "-byte header + " + declared + "), found " + (found > expected ? "more" : n(found))
                                + " once decompressed");
                    }
                }
                return new Idx(name, sizes, headerBytes, (int) product);
            }
        }

        /** The data after the header, read again from the file. */
        byte[] read(Path file) throws IOException {
            try (DataStream in = DataStream.open(file)) {
                long expected = headerBytes + (long) dataBytes;
                byte[] header = new byte[headerBytes];
                in.readFully(header, 0, headerBytes, expected);
                byte[] data = new byte[dataBytes];
                in.readFully(data, 0, dataBytes, expected);
                in.expectEnd(expected);
                return data;
            }
        }
    }

    /** Reads and checks the magic number, then reads {@code ints - 1} positive sizes. */
    private static int[] header(DataStream in, String name, int ints, int magic, String what) throws IOException {
        byte[] bytes = new byte[4 * ints];
        int got = in.readNBytes(bytes, 0, bytes.length);
        if (got < bytes.length) {
            throw new CorruptDataException(name + ": expected a " + bytes.length + "-byte header at least, found "
                    + n(got) + " bytes");
        }
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
                throw new CorruptDataException(name + ": size " + n(Integer.toUnsignedLong(values[i]))
                        + " at byte offset " + (4 * i) + ", expected a positive count below 2^31");
            }
            if (values[i] == 0) {
                throw new CorruptDataException(name + ": " + (i == 1 ? "count 0 at byte offset 4: the file holds no "
                        + (ints == 2 ? "labels" : "images") + " (an empty data set cannot be used)"
                        : (i == 2 ? "rows" : "columns") + " = 0 at byte offset " + (4 * i)
                                + ", expected positive image sizes such as 28 x 28"));
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
