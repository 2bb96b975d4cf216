package io.github.jcnn.optim;

import io.github.jcnn.layers.Parameter;
import io.github.jcnn.tensor.Tensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bookkeeping {@link SGD} and {@link Adam} share, so that each says only its update rule and its settings: the
 * parameters, the learning rate, the per-parameter buffers (momentum, moments) and their export to and import from an
 * {@link OptimizerState}. A buffer kind {@code "m"} is saved as tensors {@code "0.m"}, {@code "1.m"}, ... (one per
 * parameter, in order), the learning rate as the value {@code "learning_rate"}.
 */
abstract class ParameterOptimizer implements Optimizer {

    private final String type;
    private final List<Parameter> parameters;
    private final double initialLearningRate;
    private double learningRate;
    /** The per-parameter buffers by the name they are saved under, in the order they were made. */
    private final Map<String, List<Tensor>> buffers = new LinkedHashMap<>();

    ParameterOptimizer(String type, List<Parameter> parameters, double learningRate) {
        this.type = type;
        this.parameters = List.copyOf(parameters);
        this.initialLearningRate = learningRate;
        this.learningRate = learningRate;
    }

    /** New zero buffers, one per parameter and of its shape, saved with the state under {@code kind}. */
    final List<Tensor> newBuffers(String kind) {
        List<Tensor> zeros = StateBuffers.zerosLike(parameters);
        buffers.put(kind, zeros);
        return zeros;
    }

    /** Puts this optimizer's own scalars (step count, settings) into a state being saved. */
    abstract void saveValues(Map<String, String> values);

    /**
     * Reads and checks this optimizer's own scalars from a state being restored, changing nothing yet; the returned
     * action applies them once every check of the state has passed. None by default.
     */
    Runnable readValues(OptimizerState state) {
        return () -> { };
    }

    @Override
    public final double initialLearningRate() {
        return initialLearningRate;
    }

    @Override
    public final double learningRate() {
        return learningRate;
    }

    @Override
    public final void setLearningRate(double learningRate) {
        requireLearningRate(learningRate);
        this.learningRate = learningRate;
    }

    private static void requireLearningRate(double learningRate) {
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be 0 or more and finite, got " + learningRate);
        }
    }

    @Override
    public final List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public final OptimizerState state() {
        Map<String, String> values = new HashMap<>();
        values.put("learning_rate", Double.toString(learningRate));
        saveValues(values);
        Map<String, Tensor> tensors = new HashMap<>();
        buffers.forEach((kind, list) -> StateBuffers.save(kind, list, tensors));
        return new OptimizerState(type, values, tensors);
    }

    /** Checks the type, every value and every tensor's shape first, so that a failed restore changes nothing. */
    @Override
    public final void restore(OptimizerState state) {
        StateBuffers.requireType(state, type);
        double lr = Double.parseDouble(state.value("learning_rate"));
        requireLearningRate(lr);
        Runnable values = readValues(state);
        buffers.forEach((kind, list) -> StateBuffers.check(kind, state, list));
        buffers.forEach((kind, list) -> StateBuffers.load(kind, state, list));
        this.learningRate = lr;
        values.run();
    }

    /** Checks the ranges every optimizer's settings share, naming the numbers that are out of range. */
    static void requireSettings(double learningRate, double weightDecay, double decoupledWeightDecay) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
        }
        if (!(weightDecay >= 0) || !(decoupledWeightDecay >= 0)) {
            throw new IllegalArgumentException("weight decays must be 0 or more, got " + weightDecay + " and "
                    + decoupledWeightDecay);
        }
    }
}
