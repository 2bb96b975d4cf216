package io.github.jcnn.layers;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * One step of a network: a function from a batch of inputs to a batch of outputs, and its derivative.
 *
 * <p>A layer is created for a known input shape of <em>one sample</em> (for example (3, 32, 32) for a CIFAR-10 image,
 * or (400) for a flat vector); batches add a first dimension N. The contract:
 * <ul>
 *   <li>{@link #forward(Tensor, boolean)} maps x of shape (N, inputShape...) to y of shape (N, outputShape...).
 *       With {@code training == true} the layer remembers what {@link #backward(Tensor)} will need (and may update
 *       training-only state such as batch-norm running averages). With {@code training == false} it must not write
 *       any of its own fields: inference is a pure function of x and the parameters, so one trained model can serve
 *       {@code forward(x, false)} from several threads at once.</li>
 *   <li>{@link #backward(Tensor)} takes dL/dy for the batch of the last training forward and returns dL/dx,
 *       <em>adding</em> dL/dw into each parameter's {@link Parameter#grad()} (the caller zeroes gradients between
 *       steps).</li>
 * </ul>
 * Training-mode results may be buffers the layer reuses from step to step (every layer of this package does, so that
 * a training step makes no new arrays once its buffers exist; Flatten hands out the same view again): the tensor
 * returned by {@code forward(x, true)} is valid until that layer's next training forward, the one returned by
 * {@code backward} until its next backward. Copy one to keep it.
 * {@code forward(x, false)} always returns a new tensor. A layer may also keep a reference to the x of its last
 * training forward until its backward (Dense and BatchNorm do, instead of a copy): leave x unchanged in between, as
 * the library's own training step does.
 * A wrong input shape throws {@link IllegalArgumentException} naming the layer, the shape received and the shape
 * expected.
 */
public interface Layer {

    /** The layer's type name as shown in summaries and error messages, e.g. {@code "Conv2D"}. */
    String type();

    /** The shape of one input sample (without the batch dimension). */
    Shape inputShape();

    /** The shape of one output sample (without the batch dimension). */
    Shape outputShape();

    /**
     * The forward pass on a batch.
     *
     * @param input    shape (N, inputShape...)
     * @param training true while training (remember what backward needs, apply dropout, use batch statistics)
     * @return shape (N, outputShape...)
     */
    Tensor forward(Tensor input, boolean training);

    /**
     * The backward pass for the last training forward.
     *
     * @param outputGradient dL/dy, shape (N, outputShape...)
     * @return dL/dx, shape (N, inputShape...)
     */
    Tensor backward(Tensor outputGradient);

    /** The learnable tensors with their gradients, in a fixed order; empty for layers without any. */
    default List<Parameter> parameters() {
        return List.of();
    }

    /**
     * Tensors that are saved with the model but not trained by gradient descent (batch-norm running averages);
     * empty for most layers.
     */
    default List<Parameter> buffers() {
        return List.of();
    }

    /**
     * Sets the initial parameter values (weights drawn with {@code init}, biases zero) and seeds any randomness the
     * layer uses in training (dropout). Layers without parameters or randomness ignore it.
     */
    default void initialize(WeightInit init, RandomGenerator random) {
    }

    /**
     * A copy of this layer for data-parallel training, or empty when the layer cannot take part.
     *
     * <p>{@code Sequential.fit} cuts each batch into fixed chunks of a few samples and runs every chunk forward and
     * backward through its own copy of the network, on as many threads as there are; the chunks' weight gradients
     * are then added up in chunk order. A replica therefore <em>shares</em> this layer's parameter values (so an
     * optimizer step on this layer is seen by every replica) but has its own gradients and its own training state
     * (saved inputs, masks, buffers). A layer that does not override this method returns empty, and fit then runs
     * whole batches through the layers one after another.
     *
     * <p><b>Layers that mix the samples of a batch</b> ({@link BatchNorm}: the batch's mean and variance) take part
     * through {@link io.github.jcnn.kernels.Lanes}: their {@code replica} calls
     * {@link io.github.jcnn.kernels.Lanes#requireLanes()}, the step then runs each chunk in its own lane, and the
     * replicas of one layer exchange their chunks' partial sums through an object they share, meeting at
     * {@link io.github.jcnn.kernels.Lanes.Lane#await()} (the lane's index is the chunk's number).
     *
     * <p><b>Layers made of layers</b> (a residual block) replicate by making a replica of each inner layer, with the
     * same {@code index}, on the calling thread, and run them on the thread that calls the block's forward and
     * backward: that is all an inner batch norm needs (its request for lanes and its barriers pass through the
     * block). The block's parameters must be its replicas' inner parameters in the same order as its own, so that
     * the step can add the chunks' gradients to the model's. An inner layer that returns empty makes the block
     * return empty.
     *
     * @param index which replica this is, 0, 1, ...; a layer with randomness (dropout) derives the replica's own
     *              generator from it, so that chunk i gets the same masks whichever thread computes it
     * @return the replica, or empty
     */
    default Optional<Layer> replica(int index) {
        return Optional.empty();
    }

    /** The number of learnable numbers: the sum of the parameters' sizes. */
    default long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) {
            n += p.value().size();
        }
        return n;
    }

    /**
     * Checks that {@code input} is a batch of this layer's input shape, throwing an error that names the layer and
     * both shapes otherwise.
     */
    static void requireBatchOf(Layer layer, Tensor input) {
        Shape got = input.shape();
        Shape want = layer.inputShape();
        if (!got.isBatchOf(want)) {
            throw new IllegalArgumentException(layer.type() + ": input has shape " + got + " but a batch of "
                    + want + " was expected, i.e. (N, " + want.toString().substring(1));
        }
    }
}
