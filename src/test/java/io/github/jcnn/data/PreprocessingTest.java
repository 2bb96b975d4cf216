package io.github.jcnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.data.Preprocessing.PixelRange;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class PreprocessingTest {

    /** 2 x 2 pixels: (R, G, B) = (10, 20, 30), (255, 0, 128), (0, 0, 0), (255, 255, 255). */
    private static BufferedImage tiny() {
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 10 << 16 | 20 << 8 | 30);
        image.setRGB(1, 0, 255 << 16 | 128);
        image.setRGB(0, 1, 0);
        image.setRGB(1, 1, 0xFFFFFF);
        return image;
    }

    @Test
    void unitRangeDividesBy255AndByteRangeKeepsTheBytes() {
        Shape shape = Shape.of(3, 2, 2);
        assertThat(Preprocessing.unit().apply(tiny(), shape).toArray()).containsExactly(
                10 / 255f, 255 / 255f, 0, 1, 20 / 255f, 0, 0, 1, 30 / 255f, 128 / 255f, 0, 1);
        assertThat(Preprocessing.unit().withPixelRange(PixelRange.BYTE).apply(tiny(), shape).toArray())
                .containsExactly(10, 255, 0, 255, 20, 0, 0, 255, 30, 128, 0, 255);
    }

    @Test
    void normalisationComesAfterScalingInTheScaledUnits() {
        Normalization norm = Normalization.of(new double[] {100, 50, 0}, new double[] {2, 4, 8});
        Tensor x = Preprocessing.unit().withPixelRange(PixelRange.BYTE).withNormalization(norm)
                .apply(tiny(), Shape.of(3, 2, 2));
        assertThat(x.toArray()).containsExactly(-45, 77.5f, -50, 77.5f, -7.5f, -12.5f, -12.5f, 51.25f,
                3.75f, 16, 0, 31.875f);
        Normalization unitNorm = Normalization.of(new double[] {0.5}, new double[] {0.5});
        Tensor grey = Preprocessing.normalized(unitNorm).apply(tiny(), Shape.of(1, 2, 2));
        // luminance 0.299 R + 0.587 G + 0.114 B, / 255, then (x - 0.5) / 0.5
        assertThat(grey.get(0, 1, 1)).isEqualTo(1f);
        assertThat(grey.get(0, 1, 0)).isEqualTo(-1f);
        assertThat((double) grey.get(0, 0, 0)).isCloseTo((0.299 * 10 + 0.587 * 20 + 0.114 * 30) / 255 * 2 - 1,
                org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void equalsAndToString() {
        Normalization norm = Normalization.of(new double[] {0.5}, new double[] {0.25});
        assertThat(Preprocessing.normalized(norm)).isEqualTo(Preprocessing.unit().withNormalization(norm))
                .isNotEqualTo(Preprocessing.unit()).hasSameHashCodeAs(Preprocessing.unit().withNormalization(norm));
        assertThat(Preprocessing.normalized(norm).withNormalization(null)).isEqualTo(Preprocessing.unit());
        assertThat(Preprocessing.unit().withPixelRange(PixelRange.BYTE).toString())
                .isEqualTo("Preprocessing(pixels 0..255, not normalised)");
        assertThat(Preprocessing.normalized(norm).toString())
                .isEqualTo("Preprocessing(pixels 0..1, Normalization(mean (0.5000), std (0.2500)))");
    }

    @Test
    void refusesShapesItCannotMake() {
        assertThatThrownBy(() -> Preprocessing.unit().apply(tiny(), Shape.of(2, 4, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("preprocessing turns pictures into (1 or 3, H, W) inputs, but the model takes (2, 4, 4)");
        assertThatThrownBy(() -> Preprocessing.normalized(Normalization.of(new double[] {0, 0, 0},
                new double[] {1, 1, 1})).apply(tiny(), Shape.of(1, 4, 4)))
                .hasMessage("the normalisation has 3 channels but the model input (1, 4, 4) has 1");
    }
}
