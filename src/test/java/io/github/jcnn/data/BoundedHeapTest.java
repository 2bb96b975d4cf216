package io.github.jcnn.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's bounded-heap check: a child JVM with {@code -Xmx256m} loads a full-size CIFAR-10 archive (60,000 synthetic
 * records, written here) from the {@code .tar.gz}, holding the training and the test split at once (184 MB of data),
 * and then refuses every file with an oversized declaration with a clear error, never an {@code OutOfMemoryError}.
 * The archive loader streams each batch into the dataset's final array, so the peak is the data itself; before, it
 * kept each batch and copied them together (twice the data) and failed in this heap.
 */
class BoundedHeapTest {

    @TempDir
    Path dir;

    @Test
    void loadsAFullSizeArchiveAndRefusesHostileFilesIn256Megabytes() throws Exception {
        Path archive = dir.resolve("cifar-10-binary.tar.gz");
        writeFullSizeArchive(archive);
        List<String> cases = hostileCases();

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"), Child.class.getName(),
                archive.toString()));
        command.addAll(cases);
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (var in = child.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(child.waitFor(5, TimeUnit.MINUTES)).isTrue();
        System.out.println(output);
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output).contains("train 50000 test 10000 labels ok pixels ok")
                .doesNotContain("OutOfMemoryError").doesNotContain("LOADED");
        List<String> lines = output.lines().filter(l -> l.startsWith("case ")).toList();
        assertThat(lines).as(output).hasSize(cases.size());
        for (int i = 0; i < cases.size(); i++) {
            String file = Path.of(cases.get(i).substring(cases.get(i).indexOf(':') + 1)).getFileName().toString();
            assertThat(lines.get(i)).as(output).matches("case " + i + " (CorruptDataException|NoSuchFileException): "
                    + ".*" + java.util.regex.Pattern.quote(file) + ".*");
        }
    }

    /** The 184 MB archive: six batches of 10,000 records and the class names, gzip level 1 (a few seconds). */
    private static void writeFullSizeArchive(Path archive) throws IOException {
        byte[][] images = new byte[256][3072];
        for (int r = 0; r < 256; r++) {
            for (int p = 0; p < 3072; p++) {
                images[r][p] = (byte) TestFiles.pixel(r, p);
            }
        }
        String[] names = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
            "data_batch_5.bin", "test_batch.bin"};
        try (OutputStream out = new BufferedOutputStream(new GZIPOutputStream(Files.newOutputStream(archive), 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }, 1 << 16)) {
            byte[] meta = TestFiles.META.getBytes(StandardCharsets.US_ASCII);
            out.write(TestFiles.header("cifar-10-batches-bin/batches.meta.txt", meta.length, '0'));
            out.write(meta);
            out.write(new byte[512 - meta.length]);
            for (int b = 0; b < names.length; b++) {
                out.write(TestFiles.header("cifar-10-batches-bin/" + names[b], 30_730_000, '0'));
                for (int r = 0; r < 10_000; r++) {
                    out.write((b + r) % 10);
                    out.write(images[(r + b) & 0xFF]);
                }
                out.write(new byte[(512 - 30_730_000 % 512) % 512]);
            }
            out.write(new byte[1024]);
        }
    }

    /** Files whose headers declare far more than they hold, as "cifar:FILE" or "mnist:FOLDER". */
    private List<String> hostileCases() throws IOException {
        List<String> cases = new ArrayList<>();
        byte[] tar = TestFiles.tar(TestFiles.cifarFiles(2), "cifar-10-batches-bin/", false);
        int test = TestFiles.headerOffset(tar, "test_batch.bin");
        int meta = TestFiles.headerOffset(tar, "batches.meta.txt");
        int first = TestFiles.headerOffset(tar, "data_batch_1.bin");
        cases.add(cifar("size-2100000000.tar.gz", TestFiles.gzip(TestFiles.withDeclaredSize(tar, test, 2_100_000_000L))));
        cases.add(cifar("size-30730000.tar.gz", TestFiles.gzip(TestFiles.withDeclaredSize(tar, first, 30_730_000))));
        cases.add(cifar("size-octal-max.tar.gz", TestFiles.gzip(TestFiles.withDeclaredSize(tar, test, 077777777777L))));
        byte[] base256 = tar.clone();
        byte[] h = java.util.Arrays.copyOfRange(base256, test, test + 512);
        java.util.Arrays.fill(h, 124, 136, (byte) 0);
        h[124] = (byte) 0x80;
        h[128] = 0x40; // 2^62
        TestFiles.fixChecksum(h);
        System.arraycopy(h, 0, base256, test, 512);
        cases.add(cifar("size-base256.tar.gz", TestFiles.gzip(base256)));
        cases.add(cifar("meta-1g.tar.gz", TestFiles.gzip(TestFiles.withDeclaredSize(tar, meta, 1L << 30))));
        byte[] pax = TestFiles.header("PaxHeader", 100_000_000, 'x');
        byte[] withPax = new byte[pax.length + tar.length];
        System.arraycopy(pax, 0, withPax, 0, pax.length);
        System.arraycopy(tar, 0, withPax, pax.length, tar.length);
        cases.add(cifar("pax-100m.tar.gz", TestFiles.gzip(withPax)));
        // a "bomb": a real 30,730,000-byte batch of zeros (valid records), compressed to ~30 KB; the other batches miss
        Map<String, byte[]> zeros = new java.util.LinkedHashMap<>();
        zeros.put("data_batch_1.bin", new byte[30_730_000]);
        cases.add(cifar("bomb.tar.gz", TestFiles.tar(zeros, "cifar-10-batches-bin/", true)));

        cases.add(mnist("labels-2e9", "train-labels-idx1-ubyte.gz", TestFiles.gzipClaiming(
                TestFiles.idx(2049, new int[] {2_000_000_000}, new byte[0]), 2_000_000_008L), null));
        cases.add(mnist("images-200x3000x3000", "train-images-idx3-ubyte.gz", TestFiles.gzipClaiming(
                TestFiles.idx(2051, new int[] {200, 3000, 3000}, new byte[0]), 1_800_000_016L), 200));
        cases.add(mnist("rows-cols-2p30", "train-images-idx3-ubyte", TestFiles.idx(2051,
                new int[] {1, 1 << 30, 1 << 30}, new byte[0]), 1));
        cases.add(mnist("labels-max", "train-labels-idx1-ubyte", TestFiles.idx(2049, new int[] {Integer.MAX_VALUE},
                new byte[16]), null));
        return cases;
    }

    private String cifar(String name, byte[] content) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, content);
        return "cifar:" + file;
    }

    /** A folder holding the hostile file and a small valid partner (labels for {@code count} images, or images). */
    private String mnist(String folderName, String hostile, byte[] content, Integer count) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(folderName));
        Files.write(folder.resolve(hostile), content);
        if (hostile.contains("labels")) {
            Files.write(folder.resolve("train-images-idx3-ubyte"), TestFiles.idx(2051, new int[] {1, 1, 1},
                    new byte[1]));
        } else {
            Files.write(folder.resolve("train-labels-idx1-ubyte"), TestFiles.idx(2049, new int[] {count},
                    new byte[count]));
        }
        return "mnist:" + folder.resolve(hostile);
    }

    /** Runs in the child JVM: args are the archive, then the hostile cases. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            ByteImageDataset train = Cifar10.load(Path.of(args[0]), Split.TRAIN);
            ByteImageDataset test = Cifar10.load(Path.of(args[0]), Split.TEST);
            boolean labels = true;
            boolean pixels = true;
            for (int i = 0; i < 50_000; i += 997) {
                int b = i / 10_000;
                int r = i % 10_000;
                labels &= train.label(i) == (b + r) % 10;
                pixels &= train.pixel(i, 1234) == TestFiles.pixel((r + b) & 0xFF, 1234);
            }
            labels &= test.label(9_999) == (5 + 9_999) % 10;
            pixels &= test.pixel(9_999, 3071) == TestFiles.pixel((9_999 + 5) & 0xFF, 3071);
            System.out.println("train " + train.size() + " test " + test.size() + " labels " + (labels ? "ok" : "BAD")
                    + " pixels " + (pixels ? "ok" : "BAD"));
            for (int c = 1; c < args.length; c++) {
                String kind = args[c].substring(0, args[c].indexOf(':'));
                Path file = Path.of(args[c].substring(kind.length() + 1));
                String result;
                try {
                    if (kind.equals("cifar")) {
                        Cifar10.load(file, Split.TRAIN);
                    } else {
                        Mnist.load(file.getParent(), Split.TRAIN);
                    }
                    result = "LOADED";
                } catch (IOException e) {
                    result = e.getClass().getSimpleName() + ": " + e.getMessage();
                } catch (OutOfMemoryError e) {
                    result = "OutOfMemoryError";
                }
                System.out.println("case " + (c - 1) + " " + result.replace('\n', ' '));
            }
            System.out.println("still holding " + (train.size() + test.size()) + " images");
        }
    }
}
