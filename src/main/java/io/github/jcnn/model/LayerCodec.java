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

    /** The largest number an architecture may declare for a size (units, filters, kernel, input dimension). */
    static final int MAX_DIMENSION = 1 << 24;

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
        } else if (!(layer instanceof Flatten || layer instanceof GlobalAvgPool2D || layer instanceof ReLU
                || layer instanceof Sigmoid || layer instanceof Tanh || layer instanceof Softmax)) {
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

    /**
     * The model described by the architecture JSON, with initial weights (overwritten by the loader).
     *
     * <p>Nothing large is allocated before it is checked: every declared number is checked to lie in
     * [1, {@value #MAX_DIMENSION}] (padding in [0, {@value #MAX_DIMENSION}]), and before each layer is built, the
     * tensors it will allocate (their shapes follow from its settings and its input shape) are checked against
     * {@code tensors}, the file's tensor table, whose sizes were checked against the file's length. So a file whose
     * architecture declares a layer bigger than its data section is refused without allocating it.
     *
     * @param tensors the file's tensors by name (only names and shapes are used)
     */
    static Sequential model(Path file, String architecture, Map<String, Shape> tensors) throws FileFormatException {
        if (architecture == null) {
            throw new FileFormatException(file, "the metadata has no \"architecture\"");
        }
        int index = -1;
        try {
            Map<String, Object> json = Json.parseObject(architecture);
            Shape input = Shape.of(dimensions(json.get("input"), "input"));
            long seed = Long.parseLong(string(json.get("seed"), "seed"));
            if (!(json.get("layers") instanceof List)) {
                throw new IllegalArgumentException("\"layers\" must be an array");
            }
            FileTensors stored = new FileTensors(file, tensors);
            List<Layer> layers = new ArrayList<>();
            Shape shape = input;
            for (Object o : (List<?>) json.get("layers")) {
                index++;
                if (!(o instanceof Map)) {
                    throw new IllegalArgumentException("must be an object, found " + Json.describe(o));
                }
                Layer layer = decode(shape, (Map<?, ?>) o, index + ".", stored);
                layers.add(layer);
                shape = layer.outputShape();
            }
            for (int i = 0; i < layers.size(); i++) {
                // weights are replaced by the file's; this seeds dropout as the builder does
                layers.get(i).initialize(io.github.jcnn.layers.WeightInit.GLOROT,
                        new SplittableRandom(SequentialBuilder.layerSeed(seed, i)));
            }
            return new Sequential(input, layers, seed);
        } catch (RuntimeException e) {
            // settings a layer refuses (IllegalArgumentException) or any other surprise from a crafted file
            throw new FileFormatException(file, "invalid architecture" + (index >= 0 ? " at layer #" + index : "")
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * The file's tensor table, for checking a layer's tensors before the layer is built: its sizes were checked
     * against the file's length, so a layer whose tensors are all in it allocates no more than the file holds.
     */
    private record FileTensors(Path file, Map<String, Shape> shapes) {

        /**
         * Requires that the tensors a layer will allocate, {@code prefix + name} with these shapes, are in the file.
         *
         * @param prefix   the layer's tensor-name prefix, e.g. {@code "3."} (nested layers: {@code "3.body.0."})
         * @param settings the layer's JSON object, for the message
         */
        void require(String prefix, String type, Map<String, Shape> tensors, Map<?, ?> settings, Shape input)
                throws FileFormatException {
            String position = prefix.substring(0, prefix.length() - 1);
            String layer = type + (position.contains(".") ? " at " + position : " #" + position);
            for (Map.Entry<String, Shape> t : tensors.entrySet()) {
                String name = prefix + t.getKey();
                Shape shape = shapes.get(name);
                if (shape == null) {
                    throw new FileFormatException(file, "tensor '" + name + "' of " + layer + " is missing");
                }
                if (!shape.equals(t.getValue())) {
                    throw new FileFormatException(file, "tensor '" + name + "' has shape " + shape + " but " + layer
                            + " needs " + t.getValue() + " (from its settings " + Json.write(settings)
                            + " and its input " + input + ")");
                }
            }
        }
    }

    /**
     * Builds one layer taking {@code in} from its JSON object, after checking with {@code stored} that the tensors
     * it will allocate are in the file (shapes from its settings and its input shape, overflow-checked by
     * {@link Shape#of}).
     */
    private static Layer decode(Shape in, Map<?, ?> m, String prefix, FileTensors stored) throws FileFormatException {
        String type = string(m.get("type"), "type");
        Map<String, Shape> tensors = new LinkedHashMap<>();
        switch (type) {
            case "Conv2D": {
                int[] kernel = dimensions(m.get("kernel"), "kernel");
                if (kernel.length != 2) {
                    throw new IllegalArgumentException("kernel must be [height, width]");
                }
                int filters = size(m.get("filters"), "filters");
                int stride = size(m.get("stride"), "stride");
                Padding padding = padding(string(m.get("padding"), "padding"));
                boolean bias = bool(m.get("bias"), "bias");
                if (in.rank() == 3) {   // else the constructor refuses the input, naming it
                    tensors.put("weight", Shape.of(filters, in.dim(0), kernel[0], kernel[1]));
                    if (bias) {
                        tensors.put("bias", Shape.of(filters));
                    }
                }
                stored.require(prefix, type, tensors, m, in);
                return new Conv2D(in, filters, kernel[0], kernel[1], stride, padding, bias);
            }
            case "MaxPool2D":
                return new MaxPool2D(in, size(m.get("size"), "size"), size(m.get("stride"), "stride"));
            case "AvgPool2D":
                return new AvgPool2D(in, size(m.get("size"), "size"), size(m.get("stride"), "stride"));
            case "Flatten":
                return new Flatten(in);
            case "GlobalAvgPool2D":
                return new GlobalAvgPool2D(in);
            case "Residual":
                return new Residual(in, decodeAll(in, m.get("body"), "body", prefix, stored),
                        decodeAll(in, m.get("shortcut"), "shortcut", prefix, stored));
            case "Dense": {
                int units = size(m.get("units"), "units");
                boolean bias = bool(m.get("bias"), "bias");
                tensors.put("weight", Shape.of(units, in.size()));
                if (bias) {
                    tensors.put("bias", Shape.of(units));
                }
                stored.require(prefix, type, tensors, m, in);
                return new Dense(in, units, bias);
            }
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
            case "BatchNorm": {
                double momentum = number(m.get("momentum"), "momentum");
                double epsilon = number(m.get("epsilon"), "epsilon");
                for (String name : List.of("weight", "bias", "running_mean", "running_var")) {
                    tensors.put(name, Shape.of(in.dim(0)));
                }
                stored.require(prefix, type, tensors, m, in);
                return new BatchNorm(in, momentum, epsilon);
            }
            default:
                throw new IllegalArgumentException("unknown layer type \"" + type + "\"");
        }
    }

    /**
     * A residual block's path: an array of layer objects, the first taking {@code in}, each checked against the
     * file's tensors under {@code prefix + what + ".i."} before it is built.
     */
    private static List<Layer> decodeAll(Shape in, Object o, String what, String prefix, FileTensors stored)
            throws FileFormatException {
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
                // the inner layer's tensors are "{prefix}body.{i}.weight", as Residual names its parameters
                Layer layer = decode(shape, (Map<?, ?>) item, prefix + what + "." + i + ".", stored);
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
            int amount = Integer.parseInt(s.substring(4));
            if (amount < 0 || amount > MAX_DIMENSION) {
                throw new IllegalArgumentException("padding " + amount + " is outside [0, " + MAX_DIMENSION + "]");
            }
            return Padding.of(amount);
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

    /** A declared size: an integer in [1, MAX_DIMENSION]. */
    private static int size(Object o, String what) {
        int value = integer(o, what);
        if (value < 1 || value > MAX_DIMENSION) {
            throw new IllegalArgumentException("\"" + what + "\" is " + value + ", outside [1, " + MAX_DIMENSION
                    + "]");
        }
        return value;
    }

    /** An array of declared sizes, at most 8 of them. */
    private static int[] dimensions(Object o, String what) {
        if (!(o instanceof List) || ((List<?>) o).isEmpty() || ((List<?>) o).size() > 8) {
            throw new IllegalArgumentException("\"" + what + "\" must be an array of 1 to 8 integers");
        }
        List<?> list = (List<?>) o;
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = size(list.get(i), what);
        }
        return out;
    }
}
