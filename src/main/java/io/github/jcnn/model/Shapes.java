package io.github.jcnn.model;

import io.github.jcnn.tensor.Shape;

/** Shapes written the lecture's way. Package-private helper. */
final class Shapes {

    private Shapes() {
    }

    /** (C, H, W) as "HxWxC" (e.g. "3x3x16"), a flat (D) as "D", anything else as its dims. */
    static String hwc(Shape s) {
        if (s.rank() == 3) {
            return s.dim(1) + "x" + s.dim(2) + "x" + s.dim(0);
        }
        if (s.rank() == 1) {
            return Integer.toString(s.dim(0));
        }
        return s.toString();
    }

    /** (C, H, W) as "(H, W, C)", a flat (D) as "(D, 1)" like the lecture's table. */
    static String lecture(Shape s) {
        if (s.rank() == 3) {
            return "(" + s.dim(1) + ", " + s.dim(2) + ", " + s.dim(0) + ")";
        }
        if (s.rank() == 1) {
            return "(" + s.dim(0) + ", 1)";
        }
        return s.toString();
    }
}
