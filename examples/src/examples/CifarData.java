package examples;

import io.github.jcnn.data.Cifar10;
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
     * {@code CIFAR10_DIR}, else {@code data/cifar-10-batches-bin}. A {@code --tiny} run given no folder writes a small
     * synthetic data set in the same binary format into {@code out/synthetic-data} and uses that (see {@link Args}).
     * When the data is missing, the program ends here (exit status 2) after printing how to get it.
     */
    static Path folderOrExit(Args args, Path out) throws IOException {
        Path dir = find(args, out, System.getenv("CIFAR10_DIR"));
        if (dir == null) {
            System.exit(2);
        }
        return dir;
    }

    /**
     * {@link #folderOrExit} with the value of {@code CIFAR10_DIR} given (null: not set); returns null (after printing
     * how to get the data) when the data is missing.
     */
    static Path find(Args args, Path out, String cifar10Dir) throws IOException {
        Path dir = args.dataFolder(cifar10Dir, Path.of(DEFAULT));
        if (dir == null) {
            System.out.println("(--tiny: a small synthetic set in the CIFAR-10 format; pass --data DIR to use a subset"
                    + " of the real one)");
            return SyntheticData.cifar10(out.resolve("synthetic-data"), 60, 100, 7);
        }
        if (Files.exists(dir)) {
            return dir;
        }
        System.err.println("CIFAR-10 not found at " + dir.toAbsolutePath() + ".");
        System.err.println("Get the binary version (163 MB) with  scripts/get-data  (gives "
                + "data/cifar-10-batches-bin),");
        System.err.println("or download cifar-10-binary.tar.gz from " + Cifar10.URL + " and run");
        System.err.println("  tar xzf cifar-10-binary.tar.gz -C data");
        System.err.println("Then run again, or pass the folder: examples/run LeNetCifar10 /path/to/cifar-10-batches-bin"
                + " (or set CIFAR10_DIR).");
        return null;
    }
}
