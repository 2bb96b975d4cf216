package io.github.jcnn.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Which GEMM runs: the vector GEMM exactly when the JVM has the incubating Vector API and nobody switched it off, the
 * loops otherwise, and the library works either way (a child JVM without the module computes a product).
 */
class SimdTest {

    @Test
    void theVectorGemmIsUsedWhenTheJvmHasTheModule() {
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        boolean off = "false".equalsIgnoreCase(System.getProperty("jcnn.vector"));
        assertThat(Gemm.vectorized()).as(Gemm.implementation()).isEqualTo(module && !off);
        assertThat(Gemm.implementation()).contains(Gemm.vectorized() ? "vector GEMM" : "auto-vectorised");
    }

    /** The vector max pool runs wherever the vector GEMM does and vectors hold sixteen floats (its check passed). */
    @Test
    void theVectorMaxPoolIsUsedWithTheVectorGemmOnSixteenFloatVectors() {
        boolean wide = module() && jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() >= 16;
        assertThat(Pooling.VECTOR).isEqualTo(Gemm.vectorized() && wide);
    }

    private static boolean module() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    @Test
    void withoutTheModuleTheLoopsRunAndSayHowToGetTheVectorGemm() throws Exception {
        String output = child();
        assertThat(output).contains("auto-vectorised GEMM (start the JVM with --add-modules jdk.incubator.vector")
                .contains("product ok");
    }

    @Test
    void thePropertySwitchesTheVectorGemmOff() throws Exception {
        String output = child("--add-modules", "jdk.incubator.vector", "-Djcnn.vector=false");
        assertThat(output).contains("auto-vectorised GEMM (-Djcnn.vector=false)").contains("product ok");
    }

    private static String child(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(options));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("child finished").isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    /** Prints the implementation and checks one product against the reference. */
    public static final class Child {
        public static void main(String[] args) {
            System.out.println(Gemm.implementation());
            float[] a = {1, 2, 3, 4, 5, 6};
            float[] b = {7, 8, 9, 10, 11, 12};
            float[] c = new float[4];
            Gemm.multiply(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2);
            // [1 2 3; 4 5 6] . [7 8; 9 10; 11 12] = [58 64; 139 154]
            boolean ok = c[0] == 58 && c[1] == 64 && c[2] == 139 && c[3] == 154
                    && Elementwise.sum(a, 0, 6) == 21 && Elementwise.dot(a, b, 1, 6) == 2 * 8 + 3 * 9 + 4 * 10 + 5 * 11 + 6 * 12;
            // one plane of 2 x 16: eight windows, the winners' indices and values
            float[] x = new float[32];
            for (int i = 0; i < 32; i++) {
                x[i] = (i * 7) % 11;
            }
            float[] y = new float[8];
            int[] where = new int[8];
            Pooling.maxPool2x2(x, y, where, 0, 1, 2, 16);
            for (int j = 0; j < 8; j++) {
                int best = 2 * j;
                for (int e : new int[] {2 * j + 1, 2 * j + 16, 2 * j + 17}) {
                    best = x[e] > x[best] ? e : best;
                }
                ok &= where[j] == best && y[j] == x[best];
            }
            System.out.println(ok ? "product ok" : "product wrong: " + java.util.Arrays.toString(c));
        }
    }
}
