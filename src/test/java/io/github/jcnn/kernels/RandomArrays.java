package io.github.jcnn.kernels;

import java.util.SplittableRandom;

/** Random arrays for the kernels' property tests. */
final class RandomArrays {

    private RandomArrays() {
    }

    /** {@code size} floats drawn uniformly from [-1, 1). */
    static float[] random(int size, SplittableRandom random) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** |a[i]| for every i, in a new array: the size of the terms a sum of products adds, for rounding tolerances. */
    static float[] absolute(float[] a) {
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Math.abs(a[i]);
        }
        return b;
    }
}
