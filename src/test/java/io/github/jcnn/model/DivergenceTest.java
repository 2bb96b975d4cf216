package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.layers.Layer;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The diagnosis of a diverged step: which quantity is named, and the messages word for word. */
class DivergenceTest {

    private static final String ADVICE = "is probably too high: try one 10 times smaller, normalise the inputs, or"
            + " add batch normalisation.";

    @Test
    void theMessagesNameTheEpochTheBatchTheQuantityAndTheLearningRate() {
        Sequential model = Synthetic.smallCnn(1);
        SGD sgd = new SGD(model.parameters(), 0.5);

        TrainingDivergedException nan = Divergence.inFit(2, 6, "Conv2D #0 weight", 3.5, sgd);
        assertThat(nan.getMessage()).isEqualTo("training diverged at epoch 3, batch 7: Conv2D #0 weight became NaN "
                + "or infinite (loss 3.5). The learning rate (0.5) " + ADVICE);
        assertThat(nan.epoch()).isEqualTo(2);
        assertThat(nan.batch()).isEqualTo(6);
        assertThat(nan.quantity()).isEqualTo("Conv2D #0 weight");
        assertThat(Divergence.inFit(0, 0, "Dense #4 bias gradient", Double.NaN, sgd).getMessage())
                .isEqualTo("training diverged at epoch 1, batch 1: Dense #4 bias gradient became NaN or infinite. "
                        + "The learning rate (0.5) " + ADVICE);

        TrainingDivergedException high = Divergence.lossAboveBound(0, 1, 20000.25, 1e4, sgd);
        assertThat(high.getMessage()).isEqualTo("training diverged at epoch 1, batch 2: the loss (20000.25) is above "
                + "the bound 10000.0 (FitOptions.maxLoss). The learning rate (0.5) " + ADVICE);
        assertThat(high.quantity()).isEqualTo("loss");

        TrainingDivergedException custom = Divergence.outsideFit("in backward", "Dense #4 weight gradient",
                Double.NaN);
        assertThat(custom.getMessage()).isEqualTo("training diverged in backward: Dense #4 weight gradient became NaN "
                + "or infinite. The learning rate " + ADVICE);
        assertThat(custom.epoch()).isEqualTo(-1);
    }

    @Test
    void theFirstBadForwardQuantityAndTheLastBadGradientAreNamed() {
        Sequential model = Synthetic.smallCnn(1);
        Divergence divergence = new Divergence(model.layers(), model.parameters());
        Tensor[] outputs = new Tensor[model.layers().size()];
        Tensor x = Synthetic.images(model.inputShape(), 2, 3);
        for (int i = 0; i < outputs.length; i++) {
            Layer layer = model.layers().get(i);
            x = layer.forward(x, false);
            outputs[i] = x;
        }
        int depth = outputs.length - 1;   // the loss takes the logits
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        assertThat(divergence.forwardCulprit(outputs, depth, loss)).isEqualTo("loss (" + loss.name() + ")");
        outputs[1].data()[5] = Float.POSITIVE_INFINITY;
        assertThat(divergence.forwardCulprit(outputs, depth, loss)).isEqualTo("ReLU #1 output");
        model.parameters().get(2).value().data()[0] = Float.NaN;   // Dense #4's weight: layer 4 is after output 1
        assertThat(divergence.forwardCulprit(outputs, depth, loss)).isEqualTo("ReLU #1 output");
        model.parameters().get(0).value().data()[0] = Float.NaN;   // Conv2D #0's weight comes first
        assertThat(divergence.forwardCulprit(outputs, depth, loss)).isEqualTo("Conv2D #0 weight");

        model.zeroGrad();
        assertThat(divergence.badGradient()).isNull();
        model.parameters().get(0).grad().data()[0] = Float.NaN;
        assertThat(divergence.badGradient()).isEqualTo("Conv2D #0 weight gradient");
        model.parameters().get(3).grad().data()[1] = Float.NaN;   // backward computes the last layer's first
        assertThat(divergence.badGradient()).isEqualTo("Dense #4 bias gradient");
    }
}
