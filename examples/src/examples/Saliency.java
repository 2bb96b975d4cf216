package examples;

import io.github.jcnn.data.ByteImageDataset;
import io.github.jcnn.data.Cifar10;
import io.github.jcnn.data.Normalization;
import io.github.jcnn.data.Preprocessing;
import io.github.jcnn.data.Split;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.model.TrainingStep;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import io.github.jcnn.viz.ImageGrid;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a trained LeNet-5 looks: the saliency map of a few test images, the size of the loss's gradient with respect
 * to each input pixel,
 * <pre>
 *   saliency[h, w] = max over channels c of | dL/dx[c, h, w] |        L = cross-entropy of the predicted class
 * </pre>
 * (Simonyan, Vedaldi and Zisserman, 2013): the pixels whose change would change the model's answer most. It is a
 * custom step of the training machinery stopped half-way: a training forward and the loss ({@code forwardLoss}), the
 * backward pass down to the image ({@code backwardToInput}), and no optimizer step, so the weights stay as they are.
 * <pre>
 *   examples/run LeNetCifar10          # first: trains and saves jcnn-out/LeNetCifar10/lenet5.safetensors
 *   examples/run Saliency              # then: saliency maps of test images 0 to 5
 *   examples/run Saliency --model my.safetensors --images 8 --first 100 --data /path/to/cifar-10-batches-bin
 * </pre>
 * Without a model file it first trains one with LeNetCifar10 (passing on {@code --data}, {@code --epochs} and
 * {@code --tiny}). Writes into jcnn-out/Saliency: saliency-{i}.png for each test image i (the image beside its map,
 * 8x enlarged, brighter = more salient) and saliency.png with all of them.
 */
public final class Saliency {

    private Saliency() {
    }

    public static void main(String[] argv) throws IOException {
        Args args = Args.parse(argv);
        Path out = args.outDir("Saliency");
        int count = args.integer("images", 6);
        int first = args.integer("first", 0);
        Path modelFile = Path.of(args.string("model", "jcnn-out/LeNetCifar10/lenet5.safetensors"));
        Path lenetOut = args.tiny() ? out.resolve("LeNetCifar10") : Path.of("jcnn-out/LeNetCifar10");
        if (args.string("model", null) == null && (args.tiny() || !Files.exists(modelFile))) {
            System.out.println("(no model yet: training LeNet-5 with LeNetCifar10 first)");
            List<String> lenetArgs = new ArrayList<>(List.of("--out", lenetOut.toString()));
            if (args.tiny()) {
                lenetArgs.add("--tiny");
            }
            for (String option : List.of("data", "epochs")) {
                if (args.string(option, null) != null) {
                    lenetArgs.addAll(List.of("--" + option, args.string(option, null)));
                }
            }
            LeNetCifar10.main(lenetArgs.toArray(new String[0]));
            modelFile = lenetOut.resolve("lenet5.safetensors");
            System.out.println();
        } else if (!Files.exists(modelFile)) {
            System.err.println("No model at " + modelFile + ". Train one with  examples/run LeNetCifar10  or leave "
                    + "out --model to train one now.");
            System.exit(2);
            return;
        }
        Sequential model = Sequential.load(modelFile);
        Normalization norm = model.preprocessing().flatMap(Preprocessing::normalization).orElse(null);
        System.out.println("Model " + modelFile);

        Path dataDir = CifarData.folderOrExit(args, args.tiny() ? lenetOut : out);
        ByteImageDataset test = Cifar10.load(dataDir, Split.TEST);
        List<String> names = test.classNames();
        int last = Math.min(test.size(), first + count);
        Shape sample = test.sampleShape();

        // the images as drawn (values in [0, 1]) and as the model takes them (normalised like its training set)
        Tensor images = test.images(first, last);
        Tensor input = images.copy();
        if (norm != null) {
            for (int i = 0; i < last - first; i++) {
                norm.applyInPlace(input.data(), i * sample.size(), sample);
            }
        }
        int[] predicted = model.predictClasses(input);
        // dL/dx of the loss of the predicted class: the gradient for the model's own answer
        model.zeroGrad();
        TrainingStep step = model.forwardLoss(input, predicted);
        Tensor gradient = step.backwardToInput();

        List<List<Tensor>> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        int channels = sample.dim(0);
        int plane = sample.dim(1) * sample.dim(2);
        for (int i = 0; i < last - first; i++) {
            Tensor map = Tensor.zeros(Shape.of(1, sample.dim(1), sample.dim(2)));
            float max = 0;
            for (int p = 0; p < plane; p++) {
                float m = 0;
                for (int c = 0; c < channels; c++) {
                    m = Math.max(m, Math.abs(gradient.data()[(i * channels + c) * plane + p]));
                }
                map.data()[p] = m;
                max = Math.max(max, m);
            }
            if (max > 0) {
                map.scaleInPlace(1 / max);   // brightest pixel = 1, for drawing
            }
            Tensor image = Tensor.wrap(sample, java.util.Arrays.copyOfRange(images.data(), i * sample.size(),
                    (i + 1) * sample.size()));
            int index = first + i;
            String label = String.format(Locale.ROOT, "#%d %s -> %s", index, names.get(test.label(index)),
                    names.get(predicted[i]));
            Path file = out.resolve("saliency-" + index + ".png");
            ImageGrid.of(List.of(List.of(image, map)), List.of(label)).scale(8).scaling(ImageGrid.Scaling.UNIT)
                    .title("test image " + index + " and its saliency |dL/dx|").writePng(file);
            System.out.printf(Locale.ROOT, "test image %d (%s): predicted %s; largest |dL/dx| %.3g -> %s%n", index,
                    names.get(test.label(index)), names.get(predicted[i]), max, file);
            rows.add(List.of(image, map));
            labels.add(label);
        }
        Path all = out.resolve("saliency.png");
        ImageGrid.of(rows, labels).scale(4).scaling(ImageGrid.Scaling.UNIT)
                .title("LeNet-5: each test image and where it looks (max over channels of |dL/dx|)").writePng(all);
        System.out.println("all of them -> " + all);
        System.out.printf(Locale.ROOT, "the loss of the predicted classes: %.4f (mean over %d images)%n", step.loss(),
                step.size());
    }
}
