package examples;

import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.Locale;

/** The k most probable classes of one prediction, as readable lines. */
final class TopClasses {

    private TopClasses() {
    }

    /** The indices of the k largest values of row 0 of {@code probabilities} (1, K), largest first. */
    static int[] top(Tensor probabilities, int k) {
        float[] p = probabilities.data();
        int classes = probabilities.size() / probabilities.shape().dim(0);
        int[] best = new int[Math.min(k, classes)];
        boolean[] taken = new boolean[classes];
        for (int r = 0; r < best.length; r++) {
            int arg = -1;
            for (int c = 0; c < classes; c++) {
                if (!taken[c] && (arg < 0 || p[c] > p[arg])) {
                    arg = c;
                }
            }
            taken[arg] = true;
            best[r] = arg;
        }
        return best;
    }

    /** E.g. {@code "  1. cat         71.3%"}, one line per class. */
    static String format(Tensor probabilities, List<String> classNames, int k) {
        StringBuilder s = new StringBuilder();
        int[] top = top(probabilities, k);
        for (int r = 0; r < top.length; r++) {
            s.append(String.format(Locale.ROOT, "  %d. %-12s %5.1f%%%n", r + 1, classNames.get(top[r]),
                    100 * probabilities.data()[top[r]]));
        }
        return s.toString();
    }
}
