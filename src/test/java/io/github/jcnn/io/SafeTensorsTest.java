package io.github.jcnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path dir;

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("0.weight", Tensor.of(Shape.of(2, 3), 1, 2, 3, 4, 5, -6.5f));
        t.put("0.bias", Tensor.of(Shape.of(2), 0.25f, Float.MIN_VALUE));
        t.put("big", Tensor.full(Shape.of(40_000), 3f));
        return t;
    }

    @Test
    void roundTripsTensorsAndMetadata() throws IOException {
        Path file = dir.resolve("m.safetensors");
        SafeTensors.write(file, sample(), Map.of("format", "jcnn", "architecture", "{\"a\":1}"));
        SafeTensors.Contents c = SafeTensors.read(file);
        assertThat(c.tensors().keySet()).containsExactly("0.weight", "0.bias", "big");
        for (Map.Entry<String, Tensor> e : sample().entrySet()) {
            assertThat(c.tensors().get(e.getKey()).shape()).isEqualTo(e.getValue().shape());
            assertThat(c.tensors().get(e.getKey()).toArray()).containsExactly(e.getValue().toArray());
        }
        assertThat(c.metadata()).containsEntry("format", "jcnn").containsEntry("architecture", "{\"a\":1}");
        assertThat(SafeTensors.readMetadata(file)).containsEntry("format", "jcnn");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);   // no temporary file left behind
        }
    }

    @Test
    void layoutIsTheSafetensorsSpecification() throws IOException {
        Path file = dir.resolve("m.safetensors");
        SafeTensors.write(file, Map.of("w", Tensor.of(Shape.of(2), 1f, -2f)), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertThat(n % 8).isZero();
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header.trim()).isEqualTo("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
        assertThat(bytes.length).isEqualTo(8 + n + 8);
        b.position((int) (8 + n));
        assertThat(b.getFloat()).isEqualTo(1f);
        assertThat(b.getFloat()).isEqualTo(-2f);
    }

    @Test
    void aFailedWriteLeavesThePreviousFileIntact() throws IOException {
        Path file = dir.resolve("m.safetensors");
        SafeTensors.write(file, sample(), Map.of("version", "old"));
        byte[] before = Files.readAllBytes(file);
        Map<String, Tensor> changed = sample();
        changed.put("big", Tensor.full(Shape.of(40_000), 9f));
        assertThatThrownBy(() -> SafeTensors.write(file, changed, Map.of("version", "new"), bytes -> {
            if (bytes > 1000) {
                throw new IOException("disk full (injected)");
            }
        })).hasMessageContaining("injected");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    private Path corrupt(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private byte[] valid() throws IOException {
        Path file = dir.resolve("valid.safetensors");
        SafeTensors.write(file, sample(), Map.of("k", "v"));
        return Files.readAllBytes(file);
    }

    private static byte[] withHeader(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    @Test
    void refusesAHugeHeaderLengthWithoutAllocating() throws IOException {
        byte[] bytes = valid();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Path file = corrupt("huge.safetensors", bytes);
        assertThatThrownBy(() -> SafeTensors.read(file)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("huge.safetensors").hasMessageContaining("header length 1099511627776")
                .hasMessageContaining("at byte 0");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        Path negative = corrupt("negative.safetensors", bytes);
        assertThatThrownBy(() -> SafeTensors.read(negative)).hasMessageContaining("18446744073709551615");
    }

    @Test
    void refusesTruncatedFiles() throws IOException {
        byte[] bytes = valid();
        Path tiny = corrupt("tiny.safetensors", Arrays.copyOf(bytes, 5));
        assertThatThrownBy(() -> SafeTensors.read(tiny)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("tiny.safetensors: the file is 5 bytes long");
        Path cut = corrupt("cut.safetensors", Arrays.copyOf(bytes, bytes.length - 10));
        assertThatThrownBy(() -> SafeTensors.read(cut)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("cut.safetensors").hasMessageContaining("truncated");
        Path cutHeader = corrupt("cuthead.safetensors", Arrays.copyOf(bytes, 40));
        assertThatThrownBy(() -> SafeTensors.read(cutHeader)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("header length");
    }

    @Test
    void refusesTrailingBytes() throws IOException {
        byte[] bytes = valid();
        Path longer = corrupt("long.safetensors", Arrays.copyOf(bytes, bytes.length + 4));
        assertThatThrownBy(() -> SafeTensors.read(longer)).hasMessageContaining("trailing bytes");
    }

    @Test
    void refusesCorruptHeaders() throws IOException {
        Path notJson = corrupt("a.safetensors", withHeader("{\"w\": {\"dtype\": \"F32\",, }}", 0));
        assertThatThrownBy(() -> SafeTensors.read(notJson)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("not a valid JSON object");
        Path f16 = corrupt("b.safetensors",
                withHeader("{\"w\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,4]}}", 4));
        assertThatThrownBy(() -> SafeTensors.read(f16)).hasMessageContaining("tensor 'w' has dtype F16 and shape [3]"
                + " (3 elements of 2 bytes = 6 bytes) but data_offsets [0, 4) span 4 bytes");
        Path i64 = corrupt("b2.safetensors",
                withHeader("{\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,4]}}", 4));
        assertThatThrownBy(() -> SafeTensors.read(i64)).hasMessageContaining("dtype I64 and shape []");
        Path noDtype = corrupt("b3.safetensors",
                withHeader("{\"n\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        assertThatThrownBy(() -> SafeTensors.read(noDtype)).hasMessageContaining("tensor 'n' needs a dtype string");
        Path wrongSize = corrupt("c.safetensors",
                withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        assertThatThrownBy(() -> SafeTensors.read(wrongSize)).hasMessageContaining("span 8 bytes");
        Path outside = corrupt("d.safetensors",
                withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,1099511627776]}}", 8));
        assertThatThrownBy(() -> SafeTensors.read(outside)).hasMessageContaining("outside the data section");
        Path overlap = corrupt("e.safetensors", withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        assertThatThrownBy(() -> SafeTensors.read(overlap)).hasMessageContaining("overlap");
        Path hugeShape = corrupt("f.safetensors", withHeader(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[100000,100000],\"data_offsets\":[0,8]}}", 8));
        assertThatThrownBy(() -> SafeTensors.read(hugeShape)).hasMessageContaining("more than");
        Path badMeta = corrupt("g.safetensors", withHeader("{\"__metadata__\":{\"v\":1}}", 0));
        assertThatThrownBy(() -> SafeTensors.read(badMeta)).hasMessageContaining("must be a string");
        byte[] notUtf8 = withHeader("{\"x\":1}", 0);
        notUtf8[9] = (byte) 0xff;
        Path binary = corrupt("h.safetensors", notUtf8);
        assertThatThrownBy(() -> SafeTensors.read(binary)).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void readsTheFloatDtypesAsFloatAndSkipsTheOthers() throws IOException {
        // data: F16 [1, -2, 65504, 2^-24, inf] (10 bytes) | BF16 [1, -3] (4) | F64 [0.1] (8) | I64 scalar 7 (8)
        //       | BOOL [2] (2) | an unknown dtype, 4 bytes (its extent cannot be checked but must still be covered)
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[10,14]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[14,22]},"
                + "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[22,30]},"
                + "\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[30,32]},"
                + "\"q\":{\"dtype\":\"Q4\",\"shape\":[8],\"data_offsets\":[32,36]}}";
        byte[] bytes = withHeader(header, 36);
        ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        data.position(8 + header.length());
        for (int half : new int[] {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00}) {
            data.putShort((short) half);
        }
        data.putShort((short) 0x3F80).putShort((short) 0xC040).putDouble(0.1).putLong(7).put((byte) 1).put((byte) 0)
                .putInt(-1);
        SafeTensors.Contents c = SafeTensors.read(corrupt("pytorch.safetensors", bytes));
        assertThat(c.tensors().keySet()).containsExactly("h", "b", "d");
        assertThat(c.tensors().get("h").toArray()).containsExactly(1f, -2f, 65504f, 0x1p-24f,
                Float.POSITIVE_INFINITY);
        assertThat(c.tensors().get("b").toArray()).containsExactly(1f, -3f);
        assertThat(c.tensors().get("d").shape()).isEqualTo(Shape.of(1, 1));
        assertThat(c.tensors().get("d").toArray()).containsExactly(0.1f);
        assertThat(c.skipped()).containsExactly(Map.entry("n", new SafeTensors.Skipped("I64", List.of())),
                Map.entry("m", new SafeTensors.Skipped("BOOL", List.of(2L))),
                Map.entry("q", new SafeTensors.Skipped("Q4", List.of(8L))));
    }

    @Test
    void everyHalfConvertsToTheFloatOfItsValue() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int sign = bits >> 15;
            int exponent = (bits >> 10) & 0x1F;
            int fraction = bits & 0x3FF;
            float actual = SafeTensors.halfToFloat((short) bits);
            if (exponent == 0x1F) {
                assertThat(fraction == 0 ? Float.isInfinite(actual) : Float.isNaN(actual)).as("bits %x", bits)
                        .isTrue();
                continue;
            }
            // value = (-1)^sign * 2^(exponent - 15) * (1 + fraction / 1024), or fraction * 2^-24 when exponent is 0
            double value = exponent == 0 ? fraction * Math.pow(2, -24)
                    : Math.pow(2, exponent - 15) * (1 + fraction / 1024.0);
            double expected = sign == 1 ? -value : value;
            assertThat((double) actual).as("bits %x", bits).isEqualTo(expected);
            assertThat(Float.floatToRawIntBits(actual) >>> 31).as("sign of bits %x", bits).isEqualTo(sign);
        }
    }
}
