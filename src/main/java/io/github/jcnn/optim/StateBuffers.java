package io.github.jcnn.optim;

import io.github.jcnn.layers.Parameter;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Per-parameter buffers of one kind ("m", "v", "momentum"), saved as "{i}.kind". Package-private helper. */
final class StateBuffers {

    private StateBuffers() {
    }

    /** One zero tensor per parameter, of the parameter's shape. */
    static List<Tensor> zerosLike(List<Parameter> parameters) {
        List<Tensor> out = new ArrayList<>(parameters.size());
        for (Parameter p : parameters) {
            out.add(Tensor.zeros(p.value().shape()));
        }
        return out;
    }

    /** Copies of the buffers into {@code target} as "{i}.kind". */
    static void save(String kind, List<Tensor> buffers, Map<String, Tensor> target) {
        for (int i = 0; i < buffers.size(); i++) {
            target.put(i + "." + kind, buffers.get(i).copy());
        }
    }

    /** Checks that the state has "{i}.kind" of each buffer's shape, changing nothing. */
    static void check(String kind, OptimizerState state, List<Tensor> buffers) {
        for (int i = 0; i < buffers.size(); i++) {
            Tensor saved = state.tensor(i + "." + kind);
            if (!saved.shape().equals(buffers.get(i).shape())) {
                throw new IllegalArgumentException(state.type() + " state tensor " + i + "." + kind + " has shape "
                        + saved.shape() + " but parameter " + i + " has shape " + buffers.get(i).shape());
            }
        }
    }

    /** Copies "{i}.kind" from the state into the buffers, after {@link #check} has passed. */
    static void load(String kind, OptimizerState state, List<Tensor> buffers) {
        for (int i = 0; i < buffers.size(); i++) {
            buffers.get(i).copyFromInPlace(state.tensor(i + "." + kind));
        }
    }

    static void requireType(OptimizerState state, String type) {
        if (!state.type().equals(type)) {
            throw new IllegalArgumentException("cannot restore " + state.type() + " optimizer state into " + type);
        }
    }
}
