package examples;

import io.github.jcnn.data.ByteImageDataset;
import io.github.jcnn.data.Cifar10;
import io.github.jcnn.data.Images;
import io.github.jcnn.data.Normalization;
import io.github.jcnn.data.Preprocessing;
import io.github.jcnn.data.Split;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.tensor.Tensor;
import io.github.jcnn.viz.ImageGrid;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a trained LeNet-5 has learned: the first layer's filters, and the feature maps of one image after each
 * convolution.
 * <pre>
 *   examples/run LeNetCifar10          # first: trains and saves jcnn-out/LeNetCifar10/lenet5.safetensors
 *   examples/run VisualizeFilters      # then: filters and feature maps of test image 7
 *   examples/run VisualizeFilters --model my.safetensors --image 3 --data /path/to/cifar-10-batches-bin
 * </pre>
 * Writes into jcnn-out/VisualizeFilters: conv1-filters.png (the 6 filters of 5 x 5 x 3 as colour pictures),
 * input.png (the image), and for each convolution k, conv{k}-maps.png (its output channels after ReLU: where in the
 * image each filter responds; a map that is constant, e.g. all zero after ReLU, is drawn mid grey). The image comes from the CIFAR-10 test set, or is the {@code --picture FILE} given.
 * With {@code --tiny}, LeNetCifar10 first trains on synthetic data to get a model.
 */
public final class VisualizeFilters {

    private VisualizeFilters() {
    }

    public static void main(String[] argv) throws IOException {
        Args args = Args.parse(argv);
        Path out = args.outDir("VisualizeFilters");
        Path modelFile = Path.of(args.string("model", "jcnn-out/LeNetCifar10/lenet5.safetensors"));
        if (args.tiny() && args.string("model", null) == null) {
            System.out.println("(--tiny: training LeNetCifar10 on synthetic data to get a model)");
            Path lenetOut = out.resolve("LeNetCifar10");
            LeNetCifar10.main(new String[] {"--tiny", "--out", lenetOut.toString()});
            modelFile = lenetOut.resolve("lenet5.safetensors");
            System.out.println();
        } else if (!Files.exists(modelFile)) {
            System.err.println("No model at " + modelFile + ". Train one first with  examples/run LeNetCifar10  "
                    + "or pass --model FILE.");
            System.exit(2);
            return;
        }
        Sequential model = Sequential.load(modelFile);
        Normalization norm = model.preprocessing().flatMap(Preprocessing::normalization).orElse(null);
        System.out.println("Model " + modelFile);

        // the image: a file, or a CIFAR-10 test image
        Tensor picture;
        String what;
        if (args.string("picture", null) != null) {
            Path file = Path.of(args.string("picture", null));
            picture = Images.toTensor(file, model.inputShape(), null);
            what = file.toString();
        } else {
            Path dataDir = CifarData.folderOrExit(args, args.tiny() ? out.resolve("LeNetCifar10") : out);
            ByteImageDataset test = Cifar10.load(dataDir, Split.TEST);
            int index = args.integer("image", 7);
            picture = test.images(index, index + 1).reshape(test.sampleShape());
            what = "test image " + index + " (a " + test.classNames().get(test.label(index)) + ")";
        }
        Path input = out.resolve("input.png");
        Images.writePng(Images.toImage(picture, 0f, 1f, 8), input);
        System.out.println("Image: " + what + " -> " + input + " (8x enlarged)");

        // first-layer filters
        List<Layer> layers = model.layers();
        Conv2D first = (Conv2D) layers.stream().filter(l -> l instanceof Conv2D).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the model has no Conv2D layer"));
        Tensor weight = first.parameters().get(0).value();
        Path filters = out.resolve("conv1-filters.png");
        ImageGrid.filters(weight).scale(12).title("conv 1: " + first.filters() + " filters of "
                + first.kernelHeight() + " x " + first.kernelWidth() + " x " + first.inChannels()).writePng(filters);
        System.out.println("First-layer filters " + weight.shape() + " -> " + filters);

        // feature maps: the model's activations after each convolution (and the activation that follows it)
        Tensor x = picture.copy();
        if (norm != null) {
            norm.applyInPlace(x.data(), 0, x.shape());
        }
        x = x.reshape(x.shape().withBatch(1));
        int conv = 0;
        for (int i = 0; i < layers.size(); i++) {
            if (!(layers.get(i) instanceof Conv2D c)) {
                continue;
            }
            conv++;
            int depth = i + 2 <= layers.size() && isActivation(layers.get(i + 1)) ? i + 2 : i + 1;
            Tensor batchMaps = model.activations(x, depth);
            Tensor sample = batchMaps.reshape(batchMaps.shape().dropFirst());
            Path maps = out.resolve("conv" + conv + "-maps.png");
            ImageGrid.channels(sample, Math.min(8, c.filters())).scale(sample.shape().dim(1) >= 20 ? 4 : 8)
                    .title("conv " + conv + " + " + layers.get(depth - 1).type() + ": " + c.filters() + " maps of "
                            + sample.shape().dim(1) + " x " + sample.shape().dim(2)).writePng(maps);
            int silent = 0;
            int mapSize = sample.shape().dim(1) * sample.shape().dim(2);
            for (int m = 0; m < c.filters(); m++) {
                float max = Float.NEGATIVE_INFINITY;
                float min = Float.POSITIVE_INFINITY;
                for (int k = m * mapSize; k < (m + 1) * mapSize; k++) {
                    max = Math.max(max, sample.data()[k]);
                    min = Math.min(min, sample.data()[k]);
                }
                silent += max == min ? 1 : 0;
            }
            System.out.println("Feature maps after conv " + conv + " " + sample.shape() + " -> " + maps
                    + (silent == 0 ? "" : " (" + silent + " constant, drawn mid grey: that filter found nothing "
                    + "in this image)"));
        }
    }

    private static boolean isActivation(Layer layer) {
        String type = layer.type();
        return type.equals("ReLU") || type.equals("LeakyReLU") || type.equals("Tanh") || type.equals("Sigmoid");
    }
}
