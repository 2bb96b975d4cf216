package io.github.jcnn.optim;

import io.github.jcnn.layers.Parameter;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients, one step per batch.
 *
 * <p>An optimizer is bound to a list of parameters; per-parameter state (momentum, Adam's moments) is kept in the same
 * order. A step reads each {@link Parameter#grad()} and changes {@link Parameter#value()} in place; it does not zero
 * the gradients.
 */
public interface Optimizer {

    /** Applies one update to every parameter from its current gradient. */
    void step();

    /**
     * Sets the gradient of every parameter of this optimizer to zero, before the backward pass of the next step
     * (backward passes add into the gradients).
     */
    default void zeroGrad() {
        for (Parameter p : parameters()) {
            p.zeroGrad();
        }
    }

    /** The learning rate of the next step. */
    double learningRate();

    /** Sets the learning rate of the following steps (used by schedules). */
    void setLearningRate(double learningRate);

    /**
     * The learning rate the optimizer was created with, which learning-rate schedules multiply; by default the
     * current one.
     */
    default double initialLearningRate() {
        return learningRate();
    }

    /** The parameters this optimizer updates, in order. */
    List<Parameter> parameters();

    /**
     * A copy of the optimizer's memory (moments, step count, learning rate) for saving; see {@link OptimizerState}.
     * The default is a stateless optimizer with only its learning rate.
     */
    default OptimizerState state() {
        return new OptimizerState(getClass().getSimpleName(),
                Map.of("learning_rate", Double.toString(learningRate())), Map.of());
    }

    /**
     * Puts back a memory taken by {@link #state()} from an optimizer of the same type over parameters of the same
     * shapes, so that the next {@link #step()} is the one that would have followed.
     *
     * @throws IllegalArgumentException if the type, a tensor's name or a shape does not match
     */
    default void restore(OptimizerState state) {
        if (!state.type().equals(getClass().getSimpleName())) {
            throw new IllegalArgumentException("cannot restore " + state.type() + " optimizer state into "
                    + getClass().getSimpleName());
        }
        setLearningRate(Double.parseDouble(state.value("learning_rate")));
    }
}
