package io.github.jcnn.io;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> file layout, the format
 * PyTorch users know (jcnn writes float32 tensors; see "Dtypes" for what is read):
 * <pre>
 *   bytes 0..7          N, the header length, unsigned 64-bit little-endian
 *   bytes 8..8+N-1      the header: UTF-8 JSON, padded with spaces to a multiple of 8 bytes
 *                       { "0.weight": {"dtype": "F32", "shape": [6, 3, 5, 5], "data_offsets": [0, 1800]},
 *                         ...,
 *                         "__metadata__": {"key": "string value", ...} }
 *   bytes 8+N..end      the data section: each tensor's numbers, little-endian, row-major, at
 *                       [begin, end) relative to the start of the data section, with no gaps and no overlaps
 * </pre>
 *
 * <p>Writing is atomic: the bytes go to a temporary file in the same directory, which is flushed and then renamed over
 * the target, so a failed or interrupted save leaves any previous file untouched.
 *
 * <p>Reading trusts nothing: every length and offset is checked against the file's size before anything is allocated,
 * and a truncated or corrupt file throws {@link FileFormatException} naming the file, the problem and the byte
 * offset.
 *
 * <p><b>Dtypes.</b> jcnn writes {@code F32}. Reading accepts what PyTorch writes: {@code F32}, and {@code F16}
 * (IEEE half) and {@code BF16} (bfloat16), which are converted to float exactly (every F16 and BF16 value is a
 * float); {@code F64} is rounded to the nearest float. Integer and boolean tensors ({@code I64}, {@code I32},
 * {@code I16}, {@code I8}, {@code U8}, ..., {@code BOOL}), such as PyTorch's {@code num_batches_tracked} counters,
 * and dtypes this reader does not know are not read: their data is skipped (its extent is still checked) and they
 * are listed in {@link Contents#skipped()} with their dtype and shape.
 */
public final class SafeTensors {

    /** The largest header accepted (the reference implementation's limit): 100 MB. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA = "__metadata__";
    private static final int CHUNK_FLOATS = 16 * 1024;

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
        byte[] header = header(tensors, metadata);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                length.putLong(header.length).flip();
                writeFully(out, length);
                writeFully(out, ByteBuffer.wrap(header));
                long written = 8L + header.length;
                hook.written(written);
                ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (Tensor t : tensors.values()) {
                    float[] data = t.data();
                    for (int from = 0; from < data.length; from += CHUNK_FLOATS) {
                        int n = Math.min(CHUNK_FLOATS, data.length - from);
                        chunk.clear();
                        chunk.asFloatBuffer().put(data, from, n);
                        chunk.limit(n * 4);
                        writeFully(out, chunk);
                        written += n * 4L;
                        hook.written(written);
                    }
                }
                out.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static byte[] header(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            json.put(METADATA, new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name.isEmpty() || name.equals(METADATA)) {
                throw new IllegalArgumentException("invalid tensor name '" + name + "'");
            }
            Tensor t = e.getValue();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", t.shape().dims());
            long end = offset + 4L * t.size();
            entry.put("data_offsets", new long[] {offset, end});
            json.put(name, entry);
            offset = end;
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

    // ---- reading ----------------------------------------------------------------------------------------------

    /**
     * Reads a whole file.
     *
     * Floating-point tensors (F32, F16, BF16, F64) are returned as float; others are skipped (see the class
     * comment).
     *
     * @throws FileFormatException if the file is truncated or corrupt
     * @throws IOException         if it cannot be read
     */
    public static Contents read(Path file) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            Header header = readHeader(file, in, size);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, Skipped> skipped = new LinkedHashMap<>();
            for (Entry e : header.entries) {
                if (e.shape == null) {
                    skipped.put(e.name, new Skipped(e.dtype, e.dims));
                    continue;
                }
                float[] data = new float[e.shape.size()];
                readFloats(file, in, header.dataStart + e.begin, e.dtype, data);
                tensors.put(e.name, Tensor.wrap(e.shape, data));
            }
            return new Contents(tensors, header.metadata, skipped);
        }
    }

    /**
     * Reads only the {@code __metadata__} map (and checks the header), without reading the tensors.
     *
     * @throws FileFormatException if the header is corrupt
     */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            return Collections.unmodifiableMap(readHeader(file, in, in.size()).metadata);
        }
    }

    /** One header entry; {@code shape} is null for a tensor that is skipped. */
    private record Entry(String name, String dtype, List<Long> dims, Shape shape, long begin, long end) {
    }

    private record Header(long dataStart, List<Entry> entries, Map<String, String> metadata) {
    }

    private static Header readHeader(Path file, FileChannel in, long size) throws IOException {
        if (size < 8) {
            throw new FileFormatException(file, "the file is " + size + " bytes long, too short for the 8-byte header"
                    + " length (truncated or not a safetensors file)");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, in, 0, lengthBytes);
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength < 2 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
            throw new FileFormatException(file, "header length " + Long.toUnsignedString(headerLength)
                    + " (at byte 0) is impossible: the file has " + (size - 8) + " bytes after the length field"
                    + (headerLength > MAX_HEADER_BYTES ? " and the limit is " + MAX_HEADER_BYTES : "")
                    + " (truncated or corrupt file)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(file, in, 8, headerBytes);
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
        long dataStart = 8 + headerLength;
        long dataLength = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
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
                    metadata.put((String) m.getKey(), (String) m.getValue());
                }
            } else {
                entries.add(entry(file, item.getKey(), item.getValue(), dataLength));
            }
        }
        // The data section must be covered exactly: sorted by offset, each tensor starts where the previous ended.
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin));
        long expected = 0;
        for (Entry e : byOffset) {
            if (e.begin != expected) {
                throw new FileFormatException(file, "tensor '" + e.name + "' starts at data offset " + e.begin
                        + " (byte " + (dataStart + e.begin) + ") but the previous tensor ends at " + expected
                        + (e.begin < expected ? ": tensors overlap" : ": there is a gap") + " (corrupt header)");
            }
            expected = e.end;
        }
        if (expected != dataLength) {
            throw new FileFormatException(file, "the tensors cover " + expected + " bytes of data but the file has "
                    + dataLength + " bytes after the header (byte " + (dataStart + expected) + "): "
                    + (expected < dataLength ? "trailing bytes" : "truncated file"));
        }
        entries.sort(Comparator.comparingLong(Entry::begin));
        return new Header(dataStart, entries, metadata);
    }

    private static Entry entry(Path file, String name, Object value, long dataLength) throws IOException {
        String where = "tensor '" + name + "'";
        if (!(value instanceof Map)) {
            throw new FileFormatException(file, where + " must be an object with dtype, shape and data_offsets, found "
                    + Json.describe(value));
        }
        Map<?, ?> m = (Map<?, ?>) value;
        if (!(m.get("dtype") instanceof String)) {
            throw new FileFormatException(file, where + " needs a dtype string, found " + Json.describe(m.get("dtype")));
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
        return new Entry(name, dtype, dimList, read ? Shape.of(shape) : null, begin, end);
    }

    /** Reads {@code target.length} numbers of {@code dtype} (F32, F16, BF16 or F64) as floats. */
    private static void readFloats(Path file, FileChannel in, long position, String dtype, float[] target)
            throws IOException {
        int width = FLOAT_WIDTHS.get(dtype);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * width).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < target.length; from += CHUNK_FLOATS) {
            int n = Math.min(CHUNK_FLOATS, target.length - from);
            chunk.clear().limit(n * width);
            readFully(file, in, position + (long) from * width, chunk);
            chunk.flip();
            switch (dtype) {
                case "F32" -> {
                    FloatBuffer floats = chunk.asFloatBuffer();
                    floats.get(target, from, n);
                }
                case "F16" -> {
                    for (int i = 0; i < n; i++) {
                        target[from + i] = halfToFloat(chunk.getShort());
                    }
                }
                case "BF16" -> {
                    for (int i = 0; i < n; i++) {
                        target[from + i] = Float.intBitsToFloat((chunk.getShort() & 0xFFFF) << 16);
                    }
                }
                default -> {
                    for (int i = 0; i < n; i++) {
                        target[from + i] = (float) chunk.getDouble();
                    }
                }
            }
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

    private static void readFully(Path file, FileChannel in, long position, ByteBuffer buffer) throws IOException {
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
