package io.github.jcnn.tensor;

import java.util.Arrays;

/**
 * The dimensions of a tensor, outermost first. Immutable.
 *
 * <p>Images are stored batch first as (N, C, H, W): N images, C channels, H rows, W columns. One image alone is
 * (C, H, W). The number of elements is the product of the dimensions:
 * <pre>
 *   Shape.of(64, 3, 32, 32).size() == 64 * 3 * 32 * 32 == 196,608
 * </pre>
 * A shape with no dimensions is a scalar of size 1.
 */
public final class Shape {

    private final int[] dims;

    private Shape(int[] dims) {
        this.dims = dims;
    }

    /**
     * A shape with the given dimensions.
     *
     * @throws IllegalArgumentException if a dimension is not positive, or the size overflows an int
     */
    public static Shape of(int... dims) {
        int[] copy = dims.clone();
        long size = 1;
        for (int d : copy) {
            if (d <= 0) {
                throw new IllegalArgumentException("every dimension must be positive, got " + Arrays.toString(copy));
            }
            size *= d;
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(copy) + " has more than "
                        + Integer.MAX_VALUE + " elements");
            }
        }
        return new Shape(copy);
    }

    /** The number of dimensions (the rank). */
    public int rank() {
        return dims.length;
    }

    /** The size of dimension {@code i}, counted from 0; a negative {@code i} counts from the end (-1 is the last). */
    public int dim(int i) {
        int j = i < 0 ? dims.length + i : i;
        if (j < 0 || j >= dims.length) {
            throw new IllegalArgumentException("dimension " + i + " does not exist in shape " + this);
        }
        return dims[j];
    }

    /** The number of elements: the product of all dimensions. */
    public int size() {
        int size = 1;
        for (int d : dims) {
            size *= d;
        }
        return size;
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /**
     * The last {@link #withBatch} result, handed out again for the same n: a layer asks for its batch's shape on every
     * call, and a training step would otherwise make one per layer and chunk. Not part of the value (equals and
     * hashCode ignore it). A Shape's dimensions are final, so a thread that reads this field written by another sees
     * a whole Shape; a stale or missing one only costs a new Shape.
     */
    private Shape lastBatch;

    /** This shape with {@code n} put in front, e.g. (3, 32, 32) with batch 64 gives (64, 3, 32, 32). */
    public Shape withBatch(int n) {
        Shape last = lastBatch;
        if (last != null && last.dims[0] == n) {
            return last;
        }
        int[] d = new int[dims.length + 1];
        d[0] = n;
        System.arraycopy(dims, 0, d, 1, dims.length);
        Shape shape = of(d);
        lastBatch = shape;
        return shape;
    }

    /** This shape without its first dimension, e.g. (64, 3, 32, 32) gives (3, 32, 32). */
    public Shape dropFirst() {
        if (dims.length == 0) {
            throw new IllegalArgumentException("a scalar shape has no first dimension");
        }
        return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
    }

    /**
     * Whether this shape is a batch of {@code sample}: one more dimension, and {@link #dropFirst()} equal to it. For
     * example (64, 3, 32, 32) is a batch of (3, 32, 32). Asked on every layer call, so it makes no new shape.
     */
    public boolean isBatchOf(Shape sample) {
        if (dims.length != sample.dims.length + 1) {
            return false;
        }
        for (int i = 0; i < sample.dims.length; i++) {
            if (dims[i + 1] != sample.dims[i]) {
                return false;
            }
        }
        return true;
    }

    /** The size of everything after the first dimension: the elements of one sample in a batch. */
    public int sampleSize() {
        if (dims.length == 0) {
            throw new IllegalArgumentException("a scalar shape has no first dimension");
        }
        int size = 1;
        for (int i = 1; i < dims.length; i++) {
            size *= dims[i];
        }
        return size;
    }

    /** The row-major offset of an index, checking each coordinate. */
    public int offset(int... index) {
        if (index.length != dims.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has " + index.length
                    + " coordinates but shape " + this + " has " + dims.length);
        }
        int offset = 0;
        for (int i = 0; i < dims.length; i++) {
            if (index[i] < 0 || index[i] >= dims[i]) {
                throw new IllegalArgumentException("index " + Arrays.toString(index) + " is out of bounds for shape "
                        + this);
            }
            offset = offset * dims[i] + index[i];
        }
        return offset;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape && Arrays.equals(dims, ((Shape) o).dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** The dimensions in parentheses, e.g. {@code (64, 3, 32, 32)}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                s.append(", ");
            }
            s.append(dims[i]);
        }
        return s.append(')').toString();
    }
}
