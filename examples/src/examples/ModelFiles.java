package examples;

import io.github.jcnn.data.Normalization;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.model.Sequential;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A trained classifier as one file: the model ({@link Sequential#save}) plus what a new image needs to be classified
 * the way the training images were, kept in the file's metadata, which {@link Sequential#load} ignores:
 * <pre>
 *   "class_names":   "airplane,automobile,..."
 *   "norm_mean":     "0.4914,0.4822,0.4465"      (per channel, from the training set)
 *   "norm_std":      "0.2470,0.2435,0.2616"
 * </pre>
 * The model format itself stores only the architecture and the weights (docs/model-format.md).
 */
final class ModelFiles {

    private ModelFiles() {
    }

    /** Saves the model, then adds the class names and the normalisation to the file's metadata. */
    static void save(Sequential model, Path file, List<String> classNames, Normalization norm) throws IOException {
        model.save(file);
        SafeTensors.Contents contents = SafeTensors.read(file);
        Map<String, String> metadata = new LinkedHashMap<>(contents.metadata());
        metadata.put("class_names", String.join(",", classNames));
        if (norm != null) {
            metadata.put("norm_mean", join(norm.mean()));
            metadata.put("norm_std", join(norm.std()));
        }
        SafeTensors.write(file, contents.tensors(), metadata);
    }

    /** The class names stored by {@link #save}, or null when the file has none. */
    static List<String> classNames(Path file) throws IOException {
        String names = SafeTensors.readMetadata(file).get("class_names");
        return names == null ? null : List.of(names.split(","));
    }

    /** The normalisation stored by {@link #save}, or null when the file has none. */
    static Normalization normalization(Path file) throws IOException {
        Map<String, String> metadata = SafeTensors.readMetadata(file);
        String mean = metadata.get("norm_mean");
        String std = metadata.get("norm_std");
        if (mean == null || std == null) {
            return null;
        }
        return Normalization.of(parse(mean), parse(std));
    }

    private static String join(double[] values) {
        List<String> parts = new ArrayList<>();
        for (double v : values) {
            parts.add(String.format(Locale.ROOT, "%.6f", v));
        }
        return String.join(",", parts);
    }

    private static double[] parse(String values) {
        return Arrays.stream(values.split(",")).mapToDouble(Double::parseDouble).toArray();
    }
}
