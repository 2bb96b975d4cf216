package io.github.jcnn.data;

import static io.github.jcnn.data.DataFiles.n;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A strict gzip (RFC 1952) decompressor: the decompressed bytes of a gzip file, read through every member's trailer so
 * that its CRC32 and length (ISIZE) are verified before the end of the stream is reported.
 *
 * <p>A gzip member is
 * <pre>
 *   header   1f 8b, method 8 (deflate), flags, mtime (4), xfl, os, [extra] [name\0] [comment\0] [header crc16]
 *   data     a deflate stream
 *   trailer  CRC32 of the decompressed bytes, their count modulo 2^32 (ISIZE), both little-endian
 * </pre>
 * Members may follow each other (their outputs are concatenated, as {@code gzip -d} does); anything else after a
 * trailer is refused, as are reserved flag bits, a method other than deflate, a damaged deflate stream, a wrong CRC32
 * or ISIZE and a file that ends early. Every such problem is a {@link CorruptDataException} naming the file and the
 * compressed byte offset; unlike {@link java.util.zip.GZIPInputStream}, no {@code ZipException} or
 * {@code EOFException} ever escapes, and trailing garbage is not silently ignored.
 *
 * <p>ISIZE is never trusted for sizes: {@link #maxRemaining()} bounds the bytes still to come by what the compressed
 * bytes left in the file can hold. One deflate length/distance pair gives at most 258 bytes and takes at least 2 bits,
 * so a compressed byte gives at most {@value #MAX_RATIO} bytes.
 */
final class GzipStream extends InputStream {

    /** The most decompressed bytes one compressed byte can give in deflate (258 bytes per 2 bits). */
    static final int MAX_RATIO = 1032;

    // header flags (bit 0, FTEXT, is only a hint and is ignored; bits 5-7 are reserved)
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final InputStream in;
    private final String name;
    private final long compressedLength;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final CRC32 headerCrc = new CRC32();
    private final byte[] buffer = new byte[1 << 16];
    private int start;
    private int limit;
    private long compressedRead;
    private long memberOutput;
    private long memberOffset;
    private int members;
    private boolean inHeader = true;
    private boolean ended;

    /**
     * @param in               the compressed bytes, from their first byte
     * @param compressedLength how many there are (the file's length), for {@link #maxRemaining()}
     * @param name             the file's name for messages
     */
    GzipStream(InputStream in, long compressedLength, String name) {
        this.in = in;
        this.compressedLength = compressedLength;
        this.name = name;
    }

    /** The byte offset in the compressed file of the next compressed byte not yet consumed. */
    long compressedOffset() {
        return compressedRead - (limit - start);
    }

    /**
     * An upper bound on the decompressed bytes still to come: {@value #MAX_RATIO} per compressed byte not yet
     * consumed, plus a few bytes of slack for the bits and the pending match the decompressor may hold. Does not look
     * at ISIZE.
     */
    long maxRemaining() {
        if (ended) {
            return 0;
        }
        return MAX_RATIO * (Math.max(0, compressedLength - compressedOffset()) + 16);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 1 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (true) {
            if (ended) {
                return -1;
            }
            if (inHeader) {
                if (!readHeader()) {
                    ended = true;
                    return -1;
                }
                continue;
            }
            if (inflater.needsInput()) {
                if (start == limit && !fill()) {
                    throw new CorruptDataException(name + ": truncated: the compressed data ends at byte offset "
                            + n(compressedRead) + " inside gzip member " + (members) + "'s deflate stream (after "
                            + n(memberOutput) + " decompressed bytes), before its end and its 8-byte trailer");
                }
                inflater.setInput(buffer, start, limit - start);
            }
            int got;
            long at = compressedOffset();
            try {
                got = inflater.inflate(target, offset, length);
            } catch (DataFormatException e) {
                throw new CorruptDataException(name + ": damaged compressed data near byte offset " + n(at)
                        + " (deflate: " + e.getMessage() + ")", e);
            }
            start = limit - inflater.getRemaining();
            if (got > 0) {
                crc.update(target, offset, got);
                memberOutput += got;
                return got;
            }
            if (inflater.finished()) {
                readTrailer();
                inHeader = true;
            } else if (inflater.needsDictionary()) {
                throw new CorruptDataException(name + ": damaged compressed data near byte offset " + n(at)
                        + " (deflate asks for a preset dictionary, which gzip does not use)");
            } else if (!inflater.needsInput()) {
                throw new CorruptDataException(name + ": damaged compressed data near byte offset " + n(at)
                        + " (the decompressor made no progress)");
            }
        }
    }

    /** Reads the next member's header; false at a clean end of the file after at least one member. */
    private boolean readHeader() throws IOException {
        memberOffset = compressedOffset();
        if (members > 0 && start == limit && !fill()) {
            return false;
        }
        headerCrc.reset();
        int id1 = headerByte();
        int id2 = headerByte();
        if (id1 != 0x1f || id2 != 0x8b) {
            if (members > 0) {
                throw new CorruptDataException(name + ": unexpected bytes after the end of the gzip data at byte"
                        + " offset " + n(memberOffset) + " (" + n(compressedLength - memberOffset)
                        + " bytes that are not another gzip member: expected the file to end there)");
            }
            throw new CorruptDataException(name + ": not a gzip file: it starts with " + hex(id1) + " " + hex(id2)
                    + ", expected 1f 8b");
        }
        int method = headerByte();
        if (method != 8) {
            throw new CorruptDataException(name + ": gzip compression method " + method + " at byte offset "
                    + n(memberOffset + 2) + ", expected 8 (deflate)");
        }
        int flags = headerByte();
        if ((flags & 0xE0) != 0) {
            throw new CorruptDataException(name + ": gzip header flags " + hex(flags) + " at byte offset "
                    + n(memberOffset + 3) + " set reserved bits (expected only bits 0-4)");
        }
        for (int i = 0; i < 6; i++) {
            headerByte(); // mtime, extra flags, operating system: not checked
        }
        if ((flags & FEXTRA) != 0) {
            int extra = headerByte() | (headerByte() << 8);
            for (int i = 0; i < extra; i++) {
                headerByte();
            }
        }
        if ((flags & FNAME) != 0) {
            while (headerByte() != 0) {
                // the original file name, zero-terminated
            }
        }
        if ((flags & FCOMMENT) != 0) {
            while (headerByte() != 0) {
                // a comment, zero-terminated
            }
        }
        if ((flags & FHCRC) != 0) {
            long expected = headerCrc.getValue() & 0xFFFF;
            long stored = headerByte() | (headerByte() << 8);
            if (stored != expected) {
                throw new CorruptDataException(name + ": gzip header CRC16 is " + stored + ", expected " + expected
                        + " (damaged header at byte offset " + n(memberOffset) + ")");
            }
        }
        inflater.reset();
        crc.reset();
        memberOutput = 0;
        members++;
        inHeader = false;
        return true;
    }

    /** The 8-byte trailer: CRC32 and ISIZE of this member, checked against what was decompressed. */
    private void readTrailer() throws IOException {
        long at = compressedOffset();
        long storedCrc = trailerInt(at);
        long storedSize = trailerInt(at);
        if (storedCrc != crc.getValue()) {
            throw new CorruptDataException(name + ": CRC32 mismatch: the decompressed data has CRC32 "
                    + String.format("%08x", crc.getValue()) + " but the gzip trailer at byte offset " + n(at)
                    + " says " + String.format("%08x", storedCrc) + " (the file is damaged)");
        }
        if (storedSize != (memberOutput & 0xFFFFFFFFL)) {
            throw new CorruptDataException(name + ": length mismatch: " + n(memberOutput) + " bytes decompressed but"
                    + " the gzip trailer at byte offset " + n(at + 4) + " says " + n(storedSize)
                    + " (modulo 2^32; the file is damaged)");
        }
    }

    private long trailerInt(long trailerOffset) throws IOException {
        long value = 0;
        for (int i = 0; i < 4; i++) {
            if (start == limit && !fill()) {
                throw new CorruptDataException(name + ": truncated: the file ends at byte offset " + n(compressedRead)
                        + " inside the 8-byte gzip trailer that starts at byte offset " + n(trailerOffset));
            }
            value |= (long) (buffer[start++] & 0xFF) << (8 * i);
        }
        return value;
    }

    private int headerByte() throws IOException {
        if (start == limit && !fill()) {
            if (members > 0) {
                throw new CorruptDataException(name + ": unexpected bytes after the end of the gzip data at byte"
                        + " offset " + n(memberOffset) + " (" + n(compressedRead - memberOffset)
                        + " bytes that are not a whole gzip member: expected the file to end there)");
            }
            throw new CorruptDataException(name + ": truncated: the file ends at byte offset " + n(compressedRead)
                    + " inside the gzip header that starts at byte offset " + n(memberOffset));
        }
        int b = buffer[start++] & 0xFF;
        headerCrc.update(b);
        return b;
    }

    private boolean fill() throws IOException {
        int got = in.read(buffer, 0, buffer.length);
        if (got <= 0) {
            return false;
        }
        start = 0;
        limit = got;
        compressedRead += got;
        return true;
    }

    private static String hex(int b) {
        return String.format("%02x", b);
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }
}
