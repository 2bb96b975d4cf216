package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;

/**
 * The logistic sigmoid, element by element: squashes any number into (0, 1).
 * <pre>
 *   y = 1 / (1 + e^(-x))          dy/dx = y * (1 - y)
 *
 *   input and output  (N, any shape...)
 * </pre>
 * Computed without overflow: for x &lt; 0 as e^x / (1 + e^x).
 */
public final class Sigmoid extends Activation {

    /** A sigmoid for inputs of the given per-sample shape (the output has the same shape). */
    public Sigmoid(Shape shape) {
        super("Sigmoid", shape);
    }

    /** y = 1 / (1 + e^(-x)). */
    @Override
    void apply(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (v >= 0) {
                y[i] = (float) (1 / (1 + Math.exp(-v)));
            } else {
                double e = Math.exp(v);
                y[i] = (float) (e / (1 + e));
            }
        }
    }

    /** In the forward pass this was {@code y = 1 / (1 + e^(-x))}, whose derivative is y (1 - y): dx = dy y (1 - y). */
    @Override
    void applyBackward(float[] x, float[] y, float[] dy, float[] dx) {
        for (int i = 0; i < y.length; i++) {
            dx[i] = dy[i] * y[i] * (1 - y[i]);
        }
    }

    @Override
    Sigmoid fresh() {
        return new Sigmoid(inputShape());
    }
}
