package io.github.jcnn.model;

/**
 * Is told what training is doing; pass listeners with {@link FitOptions#listeners}. Every method does nothing by
 * default, so a listener overrides only what it needs:
 * <pre>
 *   TrainingListener log = new TrainingListener() {
 *       public void onEpochEnd(EpochMetrics m) { System.out.println(m); }
 *   };
 * </pre>
 * Listeners run on the training thread, between steps. A listener ends the run by answering
 * {@link #stopRequested()} with true:
 * <pre>
 *   TrainingListener goodEnough = new TrainingListener() {
 *       boolean stop;
 *       public void onBatchEnd(int epoch, int batch, int batches, double loss, double accuracy) {
 *           stop = loss &lt; 0.05;
 *       }
 *       public boolean stopRequested() { return stop; }
 *   };
 * </pre>
 */
public interface TrainingListener {

    /** Before the first batch of {@code epoch} (0-based) of {@code epochs}. */
    default void onEpochStart(int epoch, int epochs) {
    }

    /**
     * After each optimizer step.
     *
     * @param epoch    the epoch, from 0
     * @param batch    the batch just done, from 0
     * @param batches  batches per epoch
     * @param loss     this batch's mean loss
     * @param accuracy this batch's accuracy
     */
    default void onBatchEnd(int epoch, int batch, int batches, double loss, double accuracy) {
    }

    /** After the epoch and its validation. */
    default void onEpochEnd(EpochMetrics metrics) {
    }

    /**
     * Whether training should stop now; asked after every batch (after {@link #onBatchEnd}) and every epoch (after
     * {@link #onEpochEnd}). When it is true after a batch, the epoch ends there: it is validated, recorded (over the
     * batches done), told to {@link #onEpochEnd} and checkpointed as usual, and then fit returns, with
     * {@link History#stoppedByListener()} true. By default never.
     */
    default boolean stopRequested() {
        return false;
    }
}
