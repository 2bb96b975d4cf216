package io.github.jcnn.model;

import io.github.jcnn.data.Normalization;
import io.github.jcnn.data.Preprocessing;
import io.github.jcnn.data.Preprocessing.PixelRange;
import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.Json;
import io.github.jcnn.tensor.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The preprocessing and class names of a model in the model file's metadata (format version 2), and back.
 * Package-private; the format is in docs/model-format.md:
 * <pre>
 *   "preprocessing": {"input": [3, 32, 32], "color": "rgb", "resize": "stretch", "pixel_range": [0, 1],
 *                     "mean": [0.4914, 0.4822, 0.4465], "std": [0.247, 0.2435, 0.2616]}
 *   "class_names":   ["airplane", "automobile", ...]
 * </pre>
 * Both are JSON strings in the {@code __metadata__} map; both are optional.
 */
final class ModelMetadata {

    static final String PREPROCESSING = "preprocessing";
    static final String CLASS_NAMES = "class_names";

    private ModelMetadata() {
    }

    /** Adds the model's preprocessing and class names, where it has them, to {@code metadata}. */
    static void write(Sequential model, Map<String, String> metadata) {
        model.preprocessing().ifPresent(p -> metadata.put(PREPROCESSING, Json.write(encode(p, model.inputShape()))));
        if (!model.classNames().isEmpty()) {
            metadata.put(CLASS_NAMES, Json.write(model.classNames()));
        }
    }

    private static Map<String, Object> encode(Preprocessing p, Shape input) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("input", input.dims());
        json.put("color", input.dim(0) == 3 ? "rgb" : "grey");
        json.put("resize", "stretch");
        json.put("pixel_range", new int[] {0, p.pixelRange().max()});
        p.normalization().ifPresent(norm -> {
            List<Float> mean = new ArrayList<>();
            List<Float> std = new ArrayList<>();
            for (int c = 0; c < norm.channels(); c++) {
                mean.add(norm.mean(c));
                std.add(norm.std(c));
            }
            json.put("mean", mean);
            json.put("std", std);
        });
        return json;
    }

    /** The model with the preprocessing and class names of {@code metadata}, if any, attached. */
    static Sequential read(Path file, Map<String, String> metadata, Sequential model) throws FileFormatException {
        Sequential out = model;
        String preprocessing = metadata.get(PREPROCESSING);
        if (preprocessing != null) {
            out = out.withPreprocessing(decode(file, preprocessing, model.inputShape()));
        }
        String names = metadata.get(CLASS_NAMES);
        if (names != null) {
            List<String> classNames = new ArrayList<>();
            try {
                Object json = Json.parse(names);
                if (!(json instanceof List)) {
                    throw new IllegalArgumentException("must be an array of strings, found " + Json.describe(json));
                }
                for (Object o : (List<?>) json) {
                    if (!(o instanceof String)) {
                        throw new IllegalArgumentException("must be an array of strings, found an element "
                                + Json.describe(o));
                    }
                    classNames.add((String) o);
                }
                out = out.withClassNames(classNames);
            } catch (IllegalArgumentException e) {
                throw new FileFormatException(file, "invalid \"class_names\" metadata: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static Preprocessing decode(Path file, String text, Shape input) throws FileFormatException {
        try {
            Map<String, Object> json = Json.parseObject(text);
            Object shape = json.get("input");
            if (!(shape instanceof List) || !longs((List<?>) shape).equals(longs(input.dims()))) {
                throw new IllegalArgumentException("\"input\" is " + Json.write(shape) + " but the architecture's "
                        + "input is " + input);
            }
            Object range = json.get("pixel_range");
            PixelRange pixels;
            if (range instanceof List && longs((List<?>) range).equals(List.of(0L, 1L))) {
                pixels = PixelRange.UNIT;
            } else if (range instanceof List && longs((List<?>) range).equals(List.of(0L, 255L))) {
                pixels = PixelRange.BYTE;
            } else {
                throw new IllegalArgumentException("\"pixel_range\" must be [0, 1] or [0, 255], found "
                        + Json.write(range));
            }
            Object mean = json.get("mean");
            Object std = json.get("std");
            Preprocessing p = Preprocessing.unit().withPixelRange(pixels);
            if (mean != null || std != null) {
                p = p.withNormalization(Normalization.of(numbers(mean, "mean"), numbers(std, "std")));
            }
            p.checkFits(input);
            return p;
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, "invalid \"preprocessing\" metadata: " + e.getMessage(), e);
        }
    }

    private static List<Long> longs(List<?> values) {
        List<Long> out = new ArrayList<>();
        for (Object o : values) {
            out.add(o instanceof Long ? (Long) o : null);
        }
        return out;
    }

    private static List<Long> longs(int[] values) {
        List<Long> out = new ArrayList<>();
        for (int v : values) {
            out.add((long) v);
        }
        return out;
    }

    private static double[] numbers(Object o, String what) {
        if (!(o instanceof List)) {
            throw new IllegalArgumentException("\"" + what + "\" must be an array of numbers, found "
                    + Json.describe(o));
        }
        List<?> list = (List<?>) o;
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number)) {
                throw new IllegalArgumentException("\"" + what + "\" must be an array of numbers, found "
                        + Json.describe(list.get(i)));
            }
            out[i] = ((Number) list.get(i)).doubleValue();
        }
        return out;
    }
}
