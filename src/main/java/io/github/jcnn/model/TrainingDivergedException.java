package io.github.jcnn.model;

/**
 * Training produced a NaN or infinite number (the loss, a layer's output or a gradient), or a loss above the bound
 * {@link FitOptions#maxLoss(double)}. The message names the step
 * (epoch and batch, from 1), the layer (type and position) and the quantity, and suggests a fix, e.g.
 * <pre>
 *   training diverged at epoch 1, batch 3: Conv2D #0 weight gradient is NaN. The learning rate (1.0E8) is probably
 *   too high; try a smaller one (e.g. 10 times smaller), or normalise the inputs.
 * </pre>
 * The model's weights are then unusable; reload a checkpoint or rebuild the model.
 */
public class TrainingDivergedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int epoch;
    private final int batch;
    private final String quantity;

    /**
     * @param epoch    the epoch, from 0 (-1 outside fit and trainBatch: in a custom loop's forwardLoss or backward)
     * @param batch    the batch within the epoch, from 0 (-1 outside fit and trainBatch)
     * @param quantity what became non-finite, e.g. {@code "Conv2D #0 weight gradient"} or {@code "loss"}
     * @param message  the full message
     */
    public TrainingDivergedException(int epoch, int batch, String quantity, String message) {
        super(message);
        this.epoch = epoch;
        this.batch = batch;
        this.quantity = quantity;
    }

    /** The epoch, from 0; -1 when the step was not fit's or trainBatch's (a custom loop). */
    public int epoch() {
        return epoch;
    }

    /** The batch within the epoch, from 0; -1 when the step was not fit's or trainBatch's. */
    public int batch() {
        return batch;
    }

    /** What became non-finite, e.g. {@code "Conv2D #0 weight gradient"}. */
    public String quantity() {
        return quantity;
    }
}
