package io.github.jcnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {

    @TempDir
    Path dir;

    private static BufferedImage solid(int w, int h, Color colour) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return image;
    }

    @Test
    void aNewImageBecomesNormalisedRgbPlanesOfTheModelsSize() throws Exception {
        Path file = dir.resolve("red.png");
        ImageIO.write(solid(300, 200, new Color(255, 0, 51)), "png", file.toFile());
        Tensor x = Images.toTensor(file, Shape.of(3, 32, 32), null);
        assertThat(x.shape()).isEqualTo(Shape.of(3, 32, 32));
        assertThat(x.get(0, 10, 10)).isCloseTo(1f, within(1e-6f));
        assertThat(x.get(1, 10, 10)).isCloseTo(0f, within(1e-6f));
        assertThat(x.get(2, 31, 31)).isCloseTo(0.2f, within(1e-6f));
        Normalization norm = Normalization.of(new double[] {0.5, 0.5, 0.5}, new double[] {0.25, 0.25, 0.25});
        Tensor n = Images.toTensor(file, Shape.of(3, 32, 32), norm);
        assertThat(n.get(0, 0, 0)).isCloseTo(2f, within(1e-5f));
        Tensor grey = Images.toTensor(solid(40, 40, Color.WHITE), Shape.of(1, 28, 28), null);
        assertThat(grey.min()).isCloseTo(1f, within(1e-6f));
    }

    @Test
    void shrinkingAveragesInsteadOfPickingPixels() {
        // a fine black/white checkerboard shrunk 8x must come out mid grey, not black or white
        BufferedImage board = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 256; x++) {
                board.setRGB(x, y, ((x + y) % 2 == 0) ? 0xFFFFFF : 0);
            }
        }
        Tensor x = Images.toTensor(board, Shape.of(1, 32, 32), null);
        assertThat(x.mean()).isCloseTo(0.5, within(0.02));
        assertThat(x.max() - x.min()).isLessThan(0.1f);
    }

    @Test
    void unreadableAndMissingFilesAreNamed() throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "not an image");
        assertThatThrownBy(() -> Images.toTensor(text, Shape.of(3, 32, 32), null))
                .hasMessageContaining("notes.txt: not an image that ImageIO can read");
        assertThatThrownBy(() -> Images.read(dir.resolve("gone.png"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("gone.png");
        assertThatThrownBy(() -> Images.toTensor(solid(2, 2, Color.RED), Shape.of(2, 32, 32), null))
                .hasMessageContaining("(1 or 3, H, W)");
    }

    @Test
    void tensorsBecomeMinMaxScaledUpscaledPngs() throws Exception {
        Tensor t = Tensor.of(Shape.of(2, 2), -1f, 0f, 0.5f, 3f);
        Path png = dir.resolve("sub/t.png");
        Images.toPng(t, png, 4);
        BufferedImage back = ImageIO.read(png.toFile());
        assertThat(back.getWidth()).isEqualTo(8);
        assertThat(back.getRGB(0, 0) & 0xFF).isEqualTo(0);
        assertThat(back.getRGB(7, 7) & 0xFF).isEqualTo(255);
        assertThat(back.getRGB(3, 0)).isEqualTo(back.getRGB(0, 3));
        try (var files = Files.list(png.getParent())) {
            assertThat(files).containsExactly(png); // no temporary file left behind
        }
        assertThatThrownBy(() -> Images.toImage(Tensor.zeros(4, 2, 2), 1)).hasMessageContaining("ImageGrid");
    }
}
