package io.github.jcnn.layers;

/**
 * How many rows and columns of zeros a convolution adds around each side of its input.
 * <pre>
 *   VALID    p = 0              the kernel only visits positions fully inside the image: n -&gt; n - f + 1
 *   SAME     p = (f - 1) / 2    for an odd kernel f and stride 1 the output keeps the input size: n -&gt; n
 *   of(p)    p zeros on every side
 *
 *   output size = floor((n + 2p - f) / s) + 1     (n input size, f kernel size, s stride)
 * </pre>
 * Immutable. The amount depends on the kernel only for {@link #SAME}; with a rectangular kernel it is worked out per
 * axis ({@code amount(kernelHeight)} rows, {@code amount(kernelWidth)} columns).
 */
public final class Padding {

    /** No padding: the output shrinks by kernel - 1 (the lecture's "valid" convolution). */
    public static final Padding VALID = new Padding(0, false);

    /** (kernel - 1) / 2 zeros on each side, so that a stride-1 output has the input's size; needs an odd kernel. */
    public static final Padding SAME = new Padding(0, true);

    private final int amount;
    private final boolean same;

    private Padding(int amount, boolean same) {
        this.amount = amount;
        this.same = same;
    }

    /**
     * Exactly {@code p} zeros on every side; {@code of(0)} is {@link #VALID}.
     *
     * @throws IllegalArgumentException if {@code p} is negative
     */
    public static Padding of(int p) {
        if (p < 0) {
            throw new IllegalArgumentException("padding must be 0 or more, got " + p);
        }
        return p == 0 ? VALID : new Padding(p, false);
    }

    /**
     * The number of zeros added on each side for a kernel of size {@code kernel} along one axis.
     *
     * @throws IllegalArgumentException for {@link #SAME} with an even kernel, which cannot be padded equally on both
     *                                  sides
     */
    public int amount(int kernel) {
        if (!same) {
            return amount;
        }
        if (kernel % 2 == 0) {
            throw new IllegalArgumentException("SAME padding needs an odd kernel size, got " + kernel
                    + " (an even kernel cannot be padded equally on both sides); pad explicitly with Padding.of(p)");
        }
        return (kernel - 1) / 2;
    }

    /** {@code "valid"}, {@code "same"} or {@code "pad 2"}. */
    @Override
    public String toString() {
        if (same) {
            return "same";
        }
        return amount == 0 ? "valid" : "pad " + amount;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Padding && ((Padding) o).amount == amount && ((Padding) o).same == same;
    }

    @Override
    public int hashCode() {
        return same ? -1 : amount;
    }
}
