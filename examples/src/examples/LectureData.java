package examples;

import io.github.jcnn.data.ByteImageDataset;
import io.github.jcnn.data.Cifar10;
import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.InMemoryDataset;
import io.github.jcnn.data.Split;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the lecture examples share: finding CIFAR-10 (or saying clearly that it is absent), a drawn test image and a
 * synthetic data set to fall back on, and the lecture's LeNet-5.
 */
final class LectureData {

    private LectureData() {
    }

    /** The default place of the extracted data, relative to the working directory. */
    static final Path DEFAULT_DIR = Path.of("data", Cifar10.FOLDER);

    /**
     * Where to look for CIFAR-10: the first positional argument or {@code --data DIR}, else the environment variable
     * {@code CIFAR10_DIR}, else {@code data/cifar-10-batches-bin}. With {@code --tiny} only an explicitly given path
     * is used (the smoke test must not depend on what happens to be installed).
     */
    static Path cifarPath(Args a) {
        return a.dataFolder(System.getenv("CIFAR10_DIR"), DEFAULT_DIR);
    }

    /**
     * Loads a split of CIFAR-10, or returns null after printing where it looked and what happens instead
     * ({@code fallback}, e.g. "a drawn test image"). A corrupt file is still an error.
     */
    static ByteImageDataset cifarOrNull(Args a, Split split, String fallback) throws IOException {
        Path path = cifarPath(a);
        if (path == null) {
            System.out.println("(--tiny: not reading CIFAR-10; using " + fallback + ")");
            return null;
        }
        if (!Files.exists(path)) {
            System.out.println("CIFAR-10 not found at " + path.toAbsolutePath() + ": using " + fallback + ".");
            System.out.println("  To use the real images, run scripts/get-data (or download " + Cifar10.ARCHIVE
                    + " from " + Cifar10.URL + " and extract it), and pass the folder (or set CIFAR10_DIR).");
            return null;
        }
        return Cifar10.load(path, split);
    }

    /**
     * A drawn 3 x 32 x 32 colour picture with values in [0, 1]: blue sky, green ground, a red house with a dark door
     * and a yellow sun, so that it has vertical, horizontal and slanted edges.
     */
    static Tensor drawnImage() {
        Tensor t = Tensor.zeros(3, 32, 32);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                float[] rgb = y < 22 ? new float[] {0.55f, 0.75f, 0.95f} : new float[] {0.25f, 0.6f, 0.2f};
                boolean wall = x >= 8 && x < 22 && y >= 13 && y < 25;
                boolean roof = y >= 6 && y < 13 && Math.abs(x - 14.5) <= (y - 5);
                boolean door = x >= 13 && x < 17 && y >= 18 && y < 25;
                boolean sun = (x - 26) * (x - 26) + (y - 6) * (y - 6) <= 12;
                if (sun) {
                    rgb = new float[] {1f, 0.9f, 0.2f};
                }
                if (roof) {
                    rgb = new float[] {0.45f, 0.2f, 0.15f};
                }
                if (wall) {
                    rgb = new float[] {0.85f, 0.3f, 0.25f};
                }
                if (door) {
                    rgb = new float[] {0.2f, 0.12f, 0.08f};
                }
                for (int c = 0; c < 3; c++) {
                    t.set(rgb[c], c, y, x);
                }
            }
        }
        return t;
    }

    /** The names of the classes of {@link #shapes}. */
    static final List<String> SHAPE_CLASSES = List.of("square", "vertical bar", "horizontal bar", "cross");

    /**
     * A synthetic stand-in for CIFAR-10 when the data is absent: 3 x 32 x 32 images in [0, 1] of one of four shapes
     * (a filled square, a vertical bar, a horizontal bar, a cross) in a random colour at a random place, on noise.
     * A small CNN learns it in seconds.
     */
    static Dataset shapes(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor x = Tensor.zeros(n, 3, 32, 32);
        int[] labels = new int[n];
        float[] d = x.data();
        for (int i = 0; i < n; i++) {
            int label = i % 4;
            labels[i] = label;
            int base = i * 3 * 1024;
            for (int j = 0; j < 3 * 1024; j++) {
                d[base + j] = (float) (0.15 + 0.1 * random.nextDouble());
            }
            float[] colour = {(float) random.nextDouble(0.5, 1), (float) random.nextDouble(0.5, 1),
                    (float) random.nextDouble(0.5, 1)};
            int cy = random.nextInt(10, 22);
            int cx = random.nextInt(10, 22);
            for (int y = 0; y < 32; y++) {
                for (int xx = 0; xx < 32; xx++) {
                    int dy = Math.abs(y - cy);
                    int dx = Math.abs(xx - cx);
                    boolean on = switch (label) {
                        case 0 -> dy <= 5 && dx <= 5;
                        case 1 -> dy <= 8 && dx <= 1;
                        case 2 -> dy <= 1 && dx <= 8;
                        default -> (dy <= 1 && dx <= 7) || (dx <= 1 && dy <= 7);
                    };
                    if (on) {
                        for (int c = 0; c < 3; c++) {
                            d[base + c * 1024 + y * 32 + xx] = colour[c];
                        }
                    }
                }
            }
        }
        return new InMemoryDataset(x, labels, SHAPE_CLASSES);
    }

    /** The lecture's LeNet-5 for images of {@code classes} classes of shape (3, 32, 32): 62,006 parameters for 10. */
    static Sequential lenet5(int classes, long seed) {
        return Sequential.builder(Shape.of(3, 32, 32))
                .conv2d(6, 5).relu().maxPool(2)
                .conv2d(16, 5).relu().maxPool(2)
                .flatten()
                .dense(120).relu()
                .dense(84).relu()
                .dense(classes).softmax()
                .seed(seed)
                .build();
    }

    /** One sample of a data set as a (C, H, W) tensor. */
    static Tensor sample(Dataset ds, int index) {
        return ds.images(index, index + 1).reshape(ds.sampleShape());
    }
}
