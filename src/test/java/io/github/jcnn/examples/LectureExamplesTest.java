package io.github.jcnn.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs each lecture example ({@code examples/src/examples}) on its tiny setting, without real data, and checks the
 * numbers it prints and the pictures it writes: an API change that breaks an example fails the build.
 */
class LectureExamplesTest {

    @TempDir
    Path out;

    /** Runs a main with --tiny --out, returning what it printed with runs of spaces collapsed to one. */
    private String run(ThrowingMain main) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            main.run(new String[] {"--tiny", "--out", out.toString()});
        } finally {
            System.setOut(original);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text.replaceAll("[ \\t]+", " ").replaceAll("(?m)^ ", "");
    }

    interface ThrowingMain {
        void run(String[] args) throws Exception;
    }

    private void assertPngs(String... names) throws Exception {
        for (String name : names) {
            Path file = out.resolve(name);
            assertThat(file).exists();
            byte[] head = Files.readAllBytes(file);
            assertThat(head.length).as(name).isGreaterThan(100);
            assertThat(new String(head, 1, 3, StandardCharsets.US_ASCII)).as(name).isEqualTo("PNG");
        }
    }

    @Test
    void edgeDetection() throws Exception {
        String s = run(examples.EdgeDetection::main);
        assertThat(s).contains("0 30 30 0\n0 30 30 0\n0 30 30 0\n0 30 30 0\n");
        assertThat(s).contains("0 0 0 0\n30 30 30 30\n30 30 30 30\n0 0 0 0\n");
        assertThat(s).contains("a drawn 32x32 picture");
        assertPngs("original.png", "grey.png", "vertical-edges.png", "horizontal-edges.png");
    }

    @Test
    void paddingAndStride() throws Exception {
        String s = run(examples.PaddingAndStride::main);
        assertThat(s).contains("floor((6 + 0 - 3) / 1) + 1 4 4x4 ok");
        assertThat(s).contains("floor((6 + 2 - 3) / 1) + 1 6 6x6 ok");
        assertThat(s).contains("floor((6 + 0 - 3) / 2) + 1 2 2x2 ok");
        assertThat(s).contains("formula and Conv2D agree on every case");
        assertThat(s).contains("63 81\n153 171\n");
        assertPngs("padding.png", "stride.png");
    }

    @Test
    void rgbFilters() throws Exception {
        String s = run(examples.RgbFilters::main);
        assertThat(s).contains("0 30 30 0\n30 60 60 30\n30 60 60 30\n0 30 30 0\n");
        assertThat(s).contains("equals the sum of the three contributions: true");
        assertThat(s).contains("-> output (1, 2, 4, 4)");
        assertThat(s).contains("20 filters: 28 x 20 = 560");
        assertThat(s).contains("parameterCount() = 560");
        assertPngs("rgb-filter.png");
    }

    @Test
    void pooling() throws Exception {
        String s = run(examples.Pooling::main);
        assertThat(s).contains("max pooling (the largest number of each window):\n7 9\n7 7\n");
        assertThat(s).contains("window sums:\n38 51\n40 35\n");
        assertThat(s).contains("max pooling:\n5 9 8\n7 6 6\n6 7 4\n");
        assertPngs("pooling-3x3.png", "pooling-2x2.png");
    }

    @Test
    void backpropByHand() throws Exception {
        String s = run(examples.BackpropByHand::main);
        assertThat(s).contains("Conv2D (1x4 input, one 1x3 filter) returns O = (7, 4)");
        assertThat(s).contains("2 -1 1 0\n0 2 -1 1\n");
        assertThat(s).contains("3 1 2\n1 2 4\n");
        assertThat(s).contains("match: dO/dI true, dO/dW true");
        assertThat(s).contains("Conv2D.backward: (2, -5, 3, -2)");
        assertThat(s).contains("Conv2D's weight gradient: (1, -3, -6)");
        assertThat(s.split("all equal: true", -1)).hasSize(3);
    }

    @Test
    void gradientCheck() throws Exception {
        String s = run(examples.GradientCheck::main);
        assertThat(s).contains("all 19 checks pass");
        assertThat(s).contains("LeNet-5 (tanh + average pooling) max rel error");
        assertThat(s).containsPattern("LeNet-5 \\(ReLU \\+ max pooling\\): [1-9][0-9]* smooth numbers agree within"
                + " 1e-02: pass");
    }

    @Test
    void translationInvariance() throws Exception {
        String s = run(examples.TranslationInvariance::main);
        assertThat(s).containsPattern("\n0 1\\.000 1\\.000 1\\.000 ");
        assertThat(s).contains("the predicted class stays the same when shifted by:");
        assertPngs("shifted-inputs.png", "conv1-maps.png", "pool1-maps.png");
    }

    @Test
    void cnnVsFullyConnected() throws Exception {
        String s = run(examples.CnnVsFullyConnected::main);
        assertThat(s).contains("12,288 inputs; into 1,000 units: 12,288 x 1,000 + 1,000 = 12,289,000 parameters");
        assertThat(s).contains("3,000,000 x 1,000 + 1,000 = 3,000,001,000 parameters");
        assertThat(s).contains("fully connected 3072-512-128-4 1,639,556");
        assertThat(s).contains("LeNet-5 (conv-pool-conv-pool-3 FC) 61,496");
        assertPngs("accuracy.png");
    }
}
