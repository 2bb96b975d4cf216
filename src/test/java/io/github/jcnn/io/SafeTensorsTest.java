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
        java.util.zip.CRC32C data = new java.util.zip.CRC32C();
        data.update(bytes, (int) (8 + n), 8);
        assertThat(header.trim()).startsWith("{\"__metadata__\":{\"data_crc32c\":\""
                + String.format("%08x", data.getValue()) + "\",\"header_crc32c\":\"")
                .endsWith("\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
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
                withHeader("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
        assertThatThrownBy(() -> SafeTensors.read(f16)).hasMessageContaining("dtype F16; only F32");
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
}
