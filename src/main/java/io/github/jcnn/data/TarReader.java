package io.github.jcnn.data;

import static io.github.jcnn.data.DataFiles.n;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal reader of tar archives (POSIX ustar, with GNU long names and pax path records), enough to read the
 * CIFAR-10 archive through a {@link GzipStream} without unpacking it.
 *
 * <p>A tar file is a sequence of 512-byte blocks: for each entry a header block (name at bytes 0-99, size as octal
 * text at 124-135, header checksum at 148-155, type at 156, "ustar" at 257, name prefix at 345-499), then the entry's
 * bytes padded to a multiple of 512; a zero block ends the archive, and only zero bytes may follow it. Header
 * checksums are verified, and every entry's declared size is checked against what the rest of the file can hold
 * ({@link DataStream#maxRemaining()}) before a handler sees it, so no declared size can make anyone allocate more than
 * the file can give. The whole archive is read, to its last byte (for a gzip file through its trailer).
 */
final class TarReader {

    /** The most bytes a GNU long-name or pax header may have. */
    static final int MAX_EXTENDED_HEADER = 1 << 16;

    /** What to do with one regular-file entry; read from {@code data} as much as wanted (the rest is skipped). */
    interface EntryHandler {
        /**
         * @param name   the entry's path inside the archive
         * @param size   its declared size, already checked against what the archive can still hold
         * @param offset the byte offset of its header in the tar stream
         * @param data   its bytes; reads stop at its end
         */
        void entry(String name, long size, long offset, InputStream data) throws IOException;
    }

    private final DataStream in;
    private final String archive;

    TarReader(DataStream in) {
        this.in = in;
        this.archive = in.name();
    }

    /** Calls the handler for each regular file in the archive, in archive order, then reads to the end. */
    void forEach(EntryHandler handler) throws IOException {
        byte[] header = new byte[512];
        String longName = null;
        while (true) {
            long headerOffset = in.position();
            int got;
            try {
                got = in.readNBytes(header, 0, 512);
            } catch (CorruptDataException e) {
                throw new CorruptDataException(e.getMessage() + " (while reading the tar header at byte offset "
                        + n(headerOffset) + ")", e);
            }
            if (got < 512) {
                throw new CorruptDataException(archive + ": truncated inside the tar header at byte offset "
                        + n(headerOffset) + " (expected a 512-byte header or the end-of-archive block, found " + got
                        + " bytes)");
            }
            if (isZero(header)) {
                expectZerosToTheEnd();
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
            long canHold = in.maxRemaining();
            if (size > canHold) {
                throw new CorruptDataException(archive + ": tar entry " + name + " (header at byte offset "
                        + n(headerOffset) + ") declares " + n(size) + " bytes, but " + in.holds() + " can hold at most "
                        + n(canHold) + " more bytes after byte offset " + n(in.position())
                        + " (a damaged header, or a truncated archive)");
            }
            if (type >= '1' && type <= '6' && size != 0) {
                throw new CorruptDataException(archive + ": tar entry " + name + " (header at byte offset "
                        + n(headerOffset) + ") is a " + (type == '5' ? "directory" : "link or special file")
                        + " (type " + type + ") but declares " + n(size) + " bytes, expected 0 (a damaged header)");
            }
            if (type == 'L' || type == 'x' || type == 'g') {
                if (size > MAX_EXTENDED_HEADER) {
                    throw new CorruptDataException(archive + ": extended header at byte offset " + n(headerOffset)
                            + " declares " + n(size) + " bytes, expected at most " + n(MAX_EXTENDED_HEADER));
                }
                byte[] text = new byte[(int) size];
                if (in.readNBytes(text, 0, text.length) < size) {
                    throw truncated(name, headerOffset, size);
                }
                skipPadding(size);
                String value = new String(text, StandardCharsets.UTF_8);
                if (type == 'L') {
                    longName = value.replace("\0", "");
                } else if (type == 'x') {
                    longName = paxPath(value, longName);
                }
                continue;
            }
            if (longName != null) {
                name = longName;
                longName = null;
            }
            Bounded data = new Bounded(size, name, headerOffset);
            if (type == '0' || type == '\0' || type == '7') {
                handler.entry(name, size, headerOffset, data);
            }
            long left = data.remaining;
            if (data.skip(left) < left) {
                throw truncated(name, headerOffset, size);
            }
            skipPadding(size);
        }
    }

    /** After the end-of-archive block: only zero bytes (the second zero block, padding to a 10,240-byte record). */
    private void expectZerosToTheEnd() throws IOException {
        byte[] buffer = new byte[8192];
        int got;
        while (true) {
            long at = in.position();
            got = in.read(buffer, 0, buffer.length);
            if (got < 0) {
                return;
            }
            for (int i = 0; i < got; i++) {
                if (buffer[i] != 0) {
                    throw new CorruptDataException(archive + ": unexpected data after the end-of-archive block: byte "
                            + "offset " + n(at + i) + " holds " + (buffer[i] & 0xFF) + ", expected only zero bytes "
                            + "to the end of the tar stream");
                }
            }
        }
    }

    private CorruptDataException truncated(String name, long headerOffset, long size) {
        return new CorruptDataException(archive + ": truncated: entry " + name + " (header at byte offset "
                + n(headerOffset) + ") needs " + n(size) + " bytes but the archive ends at byte offset "
                + n(in.position()));
    }

    private void skipPadding(long size) throws IOException {
        int pad = (int) ((512 - size % 512) % 512);
        if (new Bounded(pad, null, 0).skip(pad) < pad) {
            throw new CorruptDataException(archive + ": truncated in the padding after an entry, at byte offset "
                    + n(in.position()));
        }
    }

    private void checkChecksum(byte[] header, long offset) throws CorruptDataException {
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xFF);
        }
        long stored = octal(header, 148, 8, offset, "checksum");
        if (stored != sum) {
            throw new CorruptDataException(archive + ": tar header at byte offset " + n(offset)
                    + " has checksum " + stored + ", expected " + sum + " (damaged archive, or not a tar file)");
        }
    }

    private long size(byte[] header, long offset) throws CorruptDataException {
        if ((header[124] & 0x80) != 0) { // GNU base-256 for sizes of 8 GB and more
            if ((header[124] & 0x40) != 0) {
                throw new CorruptDataException(archive + ": tar header at byte offset " + n(offset)
                        + ": the size field holds a negative base-256 number");
            }
            long value = header[124] & 0x3F;
            for (int i = 125; i < 136; i++) {
                if (value > (Long.MAX_VALUE >> 8)) {
                    return Long.MAX_VALUE; // more than any file can hold: refused by the caller
                }
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
                throw new CorruptDataException(archive + ": tar header at byte offset " + n(offset)
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

    /**
     * The current entry's bytes: reads stop at its end. A damaged compressed stream met while reading them is reported
     * with the entry's name.
     */
    private final class Bounded extends InputStream {
        long remaining;
        private final String entry;
        private final long headerOffset;

        Bounded(long size, String entry, long headerOffset) {
            remaining = size;
            this.entry = entry;
            this.headerOffset = headerOffset;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 1 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int got;
            try {
                got = in.read(b, off, (int) Math.min(len, remaining));
            } catch (CorruptDataException e) {
                if (entry == null) {
                    throw e;
                }
                throw new CorruptDataException(e.getMessage() + " (while reading tar entry " + entry
                        + ", header at byte offset " + n(headerOffset) + ")", e);
            }
            if (got > 0) {
                remaining -= got;
            }
            return got;
        }

        /** Skips up to n bytes (fewer only at the end of the stream); returns how many. */
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
