package examples;

import io.github.jcnn.model.Prediction;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.Locale;

/** The most probable classes of one classification, as readable lines. */
final class TopClasses {

    private TopClasses() {
    }

    /** The k largest outputs of one prediction (outputs...) or (1, outputs...), as lines like {@link #format(List)}. */
    static String format(Tensor probabilities, List<String> classNames, int k) {
        float[] p = probabilities.data();
        boolean[] taken = new boolean[p.length];
        StringBuilder s = new StringBuilder();
        for (int r = 0; r < Math.min(k, p.length); r++) {
            int best = -1;
            for (int c = 0; c < p.length; c++) {
                if (!taken[c] && (best < 0 || p[c] > p[best])) {
                    best = c;
                }
            }
            taken[best] = true;
            s.append(String.format(Locale.ROOT, "  %d. %-12s %5.1f%%%n", r + 1, classNames.get(best), 100 * p[best]));
        }
        return s.toString();
    }

    /** E.g. {@code "  1. cat         71.3%"}, one line per class, as {@code model.classify(image, k)} ranks them. */
    static String format(List<Prediction> top) {
        StringBuilder s = new StringBuilder();
        for (int r = 0; r < top.size(); r++) {
            s.append(String.format(Locale.ROOT, "  %d. %-12s %5.1f%%%n", r + 1, top.get(r).name(),
                    100 * top.get(r).probability()));
        }
        return s.toString();
    }
}
