package examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The examples' command-line options: {@code --name value} pairs, {@code --flag}s and positional arguments.
 * Every example accepts {@code --out DIR} (where PNG files go; default {@code jcnn-out/<example>}) and
 * {@code --tiny} (a seconds-long run, used by the build to smoke-test the examples). A {@code --tiny} run uses small
 * synthetic data sets in the real file formats, whatever is installed in {@code data/} or named by an environment
 * variable, so that the build behaves the same with and without the real data; a data folder given on the command
 * line ({@code --data DIR} or the first positional argument) is still used, then on a small subset.
 */
final class Args {

    private final Map<String, String> options = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Args() {
    }

    static Args parse(String[] args) {
        Args a = new Args();
        for (int i = 0; i < args.length; i++) {
            String s = args[i];
            if (s.startsWith("--")) {
                String key = s.substring(2);
                int eq = key.indexOf('=');
                if (eq >= 0) {
                    a.options.put(key.substring(0, eq), key.substring(eq + 1));
                } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    a.options.put(key, args[++i]);
                } else {
                    a.options.put(key, "true");
                }
            } else {
                a.positional.add(s);
            }
        }
        return a;
    }

    /** Whether {@code --name} was given (with or without a value). */
    boolean has(String name) {
        return options.containsKey(name);
    }

    boolean flag(String name) {
        return "true".equals(options.get(name));
    }

    String string(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback) {
        String v = options.get(name);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a whole number, got '" + v + "'", e);
        }
    }

    double number(String name, double fallback) {
        String v = options.get(name);
        try {
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a number, got '" + v + "'", e);
        }
    }

    /** The i-th positional argument, or null. */
    String positional(int i) {
        return i < positional.size() ? positional.get(i) : null;
    }

    boolean tiny() {
        return flag("tiny");
    }

    /**
     * The data folder an example reads: the first positional argument or {@code --data DIR}, else (not for
     * {@code --tiny}) {@code environmentValue} when it is set, else {@code defaultDir}. Returns null for a
     * {@code --tiny} run given no folder: the caller then uses its synthetic data.
     */
    Path dataFolder(String environmentValue, Path defaultDir) {
        String given = positional(0) != null ? positional(0) : string("data", null);
        if (given != null) {
            return Path.of(given);
        }
        if (tiny()) {
            return null;
        }
        return environmentValue != null && !environmentValue.isBlank() ? Path.of(environmentValue) : defaultDir;
    }

    /** The output folder for this example's pictures, created if needed. */
    Path outDir(String example) throws java.io.IOException {
        Path dir = Path.of(string("out", "jcnn-out/" + example));
        Files.createDirectories(dir);
        return dir;
    }
}
