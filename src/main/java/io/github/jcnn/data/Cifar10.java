package io.github.jcnn.data;

import static io.github.jcnn.data.DataFiles.n;

import io.github.jcnn.tensor.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CIFAR-10 data set (Alex Krizhevsky, 2009): 60,000 colour images of 32 x 32 pixels in 10 classes (airplane,
 * automobile, bird, cat, deer, dog, frog, horse, ship, truck), 50,000 for training and 10,000 for testing, 6,000 per
 * class. Loaded from the "binary version", {@code cifar-10-binary.tar.gz} from
 * <a href="https://www.cs.toronto.edu/~kriz/cifar.html">https://www.cs.toronto.edu/~kriz/cifar.html</a>.
 *
 * <p>Format: {@code data_batch_1.bin} ... {@code data_batch_5.bin} (training) and {@code test_batch.bin} (test), each
 * 10,000 records of 3,073 bytes:
 * <pre>
 *   byte 0          label 0..9
 *   bytes 1..1024   red   plane, 32 x 32, row-major (row 0 left to right, then row 1, ...)
 *   bytes 1025..2048 green plane
 *   bytes 2049..3072 blue  plane
 * </pre>
 * so the 3,072 pixel bytes are exactly one (3, 32, 32) image in (C, H, W) order. {@code batches.meta.txt} holds the
 * class names, one per line (blank lines skipped).
 *
 * <p>{@link #load(Path, Split)} keeps the images as bytes (150 MB for the training set) in a {@link ByteImageDataset}
 * that gives values in [0, 1]. It checks everything before returning: a file whose length is not a multiple of 3,073, a
 * label above 9, a missing batch file or a truncated archive is an exception naming the file, the offset and what was
 * expected, and no data is returned.
 * <pre>
 *   ByteImageDataset train = Cifar10.load(Path.of("data/cifar-10-batches-bin"), Split.TRAIN);  // 50,000 images
 *   ByteImageDataset test  = Cifar10.load(Path.of("data/cifar-10-binary.tar.gz"), Split.TEST);  // 10,000 images
 * </pre>
 * Nothing is ever downloaded automatically.
 */
public final class Cifar10 {

    /** Where to get the data set. */
    public static final String URL = "https://www.cs.toronto.edu/~kriz/cifar.html";

    /** The folder name inside the archive. */
    public static final String FOLDER = "cifar-10-batches-bin";

    /** The archive's file name. */
    public static final String ARCHIVE = "cifar-10-binary.tar.gz";

    /** The class names of the official data set, by label. */
    public static final List<String> CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    /** The shape of one image: 3 channels (R, G, B), 32 rows, 32 columns. */
    public static final Shape IMAGE_SHAPE = Shape.of(3, 32, 32);

    /** Bytes per record: one label byte and 3,072 pixel bytes. */
    public static final int RECORD_BYTES = 1 + 3 * 32 * 32;

    private static final int PIXELS = RECORD_BYTES - 1;
    private static final int CLASSES = 10;
    private static final int OFFICIAL_RECORDS = 10_000;
    private static final String META = "batches.meta.txt";

    private Cifar10() {
    }

    /** The batch files of a split, in order. */
    public static List<String> batchFiles(Split split) {
        return split == Split.TRAIN
                ? List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                        "data_batch_5.bin")
                : List.of("test_batch.bin");
    }

    /**
     * Loads a split of CIFAR-10.
     *
     * @param path the extracted {@code cifar-10-batches-bin} folder, a folder that contains it (or contains
     *             {@code cifar-10-binary.tar.gz}), or the {@code .tar.gz} (or {@code .tar}) archive itself
     * @param split {@link Split#TRAIN} (five batches, 50,000 images) or {@link Split#TEST} (10,000 images)
     * @return the images as bytes, values scaled to [0, 1] when read, with the class names of {@code batches.meta.txt}
     *         (the official names when that file is absent)
     * @throws NoSuchFileException if the data or a batch file is missing; the message says where it looked and where
     *         to download the data set
     * @throws CorruptDataException if a file has the wrong length, a label is above 9, the class-name file does not
     *         hold 10 names, or the archive is truncated or damaged
     * @throws IOException if reading fails
     */
    public static ByteImageDataset load(Path path, Split split) throws IOException {
        if (Files.isRegularFile(path)) {
            return loadArchive(path, split);
        }
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve(META)) || Files.exists(path.resolve(batchFiles(split).get(0)))) {
                return loadFolder(path, split);
            }
            if (Files.isDirectory(path.resolve(FOLDER))) {
                return loadFolder(path.resolve(FOLDER), split);
            }
            if (Files.isRegularFile(path.resolve(ARCHIVE))) {
                return loadArchive(path.resolve(ARCHIVE), split);
            }
        }
        throw new NoSuchFileException(path.toString(), null, "no CIFAR-10 data here: looked for " + path
                + " as the " + FOLDER + " folder, for " + path.resolve(FOLDER) + " and for " + path.resolve(ARCHIVE)
                + ". Download the binary version (" + ARCHIVE + ") from " + URL
                + " and pass its path or the folder it extracts to");
    }

    private static ByteImageDataset loadFolder(Path folder, Split split) throws IOException {
        List<String> files = batchFiles(split);
        long[] lengths = new long[files.size()];
        long records = 0;
        for (int f = 0; f < files.size(); f++) {
            Path file = folder.resolve(files.get(f));
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "missing: the CIFAR-10 binary version has "
                        + "data_batch_1.bin to data_batch_5.bin and test_batch.bin in " + folder
                        + "; download " + ARCHIVE + " again from " + URL);
            }
            lengths[f] = Files.size(file);
            records += checkLength(files.get(f), lengths[f]);
        }
        if (records > Integer.MAX_VALUE / PIXELS) {
            throw new CorruptDataException(folder + ": " + n(records) + " records are too many to hold in memory");
        }
        byte[] pixels = new byte[(int) records * PIXELS];
        byte[] labels = new byte[(int) records];
        int first = 0;
        for (int f = 0; f < files.size(); f++) {
            try (InputStream in = DataFiles.open(folder.resolve(files.get(f)))) {
                first += readRecords(in, files.get(f), lengths[f], pixels, labels, first);
            }
        }
        Path meta = folder.resolve(META);
        List<String> names = Files.isRegularFile(meta) ? classNames(Files.readAllBytes(meta), meta.toString())
                : CLASS_NAMES;
        return new ByteImageDataset(IMAGE_SHAPE, pixels, labels, names);
    }

    private static ByteImageDataset loadArchive(Path archive, Split split) throws IOException {
        List<String> files = batchFiles(split);
        Map<String, byte[][]> batches = new HashMap<>();
        List<String> names = new ArrayList<>(CLASS_NAMES);
        boolean[] sawMeta = {false};
        String archiveName = archive.getFileName().toString();
        try (InputStream in = DataFiles.open(archive)) {
            new TarReader(in, archiveName).forEach((name, size, offset, data) -> {
                String base = name.substring(name.lastIndexOf('/') + 1);
                String where = archiveName + "!" + name;
                if (base.equals(META) && size <= 1 << 16) {
                    names.clear();
                    names.addAll(classNames(data.readAllBytes(), where));
                    sawMeta[0] = true;
                } else if (files.contains(base) && !batches.containsKey(base)) {
                    int records = checkLength(where, size);
                    byte[] pixels = new byte[records * PIXELS];
                    byte[] labels = new byte[records];
                    readRecords(data, where, size, pixels, labels, 0);
                    batches.put(base, new byte[][] {pixels, labels});
                }
            });
        }
        for (String file : files) {
            if (!batches.containsKey(file)) {
                throw new NoSuchFileException(archive.toString(), null, "the archive has no " + file
                        + " (found " + (batches.isEmpty() ? "no batch files" : batches.keySet()) + (sawMeta[0] ? "" : ", no "
                        + META) + "); it may be truncated. Download " + ARCHIVE + " again from " + URL);
            }
        }
        if (files.size() == 1) {
            byte[][] only = batches.get(files.get(0));
            return new ByteImageDataset(IMAGE_SHAPE, only[0], only[1], names);
        }
        long records = 0;
        for (String file : files) {
            records += batches.get(file)[1].length;
        }
        byte[] pixels = new byte[(int) records * PIXELS];
        byte[] labels = new byte[(int) records];
        int first = 0;
        for (String file : files) {
            byte[][] batch = batches.remove(file);
            System.arraycopy(batch[0], 0, pixels, first * PIXELS, batch[0].length);
            System.arraycopy(batch[1], 0, labels, first, batch[1].length);
            first += batch[1].length;
        }
        return new ByteImageDataset(IMAGE_SHAPE, pixels, labels, names);
    }

    /** Checks that a batch holds a whole, positive number of records; returns that number. */
    private static int checkLength(String name, long length) throws CorruptDataException {
        if (length == 0 || length % RECORD_BYTES != 0 || length / RECORD_BYTES > Integer.MAX_VALUE / PIXELS) {
            throw new CorruptDataException(name + ": expected a positive multiple of " + n(RECORD_BYTES)
                    + " bytes (1 label byte + 3,072 pixel bytes per record; " + n((long) OFFICIAL_RECORDS * RECORD_BYTES)
                    + " for the official " + n(OFFICIAL_RECORDS) + " records x " + n(RECORD_BYTES) + "), found "
                    + n(length));
        }
        return (int) (length / RECORD_BYTES);
    }

    /** Reads length / 3,073 records into pixels and labels from record {@code first} on; returns the record count. */
    private static int readRecords(InputStream in, String name, long length, byte[] pixels, byte[] labels, int first)
            throws IOException {
        int records = (int) (length / RECORD_BYTES);
        byte[] label = new byte[1];
        for (int r = 0; r < records; r++) {
            long offset = (long) r * RECORD_BYTES;
            DataFiles.readFully(in, label, 0, 1, name, offset, length);
            if ((label[0] & 0xFF) >= CLASSES) {
                throw new CorruptDataException(name + ": record " + n(r) + " (byte offset " + n(offset) + ") has label "
                        + (label[0] & 0xFF) + ", expected 0..9");
            }
            labels[first + r] = label[0];
            DataFiles.readFully(in, pixels, (first + r) * PIXELS, PIXELS, name, offset + 1, length);
        }
        return records;
    }

    /** The non-blank lines of batches.meta.txt; there must be 10. */
    private static List<String> classNames(byte[] text, String name) throws CorruptDataException {
        List<String> names = new ArrayList<>();
        for (String line : new String(text, StandardCharsets.UTF_8).split("\r?\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        if (names.size() != CLASSES) {
            throw new CorruptDataException(name + ": expected 10 class names (one per line), found " + names.size()
                    + " " + names);
        }
        return List.copyOf(names);
    }
}
