package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.tensor.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guarantees of docs/model-format.md "Safety", one test each. */
class ModelFileSafetyTest {

    @TempDir
    Path dir;

    private Sequential model() {
        return Sequential.builder(Shape.of(1, 8, 8)).conv2d(4, 3).batchNorm().relu().maxPool(2).flatten()
                .dropout(0.25).dense(3).softmax().seed(5).build();
    }

    private Path saved(String name) throws IOException {
        Path file = dir.resolve(name);
        model().save(file);
        return file;
    }

    // ---- checksums and versions -------------------------------------------------------------------------------

    @Test
    void filesAreVersion2WithBothChecksumsMatchingTheDocumentedDefinition() throws IOException {
        Path file = saved("m.safetensors");
        SafeTensors.Contents c = SafeTensors.read(file);
        assertThat(c.metadata()).containsEntry("format_version", "2");
        byte[] data = ModelFileBytes.data(c.tensors());
        assertThat(c.metadata()).containsEntry(SafeTensors.DATA_CRC32C, ModelFileBytes.crc(data));
        assertThat(c.metadata()).containsEntry(SafeTensors.HEADER_CRC32C,
                ModelFileBytes.headerCrc(c.metadata(), ModelFileBytes.entries(c.tensors())));
    }

    @Test
    void aFlippedBitInTheDataIsRefusedNamingTheFile() throws IOException {
        Path file = saved("flip.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x10;
        Files.write(file, bytes);
        assertThatThrownBy(() -> Sequential.load(file)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("flip.safetensors: the data section (bytes ")
                .hasMessageContaining("does not match its checksum");
    }

    @Test
    void aChangedArchitectureNumberIsRefusedByTheHeaderChecksum() throws IOException {
        Path file = saved("rate.safetensors");
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        // Dropout 0.25 -> 0.35: one bit, same length; without the header checksum this loads another model
        Files.write(file, text.replace("\\\"rate\\\":0.25", "\\\"rate\\\":0.35").getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> Sequential.load(file)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("rate.safetensors: the header (bytes 8 to ")
                .hasMessageContaining("does not match its checksum");
    }

    @Test
    void version1FilesWithoutChecksumsStillLoad() throws IOException {
        Sequential original = model();
        Path v2 = dir.resolve("v2.safetensors");
        original.save(v2);
        SafeTensors.Contents c = SafeTensors.read(v2);
        Map<String, String> metadata = new LinkedHashMap<>(c.metadata());
        metadata.remove(SafeTensors.DATA_CRC32C);
        metadata.remove(SafeTensors.HEADER_CRC32C);
        metadata.put("format_version", "1");
        Path v1 = dir.resolve("v1.safetensors");
        Files.write(v1, ModelFileBytes.file(ModelFileBytes.header(metadata, ModelFileBytes.entries(c.tensors())),
                ModelFileBytes.data(c.tensors())));
        assertThat(ModelFileBytes.sameModel(Sequential.load(v1), original)).isTrue();

        metadata.put("format_version", "2");
        Path unsealed = dir.resolve("unsealed.safetensors");
        Files.write(unsealed, ModelFileBytes.file(ModelFileBytes.header(metadata,
                ModelFileBytes.entries(c.tensors())), ModelFileBytes.data(c.tensors())));
        assertThatThrownBy(() -> Sequential.load(unsealed)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("unsealed.safetensors: a version 2 model file must carry the checksums");
    }

    @Test
    void extraMetadataKeysAreKeptOpenForLaterVersions() throws IOException {
        Sequential original = model();
        Path file = dir.resolve("extra.safetensors");
        original.save(file);
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> metadata = new LinkedHashMap<>(c.metadata());
        metadata.put("class_names", "[\"a\",\"b\",\"c\"]");
        SafeTensors.write(file, c.tensors(), metadata);
        assertThat(ModelFileBytes.sameModel(Sequential.load(file), original)).isTrue();
    }

    // ---- declared sizes ---------------------------------------------------------------------------------------

    /** Rewrites the file's architecture with {@code edit} and re-seals it with correct checksums (a forged file). */
    private Path forged(String name, java.util.function.UnaryOperator<String> edit) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(saved("source.safetensors"));
        Map<String, String> metadata = new LinkedHashMap<>(c.metadata());
        metadata.put("architecture", edit.apply(metadata.get("architecture")));
        Path file = dir.resolve(name);
        SafeTensors.write(file, c.tensors(), metadata);
        return file;
    }

    /** Loads, expecting a FileFormatException naming the file, and checks that little was allocated doing it. */
    private void refusedCheaply(Path file, String message) throws IOException {
        long size = Files.size(file);
        long before = ModelFileBytes.allocatedBytes();
        assertThatThrownBy(() -> Sequential.load(file)).isInstanceOf(FileFormatException.class)
                .hasMessageStartingWith(file.getFileName() + ": ").hasMessageContaining(message);
        long allocated = ModelFileBytes.allocatedBytes() - before;
        if (before >= 0) {
            assertThat(allocated).as("bytes allocated refusing %s", file).isLessThan(64 * size + (4 << 20));
        }
    }

    @Test
    void hugeDeclaredUnitsAreRefusedBeforeAnythingIsAllocated() throws IOException {
        refusedCheaply(forged("units.safetensors", a -> a.replace("\"units\":3", "\"units\":1000000")),
                "tensor '6.weight' has shape (3, 36) but Dense #6 needs (1000000, 36)");
        refusedCheaply(forged("units2.safetensors", a -> a.replace("\"units\":3", "\"units\":2000000000")),
                "\"units\" is 2000000000, outside [1, 16777216]");
    }

    @Test
    void hugeDeclaredInputIsRefusedBeforeAnythingIsAllocated() throws IOException {
        refusedCheaply(forged("input.safetensors", a -> a.replace("\"input\":[1,8,8]", "\"input\":[1,32,100000]")),
                "Dense #6 needs (3, 2999940)");
        refusedCheaply(forged("channels.safetensors", a -> a.replace("\"input\":[1,8,8]", "\"input\":[3000,8,8]")),
                "'0.weight' has shape (4, 1, 3, 3) but Conv2D #0 needs (4, 3000, 3, 3)");
        refusedCheaply(forged("overflow.safetensors",
                a -> a.replace("\"input\":[1,8,8]", "\"input\":[16777216,16777216,16777216]")), "more than");
    }

    @Test
    void anArchitectureWithATensorTheDataDoesNotHoldIsRefused() throws IOException {
        refusedCheaply(forged("filters.safetensors", a -> a.replace("\"filters\":4", "\"filters\":400000")),
                "'0.weight' has shape (4, 1, 3, 3) but Conv2D #0 needs (400000, 1, 3, 3)");
    }

    @Test
    void forgedSizesAreRefusedInASmallHeap() throws Exception {
        List<Path> files = List.of(
                forged("u.safetensors", a -> a.replace("\"units\":3", "\"units\":1000000")),
                forged("u16.safetensors", a -> a.replace("\"units\":3", "\"units\":16777216")),
                forged("in.safetensors", a -> a.replace("\"input\":[1,8,8]", "\"input\":[3,32,100000]")),
                forged("f.safetensors", a -> a.replace("\"filters\":4", "\"filters\":16777216")),
                forged("k.safetensors", a -> a.replace("\"kernel\":[3,3]", "\"kernel\":[4096,4096]")));
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m", "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                BoundedHeapLoadChild.class.getName()));
        files.forEach(f -> command.add(f.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor()).as(output).isZero();
        assertThat(output.lines()).as(output).hasSize(files.size()).allMatch(line -> line.startsWith("refused: "));
        for (Path f : files) {
            assertThat(output).contains("refused: " + f.getFileName() + ": ");
        }
    }

    @Test
    void aResidualBlocksTensorsAreCheckedBeforeItIsBuilt() throws IOException {
        Sequential original = Sequential.builder(Shape.of(2, 8, 8)).conv2d(4, 3, 1, Padding.SAME)
                .residual(b -> b.conv2d(8, 3, 1, Padding.SAME).batchNorm().relu().conv2d(8, 3, 1, Padding.SAME))
                .globalAvgPool().dense(3).seed(9).build();
        Path file = dir.resolve("residual.safetensors");
        original.save(file);
        assertThat(ModelFileBytes.sameModel(Sequential.load(file), original)).isTrue();
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> metadata = new LinkedHashMap<>(c.metadata());
        String architecture = metadata.get("architecture");
        assertThat(architecture).contains("\"filters\":8");
        metadata.put("architecture", architecture.replaceFirst("\"filters\":8", "\"filters\":4000000"));
        Path forged = dir.resolve("residual-forged.safetensors");
        SafeTensors.write(forged, c.tensors(), metadata);
        refusedCheaply(forged, "tensor '1.body.0.weight' has shape (8, 4, 3, 3) but Conv2D at 1.body.0 needs"
                + " (4000000, 4, 3, 3)");
    }

    // ---- streaming --------------------------------------------------------------------------------------------

    @Test
    void loadingAllocatesAboutTheModelNotTheFileTwiceOver() throws IOException {
        Assumptions.assumeTrue(ModelFileBytes.allocatedBytes() >= 0, "needs HotSpot's per-thread allocation counter");
        Sequential big = Sequential.builder(Shape.of(1024)).dense(1024).relu().dense(1024).seed(1).build();
        Path file = dir.resolve("big.safetensors");
        big.save(file);
        Sequential.load(file);   // warm up the classes
        long weights = 4 * big.parameterCount();
        long before = ModelFileBytes.allocatedBytes();
        Sequential loaded = Sequential.load(file);
        long allocated = ModelFileBytes.allocatedBytes() - before;
        assertThat(ModelFileBytes.sameModel(loaded, big)).isTrue();
        // the weights (gradients are allocated when training starts); no copy of the file's data
        assertThat(allocated).as("bytes allocated to load %,d bytes of weights", weights)
                .isLessThan(weights + weights / 10 + (2 << 20));
    }

    @Test
    void theOptimizerStateStreamsAndRoundTrips() throws IOException {
        Sequential m = model();
        Optimizer adam = Adam.config(0.01).create(m.parameters());
        m.fit(Synthetic.bars(32, 1), FitOptions.defaults().quiet().epochs(1).batchSize(16), adam);
        Path file = dir.resolve("opt.safetensors");
        m.save(file, adam);
        Optimizer restored = m.loadOptimizer(file, Adam.config(0.01));
        assertThat(ModelFileBytes.sameState(restored, adam)).isTrue();
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 1;
        Files.write(file, bytes);
        assertThatThrownBy(() -> m.loadOptimizer(file, Adam.config(0.01))).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("opt.safetensors: the data section");
    }

    // ---- permissions and temporary files ----------------------------------------------------------------------

    private static boolean posix(Path dir) {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    @Test
    void aReplacedFileKeepsItsPermissions() throws IOException {
        Assumptions.assumeTrue(posix(dir));
        Path file = saved("perm.safetensors");
        for (String mode : List.of("rw-r--r--", "rw-rw----", "rw-------")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
            model().save(file);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo(mode);
        }
    }

    @Test
    void aNewFileGetsThePermissionsOfAnyNewFileUnderTheUmask() throws IOException {
        Assumptions.assumeTrue(posix(dir));
        Path file = saved("new.safetensors");
        Path plain = Files.createFile(dir.resolve("plain"));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(plain));
    }

    @Test
    void staleTemporaryFilesOfDeadProcessesAreRemovedOthersKept() throws IOException, InterruptedException {
        Path file = saved("stale.safetensors");
        Process finished = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        finished.waitFor();
        Path dead = dir.resolve(".stale.safetensors.jcnn-tmp-" + finished.pid() + "-1234abcd");
        Files.write(dead, new byte[100]);
        Path alive = dir.resolve(".stale.safetensors.jcnn-tmp-" + ProcessHandle.current().pid() + "-5678");
        Files.write(alive, new byte[100]);
        Path parentsTemp = dir.resolve(".stale.safetensors.jcnn-tmp-" + ProcessHandle.current().parent()
                .map(ProcessHandle::pid).orElse(1L) + "-9abc");
        Files.write(parentsTemp, new byte[100]);
        Path otherTarget = dir.resolve(".other.safetensors.jcnn-tmp-" + finished.pid() + "-1");
        Files.write(otherTarget, new byte[100]);
        model().save(file);
        assertThat(dead).doesNotExist();
        assertThat(alive).exists();          // this process: maybe another thread's save in progress
        assertThat(parentsTemp).exists();    // a live process started before the file was written
        assertThat(otherTarget).exists();    // another target's
        assertThat(Sequential.load(file)).isNotNull();
    }
}
