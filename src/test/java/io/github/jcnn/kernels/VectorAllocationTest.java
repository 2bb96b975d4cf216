package io.github.jcnn.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The vector reductions (loops that carry a running vector from one step to the next) allocate nothing once C2 has
 * compiled them, even when C2 compiles without the receiver classes the program recorded. A child JVM with the Vector
 * API, {@code -XX:TypeProfileWidth=0} (no such records, for every method) and {@code -Xbatch} (each compile finished
 * before the program goes on) warms each kernel up, then counts the bytes its thread allocates over 2,000 more calls. A
 * loop written {@code s0 = s0.add(v0)} allocates about 12 KB per call there (C2 cannot inline {@code add} on a
 * vector whose class it does not know, and the vectors become objects); written {@code s0 = v0.add(s0)} it allocates
 * nothing. See {@link VectorElementwise}.
 *
 * <p>Max pooling's vector kernel follows the same rule but is not measured here: on JDK 17 without those records C2
 * also loses the exact class of a blend's result and boxes it for the store (about 2 KB per 32x32 plane), which the
 * order of operands cannot change; JDK 25 compiles it without allocating. Without the flag, JDK 17 has compiled it
 * without allocating in every JVM measured ({@code bench/allocation}, docs/performance.md).
 */
class VectorAllocationTest {

    /** At most this many bytes over a kernel's 2,000 measured calls: nothing per call, with room for a stray object. */
    private static final long SLACK = 16_384;

    @Test
    void loopCarriedVectorsStayInRegistersWithoutTypeProfiles() throws Exception {
        Map<String, Long> bytes = child("--add-modules", "jdk.incubator.vector", "-XX:TypeProfileWidth=0", "-Xbatch");
        assertThat(bytes).containsOnlyKeys(Child.KERNELS);
        assertThat(bytes).allSatisfy((kernel, allocated) -> assertThat(allocated)
                .as("bytes allocated by 2,000 calls of %s after warm-up (all: %s)", kernel, bytes)
                .isLessThanOrEqualTo(SLACK));
    }

    private static Map<String, Long> child(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(options));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("child finished").isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        Map<String, Long> bytes = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            String[] words = line.trim().split(" ");
            if (words.length == 3 && words[0].equals("allocated")) {
                bytes.put(words[1], Long.parseLong(words[2]));
            }
        }
        return bytes;
    }

    /** Warms each kernel up, then prints "allocated KERNEL BYTES" for 2,000 more calls. */
    public static final class Child {
        static final String[] KERNELS = {"sum", "squaredDeviations", "sumAndDot", "normalizedSums", "firstNonFinite"};

        public static void main(String[] args) {
            if (!Simd.VECTOR) {
                throw new IllegalStateException("the child was started without the Vector API");
            }
            float[] x = new float[1024];
            float[] g = new float[1024];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i * 37 % 101) / 50f - 1;
                g[i] = (i * 53 % 89) / 40f - 1;
            }
            double[] out = new double[2];
            double[] sink = new double[1];
            Runnable[] kernels = {
                () -> sink[0] += Elementwise.sum(x, 0, x.length),
                () -> sink[0] += Elementwise.squaredDeviations(x, 0, x.length, 0.25),
                () -> Elementwise.sumAndDot(x, g, 0, x.length, out),
                () -> Elementwise.normalizedSums(g, 0, x, 0, x.length, 1.5f, -0.5f, out),
                () -> sink[0] += Elementwise.firstNonFinite(x, 0, x.length),
            };
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long self = Thread.currentThread().getId();
            for (int k = 0; k < kernels.length; k++) {
                for (int i = 0; i < 20_000; i++) {
                    kernels[k].run();
                }
                long before = threads.getThreadAllocatedBytes(self);
                for (int i = 0; i < 2_000; i++) {
                    kernels[k].run();
                }
                long allocated = threads.getThreadAllocatedBytes(self) - before;
                System.out.println("allocated " + KERNELS[k] + " " + allocated);
            }
            System.out.println("sink " + sink[0] + " " + out[0]);
        }
    }
}
