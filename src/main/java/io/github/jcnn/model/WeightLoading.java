package io.github.jcnn.model;

import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Loads a plain safetensors state_dict (PyTorch's, or a jcnn model file's weights) into a built model, PyTorch's
 * {@code load_state_dict} way. Package-private; {@link Sequential#loadWeights} documents the rules.
 */
final class WeightLoading {

    private WeightLoading() {
    }

    /** One tensor of the model: the parameter or buffer and a description for messages ("Dense #7 weight"). */
    private record Target(Parameter parameter, String owner) {
    }

    static LoadedWeights load(Sequential model, Path file, Function<String, String> renaming, boolean strict)
            throws IOException {
        Function<String, String> rename = name -> {
            String to = renaming.apply(name);
            if (to == null) {
                throw new IllegalArgumentException("the renaming gave null for the file's tensor '" + name
                        + "'; return the name itself to keep it");
            }
            return to;
        };
        SafeTensors.Contents contents = SafeTensors.read(file);
        boolean jcnnFile = "jcnn".equals(contents.metadata().get("format"));
        Map<String, Target> targets = new LinkedHashMap<>();
        List<Layer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            List<Parameter> all = new ArrayList<>(layers.get(i).parameters());
            all.addAll(layers.get(i).buffers());
            for (Parameter p : all) {
                targets.put(i + "." + p.name(), new Target(p, layers.get(i).type() + " #" + i + " " + p.name()));
            }
        }
        Map<String, Tensor> values = new LinkedHashMap<>();   // model name -> the file's tensor
        Map<String, String> sources = new LinkedHashMap<>();  // model name -> the file's name
        List<String> unexpected = new ArrayList<>();       // the file's names
        List<String> unexpectedShown = new ArrayList<>();  // ... with their shapes, for the message
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : contents.tensors().entrySet()) {
            String fileName = e.getKey();
            if (jcnnFile && fileName.startsWith("optimizer.")) {
                continue;
            }
            String name = rename.apply(fileName);
            String shown = name.equals(fileName) ? "'" + name + "'" : "'" + fileName + "' (as '" + name + "')";
            Target target = targets.get(name);
            if (target == null) {
                unexpected.add(fileName);
                unexpectedShown.add(shown + " " + e.getValue().shape());
            } else if (sources.containsKey(name)) {
                wrong.add(shown + " and '" + sources.get(name) + "' both map to '" + name + "'");
            } else if (!e.getValue().shape().equals(target.parameter.value().shape())) {
                wrong.add(shown + " has shape " + e.getValue().shape() + " but " + target.owner + " needs "
                        + target.parameter.value().shape());
                sources.put(name, fileName);
            } else {
                values.put(name, e.getValue());
                sources.put(name, fileName);
            }
        }
        List<String> skipped = new ArrayList<>();
        for (Map.Entry<String, SafeTensors.Skipped> e : contents.skipped().entrySet()) {
            String name = rename.apply(e.getKey());
            Target target = targets.get(name);
            if (target != null) {
                wrong.add("'" + e.getKey() + "' has dtype " + e.getValue().dtype() + " but " + target.owner
                        + " needs floating-point numbers (F32, F16, BF16 or F64)");
                sources.put(name, e.getKey());
            } else {
                skipped.add(e.getKey());
            }
        }
        List<String> missing = new ArrayList<>();
        List<String> missingShown = new ArrayList<>();
        for (Map.Entry<String, Target> e : targets.entrySet()) {
            if (!sources.containsKey(e.getKey())) {
                missing.add(e.getKey());
                missingShown.add("'" + e.getKey() + "' (" + e.getValue().owner + ", "
                        + e.getValue().parameter.value().shape() + ")");
            }
        }
        if (!wrong.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            StringBuilder message = new StringBuilder("the weights do not fit the model")
                    .append(strict ? " (strict load)" : "").append("; nothing was loaded.");
            if (strict && !missing.isEmpty()) {
                message.append(" Missing in the file: ").append(String.join(", ", missingShown)).append('.');
            }
            if (strict && !unexpected.isEmpty()) {
                message.append(" Unexpected (no such tensor in the model): ").append(String.join(", ", unexpectedShown))
                        .append('.');
            }
            if (!wrong.isEmpty()) {
                message.append(" Not fitting: ").append(String.join("; ", wrong)).append('.');
            }
            message.append(" The model's tensors are named '{layer index}.{name}' as in PyTorch's nn.Sequential"
                    + " (see docs/model-format.md); map other names with loadWeights(file, Map.of(\"conv1\", \"0\","
                    + " ...))").append(wrong.isEmpty() ? ", or load non-strictly with loadWeights(file, rename, false)"
                    : "").append('.');
            throw new FileFormatException(file, message.toString());
        }
        for (Map.Entry<String, Tensor> e : values.entrySet()) {
            targets.get(e.getKey()).parameter.value().copyFromInPlace(e.getValue());
        }
        return new LoadedWeights(new ArrayList<>(values.keySet()), missing, unexpected, skipped);
    }
}
