package io.github.jcnn.model;

import java.util.List;

/**
 * What {@link Sequential#loadWeights(java.nio.file.Path)} did, like the report of PyTorch's {@code load_state_dict}.
 * A strict load succeeds only when {@code missing} and {@code unexpected} are empty.
 *
 * @param loaded     the model's tensors that were set, by the model's names ("0.weight")
 * @param missing    the model's tensors the file did not provide (left as they were; non-strict loads only)
 * @param unexpected the file's floating-point tensors that belong to no tensor of the model, by the file's names
 *                   (not loaded; non-strict loads only)
 * @param skipped    the file's integer or boolean tensors, by the file's names, e.g. PyTorch's
 *                   {@code num_batches_tracked}: bookkeeping that jcnn has no use for
 */
public record LoadedWeights(List<String> loaded, List<String> missing, List<String> unexpected,
                            List<String> skipped) {

    /** Copies the lists unmodifiably. */
    public LoadedWeights {
        loaded = List.copyOf(loaded);
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        skipped = List.copyOf(skipped);
    }
}
