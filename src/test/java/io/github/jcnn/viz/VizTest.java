package io.github.jcnn.viz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.data.ByteImageDataset;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VizTest {

    @TempDir
    Path dir;

    /** Where a person can look at the pictures: the system property jcnn.viz.out, else the temp dir. */
    private Path out(String name) {
        String keep = System.getProperty("jcnn.viz.out");
        return keep == null ? dir.resolve(name) : Path.of(keep, name);
    }

    private static BufferedImage check(Path png, int minWidth, int minHeight) throws Exception {
        assertThat(Files.size(png)).isGreaterThan(500);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isGreaterThanOrEqualTo(minWidth);
        assertThat(image.getHeight()).isGreaterThanOrEqualTo(minHeight);
        return image;
    }

    @Test
    void imageGridOfSamplesPerClass() throws Exception {
        int n = 40;
        byte[] pixels = new byte[n * 3 * 16 * 16];
        byte[] labels = new byte[n];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 4);
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 256; p++) {
                    int y = p / 16;
                    int x = p % 16;
                    int v = c == i % 3 ? 40 + 12 * ((x + y + i) % 16) : r.nextInt(60);
                    pixels[(i * 3 + c) * 256 + p] = (byte) v;
                }
            }
        }
        ByteImageDataset ds = new ByteImageDataset(Shape.of(3, 16, 16), pixels, labels,
                List.of("red-ish", "green-ish", "blue-ish", "mixed"));
        Path png = out("samples.png");
        ImageGrid.samplesPerClass(ds, 6).title("Samples per class").writePng(png);
        BufferedImage image = check(png, 6 * 64, 4 * 64);
        assertThat(image.getRGB(image.getWidth() - 11, image.getHeight() - 11)).isNotEqualTo(0xFFFFFFFF);
    }

    @Test
    void imageGridOfFiltersAndFeatureMaps() throws Exception {
        Tensor weight = Tensor.zeros(6, 3, 5, 5);
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < weight.size(); i++) {
            weight.data()[i] = (float) r.nextGaussian();
        }
        ImageGrid.filters(weight).title("conv1 filters").writePng(out("filters.png"));
        check(out("filters.png"), 6 * 60, 60);
        Tensor grey = Tensor.zeros(4, 2, 5, 5);
        ImageGrid.filters(grey).writePng(out("filters-grey.png"));
        check(out("filters-grey.png"), 2 * 60, 4 * 60);
        Tensor maps = Tensor.zeros(6, 28, 28);
        for (int i = 0; i < maps.size(); i++) {
            maps.data()[i] = (float) Math.sin(i * 0.05);
        }
        ImageGrid.channels(maps, 3).writePng(out("maps.png"));
        check(out("maps.png"), 3 * 56, 2 * 56);
        assertThatThrownBy(() -> ImageGrid.of(List.of(List.of(Tensor.zeros(2, 4, 4))), List.of()))
                .hasMessageContaining("(3, H, W), (1, H, W) or (H, W)");
    }

    @Test
    void lineChartOfTrainingCurves() throws Exception {
        double[] train = new double[20];
        double[] validation = new double[20];
        for (int e = 0; e < 20; e++) {
            train[e] = 2.3 * Math.exp(-e / 6.0) + 0.3;
            validation[e] = 2.3 * Math.exp(-e / 7.0) + 0.45 + (e > 12 ? (e - 12) * 0.03 : 0);
        }
        validation[5] = Double.NaN;
        Path png = out("loss.png");
        LineChart.titled("Loss per epoch").yLabel("cross-entropy").series("train", train)
                .series("validation", validation).writePng(png);
        BufferedImage image = check(png, 800, 500);
        assertThat(image.getWidth()).isEqualTo(800);
        LineChart.titled("one point").series("x", new double[] {0.5}).size(300, 200).writePng(dir.resolve("1.png"));
        assertThatThrownBy(() -> LineChart.titled("empty").render()).hasMessageContaining("no values");
        assertThat(LineChart.ticks(0.31, 2.6, 6, 0)).containsExactly(0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0);
    }

    @Test
    void lineChartAgainstItsOwnXValues() throws Exception {
        double[] minutes = {2.1, 4.0, 6.3, 8.2};
        double[] accuracy = {55, 68, 74, 79};
        Path png = out("minutes.png");
        LineChart chart = LineChart.titled("Accuracy against time").xLabel("minutes").series("jcnn", minutes, accuracy)
                .series("other", new double[] {1.5, 3.0}, new double[] {60, 70});
        chart.writePng(png);
        check(png, 800, 500);
        // the curve moves with its x values: the same values drawn against epochs give another picture
        BufferedImage byEpoch = LineChart.titled("Accuracy against time").xLabel("minutes")
                .series("jcnn", accuracy).series("other", new double[] {60, 70}).render();
        BufferedImage byMinutes = chart.render();
        boolean differs = false;
        for (int y = 0; y < 500 && !differs; y++) {
            for (int x = 0; x < 800 && !differs; x++) {
                differs = byEpoch.getRGB(x, y) != byMinutes.getRGB(x, y);
            }
        }
        assertThat(differs).isTrue();
        assertThatThrownBy(() -> LineChart.titled("t").series("a", new double[] {1, 2}, new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 x values but 1 values");
    }

    @Test
    void confusionMatrixHeatMap() throws Exception {
        List<String> names = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                "truck");
        int[][] counts = new int[10][10];
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < 10; t++) {
            for (int p = 0; p < 10; p++) {
                counts[t][p] = t == p ? 550 + r.nextInt(300) : r.nextInt(60);
            }
        }
        Path png = out("confusion.png");
        ConfusionMatrixPlot plot = ConfusionMatrixPlot.of(counts, names).title("Test set");
        plot.writePng(png);
        check(png, 10 * 34, 10 * 34);
        assertThat(plot.accuracy()).isBetween(0.5, 1.0);
        assertThatThrownBy(() -> ConfusionMatrixPlot.of(new int[2][3], List.of("a", "b")))
                .hasMessage("row 0 has 3 counts, expected 2");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            many.add("c" + i);
        }
        ConfusionMatrixPlot.of(new int[3][3], many).writePng(dir.resolve("zeros.png"));
    }
}
