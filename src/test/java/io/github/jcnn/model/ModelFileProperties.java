package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.Json;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.tensor.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Corrupted and forged model files, with and without optimizer state: every mutant either loads exactly what it
 * says (the original model when the change is harmless, e.g. white space in the header) or is refused with a
 * {@link FileFormatException} naming the file; never another exception, never more than a bounded allocation.
 *
 * <p>1,000 mutants run in the default suite; {@code mvn -B verify -Pfuzz} (or {@code -Djcnn.fuzz.mutants=N}) runs
 * N more (20,000 in the profile) in {@link #manyMutants()}.
 */
class ModelFileProperties {

    /** How a mutant is made from a valid file. */
    enum Kind {
        /** 1-3 flipped bits in the header JSON: always refused (header checksum or JSON). */
        FLIP_HEADER(true),
        /** 1-3 flipped bits in the data section: always refused (data checksum). */
        FLIP_DATA(true),
        /** one flipped bit in the 8-byte header length: always refused. */
        FLIP_LENGTH(true),
        /** the file cut short: always refused. */
        TRUNCATE(true),
        /** bytes appended: always refused. */
        APPEND(true),
        /** the header length moved by a few bytes: always refused. */
        EDIT_LENGTH(true),
        /** a number in the architecture replaced, checksums left as they were: always refused. */
        ARCHITECTURE_STALE(true),
        /** white space added between JSON tokens of the header (length fixed): loads the same model. */
        WHITESPACE(false),
        /** one tensor's offset edited, checksums recomputed (a forger's file): refused. */
        FORGED_OFFSET(false),
        /** one tensor's shape edited, checksums recomputed: refused or (optimizer tensors) the same model. */
        FORGED_SHAPE(false),
        /** a number in the architecture replaced, checksums recomputed: refused or exactly the declared model. */
        FORGED_ARCHITECTURE(false),
        /** format, version, a metadata entry or a tensor name changed, checksums recomputed. */
        FORGED_METADATA(false);

        final boolean alwaysRefused;

        Kind(boolean alwaysRefused) {
            this.alwaysRefused = alwaysRefused;
        }
    }

    /** A mutated file and how it was made. */
    record Mutant(Kind kind, boolean withOptimizer, long seed, byte[] bytes, String description) {
        @Override
        public String toString() {
            return kind + (withOptimizer ? " (with optimizer)" : "") + " seed " + seed + ": " + description;
        }
    }

    private static final long[] NUMBERS = {0, 1, 2, 3, 5, 7, 8, 16, 255, 4096, 65_536, 100_000, 1_000_000,
        16_777_216, 16_777_217, 2_147_483_647L, 2_147_483_648L, -1, -7, 9_007_199_254_740_993L};

    private static final Base BASE = new Base();
    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** The two valid files the mutants come from, made once. */
    private static final class Base {
        final Path dir;
        final Sequential model;
        final Optimizer optimizer;
        final byte[] plain;
        final byte[] withOptimizer;

        Base() {
            try {
                dir = Files.createTempDirectory("jcnn-model-fuzz");
                dir.toFile().deleteOnExit();
                model = Sequential.builder(Shape.of(1, 8, 8)).conv2d(2, 3).batchNorm().relu()
                        .residual(b -> b.conv2d(2, 3, 1, Padding.SAME).batchNorm()).relu().maxPool(2)
                        .flatten().dropout(0.25).dense(2).softmax().seed(11).build();
                optimizer = Adam.config(0.01).create(model.parameters());
                model.fit(Synthetic.bars(8, 3), FitOptions.defaults().quiet().epochs(1).batchSize(4), optimizer);
                Path a = dir.resolve("plain.safetensors");
                model.save(a);
                plain = Files.readAllBytes(a);
                Path b = dir.resolve("optimizer.safetensors");
                model.save(b, optimizer);
                withOptimizer = Files.readAllBytes(b);
                Files.delete(a);
                Files.delete(b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ---- the properties ---------------------------------------------------------------------------------------

    @Provide
    Arbitrary<Mutant> mutants() {
        return Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.of(false, true),
                Arbitraries.longs()).as(ModelFileProperties::mutant);
    }

    @Property(tries = 1000)
    void everyMutantLoadsWhatItSaysOrIsRefusedNamingTheFile(@ForAll("mutants") Mutant mutant) throws IOException {
        check(mutant);
    }

    /** The opt-in long run: {@code -Djcnn.fuzz.mutants=20000} (the {@code fuzz} profile sets it). */
    @Example
    void manyMutants() throws IOException {
        int n = Integer.getInteger("jcnn.fuzz.mutants", 0);
        SplittableRandom random = new SplittableRandom(Long.getLong("jcnn.fuzz.seed", 20_261_130L));
        Kind[] kinds = Kind.values();
        for (int i = 0; i < n; i++) {
            check(mutant(kinds[random.nextInt(kinds.length)], random.nextBoolean(), random.nextLong()));
        }
    }

    @Example
    void theBaseFilesLoadAsTheyAre() throws IOException {
        for (byte[] bytes : List.of(BASE.plain, BASE.withOptimizer)) {
            Path file = write(bytes);
            assertThat(ModelFileBytes.sameModel(Sequential.load(file), BASE.model)).isTrue();
            Files.delete(file);
        }
    }

    private static Path write(byte[] bytes) throws IOException {
        Path file = BASE.dir.resolve("mutant-" + COUNTER.incrementAndGet() + ".safetensors");
        Files.write(file, bytes);
        return file;
    }

    /** Loads the mutant (and its optimizer state) and checks the outcome against what its kind allows. */
    private static void check(Mutant mutant) throws IOException {
        Path file = write(mutant.bytes());
        try {
            long budget = 16L * Math.max(mutant.bytes().length, BASE.withOptimizer.length) + (8 << 20);
            long before = ModelFileBytes.allocatedBytes();
            Sequential loaded = null;
            try {
                loaded = Sequential.load(file);
            } catch (FileFormatException e) {
                assertThat(e.getMessage()).as("%s", mutant).startsWith(file.getFileName() + ": ");
            }
            if (before >= 0) {
                assertThat(ModelFileBytes.allocatedBytes() - before).as("bytes allocated by %s", mutant)
                        .isLessThan(budget);
            }
            if (loaded != null) {
                if (mutant.kind().alwaysRefused) {
                    fail("loaded although it must be refused: " + mutant);
                }
                assertThat(ModelFileBytes.sameModel(loaded, BASE.model) || declaresWhatLoaded(mutant, loaded))
                        .as("loaded a model that is neither the original nor what the file declares: %s", mutant)
                        .isTrue();
                if (mutant.kind() == Kind.WHITESPACE) {
                    assertThat(ModelFileBytes.sameModel(loaded, BASE.model)).as("%s", mutant).isTrue();
                }
                if (mutant.withOptimizer()) {
                    try {
                        Optimizer restored = loaded.loadOptimizer(file, Adam.config(0.01));
                        assertThat(ModelFileBytes.sameState(restored, BASE.optimizer) || mutant.kind()
                                == Kind.FORGED_METADATA).as("optimizer state of %s", mutant).isTrue();
                    } catch (FileFormatException e) {
                        assertThat(e.getMessage()).as("%s", mutant).startsWith(file.getFileName() + ": ");
                        assertThat(mutant.kind()).as("%s", mutant).isNotEqualTo(Kind.WHITESPACE);
                    }
                }
            } else {
                assertThat(mutant.kind()).as("refused although harmless: %s", mutant).isNotEqualTo(Kind.WHITESPACE);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Whether a forged architecture loaded as exactly the model it declares (numbers compared as numbers). */
    private static boolean declaresWhatLoaded(Mutant mutant, Sequential loaded) throws IOException {
        if (mutant.kind() != Kind.FORGED_ARCHITECTURE && mutant.kind() != Kind.FORGED_METADATA) {
            return false;
        }
        String declared = SafeTensors.readMetadata(write(mutant.bytes())).get("architecture");
        return numbersAsDoubles(Json.parse(declared)).equals(
                numbersAsDoubles(Json.parse(Json.write(LayerCodec.architecture(loaded)))));
    }

    private static Object numbersAsDoubles(Object json) {
        if (json instanceof Number n) {
            return n.doubleValue();
        } else if (json instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, numbersAsDoubles(v)));
            return out;
        } else if (json instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(numbersAsDoubles(v)));
            return out;
        }
        return json;
    }

    // ---- making mutants ---------------------------------------------------------------------------------------

    static Mutant mutant(Kind kind, boolean withOptimizer, long seed) {
        byte[] base = withOptimizer ? BASE.withOptimizer : BASE.plain;
        SplittableRandom random = new SplittableRandom(seed);
        int headerLength = (int) ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int dataStart = 8 + headerLength;
        byte[] out = base.clone();
        String what;
        switch (kind) {
            case FLIP_HEADER:
            case FLIP_DATA: {
                int from = kind == Kind.FLIP_HEADER ? 8 : dataStart;
                int to = kind == Kind.FLIP_HEADER ? dataStart : base.length;
                int flips = 1 + random.nextInt(3);
                StringBuilder where = new StringBuilder();
                for (int i = 0; i < flips; i++) {
                    int at = random.nextInt(from, to);
                    int bit = random.nextInt(8);
                    out[at] ^= (byte) (1 << bit);
                    where.append(" byte ").append(at).append(" bit ").append(bit);
                }
                if (Arrays.equals(out, base)) {   // two flips of the same bit cancel: flip one more
                    out[from] ^= 1;
                    where.append(" byte ").append(from).append(" bit 0");
                }
                what = "flipped" + where;
                break;
            }
            case FLIP_LENGTH: {
                int bit = random.nextInt(64);
                out[bit / 8] ^= (byte) (1 << (bit % 8));
                what = "flipped bit " + bit + " of the header length";
                break;
            }
            case TRUNCATE: {
                int length = random.nextInt(base.length);
                out = Arrays.copyOf(base, length);
                what = "cut to " + length + " of " + base.length + " bytes";
                break;
            }
            case APPEND: {
                int extra = 1 + random.nextInt(random.nextBoolean() ? 8 : 4096);
                out = Arrays.copyOf(base, base.length + extra);
                for (int i = base.length; i < out.length; i++) {
                    out[i] = (byte) random.nextInt(256);
                }
                what = extra + " bytes appended";
                break;
            }
            case EDIT_LENGTH: {
                long delta = random.nextBoolean() ? random.nextInt(1, 17) * (random.nextBoolean() ? 1 : -1)
                        : random.nextLong();
                if (delta == 0) {
                    delta = 1;
                }
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerLength + delta);
                what = "header length " + headerLength + " + " + delta;
                break;
            }
            case WHITESPACE: {
                String header = new String(base, 8, headerLength, StandardCharsets.UTF_8);
                String spaced = addWhitespace(header, random);
                out = ModelFileBytes.file(spaced, Arrays.copyOfRange(base, dataStart, base.length));
                what = "header with white space: " + spaced.length() + " bytes instead of " + headerLength;
                break;
            }
            case ARCHITECTURE_STALE:
            case FORGED_ARCHITECTURE: {
                Map<String, Object> header = header(base, headerLength);
                Map<String, Object> meta = metadata(header);
                String architecture = (String) meta.get("architecture");
                List<int[]> numbers = new ArrayList<>();
                Matcher m = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?").matcher(architecture);
                while (m.find()) {
                    numbers.add(new int[] {m.start(), m.end()});
                }
                int[] pick = numbers.get(random.nextInt(numbers.size()));
                String old = architecture.substring(pick[0], pick[1]);
                String replacement = Long.toString(NUMBERS[random.nextInt(NUMBERS.length)]);
                if (replacement.equals(old)) {
                    replacement = replacement + "1";
                }
                meta.put("architecture", architecture.substring(0, pick[0]) + replacement
                        + architecture.substring(pick[1]));
                out = rebuilt(header, base, dataStart, kind == Kind.FORGED_ARCHITECTURE);
                what = "architecture number " + old + " at " + pick[0] + " -> " + replacement;
                break;
            }
            case FORGED_OFFSET: {
                Map<String, Object> header = header(base, headerLength);
                Map<?, ?> tensor = randomTensor(header, random);
                @SuppressWarnings("unchecked")
                List<Object> offsets = (List<Object>) tensor.get("data_offsets");
                int which = random.nextInt(2);
                long old = (Long) offsets.get(which);
                long value = random.nextBoolean() ? old + random.nextInt(1, 9) * (random.nextBoolean() ? 4 : -4)
                        : NUMBERS[random.nextInt(NUMBERS.length)];
                if (value == old) {
                    value = old + 4;
                }
                offsets.set(which, value);
                out = rebuilt(header, base, dataStart, true);
                what = "data_offsets[" + which + "] " + old + " -> " + value;
                break;
            }
            case FORGED_SHAPE: {
                Map<String, Object> header = header(base, headerLength);
                Map<?, ?> tensor = randomTensor(header, random);
                @SuppressWarnings("unchecked")
                List<Object> shape = (List<Object>) tensor.get("shape");
                String before = shape.toString();
                switch (random.nextInt(3)) {
                    case 0:
                        shape.add(1L);
                        break;
                    case 1:
                        shape.remove(random.nextInt(shape.size()));
                        break;
                    default:
                        int i = random.nextInt(shape.size());
                        long v = NUMBERS[random.nextInt(NUMBERS.length)];
                        shape.set(i, v == (Long) shape.get(i) ? v + 1 : v);
                        break;
                }
                out = rebuilt(header, base, dataStart, true);
                what = "shape " + before + " -> " + shape;
                break;
            }
            case FORGED_METADATA: {
                Map<String, Object> header = header(base, headerLength);
                Map<String, Object> meta = metadata(header);
                switch (random.nextInt(5)) {
                    case 0: {
                        String v = List.of("0", "1", "2", "3", "", "2.0", "02").get(random.nextInt(7));
                        meta.put("format_version", v);
                        what = "format_version " + v;
                        break;
                    }
                    case 1:
                        meta.put("format", "jcnm");
                        what = "format jcnm";
                        break;
                    case 2: {
                        String key = List.of("architecture", "format", "format_version", "optimizer")
                                .get(random.nextInt(4));
                        meta.remove(key);
                        what = "metadata " + key + " removed";
                        break;
                    }
                    case 3:
                        meta.put("notes", "an extra entry a later version might add");
                        what = "extra metadata entry";
                        break;
                    default: {
                        List<String> names = new ArrayList<>(header.keySet());
                        names.remove("__metadata__");
                        String name = names.get(random.nextInt(names.size()));
                        Map<String, Object> renamed = new LinkedHashMap<>();
                        header.forEach((k, v) -> renamed.put(k.equals(name) ? name + "x" : k, v));
                        header = renamed;
                        what = "tensor " + name + " renamed";
                        break;
                    }
                }
                out = rebuilt(header, base, dataStart, true);
                break;
            }
            default:
                throw new IllegalStateException(kind.toString());
        }
        return new Mutant(kind, withOptimizer, seed, out, what);
    }

    private static Map<String, Object> header(byte[] file, int headerLength) {
        return Json.parseObject(new String(file, 8, headerLength, StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metadata(Map<String, Object> header) {
        return (Map<String, Object>) header.get("__metadata__");
    }

    private static Map<?, ?> randomTensor(Map<String, Object> header, SplittableRandom random) {
        List<String> names = new ArrayList<>(header.keySet());
        names.remove("__metadata__");
        return (Map<?, ?>) header.get(names.get(random.nextInt(names.size())));
    }

    /** The file with this header and the base's data; with {@code reseal}, both checksums made right again. */
    private static byte[] rebuilt(Map<String, Object> header, byte[] base, int dataStart, boolean reseal) {
        byte[] data = Arrays.copyOfRange(base, dataStart, base.length);
        if (reseal) {
            Map<String, Object> meta = metadata(header);
            if (meta != null) {
                meta.put(SafeTensors.DATA_CRC32C, ModelFileBytes.crc(data));
                meta.put(SafeTensors.HEADER_CRC32C, ModelFileBytes.headerCrc(header));
            }
        }
        return ModelFileBytes.file(Json.write(header), data);
    }

    /** Inserts 1-8 runs of JSON white space next to structural characters outside strings. */
    private static String addWhitespace(String header, SplittableRandom random) {
        List<Integer> positions = new ArrayList<>();
        boolean inString = false;
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                    positions.add(i + 1);
                }
            } else if (c == '"') {
                inString = true;
                positions.add(i);
            } else if ("{}[],:".indexOf(c) >= 0) {
                positions.add(i);
                positions.add(i + 1);
            }
        }
        StringBuilder out = new StringBuilder(header);
        int runs = 1 + random.nextInt(8);
        List<Integer> chosen = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            chosen.add(positions.get(random.nextInt(positions.size())));
        }
        chosen.sort(null);
        for (int i = chosen.size() - 1; i >= 0; i--) {
            StringBuilder run = new StringBuilder();
            for (int k = 1 + random.nextInt(3); k > 0; k--) {
                run.append(" \n\t\r".charAt(random.nextInt(4)));
            }
            out.insert((int) chosen.get(i), run);
        }
        return out.toString();
    }
}
