package io.github.jcnn;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library as a module, seen from an application module that only says {@code requires io.github.jcnn}: the
 * exported API hands out {@code BufferedImage}, so {@code module-info} must pass {@code java.desktop} on
 * ({@code requires transitive}); without it this application does not compile. Runs the JDK's {@code javac} (the
 * tests run inside the library's module, which does not read {@code java.compiler}).
 */
class ModuleConsumerTest {

    @TempDir
    Path temp;

    @Test
    void anApplicationModuleUsesTheImageApiWithOnlyRequiresJcnn() throws Exception {
        Path library = Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(library.resolve("module-info.class")).as("the library compiled as a module").exists();
        Path src = temp.resolve("src");
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("module-info.java"), "module app {\n    requires io.github.jcnn;\n}\n");
        Files.writeString(src.resolve("app/Main.java"), String.join("\n",
                "package app;",
                "",
                "import io.github.jcnn.data.Images;",
                "import java.awt.image.BufferedImage;",
                "",
                "public class Main {",
                "    public static void main(String[] args) {",
                "        BufferedImage big = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);",
                "        BufferedImage small = Images.resize(big, 4, 4);",
                "        System.out.println(small.getWidth());",
                "    }",
                "}",
                ""));

        Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
        assertThat(javac).as("a JDK's javac").exists();
        Process process = new ProcessBuilder(List.of(javac.toString(), "-Xlint:all", "--release", "17",
                "--module-path", library.toString(), "-d", temp.resolve("out").toString(),
                src.resolve("module-info.java").toString(), src.resolve("app/Main.java").toString()))
                .redirectErrorStream(true).start();
        String messages = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();

        assertThat(exit).as("compiling the application module:%n%s", messages).isZero();
        assertThat(messages).as("compiler messages").isEmpty();
        assertThat(temp.resolve("out/app/Main.class")).exists();
    }

    /**
     * The vector GEMM from a named module: jcnn's descriptor does not require the incubating module (so that
     * applications compile without a warning), and the library adds the read edge itself when the JVM has it.
     */
    @Test
    void anApplicationModuleGetsTheVectorGemmWithTheJvmFlagOnly() throws Exception {
        Path library = Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path src = temp.resolve("src2");
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("module-info.java"), "module app {\n    requires io.github.jcnn;\n}\n");
        Files.writeString(src.resolve("app/Main.java"), String.join("\n",
                "package app;",
                "",
                "import io.github.jcnn.kernels.Gemm;",
                "",
                "public class Main {",
                "    public static void main(String[] args) {",
                "        float[] c = new float[1];",
                "        Gemm.multiply(false, false, 1, 1, 2, new float[] {1, 2}, 0, 2, new float[] {3, 4}, 0, 1, c, 0, 1);",
                "        System.out.println(Gemm.implementation() + \" \" + c[0]);",
                "    }",
                "}",
                ""));
        Path out = temp.resolve("out2");
        Path bin = Path.of(System.getProperty("java.home"), "bin");
        Process javac = new ProcessBuilder(List.of(bin.resolve("javac").toString(), "--release", "17",
                "--module-path", library.toString(), "-d", out.toString(),
                src.resolve("module-info.java").toString(), src.resolve("app/Main.java").toString()))
                .redirectErrorStream(true).start();
        String messages = new String(javac.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(javac.waitFor()).as("compiling:%n%s", messages).isZero();
        String path = library + java.io.File.pathSeparator + out;
        assertThat(run(bin, "--add-modules", "jdk.incubator.vector", "--module-path", path, "-m", "app/app.Main"))
                .contains("vector GEMM (jdk.incubator.vector").contains(" 11.0");
        assertThat(run(bin, "--module-path", path, "-m", "app/app.Main"))
                .contains("auto-vectorised GEMM").contains(" 11.0");
    }

    private static String run(Path bin, String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(bin.resolve("java").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        return output;
    }
}
