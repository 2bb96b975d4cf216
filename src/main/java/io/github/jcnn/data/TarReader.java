package io.github.jcnn.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipException;

/**
 * A minimal reader of tar archives (POSIX ustar, with GNU long names and pax path records), enough to read the
 * CIFAR-10 archive through a {@link java.util.zip.GZIPInputStream} without unpacking it.
 *
 * <p>A tar file is a sequence of 512-byte blocks: for each entry a header block (name at bytes 0-99, size as octal
 * text at 124-135, header checksum at 148-155, type at 156, "ustar" at 257, name prefix at 345-499), then the entry's
 * bytes padded to a multiple of 512; two zero blocks end the archive. Header checksums are verified.
 */
final class TarReader {

    /** What to do with one regular-file entry; read from {@code data} as much as wanted (the rest is skipped). */
    interface EntryHandler {
        void entry(String name, long size, long offset, InputStream data) throws IOException;
    }

    private final InputStream in;
    private final String archive;
    private long position;

    TarReader(InputStream in, String archive) {
        this.in = in;
        this.archive = archive;
    }

    /** Calls the handler for each regular file in the archive, in archive order. */
    void forEach(EntryHandler handler) throws IOException {
        byte[] header = new byte[512];
        String longName = null;
        while (true) {
            long headerOffset = position;
            int got = read(header, 512);
            if (got < 512) {
                throw new CorruptDataException(archive + ": truncated inside the tar header at byte offset "
                        + DataFiles.n(headerOffset) + " (expected a 512-byte header or the end-of-archive block, found " + got + " bytes)");
            }
            if (isZero(header)) {
                return;
            }
            checkChecksum(header, headerOffset);
            String name = string(header, 0, 100);
            if (string(header, 257, 5).equals("ustar")) {
                String prefix = string(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            long size = size(header, headerOffset);
            char type = (char) header[156];
            long dataOffset = position;
            if (type == 'L' || type == 'x') {
                if (size > 1 << 20) {
                    throw new CorruptDataException(archive + ": extended header at byte offset "
                            + DataFiles.n(headerOffset) + " claims " + DataFiles.n(size) + " bytes, expected at most 1 MB");
                }
                byte[] text = new byte[(int) size];
                if (read(text, text.length) < size) {
                    throw truncated(name, dataOffset, size);
                }
                skipPadding(size);
                String value = new String(text, StandardCharsets.UTF_8);
                longName = type == 'L' ? value.replace("\0", "") : paxPath(value, longName);
                continue;
            }
            if (longName != null) {
                name = longName;
                longName = null;
            }
            Bounded data = new Bounded(size);
            if (type == '0' || type == '\0' || type == '7') {
                handler.entry(name, size, dataOffset, data);
            }
            while (data.remaining > 0) {
                if (data.skip(data.remaining) == 0 && data.read() < 0) {
                    throw truncated(name, dataOffset, size);
                }
            }
            skipPadding(size);
        }
    }

    private CorruptDataException truncated(String name, long offset, long size) {
        return new CorruptDataException(archive + ": truncated: entry " + name + " needs " + DataFiles.n(size)
                + " bytes from byte offset " + DataFiles.n(offset) + " but the archive ends at byte offset "
                + DataFiles.n(position));
    }

    private void skipPadding(long size) throws IOException {
        int pad = (int) ((512 - size % 512) % 512);
        byte[] skip = new byte[pad];
        if (read(skip, pad) < pad) {
            throw new CorruptDataException(archive + ": truncated in the padding after an entry, at byte offset "
                    + DataFiles.n(position));
        }
    }

    /** Reads up to n bytes (fewer only at the end of the stream), counting the position. */
    private int read(byte[] buffer, int n) throws IOException {
        try {
            int got = in.readNBytes(buffer, 0, n);
            position += got;
            return got;
        } catch (EOFException | ZipException e) {
            throw new CorruptDataException(archive + ": truncated or damaged compressed data after byte offset "
                    + DataFiles.n(position) + " of the tar stream: " + e.getMessage(), e);
        }
    }

    private void checkChecksum(byte[] header, long offset) throws CorruptDataException {
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xFF);
        }
        long stored = octal(header, 148, 8, offset, "checksum");
        if (stored != sum) {
            throw new CorruptDataException(archive + ": tar header at byte offset " + DataFiles.n(offset)
                    + " has checksum " + stored + ", expected " + sum + " (damaged archive, or not a tar file)");
        }
    }

    private long size(byte[] header, long offset) throws CorruptDataException {
        if ((header[124] & 0x80) != 0) { // GNU base-256 for sizes of 8 GB and more
            long value = 0;
            for (int i = 125; i < 136; i++) {
                value = (value << 8) | (header[i] & 0xFF);
            }
            return value;
        }
        return octal(header, 124, 12, offset, "size");
    }

    private long octal(byte[] header, int from, int length, long offset, String field) throws CorruptDataException {
        int i = from;
        int end = from + length;
        while (i < end && header[i] == ' ') {
            i++; // leading spaces
        }
        long value = 0;
        for (; i < end && header[i] != 0 && header[i] != ' '; i++) {
            int b = header[i] & 0xFF;
            if (b < '0' || b > '7') {
                throw new CorruptDataException(archive + ": tar header at byte offset " + DataFiles.n(offset)
                        + ": the " + field + " field holds '" + (char) b + "', expected octal digits");
            }
            value = value * 8 + (b - '0');
        }
        return value;
    }

    private static String paxPath(String records, String previous) {
        for (String line : records.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0 && line.startsWith("path=", space + 1)) {
                return line.substring(space + 6);
            }
        }
        return previous;
    }

    private static String string(byte[] header, int from, int length) {
        int end = from;
        while (end < from + length && header[end] != 0) {
            end++;
        }
        return new String(header, from, end - from, StandardCharsets.UTF_8);
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** The current entry's bytes: reads stop at its end. */
    private final class Bounded extends InputStream {
        long remaining;

        Bounded(long size) {
            remaining = size;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            byte[] one = new byte[1];
            int got = TarReader.this.read(one, 1);
            if (got < 1) {
                return -1;
            }
            remaining--;
            return one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            int got;
            try {
                got = in.read(b, off, n);
            } catch (EOFException | ZipException e) {
                throw new CorruptDataException(archive + ": truncated or damaged compressed data after byte offset "
                        + DataFiles.n(position) + " of the tar stream: " + e.getMessage(), e);
            }
            if (got > 0) {
                remaining -= got;
                position += got;
            }
            return got;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buffer = new byte[8192];
            long skipped = 0;
            while (skipped < n) {
                int got = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                if (got <= 0) {
                    break;
                }
                skipped += got;
            }
            return skipped;
        }
    }
}
