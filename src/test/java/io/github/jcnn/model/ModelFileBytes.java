package io.github.jcnn.model;

import io.github.jcnn.io.Json;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.optim.OptimizerState;
import io.github.jcnn.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/** Builds model-file bytes by hand (independently of SafeTensors' writer) and compares models; for the file tests. */
final class ModelFileBytes {

    private ModelFileBytes() {
    }

    /** One tensor entry of a hand-made header. */
    record Entry(String name, String dtype, int[] shape, long begin, long end) {
    }

    /** The entries of {@code tensors} laid out one after another, as the writer does. */
    static List<Entry> entries(Map<String, Tensor> tensors) {
        List<Entry> out = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long end = offset + 4L * e.getValue().size();
            out.add(new Entry(e.getKey(), "F32", e.getValue().shape().dims(), offset, end));
            offset = end;
        }
        return out;
    }

    /** The header JSON (compact, unpadded) for this metadata and these entries. */
    static String header(Map<String, String> metadata, List<Entry> entries) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            json.put("__metadata__", metadata);
        }
        for (Entry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dtype", e.dtype());
            m.put("shape", e.shape());
            m.put("data_offsets", new long[] {e.begin(), e.end()});
            json.put(e.name(), m);
        }
        return Json.write(json);
    }

    /** The file: 8-byte length, the header as given (no padding added), the data. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array();
    }

    /** The tensors' float32 numbers, little-endian, one after another. */
    static byte[] data(Map<String, Tensor> tensors) {
        int n = 0;
        for (Tensor t : tensors.values()) {
            n += t.size() * 4;
        }
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : tensors.values()) {
            for (float f : t.data()) {
                b.putFloat(f);
            }
        }
        return b.array();
    }

    /** CRC32C as the metadata stores it: 8 lowercase hex digits. */
    static String crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return String.format("%08x", crc.getValue());
    }

    /**
     * The header checksum computed from docs/model-format.md's description of the canonical form (u64 little-endian
     * numbers, strings as u64 UTF-8 length + bytes; metadata count and entries without the two checksum keys; tensor
     * count and each tensor's name, dtype, rank, dimensions, begin, end), not with the library's code.
     */
    static String headerCrc(Map<String, String> metadata, List<Entry> entries) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        List<Map.Entry<String, String>> meta = new ArrayList<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (!e.getKey().equals(SafeTensors.DATA_CRC32C) && !e.getKey().equals(SafeTensors.HEADER_CRC32C)) {
                meta.add(e);
            }
        }
        u64(out, meta.size());
        for (Map.Entry<String, String> e : meta) {
            str(out, e.getKey());
            str(out, e.getValue());
        }
        u64(out, entries.size());
        for (Entry e : entries) {
            str(out, e.name());
            str(out, e.dtype());
            u64(out, e.shape().length);
            for (int d : e.shape()) {
                u64(out, d);
            }
            u64(out, e.begin());
            u64(out, e.end());
        }
        return crc(out.toByteArray());
    }

    /**
     * The header checksum of a parsed header (a map as {@code Json.parseObject} gives it; dimensions and offsets as
     * Long), by the same documented definition; for forged files whose header does not come from {@link #entries}.
     */
    static String headerCrc(Map<String, Object> header) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Object rawMeta = header.getOrDefault("__metadata__", Map.of());
        List<Map.Entry<?, ?>> meta = new ArrayList<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) rawMeta).entrySet()) {
            if (!e.getKey().equals(SafeTensors.DATA_CRC32C) && !e.getKey().equals(SafeTensors.HEADER_CRC32C)) {
                meta.add(e);
            }
        }
        u64(out, meta.size());
        for (Map.Entry<?, ?> e : meta) {
            str(out, String.valueOf(e.getKey()));
            str(out, String.valueOf(e.getValue()));
        }
        u64(out, header.size() - (header.containsKey("__metadata__") ? 1 : 0));
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            Map<?, ?> t = (Map<?, ?>) e.getValue();
            str(out, e.getKey());
            str(out, String.valueOf(t.get("dtype")));
            List<?> shape = (List<?>) t.get("shape");
            u64(out, shape.size());
            for (Object d : shape) {
                u64(out, ((Number) d).longValue());
            }
            List<?> offsets = (List<?>) t.get("data_offsets");
            u64(out, ((Number) offsets.get(0)).longValue());
            u64(out, ((Number) offsets.get(1)).longValue());
        }
        return crc(out.toByteArray());
    }

    private static void u64(java.io.ByteArrayOutputStream out, long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    private static void str(java.io.ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(out, b.length);
        out.writeBytes(b);
    }

    /** Metadata with fresh, correct checksums for these entries and data (a forger's file). */
    static Map<String, String> sealed(Map<String, String> metadata, List<Entry> entries, byte[] data) {
        Map<String, String> out = new LinkedHashMap<>(metadata);
        out.remove(SafeTensors.DATA_CRC32C);
        out.remove(SafeTensors.HEADER_CRC32C);
        out.put(SafeTensors.DATA_CRC32C, crc(data));
        out.put(SafeTensors.HEADER_CRC32C, headerCrc(out, entries));
        return out;
    }

    /** Whether two models have the same architecture, seed, and bit-identical parameters and buffers. */
    static boolean sameModel(Sequential a, Sequential b) {
        if (!Json.write(LayerCodec.architecture(a)).equals(Json.write(LayerCodec.architecture(b)))) {
            return false;
        }
        for (int i = 0; i < a.layers().size(); i++) {
            List<Parameter> pa = new ArrayList<>(a.layers().get(i).parameters());
            pa.addAll(a.layers().get(i).buffers());
            List<Parameter> pb = new ArrayList<>(b.layers().get(i).parameters());
            pb.addAll(b.layers().get(i).buffers());
            for (int k = 0; k < pa.size(); k++) {
                if (!sameBits(pa.get(k).value(), pb.get(k).value())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether two optimizers hold the same state (type, values, bit-identical tensors). */
    static boolean sameState(Optimizer a, Optimizer b) {
        OptimizerState sa = a.state();
        OptimizerState sb = b.state();
        if (!sa.type().equals(sb.type()) || !sa.values().equals(sb.values())
                || !sa.tensors().keySet().equals(sb.tensors().keySet())) {
            return false;
        }
        for (String k : sa.tensors().keySet()) {
            if (!sameBits(sa.tensors().get(k), sb.tensors().get(k))) {
                return false;
            }
        }
        return true;
    }

    static boolean sameBits(Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) {
            return false;
        }
        int[] x = new int[a.size()];
        int[] y = new int[b.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.floatToRawIntBits(a.data()[i]);
            y[i] = Float.floatToRawIntBits(b.data()[i]);
        }
        return Arrays.equals(x, y);
    }

    /**
     * Bytes allocated by the current thread so far (HotSpot's com.sun.management counter, reached by reflection
     * because the tests compile inside the library's module), or -1 where the JVM cannot tell.
     */
    static long allocatedBytes() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            Class<?> sun = Class.forName("com.sun.management.ThreadMXBean");
            if (!sun.isInstance(bean)) {
                return -1;
            }
            return (Long) sun.getMethod("getThreadAllocatedBytes", long.class).invoke(bean,
                    Thread.currentThread().getId());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }
}
