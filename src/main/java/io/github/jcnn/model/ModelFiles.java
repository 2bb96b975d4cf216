package io.github.jcnn.model;

import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.Json;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.optim.OptimizerFactory;
import io.github.jcnn.optim.OptimizerState;
import io.github.jcnn.tensor.Shape;
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

    /** The format versions {@link #load} reads: 1 (no checksums) and 2. */
    static final List<String> READABLE_VERSIONS = List.of("1", "2");

    private static final String OPTIMIZER_PREFIX = "optimizer.";

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
                tensors.put(OPTIMIZER_PREFIX + e.getKey(), e.getValue());
            }
        }
        SafeTensors.write(file, tensors, metadata);
    }

    /**
     * See {@link Sequential#load(Path)}. Streams: the header is read and checked (lengths, offsets, shapes, header
     * checksum), the architecture is checked against the tensor table layer by layer as the model is built (so
     * nothing bigger than the data section is allocated), then each tensor's bytes are read in bounded chunks
     * straight into its parameter's array, and the data checksum is verified. The model is returned only after all
     * of that passed; the file is never held in memory whole.
     */
    static Sequential load(Path file) throws IOException {
        try (SafeTensors.Reader reader = SafeTensors.open(file)) {
            checkFormat(file, reader);
            Map<String, Shape> shapes = new LinkedHashMap<>();
            for (SafeTensors.TensorInfo t : reader.tensors()) {
                shapes.put(t.name(), t.shape());
            }
            Sequential model = LayerCodec.model(file, reader.metadata().get("architecture"), shapes);
            List<Layer> layers = model.layers();
            Map<String, float[]> targets = new LinkedHashMap<>();
            for (int i = 0; i < layers.size(); i++) {
                List<Parameter> all = new ArrayList<>(layers.get(i).parameters());
                all.addAll(layers.get(i).buffers());
                for (Parameter p : all) {
                    String name = i + "." + p.name();
                    Shape stored = shapes.get(name);
                    if (stored == null || !stored.equals(p.value().shape())) {
                        // the codec checked the shapes it expects; this catches a layer whose tensors differ
                        throw new FileFormatException(file, "tensor '" + name + "' of " + layers.get(i).type()
                                + " #" + i + (stored == null ? " is missing" : " has shape " + stored + " but the"
                                + " layer needs " + p.value().shape()));
                    }
                    targets.put(name, p.value().data());
                }
            }
            for (String name : shapes.keySet()) {
                if (!name.startsWith(OPTIMIZER_PREFIX) && !targets.containsKey(name)) {
                    throw new FileFormatException(file, "tensor '" + name + "' belongs to no layer of the"
                            + " architecture");
                }
            }
            // optimizer tensors are read too (through the chunk buffer only), for the checksum
            reader.readData(t -> targets.get(t.name()));
            return ModelMetadata.read(file, reader.metadata(), model);
        }
    }

    /** Refuses a file that is not a jcnn model of a version this code reads, or a version-2 file without checksums. */
    private static void checkFormat(Path file, SafeTensors.Reader reader) throws FileFormatException {
        Map<String, String> metadata = reader.metadata();
        if (!"jcnn".equals(metadata.get("format"))) {
            throw new FileFormatException(file, "not a jcnn model file (its metadata has no \"format\": \"jcnn\");"
                    + " for a plain state_dict such as PyTorch writes, build the model with Sequential.builder(...)"
                    + " and call model.loadWeights(file)");
        }
        String version = metadata.get("format_version");
        if (version == null || !READABLE_VERSIONS.contains(version)) {
            throw new FileFormatException(file, "unknown model format version " + version + "; this jcnn reads "
                    + "versions " + String.join(" and ", READABLE_VERSIONS));
        }
        if (!version.equals("1") && !reader.hasChecksums()) {
            throw new FileFormatException(file, "a version " + version + " model file must carry the checksums "
                    + SafeTensors.DATA_CRC32C + " and " + SafeTensors.HEADER_CRC32C + " in its metadata, this one"
                    + " has none (corrupt file)");
        }
    }

    /**
     * See {@link Sequential#loadOptimizer(Path, OptimizerFactory)}. Streams like {@link #load}: only the optimizer's
     * tensors are kept, the model's are read through a small buffer for the checksum.
     */
    static Optimizer loadOptimizer(Sequential model, Path file, OptimizerFactory factory) throws IOException {
        try (SafeTensors.Reader reader = SafeTensors.open(file)) {
            checkFormat(file, reader);
            String description = reader.metadata().get("optimizer");
            if (description == null) {
                throw new FileFormatException(file, "holds no optimizer state; save it with save(path, optimizer)");
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (SafeTensors.TensorInfo t : reader.tensors()) {
                if (t.name().startsWith(OPTIMIZER_PREFIX) && t.isRead()) {
                    // its size was checked against the file's length
                    tensors.put(t.name().substring(OPTIMIZER_PREFIX.length()), Tensor.zeros(t.shape()));
                }
            }
            reader.readData(t -> t.name().startsWith(OPTIMIZER_PREFIX) && t.isRead()
                    ? tensors.get(t.name().substring(OPTIMIZER_PREFIX.length())).data() : null);
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
                optimizer.restore(new OptimizerState((String) json.get("type"), values, tensors));
            } catch (RuntimeException e) {
                throw new FileFormatException(file, "the optimizer state does not fit: " + e.getMessage(), e);
            }
            return optimizer;
        }
    }
}
