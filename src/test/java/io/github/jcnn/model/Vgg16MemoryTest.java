package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Opt-in (about 10-30 s): VGG-16 builds and predicts one 224 x 224 image in a child JVM limited to 800 MB of heap
 * (its weights alone are 553 MB), and allocates no gradient. Run with
 * {@code mvn -B -o test -Dtest=Vgg16MemoryTest -Djcnn.vgg16=true}.
 */
@EnabledIfSystemProperty(named = "jcnn.vgg16", matches = "true")
class Vgg16MemoryTest {

    @Test
    void vgg16BuildsAndPredictsOneImageIn800Megabytes() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = "target/classes" + File.pathSeparator + "target/test-classes";
        Process child = new ProcessBuilder(List.of(java, "-Xmx800m", "-cp", classPath, Vgg16Check.class.getName()))
                .redirectErrorStream(true).start();
        boolean done = child.waitFor(10, TimeUnit.MINUTES);
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println("VGG-16 in -Xmx800m: " + output.trim());
        assertThat(done).as("finished within 10 minutes").isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output).contains("ok parameters=138357544").contains("grads=0");
        assertThat(output).containsPattern("sum=1\\.0000|sum=0\\.9999");
    }
}
