package io.github.jcnn.model;

/**
 * Is told what training is doing; pass listeners with {@link FitOptions#listeners}. Every method does nothing by
 * default, so a listener overrides only what it needs:
 * <pre>
 *   TrainingListener log = new TrainingListener() {
 *       public void onEpochEnd(EpochMetrics m) { System.out.println(m); }
 *   };
 * </pre>
 * Listeners run on the training thread, between steps.
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
}
