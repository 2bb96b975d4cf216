package io.github.jcnn.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that cannot be read because its contents are wrong: truncated, corrupt, of an unknown version, or not
 * the kind of file expected. The message names the file, what is wrong and, where it helps, the byte offset.
 */
public class FileFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /** A problem with {@code file} described by {@code what}. */
    public FileFormatException(Path file, String what) {
        super(file.getFileName() + ": " + what);
        this.file = file;
    }

    /** A problem with {@code file} described by {@code what}, caused by {@code cause}. */
    public FileFormatException(Path file, String what, Throwable cause) {
        super(file.getFileName() + ": " + what, cause);
        this.file = file;
    }

    /** The file that could not be read. */
    public Path file() {
        return file;
    }
}
