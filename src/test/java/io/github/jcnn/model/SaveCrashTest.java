package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.tensor.Shape;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills (SIGKILL) a child JVM that saves two models in turn to one file, again and again, at random moments: after
 * every kill the file loads and equals one of the two models, at most the killed child's temporary file is left, and
 * the next save removes it. 4 kills in the default suite; {@code -Djcnn.crash.kills=N} (50 in the {@code fuzz}
 * profile) for more.
 */
class SaveCrashTest {

    @TempDir
    Path dir;

    /** The two models the child alternates between; the same bits in both JVMs. */
    static Sequential model(long seed) {
        return Sequential.builder(Shape.of(256)).dense(1024).relu().dense(512).seed(seed).build();
    }

    @Test
    void killsDuringSavesNeverLoseTheFileNorLeaveTemporaryFilesBehind() throws Exception {
        int kills = Integer.getInteger("jcnn.crash.kills", 4);
        Sequential a = model(1);
        Sequential b = model(2);
        Path target = dir.resolve("model.safetensors");
        a.save(target);
        SplittableRandom random = new SplittableRandom(Long.getLong("jcnn.fuzz.seed", 7));
        int midSave = 0;
        for (int k = 0; k < kills; k++) {
            Process child = new ProcessBuilder(javaCommand(), "-Xmx256m", "-cp", classPath(),
                    SaveCrashChild.class.getName(), target.toString()).redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line = out.readLine();   // "saving": the first save is done, the loop runs
                assertThat(line).as("child output").isEqualTo("saving");
                Thread.sleep(random.nextInt(150));
            } finally {
                child.destroyForcibly();   // SIGKILL on POSIX systems
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            Sequential loaded = Sequential.load(target);
            assertThat(ModelFileBytes.sameModel(loaded, a) || ModelFileBytes.sameModel(loaded, b))
                    .as("after kill %d the file holds one of the two models", k + 1).isTrue();
            List<Path> temps = temps(target);
            assertThat(temps).as("temporary files after kill %d", k + 1).hasSizeLessThanOrEqualTo(1);
            midSave += temps.size();
        }
        a.save(target);
        assertThat(temps(target)).as("temporary files after a save by a live process").isEmpty();
        assertThat(ModelFileBytes.sameModel(Sequential.load(target), a)).isTrue();
        System.out.printf("SaveCrashTest: %d kills, %d of them during a write (a temporary file was left)%n",
                kills, midSave);
    }

    private static List<Path> temps(Path target) throws IOException {
        try (Stream<Path> files = Files.list(target.getParent())) {
            return files.filter(p -> p.getFileName().toString().startsWith("." + target.getFileName() + ".jcnn-tmp-"))
                    .collect(Collectors.toList());
        }
    }

    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The test class path (Surefire hands the forked JVM a manifest-only jar; its real class path is here). */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isEmpty() ? surefire : System.getProperty("java.class.path");
    }
}
