package io.github.jcnn.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One class of a classification, as {@link Sequential#classify} returns it: the class index (the output's
 * position), its name and the model's probability for it.
 *
 * @param index       the class index, 0 to classes - 1
 * @param name        the class name stored with the model
 * @param probability the model's output for the class, 0 to 1 for a model ending in softmax
 */
public record Prediction(int index, String name, double probability) {

    /** The k largest of {@code outputs}, largest first; equal outputs in index order. */
    static List<Prediction> top(float[] outputs, List<String> names, int k) {
        Integer[] order = new Integer[outputs.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> outputs[a] != outputs[b] ? Float.compare(outputs[b], outputs[a])
                : Integer.compare(a, b));
        List<Prediction> top = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            top.add(new Prediction(order[i], names.get(order[i]), outputs[order[i]]));
        }
        return top;
    }

    /** E.g. {@code cat 71.3% (#3)}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %.1f%% (#%d)", name, 100 * probability, index);
    }
}
