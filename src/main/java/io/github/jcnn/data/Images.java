package io.github.jcnn.data;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;

/**
 * Pictures to tensors and back: the input side of "predict a new image", and PNGs of inputs, filters and feature
 * maps.
 *
 * <p>{@link #toTensor(BufferedImage, Shape, Normalization)} prepares a new image exactly as the training images were
 * prepared: resized to the model's H x W (stretched, no crop; shrinking halves the size step by step with bilinear
 * filtering, which averages 2 x 2 blocks, then makes one last bilinear step, so small images stay free of aliasing),
 * split into R, G, B planes (C = 3) or converted to grey (C = 1, luminance 0.299 R + 0.587 G + 0.114 B), scaled to
 * [0, 1] and normalised with the training set's {@link Normalization}:
 * <pre>
 *   Tensor x = Images.toTensor(Path.of("my-cat.jpg"), Shape.of(3, 32, 32), norm);   // (3, 32, 32)
 *   Tensor p = model.predict(x);                                                     // one sample: (10)
 * </pre>
 * A model that carries its {@link Preprocessing} does this itself: {@code model.classify(image, 3)}.
 * Transparent pixels are put on white. Note that MNIST digits are white on black: a scan of a dark digit on white
 * paper must be inverted (x becomes 1 - x before normalising) to look like the training data.
 */
public final class Images {

    private Images() {
    }

    /**
     * Reads a PNG, JPEG, GIF or BMP file and prepares it as {@link #toTensor(BufferedImage, Shape, Normalization)}.
     *
     * @throws NoSuchFileException if the file does not exist
     * @throws IOException if the file is not an image ImageIO can read; the message names the file
     */
    public static Tensor toTensor(Path file, Shape sampleShape, Normalization norm) throws IOException {
        return toTensor(read(file), sampleShape, norm);
    }

    /** Reads an image file, with an error naming the file when it is missing or not a readable image. */
    public static BufferedImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such image file");
        }
        BufferedImage image;
        try (InputStream in = Files.newInputStream(file)) {
            image = ImageIO.read(in);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read the image: " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IOException(file + ": not an image that ImageIO can read (expected PNG, JPEG, GIF or BMP)");
        }
        return image;
    }

    /**
     * An image as a (C, H, W) tensor for a model whose samples have shape {@code sampleShape}.
     *
     * @param sampleShape (C, H, W) with C = 1 (grey) or 3 (R, G, B planes)
     * @param norm        the training set's normalisation, or null to leave the values in [0, 1]
     * @throws IllegalArgumentException if the shape is not (1 or 3, H, W) or the normalisation's channels differ
     */
    public static Tensor toTensor(BufferedImage image, Shape sampleShape, Normalization norm) {
        return toTensor(image, sampleShape, norm, 255f);
    }

    /** As {@link #toTensor(BufferedImage, Shape, Normalization)} with bytes divided by {@code divisor} (255 or 1). */
    static Tensor toTensor(BufferedImage image, Shape sampleShape, Normalization norm, float divisor) {
        if (sampleShape.rank() != 3 || (sampleShape.dim(0) != 1 && sampleShape.dim(0) != 3)) {
            throw new IllegalArgumentException("the sample shape must be (1 or 3, H, W), got " + sampleShape);
        }
        int channels = sampleShape.dim(0);
        int height = sampleShape.dim(1);
        int width = sampleShape.dim(2);
        BufferedImage small = resize(image, width, height);
        float[] data = new float[sampleShape.size()];
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = small.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                int i = y * width + x;
                if (channels == 3) {
                    data[i] = r / divisor;
                    data[plane + i] = g / divisor;
                    data[2 * plane + i] = b / divisor;
                } else {
                    data[i] = (0.299f * r + 0.587f * g + 0.114f * b) / divisor;
                }
            }
        }
        if (norm != null) {
            norm.applyInPlace(data, 0, sampleShape);
        }
        return Tensor.wrap(sampleShape, data);
    }

    /**
     * A copy of the image at {@code width} x {@code height} (RGB, transparency on white): halving steps with bilinear
     * filtering while the image is at least twice too large, then one bilinear (or, when enlarging, bicubic) step.
     */
    public static BufferedImage resize(BufferedImage image, int width, int height) {
        BufferedImage current = onWhite(image);
        int w = current.getWidth();
        int h = current.getHeight();
        while (w >= 2 * width || h >= 2 * height) {
            w = w >= 2 * width ? w / 2 : w;
            h = h >= 2 * height ? h / 2 : h;
            current = draw(current, w, h, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        }
        if (w != width || h != height) {
            Object filter = (width > w || height > h) ? RenderingHints.VALUE_INTERPOLATION_BICUBIC
                    : RenderingHints.VALUE_INTERPOLATION_BILINEAR;
            current = draw(current, width, height, filter);
        }
        return current;
    }

    private static BufferedImage onWhite(BufferedImage image) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return out;
    }

    private static BufferedImage draw(BufferedImage source, int width, int height, Object interpolation) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, interpolation);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setRenderingHint(RenderingHints.KEY_ALPHA_INTERPOLATION, RenderingHints.VALUE_ALPHA_INTERPOLATION_QUALITY);
        g.drawImage(source, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    /**
     * A tensor as a picture, min-max scaled so that its smallest value is black and its largest white (a constant
     * tensor is mid grey), each pixel upscaled to a {@code scale} x {@code scale} block (nearest neighbour).
     * (3, H, W) is drawn in colour (one min-max over all three channels, so colours keep their balance);
     * (1, H, W) and (H, W) in grey.
     *
     * @throws IllegalArgumentException for other shapes (draw the channels of a feature map separately, e.g. with
     *         {@code viz.ImageGrid}) or a scale below 1
     */
    public static BufferedImage toImage(Tensor image, int scale) {
        return toImage(image, image.min(), image.max(), scale);      // which checks the shape and the scale
    }

    /**
     * As {@link #toImage(Tensor, int)} but with a fixed value range: {@code min} is drawn black, {@code max} white,
     * values outside are clamped (e.g. 0 and 1 for images scaled to [0, 1]). When min == max everything is mid grey.
     */
    public static BufferedImage toImage(Tensor image, float min, float max, int scale) {
        Shape shape = image.shape();
        boolean colour = shape.rank() == 3 && shape.dim(0) == 3;
        boolean grey = shape.rank() == 2 || (shape.rank() == 3 && shape.dim(0) == 1);
        if (!colour && !grey) {
            throw new IllegalArgumentException("can draw (3, H, W), (1, H, W) or (H, W), got " + shape
                    + "; draw the channels one by one, e.g. with viz.ImageGrid.channels");
        }
        if (scale < 1) {
            throw new IllegalArgumentException("the scale must be at least 1, got " + scale);
        }
        int height = shape.dim(-2);
        int width = shape.dim(-1);
        float lo = min;
        float range = max - min;
        float[] d = image.data();
        int plane = height * width;
        BufferedImage out = new BufferedImage(width * scale, height * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                int r = level(d[i], lo, range);
                int g = colour ? level(d[plane + i], lo, range) : r;
                int b = colour ? level(d[2 * plane + i], lo, range) : r;
                int rgb = (r << 16) | (g << 8) | b;
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        out.setRGB(x * scale + dx, y * scale + dy, rgb);
                    }
                }
            }
        }
        return out;
    }

    private static int level(float v, float lo, float range) {
        if (!(range > 0)) {
            return 128;
        }
        return Math.max(0, Math.min(255, Math.round((v - lo) / range * 255f)));
    }

    /** Writes {@link #toImage(Tensor, int)} with scale 1 as a PNG. */
    public static void toPng(Tensor image, Path file) throws IOException {
        toPng(image, file, 1);
    }

    /**
     * Writes {@link #toImage(Tensor, int)} as a PNG, through a temporary file renamed into place.
     *
     * @throws IllegalArgumentException for a shape that cannot be drawn or a scale below 1
     */
    public static void toPng(Tensor image, Path file, int scale) throws IOException {
        writePng(toImage(image, scale), file);
    }

    /**
     * Writes an image as a PNG: first to a temporary file next to {@code file}, then renamed into place, so that a
     * crash never leaves a half-written picture.
     */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path temp = Files.createTempFile(dir, absolute.getFileName().toString(), ".tmp");
        try {
            if (!ImageIO.write(image, "png", temp.toFile())) {
                throw new IOException(file + ": no PNG writer available");
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
