package io.github.jcnn.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Small helpers shared by the loaders: number formatting, full reads that report truncation, gzip detection. */
final class DataFiles {

    private DataFiles() {
    }

    /** 30730000 as "30,730,000". */
    static String n(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /** True if the file starts with the gzip magic bytes 1f 8b. */
    static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /** Opens a file, decompressing it when it is gzip'ed; buffered. */
    static InputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "not found");
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        if (isGzip(file)) {
            return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
        }
        return raw;
    }

    /**
     * The uncompressed length of a file: its size, or for a gzip file the ISIZE field of its trailer (the
     * uncompressed length modulo 2^32, exact for files under 4 GB), read without decompressing anything.
     */
    static long uncompressedLength(Path file) throws IOException {
        long size = Files.size(file);
        if (!isGzip(file)) {
            return size;
        }
        if (size < 18) {
            throw new CorruptDataException(file.getFileName() + ": a gzip file needs at least 18 bytes, found " + size);
        }
        try (var channel = Files.newByteChannel(file)) {
            channel.position(size - 4);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && channel.read(b) > 0) {
                // read the four trailer bytes
            }
            return Integer.toUnsignedLong(b.getInt(0));
        }
    }

    /**
     * Reads exactly {@code length} bytes into {@code target} from {@code offset}, or throws naming the file and the
     * byte offset where the data ended.
     *
     * @param name     the file name for messages
     * @param position the byte offset of the first byte within the (uncompressed) file
     * @param expected the whole expected (uncompressed) length, for the message
     */
    static void readFully(InputStream in, byte[] target, int offset, int length, String name, long position,
            long expected) throws IOException {
        int done;
        try {
            done = in.readNBytes(target, offset, length);
        } catch (EOFException | ZipException e) {
            throw new CorruptDataException(name + ": truncated or damaged compressed data after byte offset "
                    + n(position) + " (expected " + n(expected) + " bytes): " + e.getMessage(), e);
        }
        if (done < length) {
            throw new CorruptDataException(name + ": truncated at byte offset " + n(position + done) + ", expected "
                    + n(expected) + " bytes");
        }
    }
}
