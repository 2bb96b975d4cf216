package io.github.jcnn.tensor;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * A block of {@code float} numbers with a {@link Shape}, stored contiguously in row-major order.
 *
 * <p>For an image batch of shape (N, C, H, W) the element (n, c, h, w) lives at
 * <pre>
 *   offset = ((n * C + c) * H + h) * W + w
 * </pre>
 * so the last index moves fastest. The shape is fixed at creation; {@link #reshape(int...)} gives a <em>view</em>:
 * a second tensor over the same numbers. Operations that change the numbers in place end in {@code InPlace}
 * ({@link #fillInPlace}, {@link #addInPlace}, ...); the only other way to write is the element setter
 * {@link #set}, the counterpart of {@link #get} (and the backing array, {@link #data()}). Every other operation
 * returns a new tensor and leaves this one as it was.
 *
 * <p>Bad shapes and indices throw {@link IllegalArgumentException} naming the shapes involved.
 * A tensor is not safe for concurrent writes; concurrent reads are fine.
 */
public final class Tensor {

    private final Shape shape;
    private final float[] data;

    private Tensor(Shape shape, float[] data) {
        this.shape = shape;
        this.data = data;
    }

    /** A tensor of zeros. */
    public static Tensor zeros(Shape shape) {
        return new Tensor(shape, new float[shape.size()]);
    }

    /** A tensor of zeros with the given dimensions. */
    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    /**
     * A tensor holding a copy of {@code values} in row-major order.
     *
     * @throws IllegalArgumentException if the number of values is not the shape's size
     */
    public static Tensor of(Shape shape, float... values) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.size() + " values, got "
                    + values.length);
        }
        return new Tensor(shape, values.clone());
    }

    /**
     * A tensor over {@code data} itself, without a copy: later writes to the array show in the tensor.
     * Used by kernels and loaders that fill a buffer they own.
     */
    public static Tensor wrap(Shape shape, float[] data) {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.size() + " values, the array has "
                    + data.length);
        }
        return new Tensor(shape, data);
    }

    /** A tensor of the given shape with every element {@code value}. */
    public static Tensor full(Shape shape, float value) {
        Tensor t = zeros(shape);
        Arrays.fill(t.data, value);
        return t;
    }

    /** The shape. */
    public Shape shape() {
        return shape;
    }

    /** The number of elements. */
    public int size() {
        return data.length;
    }

    /**
     * The backing array itself (no copy), in row-major order. Layers and kernels read and write it directly;
     * everyone else should prefer {@link #get}, {@link #set} and {@link #toArray()}.
     */
    public float[] data() {
        return data;
    }

    /** The element at an index with one coordinate per dimension. */
    public float get(int... index) {
        return data[shape.offset(index)];
    }

    /** Sets the element at an index with one coordinate per dimension, in place. */
    public void set(float value, int... index) {
        data[shape.offset(index)] = value;
    }

    /** A copy of the elements in row-major order. */
    public float[] toArray() {
        return data.clone();
    }

    /** A deep copy. */
    public Tensor copy() {
        return new Tensor(shape, data.clone());
    }

    /**
     * A view with another shape over the same numbers (no copy): writes through one show in the other.
     *
     * @throws IllegalArgumentException if the sizes differ
     */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + shape.size() + " elements) to "
                    + newShape + " (" + newShape.size() + " elements)");
        }
        return new Tensor(newShape, data);
    }

    /** A view with another shape; see {@link #reshape(Shape)}. */
    public Tensor reshape(int... dims) {
        return reshape(Shape.of(dims));
    }

    // ---- in place ---------------------------------------------------------------------------------------------

    /** Sets every element to {@code value}, in place; returns this tensor. */
    public Tensor fillInPlace(float value) {
        Arrays.fill(data, value);
        return this;
    }

    /** Copies {@code source}'s elements into this tensor, in place; the shapes must match. Returns this tensor. */
    public Tensor copyFromInPlace(Tensor source) {
        requireSameShape(source, "copyFrom");
        System.arraycopy(source.data, 0, data, 0, data.length);
        return this;
    }

    /** this += other, element by element. */
    public Tensor addInPlace(Tensor other) {
        requireSameShape(other, "add");
        for (int i = 0; i < data.length; i++) {
            data[i] += other.data[i];
        }
        return this;
    }

    /** this += factor * other, element by element. */
    public Tensor addScaledInPlace(Tensor other, float factor) {
        requireSameShape(other, "addScaled");
        for (int i = 0; i < data.length; i++) {
            data[i] += factor * other.data[i];
        }
        return this;
    }

    /** this *= factor. */
    public Tensor scaleInPlace(float factor) {
        for (int i = 0; i < data.length; i++) {
            data[i] *= factor;
        }
        return this;
    }

    // ---- new tensors ------------------------------------------------------------------------------------------

    /** this + other, element by element. */
    public Tensor add(Tensor other) {
        return copy().addInPlace(other);
    }

    /** this - other, element by element. */
    public Tensor sub(Tensor other) {
        return copy().addScaledInPlace(other, -1f);
    }

    /** this * other, element by element (the Hadamard product). */
    public Tensor mul(Tensor other) {
        requireSameShape(other, "mul");
        Tensor out = copy();
        for (int i = 0; i < data.length; i++) {
            out.data[i] *= other.data[i];
        }
        return out;
    }

    /** factor * this. */
    public Tensor scale(float factor) {
        return copy().scaleInPlace(factor);
    }

    /** f applied to every element. */
    public Tensor map(DoubleUnaryOperator f) {
        Tensor out = zeros(shape);
        for (int i = 0; i < data.length; i++) {
            out.data[i] = (float) f.applyAsDouble(data[i]);
        }
        return out;
    }

    // ---- reductions (accumulated in double, in index order) ---------------------------------------------------

    /** The sum of all elements. */
    public double sum() {
        double s = 0;
        for (float v : data) {
            s += v;
        }
        return s;
    }

    /** The mean of all elements. */
    public double mean() {
        return sum() / data.length;
    }

    /** The largest element. */
    public float max() {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : data) {
            m = Math.max(m, v);
        }
        return m;
    }

    /** The smallest element. */
    public float min() {
        float m = Float.POSITIVE_INFINITY;
        for (float v : data) {
            m = Math.min(m, v);
        }
        return m;
    }

    /** The sum of the elements' squares. */
    public double sumOfSquares() {
        double s = 0;
        for (float v : data) {
            s += (double) v * v;
        }
        return s;
    }

    /** True when every element is finite (no NaN, no infinity). */
    public boolean isFinite() {
        for (float v : data) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * For a tensor of shape (N, K): the index of the largest element of each row (the first one on ties).
     */
    public int[] argMaxRows() {
        if (shape.rank() != 2) {
            throw new IllegalArgumentException("argMaxRows needs a 2-D tensor (N, K), got " + shape);
        }
        int rows = shape.dim(0);
        int cols = shape.dim(1);
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int c = 1; c < cols; c++) {
                if (data[r * cols + c] > data[r * cols + best]) {
                    best = c;
                }
            }
            out[r] = best;
        }
        return out;
    }

    /** The largest absolute difference between this tensor and another of the same shape. */
    public float maxAbsDifference(Tensor other) {
        requireSameShape(other, "maxAbsDifference");
        float m = 0;
        for (int i = 0; i < data.length; i++) {
            m = Math.max(m, Math.abs(data[i] - other.data[i]));
        }
        return m;
    }

    private void requireSameShape(Tensor other, String op) {
        if (!shape.equals(other.shape)) {
            throw new IllegalArgumentException(op + ": shapes differ, " + shape + " and " + other.shape);
        }
    }

    /** The shape, and the elements when there are at most 64 of them. */
    @Override
    public String toString() {
        if (data.length <= 64) {
            return "Tensor" + shape + " " + Arrays.toString(data);
        }
        return "Tensor" + shape;
    }
}
