package io.github.jcnn.data;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.util.Objects;
import java.util.Optional;

/**
 * How a picture becomes a model's input: what a model expects of its pixels, stored with it in the model file so
 * that an application needs nothing but the file. For a model input (C, H, W):
 * <pre>
 *   1. resize to W x H        (stretched, no crop; see {@link Images#resize}: halving steps with bilinear filtering,
 *                              which averages 2 x 2 blocks, then one bilinear step; bicubic when enlarging)
 *   2. colour                 C = 3: R, G, B planes;  C = 1: grey, luminance 0.299 R + 0.587 G + 0.114 B
 *                              (transparent pixels on white)
 *   3. scale                  x = b / 255 for {@link PixelRange#UNIT} (0..1, what jcnn's datasets give),
 *                              x = b      for {@link PixelRange#BYTE} (0..255)         with b the byte 0..255
 *   4. normalise (optional)   x' = (x - mean[c]) / std[c]   with mean and std in the units of step 3
 * </pre>
 * The library's own datasets are scaled to 0..1 and normalised with {@link Normalization#fit}, so a model trained on
 * them takes {@code Preprocessing.normalized(norm)}. Immutable:
 * <pre>
 *   Preprocessing p = Preprocessing.normalized(Normalization.fit(train));          // 0..1, then (x - mean) / std
 *   Preprocessing raw = Preprocessing.unit();                                       // 0..1 only
 *   Preprocessing bytes = Preprocessing.unit().withPixelRange(PixelRange.BYTE);     // 0..255 as they are
 *   Tensor x = p.apply(image, Shape.of(3, 32, 32));                                  // (3, 32, 32)
 * </pre>
 */
public final class Preprocessing {

    /** The range the pixel bytes are scaled to before normalising. */
    public enum PixelRange {
        /** 0..1: each byte divided by 255 (jcnn's datasets, torchvision's {@code ToTensor}). */
        UNIT(255),
        /** 0..255: the bytes as they are. */
        BYTE(1);

        private final float divisor;

        PixelRange(float divisor) {
            this.divisor = divisor;
        }

        /** The largest value: 1 or 255. */
        public int max() {
            return this == UNIT ? 1 : 255;
        }
    }

    private final PixelRange pixelRange;
    private final Normalization normalization;

    private Preprocessing(PixelRange pixelRange, Normalization normalization) {
        this.pixelRange = pixelRange;
        this.normalization = normalization;
    }

    /** Pixels scaled to 0..1, not normalised. */
    public static Preprocessing unit() {
        return new Preprocessing(PixelRange.UNIT, null);
    }

    /** Pixels scaled to 0..1, then normalised per channel with {@code norm} (how jcnn's datasets are prepared). */
    public static Preprocessing normalized(Normalization norm) {
        return new Preprocessing(PixelRange.UNIT, Objects.requireNonNull(norm, "norm"));
    }

    /** This preprocessing with pixels scaled to {@code range} before normalising. */
    public Preprocessing withPixelRange(PixelRange range) {
        return new Preprocessing(Objects.requireNonNull(range, "range"), normalization);
    }

    /** This preprocessing with another normalisation, or none when {@code norm} is null. */
    public Preprocessing withNormalization(Normalization norm) {
        return new Preprocessing(pixelRange, norm);
    }

    /** The range pixels are scaled to. */
    public PixelRange pixelRange() {
        return pixelRange;
    }

    /** The per-channel normalisation applied after scaling, if any. */
    public Optional<Normalization> normalization() {
        return Optional.ofNullable(normalization);
    }

    /**
     * Checks that this preprocessing can prepare inputs of {@code sampleShape}: (1 or 3, H, W), with as many
     * normalisation channels as C.
     *
     * @throws IllegalArgumentException naming both when they do not fit
     */
    public void checkFits(Shape sampleShape) {
        if (sampleShape.rank() != 3 || (sampleShape.dim(0) != 1 && sampleShape.dim(0) != 3)) {
            throw new IllegalArgumentException("preprocessing turns pictures into (1 or 3, H, W) inputs, but the model"
                    + " takes " + sampleShape);
        }
        if (normalization != null && normalization.channels() != sampleShape.dim(0)) {
            throw new IllegalArgumentException("the normalisation has " + normalization.channels()
                    + " channels but the model input " + sampleShape + " has " + sampleShape.dim(0));
        }
    }

    /**
     * The picture as a (C, H, W) input of {@code sampleShape}: resized, converted to RGB or grey, scaled and
     * normalised as the class comment describes.
     *
     * @throws IllegalArgumentException if the shape is not (1 or 3, H, W) or the normalisation's channels differ
     */
    public Tensor apply(BufferedImage image, Shape sampleShape) {
        checkFits(sampleShape);
        return Images.toTensor(image, sampleShape, normalization, pixelRange.divisor);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && p.pixelRange == pixelRange
                && Objects.equals(p.normalization, normalization);
    }

    @Override
    public int hashCode() {
        return 31 * pixelRange.hashCode() + Objects.hashCode(normalization);
    }

    /** E.g. {@code Preprocessing(pixels 0..1, Normalization(mean (0.4914, ...), std (0.2470, ...)))}. */
    @Override
    public String toString() {
        return "Preprocessing(pixels 0.." + pixelRange.max()
                + (normalization == null ? ", not normalised" : ", " + normalization) + ")";
    }
}
