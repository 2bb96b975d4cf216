package io.github.jcnn.model;

import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.losses.Loss;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.Locale;

/**
 * The diagnosis of a diverged training step for {@link Trainer}: which quantity became NaN or infinite first, and the
 * {@link TrainingDivergedException} that names it. Forward: a layer's weights, else a layer's output, else the loss
 * itself, from the first layer on. Backward: a parameter's gradient, from the last layer back (the order backward
 * computed them).
 */
final class Divergence {

    private static final String ADVICE = "The learning rate%s is probably too high: try one 10 times smaller, "
            + "normalise the inputs, or add batch normalisation.";

    private final List<Layer> layers;
    private final List<Parameter> parameters;
    /** parameterLayer[k] = the index of the layer that owns parameters.get(k) */
    private final int[] parameterLayer;

    Divergence(List<Layer> layers, List<Parameter> parameters) {
        this.layers = layers;
        this.parameters = parameters;
        this.parameterLayer = new int[parameters.size()];
        int k = 0;
        for (int i = 0; i < layers.size(); i++) {
            for (int j = 0; j < layers.get(i).parameters().size(); j++) {
                parameterLayer[k++] = i;
            }
        }
    }

    /**
     * Which forward quantity went bad first, e.g. "Conv2D #0 weight", "ReLU #1 output" or "loss (softmax
     * cross-entropy)".
     *
     * @param outputs the outputs of layers 0..depth-1 of a training forward pass
     */
    String forwardCulprit(Tensor[] outputs, int depth, Loss loss) {
        for (int i = 0; i < depth; i++) {
            Layer layer = layers.get(i);
            for (Parameter p : layer.parameters()) {
                if (!p.value().isFinite()) {
                    return layer.type() + " #" + i + " " + p.name();
                }
            }
            if (!outputs[i].isFinite()) {
                return layer.type() + " #" + i + " output";
            }
        }
        return "loss (" + loss.name() + ")";
    }

    /** The last parameter whose gradient is not finite, e.g. "Dense #6 bias gradient", or null if all are. */
    String badGradient() {
        for (int k = parameters.size() - 1; k >= 0; k--) {
            Parameter p = parameters.get(k);
            if (!p.grad().isFinite()) {
                return layers.get(parameterLayer[k]).type() + " #" + parameterLayer[k] + " " + p.name() + " gradient";
            }
        }
        return null;
    }

    /** Diverged inside fit or trainBatch: names the epoch, the batch and the learning rate. */
    static TrainingDivergedException inFit(int epoch, int batch, String quantity, double loss, Optimizer optimizer) {
        String message = String.format(Locale.ROOT, "training diverged at epoch %d, batch %d: %s became NaN or "
                        + "infinite%s. " + ADVICE, epoch + 1, batch + 1, quantity,
                Double.isNaN(loss) ? "" : " (loss " + loss + ")", " (" + optimizer.learningRate() + ")");
        return new TrainingDivergedException(epoch, batch, quantity, message);
    }

    /** A batch's finite loss above {@link FitOptions#maxLoss()}. */
    static TrainingDivergedException lossAboveBound(int epoch, int batch, double loss, double maxLoss,
                                                    Optimizer optimizer) {
        return new TrainingDivergedException(epoch, batch, "loss", String.format(Locale.ROOT,
                "training diverged at epoch %d, batch %d: the loss (%s) is above the bound %s (FitOptions.maxLoss). "
                        + ADVICE, epoch + 1, batch + 1, (float) loss, maxLoss, " (" + optimizer.learningRate() + ")"));
    }

    /** Diverged outside fit (a custom loop, {@code where} e.g. "in backward"), without a learning rate to name. */
    static TrainingDivergedException outsideFit(String where, String quantity, double loss) {
        String message = String.format(Locale.ROOT, "training diverged %s: %s became NaN or infinite%s. " + ADVICE,
                where, quantity, Double.isNaN(loss) ? "" : " (loss " + loss + ")", "");
        return new TrainingDivergedException(-1, -1, quantity, message);
    }
}
