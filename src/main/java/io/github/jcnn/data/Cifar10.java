package io.github.jcnn.data;

import static io.github.jcnn.data.DataFiles.n;

import io.github.jcnn.tensor.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
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
 * that gives values in [0, 1]. It checks everything before returning, and a problem is an exception naming the file
 * (and the entry inside an archive), the offset and what was expected; no data is returned:
 * <ul>
 *   <li>a batch must be a whole number of records, 1 to 10,000 (the official 30,730,000 bytes at most), every label
 *       0..9; a {@code .bin} file is never decompressed;</li>
 *   <li>{@code batches.meta.txt} must be strict UTF-8, at most {@value #MAX_META_BYTES} bytes, with 10 names, in the
 *       folder and in the archive alike;</li>
 *   <li>an archive is read to its last byte: gzip CRC32 and length are verified, every tar member's declared size is
 *       checked against what the rest of the file can hold before anything is allocated, a file held twice and
 *       anything but zeros after the end-of-archive block are refused. Its batches are read straight into the
 *       dataset's final array, so loading from the archive takes no more memory than loading from the folder.</li>
 * </ul>
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
    private static final long MAX_BATCH_BYTES = (long) OFFICIAL_RECORDS * RECORD_BYTES;
    private static final List<String> ALL_BATCHES = List.of("data_batch_1.bin", "data_batch_2.bin",
            "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin");

    /** The most bytes {@code batches.meta.txt} may have (the official one has 61). */
    public static final int MAX_META_BYTES = 1 << 16;

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
     * @throws CorruptDataException if a file has the wrong length, a label is above 9, the class-name file is not
     *         10 names in UTF-8 (at most {@value #MAX_META_BYTES} bytes), or the archive is truncated, damaged (a
     *         gzip CRC32 or length mismatch, a tar header checksum, a declared size it cannot hold) or holds a file
     *         twice
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
        int[] records = new int[files.size()];
        long total = 0;
        for (int f = 0; f < files.size(); f++) {
            Path file = folder.resolve(files.get(f));
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "missing: the CIFAR-10 binary version has "
                        + "data_batch_1.bin to data_batch_5.bin and test_batch.bin in " + folder
                        + "; download " + ARCHIVE + " again from " + URL);
            }
            records[f] = checkLength(files.get(f), Files.size(file));
            total += records[f];
        }
        Path meta = folder.resolve(META);
        List<String> names = CLASS_NAMES;
        if (Files.isRegularFile(meta)) {
            long size = Files.size(meta);
            checkMetaSize(META, size);
            names = classNames(Files.readAllBytes(meta), META);
        }
        byte[] pixels = new byte[(int) total * PIXELS];
        byte[] labels = new byte[(int) total];
        int first = 0;
        for (int f = 0; f < files.size(); f++) {
            long length = (long) records[f] * RECORD_BYTES;
            try (DataStream in = DataStream.openRaw(folder.resolve(files.get(f)))) {
                readRecords(in, files.get(f), records[f], pixels, labels, first);
                in.expectEnd(length);
            }
            first += records[f];
        }
        return new ByteImageDataset(IMAGE_SHAPE, pixels, labels, names);
    }

    private static ByteImageDataset loadArchive(Path archive, Split split) throws IOException {
        List<String> files = batchFiles(split);
        String archiveName = archive.getFileName().toString();
        Assembly assembly = new Assembly(files.size());
        Map<String, Long> seen = new HashMap<>();
        List<List<String>> names = new ArrayList<>(List.of(CLASS_NAMES));
        try (DataStream in = DataStream.open(archive)) {
            new TarReader(in).forEach((name, size, offset, data) -> {
                String base = name.substring(name.lastIndexOf('/') + 1);
                String where = archiveName + "!" + name;
                if (base.equals(META) || ALL_BATCHES.contains(base)) {
                    Long previous = seen.putIfAbsent(base, offset);
                    if (previous != null) {
                        throw new CorruptDataException(archiveName + ": holds " + base + " twice (tar headers at byte "
                                + "offsets " + n(previous) + " and " + n(offset) + "); expected each file once");
                    }
                }
                if (base.equals(META)) {
                    checkMetaSize(where, size);
                    byte[] text = data.readNBytes((int) size);
                    if (text.length < size) {
                        throw new CorruptDataException(where + ": truncated: " + n(text.length) + " of " + n(size)
                                + " bytes");
                    }
                    names.set(0, classNames(text, where));
                } else if (ALL_BATCHES.contains(base)) {
                    int records = checkLength(where, size); // the other split's batches too: a whole archive is checked
                    if (files.contains(base)) {
                        assembly.read(files.indexOf(base), records, data, where, in.maxRemaining());
                    }
                }
            });
        }
        for (String file : files) {
            if (!seen.containsKey(file)) {
                throw new NoSuchFileException(archive.toString(), null, "the archive has no " + file
                        + " (found " + (seen.isEmpty() ? "no CIFAR-10 files" : seen.keySet()) + (seen.containsKey(META)
                        ? "" : ", no " + META) + "). Download " + ARCHIVE + " again from " + URL);
            }
        }
        return assembly.dataset(names.get(0));
    }

    /**
     * The batches of a split read from an archive straight into the dataset's final arrays. The first batch met fixes
     * the layout: when all batches of the split can hold that many records (the official archive: 10,000 each), one
     * array for all of them is allocated then and every batch is read into its own place, whatever the archive order,
     * so the peak is the data itself (153.6 MB for the training split). A batch of another size is read into its own
     * array and everything is copied together at the end.
     */
    private static final class Assembly {
        private final int batches;
        private final int[] records;
        private final byte[][] ownPixels;
        private final byte[][] ownLabels;
        private int slotRecords = -1;
        private byte[] pixels;
        private byte[] labels;

        Assembly(int batches) {
            this.batches = batches;
            this.records = new int[batches];
            this.ownPixels = new byte[batches][];
            this.ownLabels = new byte[batches][];
        }

        /** Reads batch {@code index} of {@code count} records; canHold bounds what the rest of the archive holds. */
        void read(int index, int count, InputStream data, String where, long canHold) throws IOException {
            if (pixels == null && slotRecords < 0) {
                slotRecords = count;
                if ((long) count * RECORD_BYTES * batches <= canHold) {
                    pixels = new byte[count * batches * PIXELS];
                    labels = new byte[count * batches];
                }
            }
            records[index] = count;
            if (pixels != null && count == slotRecords) {
                readRecords(data, where, count, pixels, labels, index * slotRecords);
            } else {
                ownPixels[index] = new byte[count * PIXELS];
                ownLabels[index] = new byte[count];
                readRecords(data, where, count, ownPixels[index], ownLabels[index], 0);
            }
        }

        ByteImageDataset dataset(List<String> names) {
            int total = 0;
            boolean inPlace = pixels != null;
            for (int b = 0; b < batches; b++) {
                total += records[b];
                inPlace &= ownPixels[b] == null;
            }
            if (!inPlace) {
                byte[] allPixels = new byte[total * PIXELS];
                byte[] allLabels = new byte[total];
                int first = 0;
                for (int b = 0; b < batches; b++) {
                    byte[] p = ownPixels[b] != null ? ownPixels[b] : pixels;
                    byte[] l = ownLabels[b] != null ? ownLabels[b] : labels;
                    int from = ownPixels[b] != null ? 0 : b * slotRecords;
                    System.arraycopy(p, from * PIXELS, allPixels, first * PIXELS, records[b] * PIXELS);
                    System.arraycopy(l, from, allLabels, first, records[b]);
                    ownPixels[b] = null;
                    first += records[b];
                }
                pixels = allPixels;
                labels = allLabels;
            }
            return new ByteImageDataset(IMAGE_SHAPE, pixels, labels, names);
        }
    }

    /** Checks that a batch holds a whole number of records, 1 to 10,000; returns that number. */
    private static int checkLength(String name, long length) throws CorruptDataException {
        if (length == 0 || length % RECORD_BYTES != 0 || length / RECORD_BYTES > OFFICIAL_RECORDS) {
            throw new CorruptDataException(name + ": expected a positive multiple of " + n(RECORD_BYTES)
                    + " bytes (1 label byte + 3,072 pixel bytes per record), at most " + n(MAX_BATCH_BYTES)
                    + " (the official " + n(OFFICIAL_RECORDS) + " records x " + n(RECORD_BYTES) + "), found "
                    + n(length));
        }
        return (int) (length / RECORD_BYTES);
    }

    /** The class-name file is small: {@value #MAX_META_BYTES} bytes at most, in the folder and in the archive. */
    private static void checkMetaSize(String name, long size) throws CorruptDataException {
        if (size > MAX_META_BYTES) {
            throw new CorruptDataException(name + ": " + n(size) + " bytes, expected at most " + n(MAX_META_BYTES)
                    + " (10 class names, one per line)");
        }
    }

    /**
     * Reads {@code records} records into pixels and labels from record {@code first} on, checking every label.
     */
    private static void readRecords(InputStream in, String name, int records, byte[] pixels, byte[] labels,
            int first) throws IOException {
        long length = (long) records * RECORD_BYTES;
        byte[] label = new byte[1];
        for (int r = 0; r < records; r++) {
            long offset = (long) r * RECORD_BYTES;
            readFully(in, label, 0, 1, name, offset, length);
            int at = (first + r) * PIXELS;
            readFully(in, pixels, at, PIXELS, name, offset + 1, length);
            if ((label[0] & 0xFF) >= CLASSES) {
                String hint = r == 0 && (label[0] & 0xFF) == 0x1f && (pixels[at] & 0xFF) == 0x8b
                        ? " (the file starts with 1f 8b, the gzip signature: CIFAR-10 .bin files are not compressed;"
                                + " decompress it first)" : "";
                throw new CorruptDataException(name + ": record " + n(r) + " (byte offset " + n(offset) + ") has label "
                        + (label[0] & 0xFF) + ", expected 0..9" + hint);
            }
            labels[first + r] = label[0];
        }
    }

    private static void readFully(InputStream in, byte[] target, int offset, int length, String name, long position,
            long expected) throws IOException {
        int done = in.readNBytes(target, offset, length);
        if (done < length) {
            throw new CorruptDataException(name + ": truncated at byte offset " + n(position + done) + ", expected "
                    + n(expected) + " bytes");
        }
    }

    /** The non-blank lines of batches.meta.txt, strictly UTF-8; there must be 10. */
    private static List<String> classNames(byte[] text, String name) throws CorruptDataException {
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(text)).toString();
        } catch (CharacterCodingException e) {
            int at = firstBadUtf8(text);
            throw new CorruptDataException(name + ": not UTF-8 text: byte offset " + n(at) + " holds "
                    + String.format("%02x", text[at] & 0xFF) + ", which is not valid UTF-8 there (expected 10 class "
                    + "names, one per line)", e);
        }
        List<String> names = new ArrayList<>();
        for (String line : decoded.split("\r?\n")) {
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

    /** The offset of the first byte where strict UTF-8 decoding fails. */
    private static int firstBadUtf8(byte[] text) {
        ByteBuffer in = ByteBuffer.wrap(text);
        StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in, CharBuffer.allocate(text.length + 1), true);
        return Math.min(in.position(), Math.max(0, text.length - 1)); // decoding stops at the first bad byte
    }
}
