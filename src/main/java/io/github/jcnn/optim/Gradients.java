package io.github.jcnn.optim;

import io.github.jcnn.layers.Parameter;
import java.util.List;

/**
 * Operations on the gradients of a list of parameters between the backward pass and the optimizer step (custom
 * training loops: see {@code Sequential.forwardLoss}).
 */
public final class Gradients {

    private Gradients() {
    }

    /**
     * The global L2 norm of all the gradients together, as if laid end to end:
     * <pre>
     *   norm = sqrt( sum over parameters p, sum over elements i of grad_p[i]^2 )
     * </pre>
     * summed in double precision, parameter by parameter in list order (so the same gradients give the same bits).
     */
    public static double norm(List<Parameter> parameters) {
        double sum = 0;
        for (Parameter p : parameters) {
            for (float g : p.grad().data()) {
                sum += (double) g * g;
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * Clipping by global norm, as PyTorch's {@code clip_grad_norm_}: when the global norm (see {@link #norm}) is
     * above {@code maxNorm}, every gradient is scaled in place by the same factor
     * <pre>
     *   grad *= maxNorm / (norm + 1e-6)
     * </pre>
     * so that the direction of the whole step is kept and its length becomes (just under) maxNorm; otherwise the
     * gradients are left alone. A NaN or infinite norm leaves them alone too (the training step then reports the
     * bad gradient).
     *
     * @param maxNorm the largest norm allowed, greater than 0
     * @return the norm before clipping
     */
    public static double clipNorm(List<Parameter> parameters, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be greater than 0, got " + maxNorm);
        }
        double norm = norm(parameters);
        if (norm > maxNorm && Double.isFinite(norm)) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            for (Parameter p : parameters) {
                p.grad().scaleInPlace(scale);
            }
        }
        return norm;
    }
}
