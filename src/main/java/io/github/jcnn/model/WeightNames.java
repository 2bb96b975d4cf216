package io.github.jcnn.model;

import java.util.Map;
import java.util.function.Function;

/**
 * Renamings of a weight file's tensor names to a model's, for {@link Sequential#loadWeights(java.nio.file.Path,
 * Function, boolean)}:
 * <pre>
 *   Function&lt;String, String&gt; rename = WeightNames.modules(Map.of("conv1", "0", "fc1", "7"));
 *   rename.apply("conv1.weight");   // "0.weight"
 *   rename.apply("fc1.bias");       // "7.bias"
 *   rename.apply("fc10.bias");      // "fc10.bias" (whole names only)
 *   model.loadWeights(file, rename, false);   // non-strict
 * </pre>
 */
public final class WeightNames {

    private WeightNames() {
    }

    /**
     * Replaces a tensor name's module prefix: a name equal to a key, or starting with a key and a dot, gets the
     * key's value in its place (the longest matching key wins, so {@code "features.0"} beats {@code "features"});
     * other names are kept.
     */
    public static Function<String, String> modules(Map<String, String> modules) {
        Map<String, String> copy = Map.copyOf(modules);
        return name -> {
            String best = null;
            for (String prefix : copy.keySet()) {
                if ((name.equals(prefix) || name.startsWith(prefix + "."))
                        && (best == null || prefix.length() > best.length())) {
                    best = prefix;
                }
            }
            return best == null ? name : copy.get(best) + name.substring(best.length());
        };
    }
}
