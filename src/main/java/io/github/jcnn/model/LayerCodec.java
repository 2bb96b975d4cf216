package io.github.jcnn.model;

import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.Json;
import io.github.jcnn.layers.AvgPool2D;
import io.github.jcnn.layers.BatchNorm;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Dense;
import io.github.jcnn.layers.Dropout;
import io.github.jcnn.layers.Flatten;
import io.github.jcnn.layers.GlobalAvgPool2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.LeakyReLU;
import io.github.jcnn.layers.MaxPool2D;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.ReLU;
import io.github.jcnn.layers.Residual;
import io.github.jcnn.layers.Sigmoid;
import io.github.jcnn.layers.Softmax;
import io.github.jcnn.layers.Tanh;
import io.github.jcnn.tensor.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The architecture as JSON for model files, and back. Package-private; the format is in docs/model-format.md:
 * <pre>
 *   {"input": [3, 32, 32], "seed": 42, "layers": [
 *       {"type": "Conv2D", "filters": 6, "kernel": [5, 5], "stride": 1, "padding": "valid", "bias": true},
 *       {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2, "stride": 2}, ...]}
 * </pre>
 * Format version 2 adds {@code {"type": "GlobalAvgPool2D"}} and residual blocks,
 * {@code {"type": "Residual", "body": [layers...], "shortcut": [layers...]}} (an empty shortcut is the identity),
 * whose tensors are named {@code "i.body.j.weight"}, {@code "i.shortcut.j.weight"}.
 */
final class LayerCodec {

    private LayerCodec() {
    }

    static Map<String, Object> architecture(Sequential model) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("input", model.inputShape().dims());
        json.put("seed", Long.toString(model.seed()));
        List<Object> layers = new ArrayList<>();
        for (int i = 0; i < model.layers().size(); i++) {
            layers.add(encode(model.layers().get(i), i));
        }
        json.put("layers", layers);
        return json;
    }

    private static Map<String, Object> encode(Layer layer, int index) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", layer.type());
        if (layer instanceof Conv2D) {
            Conv2D c = (Conv2D) layer;
            m.put("filters", c.filters());
            m.put("kernel", new int[] {c.kernelHeight(), c.kernelWidth()});
            m.put("stride", c.stride());
            m.put("padding", c.padding().toString());
            m.put("bias", c.hasBias());
        } else if (layer instanceof MaxPool2D) {
            m.put("size", ((MaxPool2D) layer).poolSize());
            m.put("stride", ((MaxPool2D) layer).stride());
        } else if (layer instanceof AvgPool2D) {
            m.put("size", ((AvgPool2D) layer).poolSize());
            m.put("stride", ((AvgPool2D) layer).stride());
        } else if (layer instanceof Dense) {
            m.put("units", ((Dense) layer).units());
            m.put("bias", ((Dense) layer).hasBias());
        } else if (layer instanceof LeakyReLU) {
            m.put("slope", (double) ((LeakyReLU) layer).slope());
        } else if (layer instanceof Dropout) {
            m.put("rate", ((Dropout) layer).rate());
        } else if (layer instanceof BatchNorm) {
            BatchNorm b = (BatchNorm) layer;
            m.put("momentum", b.momentum());
            m.put("epsilon", b.epsilon());
        } else if (layer instanceof Residual) {
            Residual r = (Residual) layer;
            m.put("body", encodeAll(r.body(), index));
            m.put("shortcut", encodeAll(r.shortcut(), index));
        } else if (!(layer instanceof Flatten || layer instanceof GlobalAvgPool2D || layer instanceof ReLU || layer instanceof Sigmoid
                || layer instanceof Tanh || layer instanceof Softmax)) {
            throw new IllegalStateException(layer.type() + " #" + index + " (" + layer.getClass().getName()
                    + ") cannot be saved: only jcnn's own layers have a description in the model file");
        }
        return m;
    }

    /** The layers of a residual block's path; an error names the block's position in the model. */
    private static List<Object> encodeAll(List<Layer> layers, int index) {
        List<Object> out = new ArrayList<>();
        for (Layer layer : layers) {
            out.add(encode(layer, index));
        }
        return out;
    }

    /** The model described by the architecture JSON, with initial weights (overwritten by the loader). */
    static Sequential model(Path file, String architecture) throws FileFormatException {
        if (architecture == null) {
            throw new FileFormatException(file, "the metadata has no \"architecture\"");
        }
        int index = -1;
        try {
            Map<String, Object> json = Json.parseObject(architecture);
            Shape input = Shape.of(ints(json.get("input"), "input"));
            long seed = Long.parseLong(string(json.get("seed"), "seed"));
            if (!(json.get("layers") instanceof List)) {
                throw new IllegalArgumentException("\"layers\" must be an array");
            }
            List<Layer> layers = new ArrayList<>();
            Shape shape = input;
            for (Object o : (List<?>) json.get("layers")) {
                index++;
                if (!(o instanceof Map)) {
                    throw new IllegalArgumentException("must be an object, found " + Json.describe(o));
                }
                Layer layer = decode(shape, (Map<?, ?>) o);
                layers.add(layer);
                shape = layer.outputShape();
            }
            for (int i = 0; i < layers.size(); i++) {
                // weights are replaced by the file's; this seeds dropout as the builder does
                layers.get(i).initialize(io.github.jcnn.layers.WeightInit.GLOROT,
                        new SplittableRandom(SequentialBuilder.layerSeed(seed, i)));
            }
            return new Sequential(input, layers, seed);
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new FileFormatException(file, "invalid architecture" + (index >= 0 ? " at layer #" + index : "")
                    + ": " + e.getMessage(), e);
        }
    }

    private static Layer decode(Shape in, Map<?, ?> m) {
        String type = string(m.get("type"), "type");
        switch (type) {
            case "Conv2D": {
                int[] kernel = ints(m.get("kernel"), "kernel");
                if (kernel.length != 2) {
                    throw new IllegalArgumentException("kernel must be [height, width]");
                }
                return new Conv2D(in, integer(m.get("filters"), "filters"), kernel[0], kernel[1],
                        integer(m.get("stride"), "stride"), padding(string(m.get("padding"), "padding")),
                        bool(m.get("bias"), "bias"));
            }
            case "MaxPool2D":
                return new MaxPool2D(in, integer(m.get("size"), "size"), integer(m.get("stride"), "stride"));
            case "AvgPool2D":
                return new AvgPool2D(in, integer(m.get("size"), "size"), integer(m.get("stride"), "stride"));
            case "Flatten":
                return new Flatten(in);
            case "GlobalAvgPool2D":
                return new GlobalAvgPool2D(in);
            case "Residual":
                return new Residual(in, decodeAll(in, m.get("body"), "body"), decodeAll(in, m.get("shortcut"),
                        "shortcut"));
            case "Dense":
                return new Dense(in, integer(m.get("units"), "units"), bool(m.get("bias"), "bias"));
            case "ReLU":
                return new ReLU(in);
            case "LeakyReLU":
                return new LeakyReLU(in, (float) number(m.get("slope"), "slope"));
            case "Sigmoid":
                return new Sigmoid(in);
            case "Tanh":
                return new Tanh(in);
            case "Softmax":
                return new Softmax(in);
            case "Dropout":
                return new Dropout(in, number(m.get("rate"), "rate"));
            case "BatchNorm":
                return new BatchNorm(in, number(m.get("momentum"), "momentum"), number(m.get("epsilon"), "epsilon"));
            default:
                throw new IllegalArgumentException("unknown layer type \"" + type + "\"");
        }
    }

    /** A residual block's path: an array of layer objects, the first taking {@code in}. */
    private static List<Layer> decodeAll(Shape in, Object o, String what) {
        if (!(o instanceof List)) {
            throw new IllegalArgumentException("the Residual's \"" + what + "\" must be an array of layers, found "
                    + Json.describe(o));
        }
        List<Layer> layers = new ArrayList<>();
        Shape shape = in;
        int i = 0;
        for (Object item : (List<?>) o) {
            if (!(item instanceof Map)) {
                throw new IllegalArgumentException("the Residual's " + what + " layer " + i + " must be an object, "
                        + "found " + Json.describe(item));
            }
            try {
                Layer layer = decode(shape, (Map<?, ?>) item);
                layers.add(layer);
                shape = layer.outputShape();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("in the Residual's " + what + " layer " + i + ": "
                        + e.getMessage(), e);
            }
            i++;
        }
        return layers;
    }

    private static Padding padding(String s) {
        if (s.equals("valid")) {
            return Padding.VALID;
        } else if (s.equals("same")) {
            return Padding.SAME;
        } else if (s.startsWith("pad ")) {
            return Padding.of(Integer.parseInt(s.substring(4)));
        }
        throw new IllegalArgumentException("unknown padding \"" + s + "\"");
    }

    private static String string(Object o, String what) {
        if (!(o instanceof String)) {
            throw new IllegalArgumentException("\"" + what + "\" must be a string, found " + Json.describe(o));
        }
        return (String) o;
    }

    private static int integer(Object o, String what) {
        if (!(o instanceof Long) || (Long) o < Integer.MIN_VALUE || (Long) o > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("\"" + what + "\" must be an integer, found " + Json.describe(o));
        }
        return (int) (long) (Long) o;
    }

    private static double number(Object o, String what) {
        if (!(o instanceof Number)) {
            throw new IllegalArgumentException("\"" + what + "\" must be a number, found " + Json.describe(o));
        }
        return ((Number) o).doubleValue();
    }

    private static boolean bool(Object o, String what) {
        if (!(o instanceof Boolean)) {
            throw new IllegalArgumentException("\"" + what + "\" must be true or false, found " + Json.describe(o));
        }
        return (Boolean) o;
    }

    private static int[] ints(Object o, String what) {
        if (!(o instanceof List)) {
            throw new IllegalArgumentException("\"" + what + "\" must be an array of integers");
        }
        List<?> list = (List<?>) o;
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(list.get(i), what);
        }
        return out;
    }
}
