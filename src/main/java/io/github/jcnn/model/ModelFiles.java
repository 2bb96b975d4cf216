package io.github.jcnn.model;

import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.Json;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.optim.OptimizerFactory;
import io.github.jcnn.optim.OptimizerState;
import io.github.jcnn.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saving and loading models: what {@link Sequential#save}, {@link Sequential#load} and
 * {@link Sequential#loadOptimizer} do. The file format is in docs/model-format.md.
 */
final class ModelFiles {

    private ModelFiles() {
    }

    /** See {@link Sequential#save(Path, Optimizer)}; {@code optimizer} may be null. */
    static void save(Sequential model, Path file, Optimizer optimizer) throws IOException {
        List<Layer> layers = model.layers();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            for (Parameter p : layers.get(i).parameters()) {
                tensors.put(i + "." + p.name(), p.value());
            }
            for (Parameter b : layers.get(i).buffers()) {
                tensors.put(i + "." + b.name(), b.value());
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "jcnn");
        metadata.put("format_version", Sequential.FORMAT_VERSION);
        metadata.put("architecture", Json.write(LayerCodec.architecture(model)));
        ModelMetadata.write(model, metadata);
        if (optimizer != null) {
            OptimizerState state = optimizer.state();
            Map<String, Object> description = new LinkedHashMap<>();
            description.put("type", state.type());
            description.put("values", state.values());
            metadata.put("optimizer", Json.write(description));
            for (Map.Entry<String, Tensor> e : state.tensors().entrySet()) {
                tensors.put("optimizer." + e.getKey(), e.getValue());
            }
        }
        SafeTensors.write(file, tensors, metadata);
    }

    /** See {@link Sequential#load(Path)}. */
    static Sequential load(Path file) throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(file);
        Map<String, String> metadata = contents.metadata();
        if (!"jcnn".equals(metadata.get("format"))) {
            throw new FileFormatException(file, "not a jcnn model file (its metadata has no \"format\": \"jcnn\");"
                    + " for a plain state_dict such as PyTorch writes, build the model with Sequential.builder(...)"
                    + " and call model.loadWeights(file)");
        }
        String version = metadata.get("format_version");
        if (!Sequential.FORMAT_VERSION.equals(version) && !"1".equals(version)) {
            throw new FileFormatException(file, "unknown model format version " + version + "; this jcnn reads "
                    + "versions 1 and " + Sequential.FORMAT_VERSION);
        }
        Sequential model = LayerCodec.model(file, metadata.get("architecture"));
        List<Layer> layers = model.layers();
        Map<String, Tensor> tensors = contents.tensors();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            List<Parameter> all = new ArrayList<>(layers.get(i).parameters());
            all.addAll(layers.get(i).buffers());
            for (Parameter p : all) {
                String name = i + "." + p.name();
                expected.add(name);
                Tensor t = tensors.get(name);
                if (t == null) {
                    throw new FileFormatException(file, "tensor '" + name + "' of " + layers.get(i).type()
                            + " #" + i + " is missing");
                }
                if (!t.shape().equals(p.value().shape())) {
                    throw new FileFormatException(file, "tensor '" + name + "' has shape " + t.shape() + " but "
                            + layers.get(i).type() + " #" + i + " needs " + p.value().shape());
                }
                p.value().copyFromInPlace(t);
            }
        }
        for (String name : tensors.keySet()) {
            if (!name.startsWith("optimizer.") && !expected.contains(name)) {
                throw new FileFormatException(file, "tensor '" + name + "' belongs to no layer of the architecture");
            }
        }
        return ModelMetadata.read(file, metadata, model);
    }

    /** See {@link Sequential#loadOptimizer(Path, OptimizerFactory)}. */
    static Optimizer loadOptimizer(Sequential model, Path file, OptimizerFactory factory) throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(file);
        String description = contents.metadata().get("optimizer");
        if (description == null) {
            throw new FileFormatException(file, "holds no optimizer state; save it with save(path, optimizer)");
        }
        Optimizer optimizer = factory.create(model.parameters());
        try {
            Map<String, Object> json = Json.parseObject(description);
            Map<String, String> values = new LinkedHashMap<>();
            Object rawValues = json.get("values");
            if (!(json.get("type") instanceof String) || !(rawValues instanceof Map)) {
                throw new IllegalArgumentException("the optimizer description needs a type and values");
            }
            for (Map.Entry<?, ?> e : ((Map<?, ?>) rawValues).entrySet()) {
                values.put((String) e.getKey(), String.valueOf(e.getValue()));
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : contents.tensors().entrySet()) {
                if (e.getKey().startsWith("optimizer.")) {
                    tensors.put(e.getKey().substring("optimizer.".length()), e.getValue());
                }
            }
            optimizer.restore(new OptimizerState((String) json.get("type"), values, tensors));
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, "the optimizer state does not fit: " + e.getMessage(), e);
        }
        return optimizer;
    }
}
