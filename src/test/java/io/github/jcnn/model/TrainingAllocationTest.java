package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A training step allocates nothing per chunk of 32 samples: what it allocates does not grow with the batch.
 *
 * <p>The data-parallel step runs each chunk through its own replica of the layers; every buffer is kept from step to
 * step, and no layer call on that path makes an object (no task object for {@code Parallel.forRange}, no tensor
 * view, no shape, no iterator). {@link TrainingAllocationChild} counts the bytes every thread allocates per step at
 * batch 64 (2 chunks) and at batch 256 (8 chunks); this test asks for the same figure within {@value #SLACK} bytes,
 * where each chunk used to cost 2.5 to 6 KB. The child runs in the interpreter ({@code -Xint}), so that an object
 * made per chunk is counted even where the JIT would have removed it, and without the Vector API, whose vectors are
 * objects until the JIT compiles them.
 */
class TrainingAllocationTest {

    /** Bytes per step that batch 256 may allocate beyond batch 64. */
    private static final long SLACK = 64;

    @ParameterizedTest
    @ValueSource(strings = {"batchnorm", "lenet", "residual"})
    void aTrainingStepAllocatesTheSameAtEveryBatchSize(String network) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String surefire = System.getProperty("surefire.test.class.path");
        String classPath = surefire != null && !surefire.isEmpty() ? surefire : System.getProperty("java.class.path");
        Path log = Files.createTempFile("jcnn-allocation-", ".txt");
        try {
            Process child = new ProcessBuilder(List.of(java, "-Xint", "-Djcnn.vector=false", "-Xmx512m", "-cp",
                    classPath, TrainingAllocationChild.class.getName(), network)).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!child.waitFor(300, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                throw new AssertionError("the child measuring " + network + " did not finish in 300 s");
            }
            String output = Files.readString(log, StandardCharsets.UTF_8).trim();
            assertThat(child.exitValue()).as("child output: %s", output).isZero();
            check(network, output);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** The child's last line, "bytes at 64, bytes at 256", within {@link #SLACK}. */
    private static void check(String network, String output) {
        Assumptions.assumeFalse(output.endsWith("unsupported"), "this JVM has no per-thread allocation counters");
        String[] bytes = output.split("\\s+");
        long small = Long.parseLong(bytes[bytes.length - 2]);
        long large = Long.parseLong(bytes[bytes.length - 1]);
        System.out.printf("%s: %d bytes per step at batch 64, %d at batch 256%n", network, small, large);
        assertThat(large).as("bytes per step at batch 256 (8 chunks) against %d at batch 64 (2 chunks)", small)
                .isLessThanOrEqualTo(small + SLACK);
    }
}
