package io.github.jcnn.optim;

import io.github.jcnn.layers.Parameter;
import java.util.List;

/**
 * Updates parameters from their gradients, one step per batch.
 *
 * <p>An optimizer is bound to a list of parameters; per-parameter state (momentum, Adam's moments) is kept in the same
 * order. A step reads each {@link Parameter#grad()} and changes {@link Parameter#value()} in place; it does not zero the
 * gradients.
 */
public interface Optimizer {

    /** Applies one update to every parameter from its current gradient. */
    void step();

    /** The learning rate of the next step. */
    double learningRate();

    /** Sets the learning rate of the following steps (used by schedules). */
    void setLearningRate(double learningRate);

    /** The parameters this optimizer updates, in order. */
    List<Parameter> parameters();
}
