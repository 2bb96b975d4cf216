package io.github.jcnn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file atomically: the new bytes go to a temporary file beside the target, named
 * {@code .NAME.jcnn-tmp-PID-RANDOM}, which is flushed to disk and renamed over the target; the directory is then
 * flushed too where the platform allows it. A failure at any point deletes the temporary file and leaves the target
 * as it was.
 *
 * <p>Permissions: the temporary file is created like any new file (mode 0666 minus the process umask on POSIX
 * systems); when it replaces an existing file, it first takes that file's POSIX permissions.
 *
 * <p>Stale temporary files of the same target, left by a process that died during a save (a {@code kill -9}, a power
 * cut), are deleted before writing: those whose PID is no longer running, or is running but started after the file
 * was last written (the PID was reused). Temporary files of live processes are left alone.
 */
final class AtomicFile {

    /** What follows ".NAME" in a temporary file's name. */
    static final String TEMP_MARK = ".jcnn-tmp-";

    /** Writes the new contents into the open temporary file. */
    @FunctionalInterface
    interface Content {
        void writeTo(FileChannel out) throws IOException;
    }

    private AtomicFile() {
    }

    static void write(Path file, Content content) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        String prefix = tempPrefix(target);
        removeStale(dir, prefix);
        long pid = ProcessHandle.current().pid();
        Path temp;
        FileChannel out;
        while (true) {
            temp = dir.resolve(prefix + pid + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            try {
                // no permission attributes: the file gets what a new file gets under the umask
                out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                break;
            } catch (FileAlreadyExistsException e) {
                // another save of this process drew the same name: draw again
            }
        }
        try {
            try (FileChannel channel = out) {
                content.writeTo(channel);
                channel.force(true);
            }
            copyPermissions(target, temp);
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
        syncDirectory(dir);
    }

    /** The start of the names of {@code target}'s temporary files: {@code ".NAME.jcnn-tmp-"}. */
    static String tempPrefix(Path target) {
        return "." + target.getFileName() + TEMP_MARK;
    }

    private static void copyPermissions(Path target, Path temp) throws IOException {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(target);
        } catch (NoSuchFileException e) {
            return;   // a new file: keep the umask's permissions
        } catch (UnsupportedOperationException e) {
            return;   // not a POSIX file system
        }
        Files.setPosixFilePermissions(temp, permissions);
    }

    /** Deletes the temporary files of this target whose writer is dead; best effort. */
    private static void removeStale(Path dir, String prefix) {
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir,
                p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path temp : entries) {
                String rest = temp.getFileName().toString().substring(prefix.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                } catch (NumberFormatException e) {
                    continue;   // not one of ours
                }
                if (pid != self && !alive(pid, temp)) {
                    try {
                        Files.deleteIfExists(temp);
                    } catch (IOException e) {
                        // someone else's leftover that we may not delete: it does not stop this save
                    }
                }
            }
        } catch (IOException e) {
            // the directory cannot be listed: the save itself will report any real problem
        }
    }

    /** Whether process {@code pid} may still be writing {@code temp}. */
    private static boolean alive(long pid, Path temp) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        Optional<Instant> started = process.get().info().startInstant();
        if (started.isEmpty()) {
            return true;
        }
        try {
            // a process that started after the file was last written is not the one that wrote it (reused PID)
            return !started.get().isAfter(Files.getLastModifiedTime(temp).toInstant());
        } catch (IOException e) {
            return true;
        }
    }

    /** Flushes the directory entry of the rename to disk where the platform allows opening a directory. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // not supported on this platform (Windows): the rename is still atomic, only its durability is the OS's
        }
    }
}
