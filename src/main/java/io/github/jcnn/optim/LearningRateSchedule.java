package io.github.jcnn.optim;

/**
 * The learning rate as a function of the epoch: a factor that multiplies the optimizer's initial learning rate.
 * Epochs count from 0. Schedules compose:
 * <pre>
 *   LearningRateSchedule.stepDecay(10, 0.5)            1, ..., 1 (epochs 0-9), 0.5 (10-19), 0.25 (20-29), ...
 *   LearningRateSchedule.cosine(50, 0.01)               1 at epoch 0 down to 0.01 at epoch 50 along half a cosine
 *   LearningRateSchedule.linearWarmup(5)                0.2, 0.4, 0.6, 0.8, 1, 1, 1, ...
 *   LearningRateSchedule.warmupThen(5, cosine(45, 0))   warm-up for 5 epochs, then the cosine restarted at epoch 5
 *   stepDecay(10, 0.5).times(linearWarmup(3))           the product of two schedules
 * </pre>
 * Training sets {@code optimizer.setLearningRate(initialRate * schedule.factor(epoch))} at the start of each epoch.
 */
@FunctionalInterface
public interface LearningRateSchedule {

    /** The factor for {@code epoch} (0-based) by which the initial learning rate is multiplied. */
    double factor(int epoch);

    /** The learning rate for {@code epoch}: {@code initialRate * factor(epoch)}. */
    default double learningRate(double initialRate, int epoch) {
        return initialRate * factor(epoch);
    }

    /** This schedule multiplied by another, epoch by epoch. */
    default LearningRateSchedule times(LearningRateSchedule other) {
        return epoch -> factor(epoch) * other.factor(epoch);
    }

    /** This schedule started {@code epochs} later: factor(e) of the result is this.factor(max(0, e - epochs)). */
    default LearningRateSchedule delayedBy(int epochs) {
        return epoch -> factor(Math.max(0, epoch - epochs));
    }

    /** Always 1: the learning rate stays as set. */
    static LearningRateSchedule constant() {
        return epoch -> 1.0;
    }

    /**
     * Step decay: {@code gamma ^ floor(epoch / stepSize)} (PyTorch's StepLR).
     *
     * @param stepSize epochs between decays, at least 1
     * @param gamma    the factor per decay, in (0, 1]
     */
    static LearningRateSchedule stepDecay(int stepSize, double gamma) {
        if (stepSize < 1) {
            throw new IllegalArgumentException("step size must be at least 1 epoch, got " + stepSize);
        }
        if (!(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException("gamma must be in (0, 1], got " + gamma);
        }
        return epoch -> Math.pow(gamma, epoch / stepSize);
    }

    /**
     * Cosine annealing: {@code min + (1 - min) * (1 + cos(pi * epoch / totalEpochs)) / 2} up to totalEpochs, then
     * {@code min} (PyTorch's CosineAnnealingLR with eta_min = min * initial rate).
     *
     * @param totalEpochs the epoch at which the factor reaches {@code minFactor}, at least 1
     * @param minFactor   the final factor, in [0, 1]
     */
    static LearningRateSchedule cosine(int totalEpochs, double minFactor) {
        if (totalEpochs < 1) {
            throw new IllegalArgumentException("cosine schedule needs at least 1 epoch, got " + totalEpochs);
        }
        if (!(minFactor >= 0 && minFactor <= 1)) {
            throw new IllegalArgumentException("minimum factor must be in [0, 1], got " + minFactor);
        }
        return epoch -> epoch >= totalEpochs ? minFactor
                : minFactor + (1 - minFactor) * (1 + Math.cos(Math.PI * epoch / totalEpochs)) / 2;
    }

    /**
     * Linear warm-up: {@code (epoch + 1) / warmupEpochs} for the first warmupEpochs epochs, then 1.
     *
     * @param warmupEpochs at least 1
     */
    static LearningRateSchedule linearWarmup(int warmupEpochs) {
        if (warmupEpochs < 1) {
            throw new IllegalArgumentException("warm-up needs at least 1 epoch, got " + warmupEpochs);
        }
        return epoch -> epoch >= warmupEpochs ? 1.0 : (epoch + 1) / (double) warmupEpochs;
    }

    /** Linear warm-up for {@code warmupEpochs}, then {@code after} started from its epoch 0. */
    static LearningRateSchedule warmupThen(int warmupEpochs, LearningRateSchedule after) {
        LearningRateSchedule warmup = linearWarmup(warmupEpochs);
        return epoch -> epoch < warmupEpochs ? warmup.factor(epoch) : after.factor(epoch - warmupEpochs);
    }
}
