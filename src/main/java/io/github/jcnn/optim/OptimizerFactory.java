package io.github.jcnn.optim;

import io.github.jcnn.layers.Parameter;
import java.util.List;

/**
 * Makes an optimizer for a list of parameters. Training asks for one when it starts, because an optimizer is bound to
 * the parameters it updates:
 * <pre>
 *   OptimizerFactory sgd  = SGD.config(0.01).momentum(0.9).nesterov(true);
 *   OptimizerFactory adam = Adam.config(1e-3).decoupledWeightDecay(0.01);   // AdamW
 *   Optimizer optimizer = adam.create(model.parameters());
 * </pre>
 */
@FunctionalInterface
public interface OptimizerFactory {

    /** A fresh optimizer (zero state) for these parameters. */
    Optimizer create(List<Parameter> parameters);
}
