package io.github.jcnn.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Builds small data files in the real formats for the unit tests. */
final class TestFiles {

    private TestFiles() {
    }

    /** CIFAR-10 records: label of record r is labels[r]; pixel byte p of record r is (r * 7 + p) mod 256. */
    static byte[] cifarBatch(int[] labels) {
        byte[] out = new byte[labels.length * 3073];
        for (int r = 0; r < labels.length; r++) {
            out[r * 3073] = (byte) labels[r];
            for (int p = 0; p < 3072; p++) {
                out[r * 3073 + 1 + p] = (byte) pixel(r, p);
            }
        }
        return out;
    }

    static int pixel(int record, int position) {
        return (record * 7 + position) & 0xFF;
    }

    static final String META = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";

    /** A cifar-10-batches-bin folder under dir with {@code perBatch} records per file; returns the folder. */
    static Path cifarFolder(Path dir, int perBatch) throws IOException {
        Path folder = dir.resolve("cifar-10-batches-bin");
        Files.createDirectories(folder);
        for (Map.Entry<String, byte[]> e : cifarFiles(perBatch).entrySet()) {
            Files.write(folder.resolve(e.getKey()), e.getValue());
        }
        return folder;
    }

    /** File name to content; batch b (0..4 train, 5 test) has labels (b + r) mod 10. */
    static Map<String, byte[]> cifarFiles(int perBatch) {
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        files.put("batches.meta.txt", META.getBytes(StandardCharsets.US_ASCII));
        String[] names = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
            "data_batch_5.bin", "test_batch.bin"};
        for (int b = 0; b < names.length; b++) {
            int[] labels = new int[perBatch];
            for (int r = 0; r < perBatch; r++) {
                labels[r] = (b + r) % 10;
            }
            files.put(names[b], cifarBatch(labels));
        }
        return files;
    }

    /** A tar archive (ustar) of the given entries under prefix/, gzip'ed when asked. */
    static byte[] tar(Map<String, byte[]> entries, String prefix, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStream out = gzip ? new GZIPOutputStream(bytes) : bytes;
        out.write(header(prefix, 0, '5'));
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            out.write(header(prefix + e.getKey(), e.getValue().length, '0'));
            out.write(e.getValue());
            out.write(new byte[(512 - e.getValue().length % 512) % 512]);
        }
        out.write(new byte[1024]);
        out.close();
        return bytes.toByteArray();
    }

    static byte[] header(String name, long size, char type) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, "00000000000");
        h[156] = (byte) type;
        put(h, 257, "ustar");
        h[262] = 0;
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }

    /** An idx file: magic, the given ints, then the data. */
    static byte[] idx(int magic, int[] sizes, byte[] data) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 * sizes.length + data.length);
        b.putInt(magic);
        for (int s : sizes) {
            b.putInt(s);
        }
        b.put(data);
        return b.array();
    }

    /** A copy of a tar archive whose header at {@code headerOffset} declares {@code size} (octal), checksum fixed. */
    static byte[] withDeclaredSize(byte[] tar, int headerOffset, long size) {
        byte[] copy = tar.clone();
        byte[] h = java.util.Arrays.copyOfRange(copy, headerOffset, headerOffset + 512);
        put(h, 124, String.format("%011o", size));
        h[135] = 0;
        fixChecksum(h);
        System.arraycopy(h, 0, copy, headerOffset, 512);
        return copy;
    }

    /** Recomputes a tar header's checksum after an edit. */
    static void fixChecksum(byte[] h) {
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        h[155] = ' ';
    }

    /** The byte offset of the tar header of the entry whose name ends with {@code suffix}, or -1. */
    static int headerOffset(byte[] tar, String suffix) {
        for (int at = 0; at + 512 <= tar.length; ) {
            String name = new String(tar, at, 100, StandardCharsets.US_ASCII).replace("\0", "");
            if (name.isEmpty()) {
                return -1;
            }
            if (name.endsWith(suffix)) {
                return at;
            }
            long size = Long.parseLong(new String(tar, at + 124, 11, StandardCharsets.US_ASCII), 8);
            at += 512 + (int) ((size + 511) / 512 * 512);
        }
        return -1;
    }

    /**
     * A hostile gzip file: a valid gzip member of {@code data} whose trailer's ISIZE is replaced by {@code isize}
     * (so it "claims" that decompressed length).
     */
    static byte[] gzipClaiming(byte[] data, long isize) throws IOException {
        byte[] gz = gzip(data);
        java.nio.ByteBuffer.wrap(gz, gz.length - 4, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt((int) isize);
        return gz;
    }

    /**
     * The bytes this thread has allocated so far (com.sun.management.ThreadMXBean#getThreadAllocatedBytes), called
     * reflectively because the tests are compiled inside the library's module, which reads no management module.
     */
    static long allocatedBytes() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            Class<?> type = Class.forName("com.sun.management.ThreadMXBean");
            return (Long) type.getMethod("getThreadAllocatedBytes", long.class).invoke(bean,
                    Thread.currentThread().getId());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot measure allocation on this JVM", e);
        }
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }
}
