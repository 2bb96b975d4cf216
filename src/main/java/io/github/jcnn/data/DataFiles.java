package io.github.jcnn.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Small helpers shared by the loaders: number formatting and gzip detection. */
final class DataFiles {

    private DataFiles() {
    }

    /** 30730000 as "30,730,000". */
    static String n(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /** True if the file starts with the gzip signature 1f 8b. */
    static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }
}
