package io.github.jcnn.io;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> file layout with float32
 * tensors, the format PyTorch users know:
 * <pre>
 *   bytes 0..7          N, the header length, unsigned 64-bit little-endian
 *   bytes 8..8+N-1      the header: UTF-8 JSON, padded with spaces to a multiple of 8 bytes
 *                       { "__metadata__": {"key": "string value", ..., "data_crc32c": "1a2b3c4d",
 *                                          "header_crc32c": "5e6f7a8b"},
 *                         "0.weight": {"dtype": "F32", "shape": [6, 3, 5, 5], "data_offsets": [0, 1800]},
 *                         ... }
 *   bytes 8+N..end      the data section: each tensor's float32 numbers, little-endian, row-major, at
 *                       [begin, end) relative to the start of the data section, with no gaps and no overlaps
 * </pre>
 *
 * <p><b>Checksums.</b> Every file written here carries two CRC32C checksums in its metadata, as 8 lowercase hex
 * digits: {@value #DATA_CRC32C} of the data section's bytes, and {@value #HEADER_CRC32C} of the header's contents
 * (every other metadata entry and every tensor's name, dtype, shape and offsets, in the canonical form given in
 * docs/model-format.md, so that white space in the JSON does not matter). Reading verifies them whenever a file
 * carries them; files written elsewhere (PyTorch) carry none and are read as they are.
 *
 * <p><b>Writing</b> is atomic: the bytes go to a temporary file {@code .NAME.jcnn-tmp-PID-RANDOM} in the same
 * directory, which is flushed and then renamed over the target, so a failed or interrupted save leaves any previous
 * file untouched; the file gets the permissions of the file it replaces, or those of a new file under the umask.
 * Temporary files left by dead processes are removed by the next write of the same target.
 *
 * <p><b>Reading</b> trusts nothing: every length and offset is checked against the file's size before anything is
 * allocated, and a truncated or corrupt file throws {@link FileFormatException} naming the file, the problem and the
 * byte offset. {@link #open} reads the header only and then streams the data, in bounded chunks, into arrays the
 * caller provides; {@link #read} reads everything into new tensors.
 *
 * <p><b>Dtypes.</b> jcnn writes {@code F32}. Reading accepts what PyTorch writes: {@code F32}, and {@code F16}
 * (IEEE half) and {@code BF16} (bfloat16), which are converted to float exactly (every F16 and BF16 value is a
 * float); {@code F64} is rounded to the nearest float. Integer and boolean tensors ({@code I64}, {@code I32},
 * {@code I16}, {@code I8}, {@code U8}, ..., {@code BOOL}), such as PyTorch's {@code num_batches_tracked} counters,
 * and dtypes this reader does not know are not read: their data is skipped (its extent is still checked, and it
 * still counts for the data checksum) and they are listed in {@link Contents#skipped()} with their dtype and shape.
 */
public final class SafeTensors {

    /** The largest header accepted (the reference implementation's limit): 100 MB. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The metadata key of the data section's CRC32C (8 lowercase hex digits). */
    public static final String DATA_CRC32C = "data_crc32c";

    /** The metadata key of the header's CRC32C (8 lowercase hex digits), over the canonical form of the header. */
    public static final String HEADER_CRC32C = "header_crc32c";

    private static final String METADATA = "__metadata__";
    private static final int CHUNK_BYTES = 256 * 1024;

    /**
     * What a file holds.
     *
     * @param tensors  the floating-point tensors by name (as float), in the order of their data in the file
     * @param metadata the {@code __metadata__} map (empty when absent)
     * @param skipped  the tensors that were not read (integer, boolean or unknown dtypes), by name, in file order
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata, Map<String, Skipped> skipped) {
        /** Wraps the maps unmodifiably. */
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            skipped = Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
        }

        /** Contents with no skipped tensors. */
        public Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
            this(tensors, metadata, Map.of());
        }
    }

    /**
     * A tensor whose data was not read, e.g. PyTorch's {@code num_batches_tracked} (dtype I64, shape []).
     *
     * @param dtype the dtype as written in the file, e.g. "I64"
     * @param shape its dimensions as written (may be empty: a scalar)
     */
    public record Skipped(String dtype, List<Long> shape) {
        /** Copies the shape unmodifiably. */
        public Skipped {
            shape = List.copyOf(shape);
        }
    }

    /** The bytes per element of the float dtypes that are read. */
    private static final Map<String, Integer> FLOAT_WIDTHS = Map.of("F32", 4, "F16", 2, "BF16", 2, "F64", 8);
    /** The bytes per element of the dtypes that are skipped but whose extent is checked. */
    private static final Map<String, Integer> OTHER_WIDTHS = Map.ofEntries(Map.entry("I64", 8), Map.entry("U64", 8),
            Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("I8", 1),
            Map.entry("U8", 1), Map.entry("BOOL", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));

    /**
     * One tensor's entry in a header, checked against the file: its shape fits its {@code data_offsets}, which lie
     * inside the data section.
     *
     * @param name  the tensor's name
     * @param dtype the element type as written, e.g. {@code "F32"}
     * @param dims  its dimensions as written (may be empty, or hold a 0, for a tensor that is not read)
     * @param shape its shape, for a floating-point tensor that is read; null for one that is skipped (see "Dtypes")
     * @param begin its first byte, relative to the start of the data section
     * @param end   one past its last byte
     */
    public record TensorInfo(String name, String dtype, List<Long> dims, Shape shape, long begin, long end) {
        /** Copies the dimensions unmodifiably. */
        public TensorInfo {
            dims = List.copyOf(dims);
        }

        /** Whether the tensor is read (a floating-point dtype) rather than skipped. */
        public boolean isRead() {
            return shape != null;
        }
    }

    /** Called during a write with the number of bytes written so far; tests use it to fail a write midway. */
    @FunctionalInterface
    interface WriteHook {
        void written(long bytes) throws IOException;
    }

    private SafeTensors() {
    }

    // ---- writing ----------------------------------------------------------------------------------------------

    /**
     * Writes {@code tensors} (in map order) and {@code metadata} to {@code file}, atomically replacing any file there.
     * The metadata gets the two checksums {@value #DATA_CRC32C} and {@value #HEADER_CRC32C} (values given for those
     * keys are replaced).
     *
     * @throws IOException if writing fails; {@code file} is then as it was before
     * @throws IllegalArgumentException if a name is empty or is {@code "__metadata__"}
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        write(file, tensors, metadata, bytes -> { });
    }

    static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, WriteHook hook)
            throws IOException {
        List<TensorInfo> entries = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name.isEmpty() || name.equals(METADATA)) {
                throw new IllegalArgumentException("invalid tensor name '" + name + "'");
            }
            Tensor t = e.getValue();
            long end = offset + 4L * t.size();
            List<Long> dims = new ArrayList<>();
            for (int d : t.shape().dims()) {
                dims.add((long) d);
            }
            entries.add(new TensorInfo(name, "F32", dims, t.shape(), offset, end));
            offset = end;
        }
        Map<String, String> sealed = new LinkedHashMap<>(metadata);
        sealed.remove(DATA_CRC32C);
        sealed.remove(HEADER_CRC32C);
        int headerCrc = headerChecksum(sealed, entries);
        CRC32C data = new CRC32C();
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : tensors.values()) {
            forEachChunk(t.data(), chunk, data::update);
        }
        sealed.put(DATA_CRC32C, hex((int) data.getValue()));
        sealed.put(HEADER_CRC32C, hex(headerCrc));
        byte[] header = header(sealed, entries);
        AtomicFile.write(file, out -> {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            length.putLong(header.length).flip();
            writeFully(out, length);
            writeFully(out, ByteBuffer.wrap(header));
            long[] written = {8L + header.length};
            hook.written(written[0]);
            for (Tensor t : tensors.values()) {
                forEachChunk(t.data(), chunk, bytes -> {
                    written[0] += bytes.remaining();
                    writeFully(out, bytes);
                    hook.written(written[0]);
                });
            }
        });
    }

    /** A consumer of byte chunks that may fail. */
    @FunctionalInterface
    private interface ChunkSink {
        void accept(ByteBuffer bytes) throws IOException;
    }

    /** Hands {@code data} as little-endian bytes to {@code sink}, one chunk at a time. */
    private static void forEachChunk(float[] data, ByteBuffer chunk, ChunkSink sink) throws IOException {
        int floats = chunk.capacity() / 4;
        for (int from = 0; from < data.length; from += floats) {
            int n = Math.min(floats, data.length - from);
            chunk.clear();
            chunk.asFloatBuffer().put(data, from, n);
            chunk.limit(n * 4);
            sink.accept(chunk);
        }
    }

    private static byte[] header(Map<String, String> metadata, List<TensorInfo> entries) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put(METADATA, new LinkedHashMap<>(metadata));
        for (TensorInfo e : entries) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", e.dtype());
            entry.put("shape", e.shape().dims());
            entry.put("data_offsets", new long[] {e.begin(), e.end()});
            json.put(e.name(), entry);
        }
        byte[] text = Json.write(json).getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(text, 0, out, 0, text.length);
        for (int i = text.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    // ---- checksums --------------------------------------------------------------------------------------------

    /**
     * The CRC32C of the header's canonical form: every integer an unsigned 64-bit little-endian number, every
     * string its UTF-8 length as such a number followed by its bytes; first the count of metadata entries (without
     * the two checksum keys) and each key and value in header order, then the count of tensors and, for each in
     * header order, its name, dtype, rank, each dimension, begin and end.
     */
    static int headerChecksum(Map<String, String> metadata, List<TensorInfo> entries) {
        CRC32C crc = new CRC32C();
        ByteBuffer number = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long count = metadata.keySet().stream().filter(k -> !k.equals(DATA_CRC32C) && !k.equals(HEADER_CRC32C))
                .count();
        canonical(crc, number, count);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (!e.getKey().equals(DATA_CRC32C) && !e.getKey().equals(HEADER_CRC32C)) {
                canonical(crc, number, e.getKey());
                canonical(crc, number, e.getValue());
            }
        }
        canonical(crc, number, entries.size());
        for (TensorInfo e : entries) {
            canonical(crc, number, e.name());
            canonical(crc, number, e.dtype());
            canonical(crc, number, e.dims().size());
            for (long d : e.dims()) {
                canonical(crc, number, d);
            }
            canonical(crc, number, e.begin());
            canonical(crc, number, e.end());
        }
        return (int) crc.getValue();
    }

    private static void canonical(CRC32C crc, ByteBuffer number, long value) {
        number.clear();
        number.putLong(value).flip();
        crc.update(number);
    }

    private static void canonical(CRC32C crc, ByteBuffer number, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        canonical(crc, number, bytes.length);
        crc.update(bytes);
    }

    private static String hex(int crc) {
        return String.format(Locale.ROOT, "%08x", crc);
    }

    /** The checksum stored under {@code key}, or empty when absent. */
    private static OptionalLong storedChecksum(Path file, Map<String, String> metadata, String key)
            throws FileFormatException {
        String value = metadata.get(key);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (value.length() != 8 || !value.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new FileFormatException(file, "__metadata__ \"" + key + "\" must be 8 lowercase hex digits, found \""
                    + value + "\" (corrupt header)");
        }
        return OptionalLong.of(Long.parseLong(value, 16));
    }

    // ---- reading ----------------------------------------------------------------------------------------------

    /**
     * Reads a whole file into new tensors, verifying its checksums if it has them. Floating-point tensors (F32, F16,
     * BF16, F64) are returned as float; others are skipped (see "Dtypes" in the class comment).
     *
     * @throws FileFormatException if the file is truncated or corrupt
     * @throws IOException         if it cannot be read
     */
    public static Contents read(Path file) throws IOException {
        try (Reader reader = open(file)) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, Skipped> skipped = new LinkedHashMap<>();
            for (TensorInfo e : reader.tensors()) {
                if (e.isRead()) {
                    tensors.put(e.name(), Tensor.zeros(e.shape()));
                } else {
                    skipped.put(e.name(), new Skipped(e.dtype(), e.dims()));
                }
            }
            reader.readData(e -> e.isRead() ? tensors.get(e.name()).data() : null);
            return new Contents(tensors, reader.metadata(), skipped);
        }
    }

    /**
     * Reads only the {@code __metadata__} map (and checks the header and its checksum), without reading the tensors.
     *
     * @throws FileFormatException if the header is corrupt
     */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (Reader reader = open(file)) {
            return reader.metadata();
        }
    }

    /**
     * Opens a file and reads and checks its header (lengths, offsets, shapes, the header checksum if there is one);
     * the tensors' data is then read with {@link Reader#readData}. Close the reader when done.
     *
     * @throws FileFormatException if the header is truncated or corrupt
     * @throws IOException         if the file cannot be read
     */
    public static Reader open(Path file) throws IOException {
        FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new Reader(file, in);
        } catch (IOException | RuntimeException | Error e) {
            in.close();
            throw e;
        }
    }

    /**
     * An open safetensors file whose header has been read and checked: its metadata and tensor table are known,
     * its data not yet read.
     */
    public static final class Reader implements Closeable {

        private final Path file;
        private final FileChannel in;
        private final long dataStart;
        private final long dataLength;
        private final List<TensorInfo> tensors;
        private final Map<String, TensorInfo> byName;
        private final Map<String, String> metadata;
        private final OptionalLong dataCrc;

        private Reader(Path file, FileChannel in) throws IOException {
            this.file = file;
            this.in = in;
            long size = in.size();
            if (size < 8) {
                throw new FileFormatException(file, "the file is " + size + " bytes long, too short for the 8-byte"
                        + " header length (truncated or not a safetensors file)");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(0, lengthBytes);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength < 2 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
                throw new FileFormatException(file, "header length " + Long.toUnsignedString(headerLength)
                        + " (at byte 0) is impossible: the file has " + (size - 8) + " bytes after the length field"
                        + (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0 ? " and the limit is "
                        + MAX_HEADER_BYTES : "") + " (truncated or corrupt file)");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(8, headerBytes);
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(headerBytes.flip()).toString();
            } catch (CharacterCodingException e) {
                throw new FileFormatException(file, "the header (bytes 8 to " + (8 + headerLength)
                        + ") is not valid UTF-8", e);
            }
            Map<String, Object> json;
            try {
                json = Json.parseObject(text);
            } catch (IllegalArgumentException e) {
                throw new FileFormatException(file, "the header (bytes 8 to " + (8 + headerLength)
                        + ") is not a valid JSON object: " + e.getMessage(), e);
            }
            this.dataStart = 8 + headerLength;
            this.dataLength = size - dataStart;
            Map<String, String> meta = new LinkedHashMap<>();
            List<TensorInfo> entries = new ArrayList<>();
            for (Map.Entry<String, Object> item : json.entrySet()) {
                if (item.getKey().equals(METADATA)) {
                    if (!(item.getValue() instanceof Map)) {
                        throw new FileFormatException(file, "__metadata__ must be an object of strings, found "
                                + Json.describe(item.getValue()));
                    }
                    for (Map.Entry<?, ?> m : ((Map<?, ?>) item.getValue()).entrySet()) {
                        if (!(m.getValue() instanceof String)) {
                            throw new FileFormatException(file, "__metadata__ value '" + m.getKey()
                                    + "' must be a string, found " + Json.describe(m.getValue()));
                        }
                        meta.put((String) m.getKey(), (String) m.getValue());
                    }
                } else {
                    entries.add(entry(file, item.getKey(), item.getValue(), dataLength));
                }
            }
            OptionalLong headerCrc = storedChecksum(file, meta, HEADER_CRC32C);
            this.dataCrc = storedChecksum(file, meta, DATA_CRC32C);
            if (headerCrc.isPresent() != dataCrc.isPresent()) {
                throw new FileFormatException(file, "__metadata__ has " + (headerCrc.isPresent() ? HEADER_CRC32C
                        : DATA_CRC32C) + " but not " + (headerCrc.isPresent() ? DATA_CRC32C : HEADER_CRC32C)
                        + " (corrupt header)");
            }
            if (headerCrc.isPresent()) {
                int actual = headerChecksum(meta, entries);
                if (actual != (int) headerCrc.getAsLong()) {
                    throw new FileFormatException(file, "the header (bytes 8 to " + (8 + headerLength)
                            + ") does not match its checksum: " + HEADER_CRC32C + " is " + meta.get(HEADER_CRC32C)
                            + " but the header's contents give " + hex(actual) + " (corrupt file)");
                }
            }
            // The data section must be covered exactly: sorted by offset, each tensor starts where the previous ended.
            List<TensorInfo> byOffset = new ArrayList<>(entries);
            byOffset.sort(Comparator.comparingLong(TensorInfo::begin));
            long expected = 0;
            for (TensorInfo e : byOffset) {
                if (e.begin() != expected) {
                    throw new FileFormatException(file, "tensor '" + e.name() + "' starts at data offset "
                            + e.begin() + " (byte " + (dataStart + e.begin()) + ") but the previous tensor ends at "
                            + expected + (e.begin() < expected ? ": tensors overlap" : ": there is a gap")
                            + " (corrupt header)");
                }
                expected = e.end();
            }
            if (expected != dataLength) {
                throw new FileFormatException(file, "the tensors cover " + expected + " bytes of data but the file"
                        + " has " + dataLength + " bytes after the header (byte " + (dataStart + expected) + "): "
                        + (expected < dataLength ? "trailing bytes" : "truncated file"));
            }
            this.tensors = List.copyOf(byOffset);
            Map<String, TensorInfo> names = new LinkedHashMap<>();
            for (TensorInfo e : byOffset) {
                names.put(e.name(), e);
            }
            this.byName = Collections.unmodifiableMap(names);
            this.metadata = Collections.unmodifiableMap(meta);
        }

        /** The file being read. */
        public Path file() {
            return file;
        }

        /** The {@code __metadata__} map (empty when absent), in file order. */
        public Map<String, String> metadata() {
            return metadata;
        }

        /** The tensors, in the order of their data in the file. */
        public List<TensorInfo> tensors() {
            return tensors;
        }

        /** The tensors by name. */
        public Map<String, TensorInfo> tensorsByName() {
            return byName;
        }

        /** Whether the file carries checksums ({@link #DATA_CRC32C} and {@link #HEADER_CRC32C}). */
        public boolean hasChecksums() {
            return dataCrc.isPresent();
        }

        /**
         * Reads the whole data section in file order, in chunks of a fixed size, into the arrays {@code targets}
         * gives for each tensor (an array of exactly the tensor's element count, or null to skip the tensor; always
         * null for a tensor that is not {@linkplain TensorInfo#isRead() read}), and
         * then verifies the data checksum if the file has one. When this throws, the arrays may hold part of the
         * file's numbers: discard them.
         *
         * @throws FileFormatException if the file is shorter than its header said, or its data does not match the
         *                             checksum
         * @throws IllegalArgumentException if a target array has the wrong length
         */
        public void readData(Function<TensorInfo, float[]> targets) throws IOException {
            CRC32C crc = new CRC32C();
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (TensorInfo e : tensors) {
                float[] target = e.isRead() ? targets.apply(e) : null;
                // a tensor that is not decoded is still read, a chunk of bytes at a time, for the checksum
                int width = target == null ? 1 : elementBytes(e.dtype());
                long count = (e.end() - e.begin()) / width;
                if (target != null && target.length != count) {
                    throw new IllegalArgumentException("tensor '" + e.name() + "' has " + count
                            + " elements but the array for it has " + target.length);
                }
                int perChunk = CHUNK_BYTES / width;
                for (long from = 0; from < count; from += perChunk) {
                    int n = (int) Math.min(perChunk, count - from);
                    chunk.clear().limit(n * width);
                    readFully(dataStart + e.begin() + from * width, chunk);
                    chunk.flip();
                    crc.update(chunk.duplicate());
                    if (target != null) {
                        decode(e.dtype(), chunk, target, (int) from, n);
                    }
                }
            }
            if (dataCrc.isPresent() && (int) crc.getValue() != (int) dataCrc.getAsLong()) {
                throw new FileFormatException(file, "the data section (bytes " + dataStart + " to "
                        + (dataStart + dataLength) + ") does not match its checksum: " + DATA_CRC32C + " is "
                        + metadata.get(DATA_CRC32C) + " but the data gives " + hex((int) crc.getValue())
                        + " (corrupt file)");
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }

        private void readFully(long position, ByteBuffer buffer) throws IOException {
            long at = position;
            while (buffer.hasRemaining()) {
                int n = in.read(buffer, at);
                if (n < 0) {
                    throw new FileFormatException(file, "unexpected end of file at byte " + at + " (truncated file)");
                }
                at += n;
            }
        }
    }

    // ---- dtypes -----------------------------------------------------------------------------------------------

    /** Bytes per element of a dtype that is read (F32, F16, BF16, F64). */
    private static int elementBytes(String dtype) {
        return FLOAT_WIDTHS.get(dtype);
    }

    /** Converts {@code n} elements of {@code dtype} from {@code bytes} (little-endian) into target[from..]. */
    private static void decode(String dtype, ByteBuffer bytes, float[] target, int from, int n) {
        switch (dtype) {
            case "F32" -> bytes.asFloatBuffer().get(target, from, n);
            case "F16" -> {
                for (int i = 0; i < n; i++) {
                    target[from + i] = halfToFloat(bytes.getShort());
                }
            }
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    target[from + i] = Float.intBitsToFloat((bytes.getShort() & 0xFFFF) << 16);
                }
            }
            case "F64" -> {
                for (int i = 0; i < n; i++) {
                    target[from + i] = (float) bytes.getDouble();
                }
            }
            default -> throw new IllegalStateException("dtype " + dtype + " is not read");   // see entry()
        }
    }

    /**
     * An IEEE 754 half (1 sign bit, 5 exponent bits with bias 15, 10 fraction bits) as the float of the same value:
     * normal numbers, subnormals (exponent 0: fraction x 2^-24), zeros, infinities and NaN.
     */
    static float halfToFloat(short bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >> 10) & 0x1F;
        int fraction = bits & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (fraction << 13));
        }
        if (exponent == 0) {
            float magnitude = fraction * 0x1p-24f;   // exact: fraction < 2^10
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (fraction << 13));
    }

    private static TensorInfo entry(Path file, String name, Object value, long dataLength) throws IOException {
        String where = "tensor '" + name + "'";
        if (!(value instanceof Map)) {
            throw new FileFormatException(file, where + " must be an object with dtype, shape and data_offsets, found "
                    + Json.describe(value));
        }
        Map<?, ?> m = (Map<?, ?>) value;
        if (!(m.get("dtype") instanceof String)) {
            throw new FileFormatException(file,
                    where + " needs a dtype string, found " + Json.describe(m.get("dtype")));
        }
        String dtype = (String) m.get("dtype");
        boolean read = FLOAT_WIDTHS.containsKey(dtype);
        if (!(m.get("shape") instanceof List) || !(m.get("data_offsets") instanceof List)) {
            throw new FileFormatException(file, where + " needs a shape array and a data_offsets array");
        }
        List<?> dims = (List<?>) m.get("shape");
        int[] shape = new int[dims.size()];
        List<Long> dimList = new ArrayList<>();
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            Object d = dims.get(i);
            // a skipped tensor may have an empty dimension (PyTorch allows them); a float tensor may not
            if (!(d instanceof Long) || (Long) d < (read ? 1 : 0) || (Long) d > Integer.MAX_VALUE) {
                throw new FileFormatException(file, where + " has an invalid dimension " + d + " in shape " + dims);
            }
            shape[i] = (int) (long) (Long) d;
            dimList.add((Long) d);
            count *= shape[i];
            if (count > Integer.MAX_VALUE) {
                throw new FileFormatException(file, where + " has shape " + dims + ", more than "
                        + Integer.MAX_VALUE + " elements");
            }
        }
        List<?> offsets = (List<?>) m.get("data_offsets");
        if (offsets.size() != 2 || !(offsets.get(0) instanceof Long) || !(offsets.get(1) instanceof Long)) {
            throw new FileFormatException(file, where + " has invalid data_offsets " + offsets);
        }
        long begin = (Long) offsets.get(0);
        long end = (Long) offsets.get(1);
        if (begin < 0 || end < begin || end > dataLength) {
            throw new FileFormatException(file, where + " has data_offsets [" + begin + ", " + end
                    + ") outside the data section of " + dataLength + " bytes (truncated or corrupt file)");
        }
        Integer width = read ? FLOAT_WIDTHS.get(dtype) : OTHER_WIDTHS.get(dtype);
        if (width != null && end - begin != width * count) {
            throw new FileFormatException(file, where + " has dtype " + dtype + " and shape " + dims + " (" + count
                    + " elements of " + width + " bytes = " + width * count + " bytes) but data_offsets [" + begin
                    + ", " + end + ") span " + (end - begin) + " bytes");
        }
        return new TensorInfo(name, dtype, dimList, read ? Shape.of(shape) : null, begin, end);
    }
}
