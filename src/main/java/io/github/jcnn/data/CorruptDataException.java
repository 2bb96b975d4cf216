package io.github.jcnn.data;

import java.io.IOException;

/**
 * A data file is present but does not have the expected format: wrong length, a bad magic number, a label out of
 * range, a truncated archive, a gzip CRC32 mismatch, a size that the file cannot hold. Every problem of the
 * compressed stream (what {@link java.util.zip.GZIPInputStream} would report as a {@code ZipException} or
 * {@code EOFException}) is reported as this exception too. The message names the file, the byte offset (or record)
 * and what was expected, e.g.
 * <pre>
 *   data_batch_1.bin: expected a positive multiple of 3,073 bytes (1 label byte + 3,072 pixel bytes per record), at
 *   most 30,730,000 (the official 10,000 records x 3,073), found 1,234
 * </pre>
 * Loaders throw it before they hand out any data, so a corrupt file is never half used. A file that is missing
 * altogether is reported with {@link java.nio.file.NoSuchFileException} instead.
 */
public class CorruptDataException extends IOException {

    private static final long serialVersionUID = 1L;

    /** An exception with the given message, which should name the file, the offset and what was expected. */
    public CorruptDataException(String message) {
        super(message);
    }

    /** As {@link #CorruptDataException(String)}, keeping the low-level cause (e.g. a zlib error). */
    public CorruptDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
