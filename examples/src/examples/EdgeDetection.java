package examples;

import io.github.jcnn.data.ByteImageDataset;
import io.github.jcnn.data.Images;
import io.github.jcnn.data.Split;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.nio.file.Path;

/**
 * The lecture's first convolution: finding vertical and horizontal edges with a 3x3 kernel.
 *
 * <pre>
 *   Run:  examples/run EdgeDetection [CIFAR10_DIR] [--index 6] [--out DIR]
 * </pre>
 * Prints the 6x6 image of 10s and 0s, the vertical-edge kernel and the 4x4 result whose rows are {@code 0 30 30 0};
 * then the horizontal-edge case; then applies both kernels to the grey version of a CIFAR-10 test image (number
 * {@code --index}; a drawn picture when the data is absent) and writes the original, its grey version and both edge
 * maps as PNG files into the output folder (default {@code jcnn-out/EdgeDetection}). Each edge-map picture shows the
 * grey input, the kernel and the map, with a title and a legend of what black and white mean.
 */
public final class EdgeDetection {

    private EdgeDetection() {
    }

    /** Bright-to-dark from left to right gives a positive response. */
    static final float[] VERTICAL = {1, 0, -1, 1, 0, -1, 1, 0, -1};
    /** Bright-to-dark from top to bottom gives a positive response. */
    static final float[] HORIZONTAL = {1, 1, 1, 0, 0, 0, -1, -1, -1};

    public static void main(String[] args) throws Exception {
        Args a = Args.parse(args);
        Path out = a.outDir("EdgeDetection");

        // The lecture's image: 10s in the left three columns, 0s in the right three.
        Tensor image = Tensor.zeros(1, 1, 6, 6);
        for (int r = 0; r < 6; r++) {
            for (int c = 0; c < 3; c++) {
                image.set(10, 0, 0, r, c);
            }
        }
        System.out.println("6x6 image (a bright left half next to a dark right half):");
        System.out.println(Grids.format(image.reshape(6, 6)));
        System.out.println("vertical-edge kernel:");
        System.out.println(Grids.format(Tensor.of(Shape.of(3, 3), VERTICAL)));
        System.out.println("image * kernel = a 4x4 map (6 - 3 + 1 = 4); the edge shows as the 30s in the middle:");
        System.out.println(Grids.format(convolve(image, VERTICAL).reshape(4, 4)));
        System.out.println("  top-left window: (10+10+10)*1 + (10+10+10)*0 + (10+10+10)*(-1) = 0");
        System.out.println("  one step right:  (10+10+10)*1 + (10+10+10)*0 + (0+0+0)*(-1)    = 30");
        System.out.println();

        Tensor turned = Tensor.zeros(1, 1, 6, 6);
        for (int r = 0; r < 6; r++) {
            for (int c = 0; c < 6; c++) {
                turned.set(image.get(0, 0, r, c), 0, 0, c, r);
            }
        }
        System.out.println("the image turned on its side (bright top, dark bottom):");
        System.out.println(Grids.format(turned.reshape(6, 6)));
        System.out.println("horizontal-edge kernel:");
        System.out.println(Grids.format(Tensor.of(Shape.of(3, 3), HORIZONTAL)));
        System.out.println("image * kernel:");
        System.out.println(Grids.format(convolve(turned, HORIZONTAL).reshape(4, 4)));
        System.out.println("the vertical-edge kernel finds nothing in this image:");
        System.out.println(Grids.format(convolve(turned, VERTICAL).reshape(4, 4)));

        // A real photograph: the same two kernels on the grey version of a CIFAR-10 image.
        ByteImageDataset test = LectureData.cifarOrNull(a, Split.TEST, "a drawn test image");
        Tensor colour;
        String what;
        if (test != null) {
            int index = a.integer("index", 6);
            colour = LectureData.sample(test, index);
            what = "CIFAR-10 test image #" + index + " (" + test.classNames().get(test.label(index)) + ")";
        } else {
            colour = LectureData.drawnImage();
            what = "a drawn 32x32 picture (a house)";
        }
        int h = colour.shape().dim(1);
        int w = colour.shape().dim(2);
        Tensor grey = Tensor.zeros(1, 1, h, w);
        for (int i = 0; i < h * w; i++) {
            grey.data()[i] = (colour.data()[i] + colour.data()[h * w + i] + colour.data()[2 * h * w + i]) / 3;
        }
        Tensor v = convolve(grey, VERTICAL).reshape(h - 2, w - 2);
        Tensor hz = convolve(grey, HORIZONTAL).reshape(h - 2, w - 2);
        System.out.printf("%s, in grey (values 0..1), %dx%d -> edge maps %dx%d%n", what, h, w, h - 2, w - 2);
        System.out.printf("  vertical edges:   strongest response %.3f, mean |response| %.3f%n",
                Math.max(v.max(), -v.min()), v.map(Math::abs).mean());
        System.out.printf("  horizontal edges: strongest response %.3f, mean |response| %.3f%n",
                Math.max(hz.max(), -hz.min()), hz.map(Math::abs).mean());

        Images.writePng(Images.toImage(colour, 0, 1, 8), out.resolve("original.png"));
        Images.writePng(Images.toImage(grey.reshape(h, w), 0, 1, 8), out.resolve("grey.png"));
        writeEdges(grey.reshape(h, w), VERTICAL, v, "Vertical edges in " + what, "left", "right",
                out.resolve("vertical-edges.png"));
        writeEdges(grey.reshape(h, w), HORIZONTAL, hz, "Horizontal edges in " + what, "top", "bottom",
                out.resolve("horizontal-edges.png"));
        System.out.println("wrote original.png, grey.png, vertical-edges.png and horizontal-edges.png to "
                + out.toAbsolutePath());
        System.out.println("(edge maps: white = bright-to-dark, black = dark-to-bright, mid grey = no edge)");
    }

    /** One 3x3 filter, no bias, valid padding, over a (1, 1, H, W) image. */
    static Tensor convolve(Tensor image, float[] kernel) {
        Conv2D conv = new Conv2D(image.shape().dropFirst(), 1, 3, 3, 1, Padding.VALID, false);
        conv.parameters().get(0).value().copyFromInPlace(Tensor.of(Shape.of(1, 1, 3, 3), kernel));
        return conv.forward(image, false);
    }

    /**
     * The grey input, the kernel and the edge map side by side, with a title and a legend. The signed map is drawn
     * with 0 as mid grey: -m black, +m white, where m is the largest |value|.
     */
    static void writeEdges(Tensor grey, float[] kernel, Tensor map, String title, String first, String second,
            Path file) throws java.io.IOException {
        float m = Math.max(Math.max(map.max(), -map.min()), 1e-6f);
        float[][] k = new float[3][3];
        for (int i = 0; i < 9; i++) {
            k[i / 3][i % 3] = kernel[i];
        }
        int h = map.shape().dim(0);
        int w = map.shape().dim(1);
        Figure.titled(title)
                .panel(Images.toImage(grey, 0, 1, 8), "input in grey, " + grey.shape().dim(0) + "x"
                        + grey.shape().dim(1))
                .panel(Figure.matrix(k, null, 36), "the 3x3 kernel")
                .panel(Images.toImage(map, -m, m, 8), "input * kernel, " + h + "x" + w)
                .greyScale("dark " + first + ", bright " + second, "no edge",
                        "bright " + first + ", dark " + second)
                .legend(String.format(java.util.Locale.ROOT, "Edge map: mid grey is 0; white and black are the"
                        + " strongest responses, +%.2f and -%.2f.", m, m))
                .writePng(file);
    }
}
