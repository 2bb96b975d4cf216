package io.github.jcnn.data;

import static io.github.jcnn.data.DataFiles.n;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A data file's (decompressed) bytes as a loader reads them, with the file's name for messages, the byte offset
 * reached, and an upper bound on what can still come, so that a size read from a header is checked against what the
 * file can hold <em>before</em> anything is allocated.
 *
 * <p>For a plain file the bound is exact (its length minus the offset); for a gzip file it is what the compressed bytes
 * left can decompress to ({@link GzipStream#maxRemaining()}); the gzip trailer's ISIZE is never trusted.
 */
final class DataStream extends InputStream {

    private final InputStream in;
    private final GzipStream gzip;
    private final long fileLength;
    private final String name;
    private long position;

    private DataStream(InputStream in, GzipStream gzip, long fileLength, String name) {
        this.in = in;
        this.gzip = gzip;
        this.fileLength = fileLength;
        this.name = name;
    }

    /** Opens a file, decompressing it when it starts with the gzip signature 1f 8b. */
    static DataStream open(Path file) throws IOException {
        return open(file, DataFiles.isGzip(file));
    }

    /** Opens a file as plain bytes, whatever it starts with. */
    static DataStream openRaw(Path file) throws IOException {
        return open(file, false);
    }

    private static DataStream open(Path file, boolean gzip) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "not found");
        }
        String name = file.getFileName().toString();
        long length = Files.size(file);
        InputStream raw = Files.newInputStream(file);
        if (gzip) {
            GzipStream stream = new GzipStream(raw, length, name);
            return new DataStream(new BufferedInputStream(stream, 1 << 16), stream, length, name);
        }
        return new DataStream(new BufferedInputStream(raw, 1 << 16), null, length, name);
    }

    /** The file's name, for messages. */
    String name() {
        return name;
    }

    /** True when the file is gzip-compressed. */
    boolean compressed() {
        return gzip != null;
    }

    /** The file's own (compressed) length. */
    long fileLength() {
        return fileLength;
    }

    /** The offset of the next byte in the (decompressed) data. */
    long position() {
        return position;
    }

    /** At least as many (decompressed) bytes as can still come; exact for a plain file. */
    long maxRemaining() {
        if (gzip == null) {
            return Math.max(0, fileLength - position);
        }
        // what the gzip stream can still give, plus what is already decompressed and buffered here
        try {
            return gzip.maxRemaining() + in.available();
        } catch (IOException e) {
            return gzip.maxRemaining() + (1 << 16);
        }
    }

    /** Says what the bound above means, for messages: "a 1,234-byte gzip file" or "the file". */
    String holds() {
        return gzip == null ? "the file (" + n(fileLength) + " bytes)"
                : "a gzip file of " + n(fileLength) + " bytes (at most " + GzipStream.MAX_RATIO
                        + " decompressed bytes per compressed byte)";
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            position++;
        }
        return b;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        int got = in.read(target, offset, length);
        if (got > 0) {
            position += got;
        }
        return got;
    }

    /**
     * Reads exactly {@code length} bytes, or throws a {@link CorruptDataException} naming the file, the offset where
     * the data ended and what was expected.
     *
     * @param expected the whole expected (decompressed) length, for the message
     */
    void readFully(byte[] target, int offset, int length, long expected) throws IOException {
        int done = in.readNBytes(target, offset, length);
        long at = position + done;
        position = at;
        if (done < length) {
            throw new CorruptDataException(name + ": truncated at byte offset " + n(at) + ", expected " + n(expected)
                    + " bytes");
        }
    }

    /**
     * Reads to the end of the data (for a gzip file through its trailer, verifying CRC32 and length) and returns how
     * many bytes there were; stops as soon as there are more than {@code limit}.
     */
    long count(long limit) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long counted = 0;
        int got;
        while (counted <= limit && (got = read(buffer, 0, buffer.length)) >= 0) {
            counted += got;
        }
        return counted;
    }

    /**
     * Checks that the data end here (reading a gzip file through its trailer, which verifies CRC32 and length).
     *
     * @param expected the expected (decompressed) length, for the message
     */
    void expectEnd(long expected) throws IOException {
        long at = position;
        long more = count(0);
        if (more > 0) {
            throw new CorruptDataException(name + ": more data than expected: " + n(expected) + " bytes expected, "
                    + "found more at byte offset " + n(at));
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
