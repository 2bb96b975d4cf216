package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;

/**
 * The leaky rectified linear unit, element by element: negative numbers are multiplied by a small slope instead of
 * being set to zero, so that their gradient does not vanish.
 * <pre>
 *   y = x            if x &gt; 0
 *   y = slope * x    otherwise            (slope typically 0.01)
 *
 *   input and output  (N, any shape...)
 * </pre>
 */
public final class LeakyReLU extends Activation {

    private final float slope;

    /**
     * A leaky ReLU for inputs of the given per-sample shape.
     *
     * @param slope the factor applied to negative inputs
     * @throws IllegalArgumentException if the slope is not finite
     */
    public LeakyReLU(Shape shape, float slope) {
        super("LeakyReLU", shape);
        if (!Float.isFinite(slope)) {
            throw new IllegalArgumentException("LeakyReLU: slope must be a finite number, got " + slope);
        }
        this.slope = slope;
    }

    /** The factor applied to negative inputs. */
    public float slope() {
        return slope;
    }

    /** y = x for x &gt; 0, slope * x otherwise. */
    @Override
    void apply(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] > 0 ? x[i] : slope * x[i];
        }
    }

    /**
     * In the forward pass this was {@code y = x if x > 0, else slope * x}, so dx = dy where x &gt; 0 and
     * slope * dy elsewhere.
     */
    @Override
    void applyBackward(float[] x, float[] y, float[] dy, float[] dx) {
        for (int i = 0; i < x.length; i++) {
            dx[i] = x[i] > 0 ? dy[i] : slope * dy[i];
        }
    }

    @Override
    LeakyReLU fresh() {
        return new LeakyReLU(inputShape(), slope);
    }

    @Override
    public String toString() {
        return "LeakyReLU(" + slope + ")";
    }
}
