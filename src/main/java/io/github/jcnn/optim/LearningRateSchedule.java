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
 *
 * <p>Per-step schedules ({@link #oneCycle}, {@link #cosineSteps}) change the rate before every batch: training then
 * sets {@code initialRate * schedule.factor(epoch, step, stepsPerEpoch)} before each step ({@link #perStep()} says
 * which kind a schedule is). With S steps per epoch, E epochs, T = E * S steps in all and s = epoch * S + step:
 * <pre>
 *   oneCycle(E, w):   W = max(1, floor(w * S))     (s + 1) / W  for s &lt; W,  then  max(0, (T - s) / (T - W))
 *   cosineSteps(E):   (1 + cos(pi * s / T)) / 2
 * </pre>
 * exactly the rates of torch_cifar10_modern.py's {@code lr_at(step)} (the peer script beside this project).
 */
@FunctionalInterface
public interface LearningRateSchedule {

    /** The factor for {@code epoch} (0-based) by which the initial learning rate is multiplied. */
    double factor(int epoch);

    /** The learning rate for {@code epoch}: {@code initialRate * factor(epoch)}. */
    default double learningRate(double initialRate, int epoch) {
        return initialRate * factor(epoch);
    }

    /**
     * The factor for step {@code step} (0-based) of {@code epoch}, with {@code stepsPerEpoch} steps in an epoch; for
     * an epoch schedule the same for every step, {@link #factor(int)}.
     */
    default double factor(int epoch, int step, int stepsPerEpoch) {
        return factor(epoch);
    }

    /** Whether the factor changes within an epoch, so that training must set it before every step. */
    default boolean perStep() {
        return false;
    }

    /** This schedule multiplied by another, epoch by epoch (and step by step when either is per step). */
    default LearningRateSchedule times(LearningRateSchedule other) {
        LearningRateSchedule self = this;
        return new LearningRateSchedule() {
            @Override
            public double factor(int epoch) {
                return self.factor(epoch) * other.factor(epoch);
            }

            @Override
            public double factor(int epoch, int step, int stepsPerEpoch) {
                return self.factor(epoch, step, stepsPerEpoch) * other.factor(epoch, step, stepsPerEpoch);
            }

            @Override
            public boolean perStep() {
                return self.perStep() || other.perStep();
            }
        };
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

    /**
     * One-cycle, per step: a linear warm-up from 1/W to 1 over the first {@code warmupEpochs} (W steps), then a
     * linear decay to 0 at the end of epoch {@code totalEpochs} (see the class description for the formula; the
     * schedule of torch_cifar10_modern.py, and of fast CIFAR-10 training generally). {@link #factor(int)} alone
     * treats each epoch as one step.
     *
     * @param totalEpochs  the length of the run, at least 1
     * @param warmupEpochs the warm-up's length in epochs (fractions allowed), in [0, totalEpochs)
     */
    static LearningRateSchedule oneCycle(int totalEpochs, double warmupEpochs) {
        if (totalEpochs < 1) {
            throw new IllegalArgumentException("one-cycle needs at least 1 epoch, got " + totalEpochs);
        }
        if (!(warmupEpochs >= 0 && warmupEpochs < totalEpochs)) {
            throw new IllegalArgumentException("warm-up must be in [0, " + totalEpochs + ") epochs, got "
                    + warmupEpochs);
        }
        return new PerStep() {
            @Override
            public double factor(int epoch, int step, int stepsPerEpoch) {
                long total = (long) totalEpochs * stepsPerEpoch;
                long warm = Math.max(1, (long) Math.floor(warmupEpochs * stepsPerEpoch));
                long s = (long) epoch * stepsPerEpoch + step;
                if (s < warm) {
                    return (s + 1) / (double) warm;
                }
                return total == warm ? 0 : Math.max(0.0, (total - s) / (double) (total - warm));
            }
        };
    }

    /**
     * Cosine annealing per step from 1 to 0 over {@code totalEpochs}: {@code (1 + cos(pi * s / T)) / 2} at step s of
     * T (torch_cifar10_modern.py's {@code --schedule cosine}); see {@link #cosine(int, double)} for the per-epoch one.
     *
     * @param totalEpochs the length of the run, at least 1
     */
    static LearningRateSchedule cosineSteps(int totalEpochs) {
        if (totalEpochs < 1) {
            throw new IllegalArgumentException("cosine schedule needs at least 1 epoch, got " + totalEpochs);
        }
        return new PerStep() {
            @Override
            public double factor(int epoch, int step, int stepsPerEpoch) {
                long total = (long) totalEpochs * stepsPerEpoch;
                long s = (long) epoch * stepsPerEpoch + step;
                return s >= total ? 0 : 0.5 * (1 + Math.cos(Math.PI * s / total));
            }
        };
    }

    /** A schedule defined per step; {@link #factor(int)} is its value at the epoch's start with one step per epoch. */
    abstract class PerStep implements LearningRateSchedule {
        @Override
        public double factor(int epoch) {
            return factor(epoch, 0, 1);
        }

        @Override
        public abstract double factor(int epoch, int step, int stepsPerEpoch);

        @Override
        public boolean perStep() {
            return true;
        }
    }
}
