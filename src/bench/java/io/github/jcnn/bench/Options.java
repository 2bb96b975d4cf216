package io.github.jcnn.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The command-line options the benchmark mains share: a list option ({@code --models vgg resnet}) takes every word up
 * to the next {@code --}, a number option ({@code --steps 4}) takes the one word after it.
 */
final class Options {

    private Options() {
    }

    /**
     * Replaces {@code into} with the words after {@code args[i]} up to the next option; returns the index of the last
     * word read, for the caller's loop to go on from.
     */
    static int words(String[] args, int i, List<String> into) {
        into.clear();
        while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
            into.add(args[++i]);
        }
        if (into.isEmpty()) {
            throw new IllegalArgumentException("option " + args[i] + " needs at least one value");
        }
        return i;
    }

    /** Like {@link #words}, for whole numbers. */
    static int ints(String[] args, int i, List<Integer> into) {
        String option = args[i];
        List<String> words = new ArrayList<>();
        int last = words(args, i, words);
        into.clear();
        for (String word : words) {
            into.add(parse(option, word));
        }
        return last;
    }

    /**
     * The whole number after the option {@code args[i]}; the caller steps past it, as in
     * {@code steps = Options.intAfter(args, i++)}.
     */
    static int intAfter(String[] args, int i) {
        if (i + 1 >= args.length) {
            throw new IllegalArgumentException("option " + args[i] + " needs a number after it");
        }
        return parse(args[i], args[i + 1]);
    }

    private static int parse(String option, String word) {
        try {
            return Integer.parseInt(word);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + option + " takes whole numbers, not " + word, e);
        }
    }
}
