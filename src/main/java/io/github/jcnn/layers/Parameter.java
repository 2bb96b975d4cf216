package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;

/**
 * A learnable tensor and the gradient of the loss with respect to it, of the same shape.
 *
 * <p>The name is the layer-local name ({@code "weight"}, {@code "bias"}); models prefix it with the layer's position
 * when saving ({@code "0.weight"}), as PyTorch does.
 *
 * <p>The gradient is allocated on first use ({@link #grad()}), not with the value: a model built or loaded only to
 * predict holds its weights and nothing else (VGG-16's 138 million weights take 553 MB; their gradients would take
 * as much again). {@link #zeroGrad()} on a parameter whose gradient was never asked for allocates nothing: the first
 * {@link #grad()} returns zeros anyway. The first {@code grad()} may come from several threads at once (the
 * data-parallel step sums the chunks' gradients into the model's on every thread); they all get the same tensor.
 */
public final class Parameter {

    private final String name;
    private final Tensor value;
    /** The gradient's holder, shared by the parameters {@link #named} makes from this one. */
    private final Gradient gradient;

    /** The lazily made gradient tensor of one value. */
    private static final class Gradient {
        private volatile Tensor tensor;
    }

    /** A parameter of zeros (its gradient is made on first use). */
    public Parameter(String name, Shape shape) {
        this(name, Tensor.zeros(shape));
    }

    /** A parameter over an existing value tensor (its gradient is made on first use). */
    public Parameter(String name, Tensor value) {
        this(name, value, new Gradient());
    }

    private Parameter(String name, Tensor value, Gradient gradient) {
        this.name = name;
        this.value = value;
        this.gradient = gradient;
    }

    /**
     * This parameter under another name, sharing its value and its gradient (a change to one is a change to the
     * other): how a layer made of layers ({@link Residual}) lists its inner layers' parameters under unique names
     * such as {@code "body.0.weight"}.
     */
    public Parameter named(String newName) {
        return new Parameter(newName, value, gradient);
    }

    /** The name within its layer, e.g. {@code "weight"}. */
    public String name() {
        return name;
    }

    /** The current value (updated in place by optimizers). */
    public Tensor value() {
        return value;
    }

    /**
     * dL/d(value), accumulated by backward passes and zeroed by {@link #zeroGrad()}; zeros of the value's shape,
     * allocated by the first call.
     */
    public Tensor grad() {
        Tensor g = gradient.tensor;
        if (g == null) {
            synchronized (gradient) {
                g = gradient.tensor;
                if (g == null) {
                    g = Tensor.zeros(value.shape());
                    gradient.tensor = g;
                }
            }
        }
        return g;
    }

    /** Whether the gradient has been allocated (by a first {@link #grad()}); false for a model only used to predict. */
    public boolean hasGrad() {
        return gradient.tensor != null;
    }

    /** Sets the gradient to zero (nothing to do, and nothing allocated, before the first {@link #grad()}). */
    public void zeroGrad() {
        Tensor g = gradient.tensor;
        if (g != null) {
            g.fillInPlace(0f);
        }
    }

    @Override
    public String toString() {
        return name + value.shape();
    }
}
