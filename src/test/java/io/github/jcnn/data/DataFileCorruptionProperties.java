package io.github.jcnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Corrupted data files of every format the library reads (issue 12): a CIFAR-10 folder ({@code .bin} files and
 * {@code batches.meta.txt}), a CIFAR-10 archive ({@code .tar.gz}), MNIST raw idx and MNIST {@code .gz}, each damaged by
 * bit flips, truncation, appended garbage, deleted or inserted bytes, edited headers and edited declared sizes. For
 * every mutant the loader must do one of two things:
 * <ul>
 *   <li>refuse it with a {@link CorruptDataException} (or {@link NoSuchFileException} when an archive member is
 *       renamed away) whose message names the damaged file; never another exception; or</li>
 *   <li>return exactly what the damaged bytes mean, which is allowed only where the damage is undetectable:
 *       <ul>
 *         <li>raw files (CIFAR-10 {@code .bin}, MNIST idx): a pixel byte; a label byte changed to another label 0..9;
 *             whole CIFAR-10 records added or removed (the length stays a multiple of 3,073); a class-name file that is
 *             still 10 UTF-8 names. The expected data come from a small reference decoder of the format written here
 *             from its specification, which also says when the damaged file must be refused;</li>
 *         <li>gzip files: only the header bytes that carry no data (modification time, bytes 4-7; extra flags, 8;
 *             operating system, 9; the FTEXT bit of byte 3). Any other change to the compressed bytes must be refused
 *             (CRC32, length, structure) or, very rarely, leave the decompressed data unchanged: loaded data must equal
 *             the original;</li>
 *         <li>the tar inside an archive: member data as for raw files; padding between members; tar header fields
 *             that do not change what is read (mode, times, owner, once the checksum is right).</li>
 *       </ul></li>
 * </ul>
 * and it must never allocate more than a bound ({@link #ALLOCATION_BOUND}, measured with
 * {@code ThreadMXBean#getThreadAllocatedBytes}), whatever the damaged header declares.
 *
 * <p>{@value #DEFAULT_MUTANTS} mutants per format by default; {@code -Djcnn.fuzz.mutants=N} or the Maven profile
 * {@code -Pfuzz} (20,000) run more.
 */
@AddLifecycleHook(value = DataFileCorruptionProperties.MutantCount.class,
        propagateTo = PropagationMode.DIRECT_DESCENDANTS)
class DataFileCorruptionProperties {

    static final int DEFAULT_MUTANTS = 1000;

    /**
     * At most this many bytes allocated by one load of a damaged file. The files here are under 50 KB (about 3 KB
     * compressed), so no declared size that passes the loaders' checks can ask for more than about 1,032 x 3 KB; the
     * rest is buffers. Measured: at most about 0.8 MB.
     */
    static final long ALLOCATION_BOUND = 8L << 20;

    private static long maxAllocated;

    /** Sets every property's tries to {@code jcnn.fuzz.mutants} (default {@value #DEFAULT_MUTANTS}). */
    static final class MutantCount implements AroundPropertyHook {
        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            context.attributes().setTries(Integer.getInteger("jcnn.fuzz.mutants", DEFAULT_MUTANTS));
            maxAllocated = 0;
            PropertyExecutionResult result = property.execute();
            System.out.println(context.extendedLabel() + ": most bytes allocated by one load: " + maxAllocated);
            return result;
        }
    }

    // ------------------------------------------------------------------ the original files

    private static final Map<String, byte[]> CIFAR = TestFiles.cifarFiles(2);
    private static final List<String> CIFAR_NAMES = List.copyOf(CIFAR.keySet());
    private static final byte[] TAR = tar();
    private static final byte[] TAR_GZ = gzip(TAR);
    private static final byte[] MNIST_IMAGES = mnistImages(3, 7, 4);
    private static final byte[] MNIST_LABELS = TestFiles.idx(2049, new int[] {3}, new byte[] {7, 0, 9});
    private static final byte[] MNIST_IMAGES_GZ = gzip(MNIST_IMAGES);
    private static final byte[] MNIST_LABELS_GZ = gzip(MNIST_LABELS);

    private static byte[] tar() {
        try {
            return TestFiles.tar(CIFAR, "cifar-10-batches-bin/", false);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gzip(byte[] data) {
        try {
            return TestFiles.gzip(data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] mnistImages(int count, int rows, int columns) {
        byte[] pixels = new byte[count * rows * columns];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 37);
        }
        return TestFiles.idx(2051, new int[] {count, rows, columns}, pixels);
    }

    // ------------------------------------------------------------------ the properties

    @Property(shrinking = ShrinkingMode.OFF)
    void cifarFolder(@ForAll("folderMutants") Mutant mutant) throws IOException {
        Path dir = Files.createTempDirectory("jcnn-fuzz");
        try {
            Map<String, byte[]> files = new LinkedHashMap<>(CIFAR);
            files.put(mutant.file, mutant.bytes);
            Path folder = Files.createDirectory(dir.resolve(Cifar10.FOLDER));
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                Files.write(folder.resolve(e.getKey()), e.getValue());
            }
            for (Split split : Split.values()) {
                Expected expected = Reference.cifar(files, split);
                boolean involved = mutant.file.equals("batches.meta.txt") || Cifar10.batchFiles(split).contains(
                        mutant.file);
                check(mutant, () -> Cifar10.load(folder, split), involved ? expected : Reference.cifar(CIFAR, split),
                        Rule.EXACT, mutant.file);
            }
        } finally {
            delete(dir);
        }
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void cifarArchive(@ForAll("archiveMutants") Mutant mutant) throws IOException {
        Path dir = Files.createTempDirectory("jcnn-fuzz");
        try {
            Path archive = dir.resolve(Cifar10.ARCHIVE);
            Files.write(archive, mutant.bytes);
            for (Split split : Split.values()) {
                Expected expected = mutant.insideMembers != null // the tar's member data changed: what they mean now
                        ? Reference.cifarArchive(mutant.insideMembers, split) : Reference.cifar(CIFAR, split);
                check(mutant, () -> Cifar10.load(archive, split), expected, mutant.rule, Cifar10.ARCHIVE);
            }
        } finally {
            delete(dir);
        }
    }

    /**
     * Found by {@link #cifarArchive}: a header's checksum field with its NUL terminator flipped to a space means the
     * same number, so the archive is valid, and a bit flipped in a member's data is what loads (a tar holds no
     * checksum of its data).
     */
    @Example
    void checksumTerminatorFlippedToASpaceLoadsTheDamagedData() throws IOException {
        Tar.Member member = Tar.members(TAR).stream().filter(m -> m.size() > 0).findFirst().orElseThrow();
        byte[] damaged = TAR.clone();
        assertThat(damaged[member.header() + 154]).isEqualTo((byte) 0);
        damaged[member.header() + 154] ^= 0x20;
        damaged[member.data() + 40] ^= 0x40;
        Damaged d = new Damaged(damaged, "checksum terminator and one data byte", new int[] {member.header() + 154,
                member.data() + 40});
        Map<String, byte[]> members = Tar.membersAfter(d, TAR);
        assertThat(members).isNotNull();
        cifarArchive(new Mutant(Cifar10.ARCHIVE, gzip(damaged), d.description(), Rule.EXACT, members, null));
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void mnistRaw(@ForAll("mnistRawMutants") Mutant mutant) throws IOException {
        mnist(mutant, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", MNIST_IMAGES, MNIST_LABELS);
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void mnistGzip(@ForAll("mnistGzipMutants") Mutant mutant) throws IOException {
        mnist(mutant, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", MNIST_IMAGES_GZ, MNIST_LABELS_GZ);
    }

    private static void mnist(Mutant mutant, String imagesName, String labelsName, byte[] images, byte[] labels)
            throws IOException {
        Path dir = Files.createTempDirectory("jcnn-fuzz");
        try {
            boolean isImages = mutant.file.equals(imagesName);
            byte[] newImages = isImages ? mutant.bytes : images;
            byte[] newLabels = isImages ? labels : mutant.bytes;
            Files.write(dir.resolve(imagesName), newImages);
            Files.write(dir.resolve(labelsName), newLabels);
            Expected original = Reference.mnist(MNIST_IMAGES, MNIST_LABELS);
            if (mutant.raw != null || !imagesName.endsWith(".gz")) {
                // raw bytes, or the decompressed bytes were damaged and compressed again: what they mean now
                byte[] rawImages = isImages ? mutant.raw() : MNIST_IMAGES;
                byte[] rawLabels = isImages ? MNIST_LABELS : mutant.raw();
                Expected expected = Reference.mnist(rawImages, rawLabels);
                check(mutant, () -> Mnist.load(dir, Split.TRAIN), expected, Rule.EXACT, mutant.file);
            } else {
                check(mutant, () -> Mnist.load(dir, Split.TRAIN), original, mutant.rule, mutant.file);
            }
        } finally {
            delete(dir);
        }
    }

    private interface Load {
        ByteImageDataset load() throws IOException;
    }

    /** What a loader must do with a mutant. */
    enum Rule {
        /** Load exactly {@code expected} when it is not null (the bytes are valid), refuse otherwise. */
        EXACT,
        /** Refuse, or load exactly {@code expected} (a change that is usually detected but need not be). */
        MAY_LOAD,
        /** Load exactly {@code expected} (only bytes that carry no data changed). */
        MUST_LOAD,
        /** Refuse. */
        MUST_FAIL
    }

    /**
     * Loads, measuring the allocation; then, by the rule: refused with a documented exception naming the file, or
     * loaded equal to {@code expected}.
     */
    private static void check(Mutant mutant, Load load, Expected expected, Rule rule, String file) {
        long before = TestFiles.allocatedBytes();
        ByteImageDataset loaded;
        try {
            loaded = load.load();
        } catch (CorruptDataException | NoSuchFileException e) {
            maxAllocated = Math.max(maxAllocated, TestFiles.allocatedBytes() - before);
            assertThat(TestFiles.allocatedBytes() - before).as(mutant.toString()).isLessThan(ALLOCATION_BOUND);
            assertThat(e.getMessage()).as(mutant.toString()).contains(file);
            if (rule == Rule.MUST_LOAD || rule == Rule.EXACT && expected != null) {
                fail(mutant + ": refused (" + e.getMessage() + ") but the bytes are valid and must load");
            }
            Statistics.label("outcome").collect("refused: " + e.getClass().getSimpleName());
            return;
        } catch (Throwable e) {
            throw new AssertionError(mutant + ": expected CorruptDataException or NoSuchFileException, got " + e, e);
        }
        maxAllocated = Math.max(maxAllocated, TestFiles.allocatedBytes() - before);
        assertThat(TestFiles.allocatedBytes() - before).as(mutant.toString()).isLessThan(ALLOCATION_BOUND);
        if (rule == Rule.MUST_FAIL || expected == null) {
            fail(mutant + ": loaded " + loaded + " but the damage is detectable and must be refused");
        }
        expected.assertEquals(loaded, mutant.toString());
        Statistics.label("outcome").collect("loaded what the bytes mean");
    }

    // ------------------------------------------------------------------ mutants

    /**
     * A damaged file: its name, its bytes, what was done; for a gzip file damaged before compression, the damaged raw
     * bytes ({@code raw}); for an archive whose tar members' data were damaged, the members as they are now.
     */
    static final class Mutant {
        final String file;
        final byte[] bytes;
        final String description;
        final Rule rule;
        final Map<String, byte[]> insideMembers;
        final byte[] raw;

        Mutant(String file, byte[] bytes, String description, Rule rule, Map<String, byte[]> insideMembers,
                byte[] raw) {
            this.file = file;
            this.bytes = bytes;
            this.description = description;
            this.rule = rule;
            this.insideMembers = insideMembers;
            this.raw = raw;
        }

        /** The damaged bytes before compression (the file itself when it is not compressed). */
        byte[] raw() {
            return raw != null ? raw : bytes;
        }

        @Override
        public String toString() {
            return file + " " + description;
        }
    }

    /** A change to a byte array, with what it did (offsets resolved against the array's length). */
    interface Damage {
        Damaged apply(byte[] original);
    }

    record Damaged(byte[] bytes, String description, int[] changedOffsets) {
        /** True when only bytes at these offsets were replaced in place (no length change). */
        boolean inPlace(byte[] original) {
            return changedOffsets != null && bytes.length == original.length;
        }
    }

    /**
     * Generic damage: bit flips, overwritten bytes (half of them in the first {@code headerBytes} bytes, where headers
     * live), truncation, appended garbage, deleted or inserted bytes, and edits of the declared sizes at the given
     * offsets (negative: from the end; 4-byte big-endian unless little-endian is asked; for gzip: ISIZE and CRC32).
     */
    static Arbitrary<Damage> damage(int headerBytes, int[] sizeFields, boolean littleEndianSizes) {
        Arbitrary<Integer> any = Arbitraries.integers().greaterOrEqual(0);
        Arbitrary<Damage> flips = Combinators.combine(any.list().ofMinSize(1).ofMaxSize(3),
                Arbitraries.integers().between(0, 7), Arbitraries.of(true, false)).as((offsets, bit, near) -> b -> {
                    byte[] c = b.clone();
                    int[] at = new int[offsets.size()];
                    for (int i = 0; i < at.length; i++) {
                        at[i] = offsets.get(i) % (near ? Math.min(headerBytes, b.length) : b.length);
                        c[at[i]] ^= (byte) (1 << ((bit + i) % 8));
                    }
                    return new Damaged(c, "bit flips at " + Arrays.toString(at), at);
                });
        Arbitrary<Damage> overwrite = Combinators.combine(any, Arbitraries.bytes().array(byte[].class).ofMinSize(1)
                .ofMaxSize(8), Arbitraries.of(true, false)).as((offset, with, near) -> b -> {
                    byte[] c = b.clone();
                    int at = offset % (near ? Math.min(headerBytes, b.length) : b.length);
                    int n = Math.min(with.length, b.length - at);
                    System.arraycopy(with, 0, c, at, n);
                    int[] changed = new int[n];
                    Arrays.setAll(changed, i -> at + i);
                    return new Damaged(c, "overwrote " + n + " bytes at " + at + " with " + Arrays.toString(
                            Arrays.copyOf(with, n)), changed);
                });
        Arbitrary<Damage> truncate = any.map(keep -> b -> {
            int length = keep % b.length;
            return new Damaged(Arrays.copyOf(b, length), "truncated to " + length + " of " + b.length + " bytes",
                    null);
        });
        Arbitrary<Damage> append = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofMinSize(1)
                .ofMaxSize(64), Arbitraries.integers().between(1, 4096), Arbitraries.of(true, false)).as(
                        (garbage, zeros, useZeros) -> b -> {
                            byte[] tail = useZeros ? new byte[zeros] : garbage;
                            byte[] c = Arrays.copyOf(b, b.length + tail.length);
                            System.arraycopy(tail, 0, c, b.length, tail.length);
                            return new Damaged(c, "appended " + tail.length + (useZeros ? " zero bytes"
                                    : " bytes " + Arrays.toString(tail)), null);
                        });
        Arbitrary<Damage> delete = Combinators.combine(any, Arbitraries.integers().between(1, 600)).as(
                (offset, n) -> b -> {
                    int at = offset % b.length;
                    int k = Math.min(n, b.length - at);
                    byte[] c = new byte[b.length - k];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + k, c, at, b.length - at - k);
                    return new Damaged(c, "deleted " + k + " bytes at " + at, null);
                });
        Arbitrary<Damage> insert = Combinators.combine(any, Arbitraries.bytes().array(byte[].class).ofMinSize(1)
                .ofMaxSize(16)).as((offset, with) -> b -> {
                    int at = offset % (b.length + 1);
                    byte[] c = new byte[b.length + with.length];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(with, 0, c, at, with.length);
                    System.arraycopy(b, at, c, at + with.length, b.length - at);
                    return new Damaged(c, "inserted " + Arrays.toString(with) + " at " + at, null);
                });
        List<Arbitrary<Damage>> kinds = new ArrayList<>(List.of(flips, overwrite, truncate, append, delete, insert));
        if (sizeFields.length > 0) {
            kinds.add(Combinators.combine(Arbitraries.of(box(sizeFields)), declaredSizes()).as((field, value) -> b -> {
                byte[] c = b.clone();
                int at = Math.max(0, Math.min(field < 0 ? b.length + field : field, b.length - 4));
                if (b.length < 4) {
                    return new Damaged(c, "nothing (too short for a size field)", new int[0]);
                }
                ByteBuffer.wrap(c, at, 4).order(littleEndianSizes ? java.nio.ByteOrder.LITTLE_ENDIAN
                        : java.nio.ByteOrder.BIG_ENDIAN).putInt(value.intValue());
                return new Damaged(c, "4-byte size field at " + at + " set to " + Integer.toUnsignedString(value.intValue()),
                        new int[] {at, at + 1, at + 2, at + 3});
            }));
        }
        return Arbitraries.oneOf(kinds);
    }

    /** Values a hostile or damaged header might declare. */
    static Arbitrary<Long> declaredSizes() {
        return Arbitraries.oneOf(Arbitraries.of(0L, 1L, 2L, 3L, 4L, 7L, 28L, 3073L, 30_730_000L, 2_000_000_000L,
                1L << 30, (1L << 31) - 1, 1L << 31, (1L << 32) - 1, 2_000_000_008L, 1_800_000_016L),
                Arbitraries.longs().between(0, (1L << 32) - 1));
    }

    private static Integer[] box(int[] values) {
        return Arrays.stream(values).boxed().toArray(Integer[]::new);
    }

    /** Gzip header bytes that carry no data: MTIME (4-7), XFL (8), OS (9), and the FTEXT bit of FLG (3). */
    private static boolean onlyIgnorableGzipBytes(byte[] original, Damaged d) {
        if (!d.inPlace(original)) {
            return false;
        }
        for (int i = 0; i < original.length; i++) {
            if (original[i] != d.bytes[i] && !(i >= 4 && i <= 9 || i == 3 && (original[i] ^ d.bytes[i]) == 1)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Damage to compressed bytes. Must load (the original data) when only ignorable header bytes changed; may load
     * (the original data, never anything else) when, besides those, only bytes of the deflate stream changed in place,
     * since a few such changes leave the output unchanged (the unused bits after the last block, a Huffman code that is
     * never used); must be refused otherwise: a changed length, the header's checked bytes (signature, method, flags)
     * or the trailer.
     */
    private static Mutant compressed(String file, byte[] gz, Damaged d) {
        Rule rule;
        if (Arrays.equals(gz, d.bytes) || onlyIgnorableGzipBytes(gz, d)) {
            rule = Rule.MUST_LOAD;
        } else if (!d.inPlace(gz)) {
            rule = Rule.MUST_FAIL;
        } else {
            rule = Rule.MAY_LOAD;
            for (int i = 0; i < gz.length; i++) {
                boolean ignorable = i >= 4 && i <= 9 || i == 3 && (gz[i] ^ d.bytes[i]) == 1;
                boolean deflate = i >= 10 && i < gz.length - 8;
                if (gz[i] != d.bytes[i] && !ignorable && !deflate) {
                    rule = Rule.MUST_FAIL;
                }
            }
        }
        return new Mutant(file, d.bytes, "(compressed bytes) " + d.description, rule, null, null);
    }

    @Provide
    Arbitrary<Mutant> folderMutants() {
        return Combinators.combine(Arbitraries.of(CIFAR_NAMES), damage(64, new int[0], false)).as((file, damage) -> {
            Damaged d = damage.apply(CIFAR.get(file));
            return new Mutant(file, d.bytes, d.description, Rule.EXACT, null, null);
        });
    }

    @Provide
    Arbitrary<Mutant> mnistRawMutants() {
        return Combinators.combine(Arbitraries.of(true, false), damage(20, new int[] {4, 8, 12}, false)).as(
                (images, damage) -> {
                    byte[] original = images ? MNIST_IMAGES : MNIST_LABELS;
                    Damaged d = damage.apply(original);
                    return new Mutant(images ? "train-images-idx3-ubyte" : "train-labels-idx1-ubyte", d.bytes,
                            d.description, Rule.EXACT, null, null);
                });
    }

    @Provide
    Arbitrary<Mutant> mnistGzipMutants() {
        Arbitrary<Mutant> outer = Combinators.combine(Arbitraries.of(true, false), damage(24, new int[] {-4, -8},
                true)).as((images, damage) -> {
                    byte[] gz = images ? MNIST_IMAGES_GZ : MNIST_LABELS_GZ;
                    return compressed(images ? "train-images-idx3-ubyte.gz" : "train-labels-idx1-ubyte.gz", gz,
                            damage.apply(gz));
                });
        Arbitrary<Mutant> inner = Combinators.combine(Arbitraries.of(true, false), damage(20, new int[] {4, 8, 12},
                false)).as((images, damage) -> {
                    Damaged d = damage.apply(images ? MNIST_IMAGES : MNIST_LABELS);
                    return new Mutant(images ? "train-images-idx3-ubyte.gz" : "train-labels-idx1-ubyte.gz",
                            gzip(d.bytes), "(decompressed bytes, compressed again) " + d.description, Rule.EXACT, null,
                            d.bytes);
                });
        return Arbitraries.oneOf(outer, inner);
    }

    @Provide
    Arbitrary<Mutant> archiveMutants() {
        Arbitrary<Mutant> outer = damage(24, new int[] {-4, -8}, true).map(damage -> compressed(Cifar10.ARCHIVE,
                TAR_GZ, damage.apply(TAR_GZ)));
        Arbitrary<Mutant> inner = damage(512, new int[0], false).map(damage -> {
            Damaged d = damage.apply(TAR);
            Map<String, byte[]> members = Tar.membersAfter(d, TAR);
            Rule rule = members != null && Tar.onlyMemberData(d, TAR) ? Rule.EXACT : Rule.MAY_LOAD;
            return new Mutant(Cifar10.ARCHIVE, gzip(d.bytes), "(tar bytes, compressed again) " + d.description,
                    rule, members, null);
        });
        List<Tar.Member> members = Tar.members(TAR);
        Arbitrary<Mutant> sizes = Combinators.combine(Arbitraries.of(members), Arbitraries.oneOf(declaredSizes(),
                Arbitraries.longs().between(0, 7000))).as((m, declared) -> {
                    long size = declared % (1L << 33);
                    byte[] edited = TestFiles.withDeclaredSize(TAR, m.header(), size);
                    String what = "(tar) declared size of " + m.name() + " set to " + size + ", checksum fixed";
                    if ((size + 511) / 512 == (m.size() + 511) / 512) {
                        // the same blocks: the member now ends earlier or takes in some of its zero padding
                        Map<String, byte[]> contents = Tar.membersAfter(new Damaged(TAR, "", new int[0]), TAR);
                        if (size > 0) {
                            contents.put(m.name().substring(m.name().lastIndexOf('/') + 1), Arrays.copyOfRange(TAR,
                                    m.data(), m.data() + (int) size));
                        }
                        return new Mutant(Cifar10.ARCHIVE, gzip(edited), what, Rule.EXACT, contents, null);
                    }
                    return new Mutant(Cifar10.ARCHIVE, gzip(edited), what, Rule.MUST_FAIL, null, null);
                });
        List<Tar.Member> files = members.stream().filter(m -> m.size() > 0).toList();
        Arbitrary<Mutant> twice = Combinators.combine(Arbitraries.of(files), Arbitraries.of(members)).as(
                (copied, before) -> {
                    byte[] entry = Arrays.copyOfRange(TAR, copied.header(), copied.end());
                    byte[] c = new byte[TAR.length + entry.length];
                    System.arraycopy(TAR, 0, c, 0, before.header());
                    System.arraycopy(entry, 0, c, before.header(), entry.length);
                    System.arraycopy(TAR, before.header(), c, before.header() + entry.length, TAR.length
                            - before.header());
                    return new Mutant(Cifar10.ARCHIVE, gzip(c), "(tar) a copy of " + copied.name() + " before "
                            + before.name(), Rule.MUST_FAIL, null, null);
                });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, outer), net.jqwik.api.Tuple.of(4, inner),
                net.jqwik.api.Tuple.of(1, sizes), net.jqwik.api.Tuple.of(1, twice));
    }

    // ------------------------------------------------------------------ reference decoders

    /** The images and labels a set of files means, or null when a loader must refuse them. */
    record Expected(List<String> names, int[] shape, byte[] labels, byte[] pixels) {
        void assertEquals(ByteImageDataset loaded, String what) {
            assertThat(loaded.classNames()).as(what).isEqualTo(names);
            assertThat(new int[] {loaded.sampleShape().dim(0), loaded.sampleShape().dim(1),
                loaded.sampleShape().dim(2)}).as(what).isEqualTo(shape);
            assertThat(loaded.size()).as(what).isEqualTo(labels.length);
            int sample = shape[0] * shape[1] * shape[2];
            for (int i = 0; i < labels.length; i++) {
                if (loaded.label(i) != (labels[i] & 0xFF)) {
                    fail(what + ": label " + i + " is " + loaded.label(i) + ", expected " + (labels[i] & 0xFF));
                }
                for (int p = 0; p < sample; p++) {
                    if (loaded.pixel(i, p) != (pixels[i * sample + p] & 0xFF)) {
                        fail(what + ": image " + i + " pixel " + p + " is " + loaded.pixel(i, p) + ", expected "
                                + (pixels[i * sample + p] & 0xFF));
                    }
                }
            }
        }
    }

    /** The formats as their specifications describe them (docs/data.md), decoded the simplest way. */
    static final class Reference {

        static Expected cifar(Map<String, byte[]> files, Split split) {
            List<String> names = Cifar10.CLASS_NAMES;
            if (files.containsKey("batches.meta.txt")) {
                names = meta(files.get("batches.meta.txt"));
                if (names == null) {
                    return null;
                }
            }
            var labels = new java.io.ByteArrayOutputStream();
            var pixels = new java.io.ByteArrayOutputStream();
            for (String file : Cifar10.batchFiles(split)) {
                byte[] b = files.get(file);
                if (b == null || b.length == 0 || b.length % 3073 != 0 || b.length / 3073 > 10_000) {
                    return null;
                }
                for (int r = 0; r < b.length / 3073; r++) {
                    if ((b[r * 3073] & 0xFF) > 9) {
                        return null;
                    }
                    labels.write(b[r * 3073]);
                    pixels.write(b, r * 3073 + 1, 3072);
                }
            }
            return new Expected(names, new int[] {3, 32, 32}, labels.toByteArray(), pixels.toByteArray());
        }

        /** As {@link #cifar}, and every batch in the archive, of either split, must be a whole number of records. */
        static Expected cifarArchive(Map<String, byte[]> files, Split split) {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                int length = e.getValue().length;
                if (e.getKey().endsWith(".bin") && (length == 0 || length % 3073 != 0 || length / 3073 > 10_000)) {
                    return null;
                }
            }
            return cifar(files, split);
        }

        static List<String> meta(byte[] text) {
            if (text.length > 65_536) {
                return null;
            }
            String decoded;
            try {
                decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(text)).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
            List<String> names = Stream.of(decoded.split("\r?\n")).filter(l -> !l.isBlank()).map(String::strip)
                    .toList();
            return names.size() == 10 ? names : null;
        }

        static Expected mnist(byte[] images, byte[] labels) {
            if (images.length < 16 || labels.length < 8) {
                return null;
            }
            ByteBuffer i = ByteBuffer.wrap(images);
            ByteBuffer l = ByteBuffer.wrap(labels);
            if (i.getInt(0) != 2051 || l.getInt(0) != 2049) {
                return null;
            }
            long count = i.getInt(4);
            long rows = i.getInt(8);
            long columns = i.getInt(12);
            if (count <= 0 || rows <= 0 || columns <= 0 || l.getInt(4) != count) {
                return null;
            }
            if (images.length != 16 + count * rows * columns || labels.length != 8 + count) {
                return null;
            }
            for (int k = 8; k < labels.length; k++) {
                if ((labels[k] & 0xFF) > 9) {
                    return null;
                }
            }
            return new Expected(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
                    new int[] {1, (int) rows, (int) columns}, Arrays.copyOfRange(labels, 8, labels.length),
                    Arrays.copyOfRange(images, 16, images.length));
        }
    }

    /** The layout of the test tar, from its headers. */
    static final class Tar {
        record Member(String name, int header, long size) {
            int data() {
                return header + 512;
            }

            int end() {
                return data() + (int) ((size + 511) / 512 * 512);
            }
        }

        static List<Member> members(byte[] tar) {
            List<Member> members = new ArrayList<>();
            for (int at = 0; at + 512 <= tar.length; ) {
                String name = new String(tar, at, 100, StandardCharsets.US_ASCII).replace("\0", "");
                if (name.isEmpty()) {
                    break;
                }
                long size = Long.parseLong(new String(tar, at + 124, 11, StandardCharsets.US_ASCII), 8);
                members.add(new Member(name, at, size));
                at += 512 + (int) ((size + 511) / 512 * 512);
            }
            return members;
        }

        /**
         * When every header block is still where it was and unchanged but for its checksum field: the members'
         * contents now (by base name, read at their original places); otherwise null. The checksum field may differ:
         * either it now holds another number, and the loader must refuse the archive, or it holds the same one (its
         * NUL terminator flipped to a space, which also ends the number, and the checksum counts those 8 bytes as
         * spaces anyway), and the header means what it meant, so the damaged member data is what loads.
         */
        static Map<String, byte[]> membersAfter(Damaged d, byte[] tar) {
            List<Member> members = members(tar);
            for (Member m : members) {
                int checksum = m.header() + 148;
                if (m.data() > d.bytes.length || !Arrays.equals(d.bytes, m.header(), checksum, tar, m.header(),
                        checksum) || !Arrays.equals(d.bytes, checksum + 8, m.data(), tar, checksum + 8, m.data())) {
                    return null;
                }
            }
            Map<String, byte[]> contents = new LinkedHashMap<>();
            for (Member m : members) {
                if (m.size() > 0) {
                    contents.put(m.name().substring(m.name().lastIndexOf('/') + 1), Arrays.copyOfRange(d.bytes,
                            m.data(), m.data() + (int) m.size()));
                }
            }
            return contents;
        }

        /** True when the damage replaced bytes in place inside member data only (not padding, headers, the end). */
        static boolean onlyMemberData(Damaged d, byte[] tar) {
            if (!d.inPlace(tar)) {
                return false;
            }
            List<Member> members = members(tar);
            for (int at = 0; at < tar.length; at++) {
                int i = at;
                if (d.bytes[i] != tar[i] && members.stream().noneMatch(m -> i >= m.data() && i < m.data() + m.size())) {
                    return false;
                }
            }
            return true;
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
