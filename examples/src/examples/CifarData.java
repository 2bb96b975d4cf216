package examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the examples find CIFAR-10, and what they say when it is not there. */
final class CifarData {

    /** The folder used when neither an argument nor CIFAR10_DIR names one. */
    static final String DEFAULT = "data/cifar-10-batches-bin";

    private CifarData() {
    }

    /**
     * The CIFAR-10 folder: the first positional argument or {@code --data}, else the environment variable
     * {@code CIFAR10_DIR}, else {@code data/cifar-10-batches-bin}. With {@code --tiny} and no data there, a small
     * synthetic data set in the same binary format is written into {@code out/synthetic-data} and used instead.
     * Returns null (after printing how to get the data) when the data is missing.
     */
    static Path find(Args args, Path out) throws IOException {
        String given = args.positional(0) != null ? args.positional(0) : args.string("data", null);
        String env = System.getenv("CIFAR10_DIR");
        Path dir = Path.of(given != null ? given : env != null && !env.isBlank() ? env : DEFAULT);
        if (Files.exists(dir)) {
            return dir;
        }
        if (args.tiny()) {
            System.out.println("(--tiny: no CIFAR-10 at " + dir + ", so a small synthetic set in the same format is "
                    + "used)");
            return SyntheticData.cifar10(out.resolve("synthetic-data"), 60, 100, 7);
        }
        System.err.println("CIFAR-10 not found at " + dir.toAbsolutePath() + ".");
        System.err.println("Get the binary version (cifar-10-binary.tar.gz, 163 MB) and unpack it:");
        System.err.println("  in this workplace:  ../shared/data/unpack data     (gives data/cifar-10-batches-bin)");
        System.err.println("  elsewhere:          download it from https://www.cs.toronto.edu/~kriz/cifar.html");
        System.err.println("                      and run  tar xzf cifar-10-binary.tar.gz -C data");
        System.err.println("Then run again, or pass the folder: examples/run LeNetCifar10 /path/to/cifar-10-batches-bin"
                + " (or set CIFAR10_DIR).");
        return null;
    }
}
