package examples;

import io.github.jcnn.model.Prediction;
import java.util.List;
import java.util.Locale;

/** The most probable classes of one classification, as readable lines. */
final class TopClasses {

    private TopClasses() {
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
