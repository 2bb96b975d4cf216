package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;

/**
 * The hyperbolic tangent, element by element: squashes any number into (-1, 1).
 * <pre>
 *   y = tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x))          dy/dx = 1 - y^2
 *
 *   input and output  (N, any shape...)
 * </pre>
 */
public final class Tanh extends Activation {

    /** A tanh for inputs of the given per-sample shape (the output has the same shape). */
    public Tanh(Shape shape) {
        super("Tanh", shape);
    }

    /** y = tanh(x). */
    @Override
    void apply(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) Math.tanh(x[i]);
        }
    }

    /** In the forward pass this was {@code y = tanh(x)}, whose derivative is 1 - y^2: dx = dy (1 - y^2). */
    @Override
    void applyBackward(float[] x, float[] y, float[] dy, float[] dx) {
        for (int i = 0; i < y.length; i++) {
            dx[i] = dy[i] * (1 - y[i] * y[i]);
        }
    }

    @Override
    Tanh fresh() {
        return new Tanh(inputShape());
    }
}
