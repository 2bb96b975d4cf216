package io.github.jcnn.optim;

import io.github.jcnn.tensor.Tensor;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot of an optimizer's memory, enough to resume training exactly where it stopped.
 *
 * <p>{@code values} holds scalars as strings (the step count, the learning rate, the settings), {@code tensors} the
 * per-parameter buffers named {@code "{i}.name"} where i is the parameter's position in
 * {@link Optimizer#parameters()} (e.g. {@code "3.m"} and {@code "3.v"} for Adam's moments of parameter 3).
 * Model files store the tensors under the prefix {@code "optimizer."}.
 *
 * @param type    the optimizer's type, e.g. {@code "Adam"}; restoring into another type is refused
 * @param values  scalars by name (sorted)
 * @param tensors buffers by name (sorted); the tensors are copies
 */
public record OptimizerState(String type, Map<String, String> values, Map<String, Tensor> tensors) {

    /** Copies the maps into sorted, unmodifiable ones. */
    public OptimizerState {
        values = java.util.Collections.unmodifiableMap(new TreeMap<>(values));
        tensors = java.util.Collections.unmodifiableMap(new TreeMap<>(tensors));
    }

    /**
     * The scalar {@code name}.
     *
     * @throws IllegalArgumentException if it is absent
     */
    public String value(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException(type + " optimizer state has no value '" + name + "'; it has "
                    + values.keySet());
        }
        return v;
    }

    /**
     * The tensor {@code name}.
     *
     * @throws IllegalArgumentException if it is absent
     */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(type + " optimizer state has no tensor '" + name + "'");
        }
        return t;
    }
}
