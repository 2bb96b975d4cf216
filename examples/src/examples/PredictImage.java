package examples;

import io.github.jcnn.data.Cifar10;
import io.github.jcnn.data.Images;
import io.github.jcnn.data.Preprocessing;
import io.github.jcnn.model.Sequential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Classifies pictures with a saved model and prints the three most probable classes of each.
 * <pre>
 *   examples/run PredictImage my-cat.jpg another.png
 *   examples/run PredictImage photo.jpg --model jcnn-out/LeNetCifar10/lenet5.safetensors --classes cat,dog,...
 * </pre>
 * The model defaults to the one {@code LeNetCifar10} saves. That file also holds the class names and the training
 * set's normalisation ({@code model.withPreprocessing(...).withClassNames(...)} before saving), so classifying is
 * {@code Sequential.load(file).classify(image, 3)}; for a model file without them, the names are CIFAR-10's (or
 * {@code --classes a,b,...}) and the pixels are only scaled to [0, 1]. Each picture is resized to the model's input
 * size (32 x 32 for LeNet-5), as the model only ever saw such small images. With {@code --tiny} and no picture given,
 * a model is trained on synthetic data first (the build's smoke test).
 */
public final class PredictImage {

    private PredictImage() {
    }

    public static void main(String[] argv) throws IOException {
        Args args = Args.parse(argv);
        Path out = args.outDir("PredictImage");
        Path modelFile = Path.of(args.string("model", "jcnn-out/LeNetCifar10/lenet5.safetensors"));
        List<Path> pictures = new ArrayList<>();
        for (int i = 0; args.positional(i) != null; i++) {
            pictures.add(Path.of(args.positional(i)));
        }
        if (args.tiny() && pictures.isEmpty()) {
            System.out.println("(--tiny: training LeNetCifar10 on synthetic data to get a model and a picture)");
            Path lenetOut = out.resolve("LeNetCifar10");
            LeNetCifar10.main(new String[] {"--tiny", "--out", lenetOut.toString()});
            modelFile = lenetOut.resolve("lenet5.safetensors");
            pictures.add(lenetOut.resolve("new-image.png"));
            System.out.println();
        }
        if (!Files.exists(modelFile)) {
            System.err.println("No model at " + modelFile + ". Train one first with  examples/run LeNetCifar10  "
                    + "or pass --model FILE.");
            System.exit(2);
            return;
        }
        if (pictures.isEmpty()) {
            System.err.println("usage: examples/run PredictImage PICTURE.png|jpg [MORE...] [--model FILE] "
                    + "[--classes a,b,...]");
            System.exit(2);
            return;
        }
        Sequential model = Sequential.load(modelFile);
        if (args.string("classes", null) != null) {
            model = model.withClassNames(List.of(args.string("classes", null).split(",")));
        } else if (model.classNames().isEmpty()) {
            model = model.withClassNames(Cifar10.CLASS_NAMES);
        }
        String stored = model.preprocessing().map(p -> ", pixels scaled to 0.." + p.pixelRange().max()
                + p.normalization().map(n -> ", normalisation " + n).orElse(", no normalisation"))
                .orElse(", no preprocessing stored: pixels scaled to [0, 1], no normalisation");
        if (model.preprocessing().isEmpty()) {
            model = model.withPreprocessing(Preprocessing.unit());
        }
        System.out.println("Model " + modelFile + String.format(Locale.ROOT, " (%,d parameters, input %s)",
                model.parameterCount(), model.inputShape()) + stored);
        for (Path picture : pictures) {
            System.out.println(picture + ":");
            System.out.print(TopClasses.format(model.classify(Images.read(picture), 3)));
        }
    }
}
