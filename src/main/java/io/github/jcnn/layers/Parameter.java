package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;

/**
 * A learnable tensor and the gradient of the loss with respect to it, of the same shape.
 *
 * <p>The name is the layer-local name ({@code "weight"}, {@code "bias"}); models prefix it with the layer's position
 * when saving ({@code "0.weight"}), as PyTorch does.
 */
public final class Parameter {

    private final String name;
    private final Tensor value;
    private final Tensor grad;

    /** A parameter of zeros with a zero gradient. */
    public Parameter(String name, Shape shape) {
        this(name, Tensor.zeros(shape));
    }

    /** A parameter over an existing value tensor, with a zero gradient. */
    public Parameter(String name, Tensor value) {
        this.name = name;
        this.value = value;
        this.grad = Tensor.zeros(value.shape());
    }

    private Parameter(String name, Tensor value, Tensor grad) {
        this.name = name;
        this.value = value;
        this.grad = grad;
    }

    /**
     * This parameter under another name, sharing its value and its gradient (a change to one is a change to the
     * other): how a layer made of layers ({@link Residual}) lists its inner layers' parameters under unique names
     * such as {@code "body.0.weight"}.
     */
    public Parameter named(String newName) {
        return new Parameter(newName, value, grad);
    }

    /** The name within its layer, e.g. {@code "weight"}. */
    public String name() {
        return name;
    }

    /** The current value (updated in place by optimizers). */
    public Tensor value() {
        return value;
    }

    /** dL/d(value), accumulated by backward passes and zeroed by {@link #zeroGrad()}. */
    public Tensor grad() {
        return grad;
    }

    /** Sets the gradient to zero. */
    public void zeroGrad() {
        grad.fill(0f);
    }

    @Override
    public String toString() {
        return name + value.shape();
    }
}
