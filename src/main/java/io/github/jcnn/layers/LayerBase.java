package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;

/**
 * What most layers of this package say the same way: the type name and the input and output shapes of one sample,
 * fixed when the layer is made. A subclass adds only its math ({@code forward}, {@code backward}) and its settings.
 */
abstract class LayerBase implements Layer {

    private final String type;
    private final Shape inputShape;
    private final Shape outputShape;

    LayerBase(String type, Shape inputShape, Shape outputShape) {
        this.type = type;
        this.inputShape = inputShape;
        this.outputShape = outputShape;
    }

    @Override
    public final String type() {
        return type;
    }

    @Override
    public final Shape inputShape() {
        return inputShape;
    }

    @Override
    public final Shape outputShape() {
        return outputShape;
    }
}
