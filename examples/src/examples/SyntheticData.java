package examples;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Small made-up data sets in the real file formats, so that the examples' {@code --tiny} runs (and the build's smoke
 * tests) go through the real CIFAR-10 and MNIST loaders without the real data. Each class has its own colour and
 * pattern plus noise, so a small network learns them in a few epochs; the pictures mean nothing.
 */
final class SyntheticData {

    private SyntheticData() {
    }

    /**
     * Writes {@code data_batch_1.bin} to {@code data_batch_5.bin} ({@code perBatch} records each), {@code test_batch.bin}
     * ({@code testCount} records) and {@code batches.meta.txt} into {@code dir/cifar-10-batches-bin}; returns that folder.
     */
    static Path cifar10(Path dir, int perBatch, int testCount, long seed) throws IOException {
        Path folder = dir.resolve("cifar-10-batches-bin");
        Files.createDirectories(folder);
        SplittableRandom random = new SplittableRandom(seed);
        for (int b = 1; b <= 5; b++) {
            Files.write(folder.resolve("data_batch_" + b + ".bin"), cifarRecords(perBatch, random));
        }
        Files.write(folder.resolve("test_batch.bin"), cifarRecords(testCount, random));
        Files.writeString(folder.resolve("batches.meta.txt"),
                "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
        return folder;
    }

    /** n records of 3,073 bytes: label, then the R, G and B planes of 32 x 32. */
    private static byte[] cifarRecords(int n, SplittableRandom random) {
        byte[] out = new byte[n * 3073];
        for (int i = 0; i < n; i++) {
            int label = i % 10;
            int base = i * 3073;
            out[base] = (byte) label;
            for (int c = 0; c < 3; c++) {
                int tint = 60 + 40 * ((label + c * 3) % 5);               // a colour per class
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        boolean stripe = ((label < 5 ? y : x) / (2 + label % 5)) % 2 == 0;   // a pattern per class
                        int v = tint + (stripe ? 50 : -30) + random.nextInt(-40, 41);
                        out[base + 1 + c * 1024 + y * 32 + x] = (byte) Math.max(0, Math.min(255, v));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Writes the four MNIST idx files (uncompressed) with {@code trainCount} and {@code testCount} 28 x 28 images into
     * {@code dir/mnist}; returns that folder.
     */
    static Path mnist(Path dir, int trainCount, int testCount, long seed) throws IOException {
        Path folder = dir.resolve("mnist");
        Files.createDirectories(folder);
        SplittableRandom random = new SplittableRandom(seed);
        writeMnist(folder, "train", trainCount, random);
        writeMnist(folder, "t10k", testCount, random);
        return folder;
    }

    private static void writeMnist(Path folder, String prefix, int n, SplittableRandom random) throws IOException {
        ByteBuffer images = ByteBuffer.allocate(16 + n * 784);
        images.putInt(2051).putInt(n).putInt(28).putInt(28);
        ByteBuffer labels = ByteBuffer.allocate(8 + n);
        labels.putInt(2049).putInt(n);
        for (int i = 0; i < n; i++) {
            int label = i % 10;
            labels.put((byte) label);
            int top = 4 + 2 * (label / 5) * 5;     // a bright block whose place says the class
            int left = 2 + 5 * (label % 5);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    boolean ink = y >= top && y < top + 8 && x >= left && x < left + 5;
                    int v = (ink ? 220 : 10) + random.nextInt(-10, 11);
                    images.put((byte) Math.max(0, Math.min(255, v)));
                }
            }
        }
        write(folder.resolve(prefix + "-images-idx3-ubyte"), images.array());
        write(folder.resolve(prefix + "-labels-idx1-ubyte"), labels.array());
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(bytes);
        }
    }
}
