package io.github.jcnn.model;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;

/**
 * The forward half of a training step, as returned by {@link Sequential#forwardLoss}: the batch's loss, and the
 * {@link #backward()} that fills every parameter's gradient. With it a training loop can look at, clip or change the
 * gradients before the optimizer steps, as in PyTorch:
 * <pre>
 *   optimizer.zeroGrad();
 *   TrainingStep step = model.forwardLoss(images, labels);   // training forward and loss
 *   step.backward();                                         // every parameter's grad() += dL/dW
 *   double norm = Gradients.clipNorm(model.parameters(), 1.0);
 *   optimizer.step();
 * </pre>
 * Without clipping this is, bit for bit, {@link Sequential#trainBatch}. For a saliency map,
 * {@link #backwardToInput()} also returns dL/dx, the gradient for the images themselves.
 *
 * <p>A step belongs to the model's latest {@code forwardLoss}: the layers keep what backward needs only until their
 * next training forward, so {@code backward} on an older step, or twice on one step, throws
 * {@link IllegalStateException}.
 */
public final class TrainingStep {

    private final Trainer trainer;
    private final long generation;
    private final double loss;
    private final int correct;
    private final int size;
    private final Shape inputShape;

    TrainingStep(Trainer trainer, long generation, double loss, int correct, int size, Shape inputShape) {
        this.trainer = trainer;
        this.generation = generation;
        this.loss = loss;
        this.correct = correct;
        this.size = size;
        this.inputShape = inputShape;
    }

    /** The batch's mean loss (before any step). */
    public double loss() {
        return loss;
    }

    /** How many samples of the batch the model classified right. */
    public int correct() {
        return correct;
    }

    /** The number of samples in the batch. */
    public int size() {
        return size;
    }

    /**
     * Adds dL/dW of the batch's mean loss into every parameter's {@code grad()} (zero them first with
     * {@code optimizer.zeroGrad()} or {@link Sequential#zeroGrad()}, as fit does each step). dL/dx is not computed.
     *
     * @throws TrainingDivergedException if a gradient is NaN or infinite (naming the layer)
     * @throws IllegalStateException     if this is not the model's latest forward or backward already ran for it
     */
    public void backward() {
        trainer.backward(this, false);
    }

    /**
     * {@link #backward()}, and also dL/dx: the gradient of the batch's mean loss with respect to each input number,
     * of the images' shape (N, C, H, W). Costs one more backward convolution for a first Conv2D.
     *
     * @return dL/dx, a new tensor
     */
    public Tensor backwardToInput() {
        return trainer.backward(this, true);
    }

    long generation() {
        return generation;
    }

    Shape inputShape() {
        return inputShape;
    }
}
