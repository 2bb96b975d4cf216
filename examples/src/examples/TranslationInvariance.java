package examples;

import io.github.jcnn.data.ByteImageDataset;
import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.Datasets;
import io.github.jcnn.data.Split;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.model.FitOptions;
import io.github.jcnn.model.History;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.tensor.Tensor;
import io.github.jcnn.viz.ImageGrid;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Translation invariance: shift an image by 0 to 4 pixels and compare what LeNet-5 computes from it. The
 * convolution's feature maps move with the image (so compared position by position they change a lot); after max
 * pooling a shift of a pixel or two often stays inside the same window, so the pooled features change less; the
 * predicted class barely changes.
 *
 * <pre>
 *   Run:  examples/run TranslationInvariance [CIFAR10_DIR] [--model lenet5.safetensors] [--index 6] [--out DIR]
 * </pre>
 * Without {@code --model} it first trains LeNet-5 briefly (10,000 CIFAR-10 images, 3 epochs, about half a minute;
 * {@code --tiny}: synthetic shapes, seconds). Prints, per shift, the cosine similarity of the features to the
 * unshifted ones after the first convolution, after the first pooling and after the second pooling, and the predicted
 * class with its probability. Writes shifted-inputs.png, conv1-maps.png and pool1-maps.png (default folder
 * {@code jcnn-out/TranslationInvariance}).
 */
public final class TranslationInvariance {

    private TranslationInvariance() {
    }

    public static void main(String[] args) throws Exception {
        Args a = Args.parse(args);
        Path out = a.outDir("TranslationInvariance");
        int maxShift = 4;

        ByteImageDataset cifarTest = a.has("model") || !a.tiny()
                ? LectureData.cifarOrNull(a, Split.TEST, "synthetic shapes") : null;
        if (a.tiny() && !a.has("model")) {
            System.out.println("(--tiny: training on synthetic shapes)");
        }
        Sequential model;
        Dataset test;
        if (a.has("model")) {
            model = Sequential.load(Path.of(a.string("model", null)));
            System.out.println("loaded " + a.string("model", null));
            test = cifarTest != null ? cifarTest : LectureData.shapes(400, 2);
        } else if (cifarTest != null) {
            Dataset train = Datasets.first(Datasets.shuffled(
                    LectureData.cifarOrNull(a, Split.TRAIN, "synthetic shapes"), 1), a.integer("train-size", 10_000));
            model = train(LectureData.lenet5(10, 42), train, a.integer("epochs", 3));
            test = cifarTest;
        } else {
            model = train(LectureData.lenet5(4, 42), LectureData.shapes(a.tiny() ? 400 : 2000, 1),
                    a.tiny() ? 2 : 4);
            test = LectureData.shapes(a.tiny() ? 40 : 400, 2);
        }
        int index = a.integer("index", cifarTest != null ? 6 : 1);
        Tensor image = LectureData.sample(test, index);
        System.out.println("image: " + (cifarTest != null ? "CIFAR-10 test #" + index : "synthetic #" + index) + " ("
                + test.classNames().get(test.label(index)) + "), shifted right by 0.." + maxShift + " pixels"
                + " (the left edge column repeated)");
        System.out.println();

        List<Layer> layers = model.layers();
        List<Tensor> inputs = new ArrayList<>();
        List<Tensor> conv = new ArrayList<>();
        List<Tensor> pool1 = new ArrayList<>();
        List<Tensor> pool2 = new ArrayList<>();
        for (int s = 0; s <= maxShift; s++) {
            Tensor shifted = shiftRight(image, s);
            inputs.add(shifted);
            Tensor x = shifted.reshape(image.shape().withBatch(1));
            Tensor c = layers.get(1).forward(layers.get(0).forward(x, false), false);   // conv1 + ReLU
            Tensor p1 = layers.get(2).forward(c, false);                                // max pool 2x2
            Tensor p2 = p1;
            for (int i = 3; i <= 5; i++) {                                             // conv2 + ReLU + max pool
                p2 = layers.get(i).forward(p2, false);
            }
            conv.add(c);
            pool1.add(p1);
            pool2.add(p2);
        }
        Tensor probabilities = model.predict(stack(inputs));
        int[] predicted = probabilities.argMaxRows();
        System.out.println("cosine similarity with the unshifted image's features (1 = identical):");
        System.out.printf(Locale.ROOT, "%6s %14s %14s %14s   %-22s%n", "shift", "after conv1", "after pool1",
                "after pool2", "predicted class (prob.)");
        for (int s = 0; s <= maxShift; s++) {
            int k = predicted[s];
            System.out.printf(Locale.ROOT, "%6d %14.3f %14.3f %14.3f   %-22s%n", s, cosine(conv.get(0), conv.get(s)),
                    cosine(pool1.get(0), pool1.get(s)), cosine(pool2.get(0), pool2.get(s)),
                    test.classNames().get(k) + String.format(Locale.ROOT, " (%.2f)", probabilities.get(s, k)));
        }
        System.out.println();
        System.out.println("relative change |f(shifted) - f(original)| / |f(original)|:");
        System.out.printf(Locale.ROOT, "%6s %14s %14s %14s%n", "shift", "after conv1", "after pool1", "after pool2");
        for (int s = 1; s <= maxShift; s++) {
            System.out.printf(Locale.ROOT, "%6d %14.3f %14.3f %14.3f%n", s, change(conv.get(0), conv.get(s)),
                    change(pool1.get(0), pool1.get(s)), change(pool2.get(0), pool2.get(s)));
        }

        // The same question over many images: how often does the predicted class stay the same?
        int count = Math.min(test.size(), a.tiny() ? 40 : 1000);
        Tensor many = test.images(0, count);
        int[] original = model.predictClasses(many);
        System.out.println();
        System.out.printf("over the first %,d test images, the predicted class stays the same when shifted by:%n",
                count);
        for (int s = 1; s <= maxShift; s++) {
            Tensor moved = Tensor.zeros(many.shape());
            int size = image.size();
            for (int i = 0; i < count; i++) {
                Tensor one = Tensor.wrap(image.shape(), java.util.Arrays.copyOfRange(many.data(), i * size,
                        (i + 1) * size));
                System.arraycopy(shiftRight(one, s).data(), 0, moved.data(), i * size, size);
            }
            int[] after = model.predictClasses(moved);
            int same = 0;
            for (int i = 0; i < count; i++) {
                same += after[i] == original[i] ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "  %d pixel%s: %5.1f%%%n", s, s == 1 ? " " : "s", 100.0 * same / count);
        }

        List<String> labels = new ArrayList<>();
        List<List<Tensor>> convRows = new ArrayList<>();
        List<List<Tensor>> poolRows = new ArrayList<>();
        for (int s = 0; s <= maxShift; s++) {
            labels.add("shift " + s);
            convRows.add(channels(conv.get(s)));
            poolRows.add(channels(pool1.get(s)));
        }
        ImageGrid.of(List.of(inputs), List.of()).title("inputs shifted right by 0, 1, 2, 3, 4 pixels").scale(6)
                .writePng(out.resolve("shifted-inputs.png"));
        ImageGrid.of(convRows, labels).title("conv1 + ReLU feature maps (6 filters), per shift")
                .scaling(ImageGrid.Scaling.SHARED).scale(4).writePng(out.resolve("conv1-maps.png"));
        ImageGrid.of(poolRows, labels).title("after 2x2 max pooling, per shift")
                .scaling(ImageGrid.Scaling.SHARED).scale(8).writePng(out.resolve("pool1-maps.png"));
        System.out.println();
        System.out.println("wrote shifted-inputs.png, conv1-maps.png and pool1-maps.png to " + out.toAbsolutePath());
    }

    private static Sequential train(Sequential model, Dataset train, int epochs) {
        System.out.printf("training LeNet-5 on %,d images for %d epochs (pass --model FILE to use a trained one)%n",
                train.size(), epochs);
        History h = model.fit(train, FitOptions.defaults().epochs(epochs).batchSize(32).optimizer(Adam.config(1e-3))
                .quiet());
        System.out.printf(Locale.ROOT, "training accuracy %.1f%%%n", 100 * h.last().trainAccuracy());
        return model;
    }

    /** The image moved right by {@code s} pixels; the vacated columns repeat the left edge. */
    static Tensor shiftRight(Tensor image, int s) {
        int channels = image.shape().dim(0);
        int h = image.shape().dim(1);
        int w = image.shape().dim(2);
        Tensor out = Tensor.zeros(image.shape());
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out.set(image.get(c, y, Math.max(0, x - s)), c, y, x);
                }
            }
        }
        return out;
    }

    private static Tensor stack(List<Tensor> images) {
        int size = images.get(0).size();
        Tensor batch = Tensor.zeros(images.get(0).shape().withBatch(images.size()));
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i).data(), 0, batch.data(), i * size, size);
        }
        return batch;
    }

    /** The channels of a (1, C, H, W) tensor as (H, W) tensors. */
    private static List<Tensor> channels(Tensor t) {
        List<Tensor> list = new ArrayList<>();
        for (int c = 0; c < t.shape().dim(1); c++) {
            list.add(RgbFilters.channel(t, c));
        }
        return list;
    }

    static double cosine(Tensor a, Tensor b) {
        double dot = 0;
        for (int i = 0; i < a.size(); i++) {
            dot += (double) a.data()[i] * b.data()[i];
        }
        return dot / Math.sqrt(a.sumOfSquares() * b.sumOfSquares() + 1e-30);
    }

    static double change(Tensor original, Tensor shifted) {
        return Math.sqrt(shifted.sub(original).sumOfSquares() / (original.sumOfSquares() + 1e-30));
    }
}
