package io.github.jcnn.model;

import io.github.jcnn.io.FileFormatException;
import java.nio.file.Path;

/**
 * The child JVM of {@code ModelFileSafetyTest.forgedSizesAreRefusedInASmallHeap}: loads each file in args, printing
 * "refused: MESSAGE" or "loaded"; an OutOfMemoryError ends it with a stack trace and a non-zero exit code.
 */
final class BoundedHeapLoadChild {

    private BoundedHeapLoadChild() {
    }

    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            try {
                Sequential.load(Path.of(arg));
                System.out.println("loaded");
            } catch (FileFormatException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }
}
