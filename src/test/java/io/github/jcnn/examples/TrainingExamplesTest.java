package io.github.jcnn.examples;

import static org.assertj.core.api.Assertions.assertThat;

import examples.LeNetCifar10;
import examples.MnistLeNet;
import examples.ModernCifar10;
import examples.PredictImage;
import examples.Saliency;
import examples.VisualizeFilters;
import io.github.jcnn.model.Sequential;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the training examples as the build's smoke test: each main with {@code --tiny --out <temp>}, on small synthetic
 * data sets written in the real CIFAR-10 and MNIST file formats (so the real loaders are exercised), then checks the
 * key lines of the output and that the pictures and model files exist.
 */
class TrainingExamplesTest {

    @TempDir
    Path out;

    /** Runs a main and returns what it printed. */
    private static String run(ThrowingMain main, String... args) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            main.run(args);
        } finally {
            System.setOut(original);
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);
        original.print(printed);
        return printed;
    }

    @FunctionalInterface
    private interface ThrowingMain {
        void run(String[] args) throws Exception;
    }

    private static void assertPng(Path file) throws Exception {
        assertThat(file).exists();
        byte[] head = new byte[8];
        try (var in = Files.newInputStream(file)) {
            assertThat(in.read(head)).isEqualTo(8);
        }
        assertThat(head).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }

    @Test
    void leNetCifar10RunsEveryStepOfTheExercise() throws Exception {
        String printed = run(LeNetCifar10::main, "--tiny", "--out", out.toString());

        assertThat(printed)
                .contains("1. Load: 300 training and 100 test images")
                .contains("2. Analyze", "airplane", "channel")
                .contains("3. Prepare", "200 images to train on, 100 for validation")
                .contains("Total parameters: 62,006")
                .contains("CONV 1", "(5 x 5 x 3 + 1) x 6")
                .contains("Epoch 2/2", "val acc")
                .contains("6. Summarize: test accuracy")
                .contains("actual \\ predicted")
                .contains("8. Predict a new image", "1. ", "2. ", "3. ");
        for (String png : new String[] {"samples.png", "loss.png", "accuracy.png", "confusion.png", "new-image.png"}) {
            assertPng(out.resolve(png));
        }
        Sequential model = Sequential.load(out.resolve("lenet5.safetensors"));
        assertThat(model.parameterCount()).isEqualTo(62_006);
    }

    @Test
    void leNetCifar10WithoutValidationTrainsAndKeepsTheBestTrainingEpoch() throws Exception {
        String printed = run(LeNetCifar10::main, "--tiny", "--validation", "0", "--out", out.toString());

        assertThat(printed).contains("300 images to train on, 0 for validation")
                .contains("Epoch 2/2")
                .contains("best training accuracy")
                .contains("6. Summarize: test accuracy");
        assertThat(out.resolve("lenet5.safetensors")).exists();
    }

    @Test
    void saliencyDrawsTheInputGradientOfTestImages() throws Exception {
        String printed = run(Saliency::main, "--tiny", "--images", "3", "--out", out.toString());

        assertThat(printed).contains("Model ")
                .containsPattern("test image 0 \\(\\w+\\): predicted \\w+; largest \\|dL/dx\\| \\d")
                .contains("test image 2 (")
                .contains("the loss of the predicted classes");
        for (String png : new String[] {"saliency-0.png", "saliency-1.png", "saliency-2.png", "saliency.png"}) {
            assertPng(out.resolve(png));
        }
        java.awt.image.BufferedImage pair = javax.imageio.ImageIO.read(out.resolve("saliency-0.png").toFile());
        assertThat(pair.getWidth()).isGreaterThan(2 * 32 * 8);   // the image and its map side by side, 8x
    }

    @Test
    void modernCifar10TrainsAResidualNetwork() throws Exception {
        String printed = run(ModernCifar10::main, "--tiny", "--tta", "--out", out.toString());
        assertThat(printed)
                .contains("RES 1", "Residual block, identity shortcut", "projection shortcut", "GlobalAvgPool2D")
                .contains("epoch   1  train loss", "test acc", "elapsed")
                .contains("6. Summarize: test accuracy", "test accuracy with flip TTA")
                .contains("8. Predict test image");
        assertPng(out.resolve("accuracy.png"));
        assertThat(Sequential.load(out.resolve("resnet.safetensors")).layers()).hasSize(11);
    }

    @Test
    void predictImageClassifiesAPictureWithASavedModel() throws Exception {
        String printed = run(PredictImage::main, "--tiny", "--out", out.toString());

        assertThat(printed).contains("Model ").contains("normalisation").contains("new-image.png:");
        String afterModel = printed.substring(printed.lastIndexOf("new-image.png:"));
        assertThat(afterModel).containsPattern("1\\. \\w+ +\\d+\\.\\d%")
                .containsPattern("3\\. \\w+ +\\d+\\.\\d%");
    }

    @Test
    void visualizeFiltersDrawsFiltersAndFeatureMaps() throws Exception {
        String printed = run(VisualizeFilters::main, "--tiny", "--out", out.toString());

        assertThat(printed).contains("First-layer filters (6, 3, 5, 5)").contains("Feature maps after conv 2");
        for (String png : new String[] {"input.png", "conv1-filters.png", "conv1-maps.png", "conv2-maps.png"}) {
            assertPng(out.resolve(png));
        }
    }

    @Test
    void mnistLeNetTrainsOnDigitFiles() throws Exception {
        String printed = run(MnistLeNet::main, "--tiny", "--out", out.toString());

        assertThat(printed).contains("MNIST: 500 training and 100 test images of (1, 28, 28)")
                .contains("Total parameters: 61,706")
                .contains("Test accuracy");
        assertPng(out.resolve("samples.png"));
        assertPng(out.resolve("confusion.png"));
        assertPng(out.resolve("loss.png"));
        assertThat(out.resolve("mnist-lenet.safetensors")).exists();
    }
}
