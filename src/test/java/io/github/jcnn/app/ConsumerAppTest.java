package io.github.jcnn.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.data.InMemoryDataset;
import io.github.jcnn.data.Normalization;
import io.github.jcnn.data.Preprocessing;
import io.github.jcnn.model.FitOptions;
import io.github.jcnn.model.Prediction;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application that has only a saved model file and a PNG, in another package than the library: it loads the
 * model, reads the picture and classifies it in three lines, with no normalisation or class names of its own.
 */
class ConsumerAppTest {

    @TempDir
    Path dir;

    @Test
    void loadsAModelFileAloneAndClassifiesAPngInThreeLines() throws IOException {
        Path modelFile = dir.resolve("bars.safetensors");
        train(modelFile);
        Path png = dir.resolve("picture.png");
        ImageIO.write(bar(96, 96, false), "png", png.toFile());   // a large picture: the model resizes it to 12 x 12
        Path other = dir.resolve("other.png");
        ImageIO.write(bar(40, 30, true), "png", other.toFile());

        // the application:
        Sequential model = Sequential.load(modelFile);
        BufferedImage image = ImageIO.read(png.toFile());
        List<Prediction> top = model.classify(image, 2);

        assertThat(top).extracting(Prediction::name).containsExactly("top bar", "bottom bar");
        assertThat(top.get(0).probability()).isGreaterThan(0.9);
        assertThat(model.classify(ImageIO.read(other.toFile()), 1).get(0).name()).isEqualTo("bottom bar");
        assertThat(Files.list(dir)).hasSize(3);   // the model, the two pictures: nothing else was needed
    }

    /** A white horizontal bar in the upper or lower third of a dark grey picture. */
    private static BufferedImage bar(int width, int height, boolean bottom) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(40, 40, 40));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.WHITE);
        g.fillRect(width / 6, bottom ? height * 3 / 4 : height / 8, width * 2 / 3, Math.max(1, height / 8));
        g.dispose();
        return image;
    }

    /** Trains a small grey-picture model on generated bars (values 0..1) and saves it with what an app needs. */
    private static void train(Path file) throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        int n = 128;
        Tensor x = Tensor.zeros(n, 1, 12, 12);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int p = 0; p < 144; p++) {
                x.data()[i * 144 + p] = (float) (0.15 + 0.1 * random.nextDouble());
            }
            int row = labels[i] == 0 ? random.nextInt(0, 4) : random.nextInt(8, 12);
            int col = random.nextInt(0, 4);
            for (int c = col; c < col + 8; c++) {
                x.data()[i * 144 + row * 12 + c] = 1f;
            }
        }
        InMemoryDataset train = new InMemoryDataset(x, labels, List.of("top bar", "bottom bar"));
        Normalization norm = Normalization.fit(train);
        Sequential model = Sequential.builder(Shape.of(1, 12, 12)).conv2d(4, 3).relu().maxPool(2).flatten()
                .dense(2).softmax().seed(5).build();
        model.fit(normalized(train, norm), FitOptions.defaults().quiet().epochs(15).batchSize(16)
                .optimizer(Adam.config(0.01)));
        model.withPreprocessing(Preprocessing.normalized(norm)).withClassNames(train.classNames()).save(file);
    }

    private static io.github.jcnn.data.Dataset normalized(InMemoryDataset data, Normalization norm) {
        return io.github.jcnn.data.Datasets.normalized(data, norm);
    }
}
