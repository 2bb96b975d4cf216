package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Optional;

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
public final class LeakyReLU implements Layer {

    private final Shape shape;
    private final float slope;
    /** The input of the last training forward (a reference: it must not change before backward). */
    private Tensor lastInput;

    /**
     * A leaky ReLU for inputs of the given per-sample shape.
     *
     * @param slope the factor applied to negative inputs
     * @throws IllegalArgumentException if the slope is not finite
     */
    public LeakyReLU(Shape shape, float slope) {
        if (!Float.isFinite(slope)) {
            throw new IllegalArgumentException("LeakyReLU: slope must be a finite number, got " + slope);
        }
        this.shape = shape;
        this.slope = slope;
    }

    @Override
    public String type() {
        return "LeakyReLU";
    }

    @Override
    public Shape inputShape() {
        return shape;
    }

    @Override
    public Shape outputShape() {
        return shape;
    }

    /** The factor applied to negative inputs. */
    public float slope() {
        return slope;
    }

    /** y = x for x &gt; 0, slope * x otherwise. */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        Tensor output = Tensor.zeros(input.shape());
        float[] x = input.data();
        float[] y = output.data();
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] > 0 ? x[i] : slope * x[i];
        }
        if (training) {
            lastInput = input;
        }
        return output;
    }

    /**
     * In the forward pass this was {@code y = x if x > 0, else slope * x}, so dx = dy where x &gt; 0 and
     * slope * dy elsewhere.
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradient(this, outputGradient, lastInput == null ? -1 : lastInput.shape().dim(0));
        Tensor inputGradient = Tensor.zeros(lastInput.shape());
        float[] x = lastInput.data();
        float[] dy = outputGradient.data();
        float[] dx = inputGradient.data();
        for (int i = 0; i < x.length; i++) {
            dx[i] = x[i] > 0 ? dy[i] : slope * dy[i];
        }
        return inputGradient;
    }

    /** A new LeakyReLU of the same shape: the layer has no parameters, only per-batch training state. */
    @Override
    public Optional<Layer> replica(int index) {
        return Optional.of(new LeakyReLU(shape, slope));
    }

    @Override
    public String toString() {
        return "LeakyReLU(" + slope + ")";
    }
}
