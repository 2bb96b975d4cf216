package io.github.jcnn.layers;

import static io.github.jcnn.layers.LayerTesting.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.losses.MeanSquaredError;
import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Whole stacks of this package's layers with a loss, checked end to end with {@link GradientCheck#checkStack}
 * (epsilon 1e-2, floor 1e-2, tolerance 1e-2 as for single layers). This checks that the layers' backward passes
 * compose: each layer's dL/dx is the next one's dL/dy.
 */
class StackGradientProperties {

    /**
     * avg-pool -> ReLU -> max-pool -> flatten -> dense -> tanh -> dense, softmax cross-entropy. One nudge of 1e-2 of an
     * input moves the average-pool outputs that contain it by 1e-2 / 4 = 0.0025, all in the same direction (the
     * weights after the max pool cannot move what comes before it). So ReLU inputs at least 0.005 from 0, and max-pool
     * winners at least 0.005 ahead of the runner-up, cannot flip: the input is the first one from the property's
     * seed on that keeps these margins.
     */
    @Property(tries = 20)
    void poolingDenseStackWithCrossEntropy(@ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Layer> layers = List.of(
                new AvgPool2D(Shape.of(2, 6, 6), 2, 1),     // (2, 5, 5)
                new ReLU(Shape.of(2, 5, 5)),
                new MaxPool2D(Shape.of(2, 5, 5), 2, 1),     // (2, 4, 4)
                new Flatten(Shape.of(2, 4, 4)),             // (32)
                new Dense(Shape.of(32), 8),
                new Tanh(Shape.of(8)),
                new Dense(Shape.of(8), 3));
        for (Layer layer : layers) {
            layer.initialize(WeightInit.GLOROT, random);
        }
        long inputSeed = KinkMargins.firstSeedOffKinks(layers, seed, 0.005, 1000,
                s -> LayerTesting.uniform(Shape.of(3, 2, 6, 6), s));
        Tensor x = LayerTesting.uniform(Shape.of(3, 2, 6, 6), inputSeed);
        int[] labels = random.ints(3, 0, 3).toArray();
        GradientCheck.Report report = GradientCheck.checkStack(layers, new SoftmaxCrossEntropy(), x, labels, 1e-2,
                1e-2);
        assertThat(report.entries()).hasSize(1 + 4);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    /**
     * dense -> batch norm -> sigmoid -> dense -> softmax, mean squared error on the probabilities. Epsilon 3e-3 here:
     * nudging a weight of the first dense layer by 1e-2 shifts a whole feature of the batch by up to 0.02, which
     * batch norm (with only 6 numbers per feature) turns into a sharply curved change; at 1e-2 the central
     * difference itself was off by 3e-4 absolute (3% relative on a gradient of 9e-3) on a correct stack. The
     * truncation error falls with epsilon^2, so 3e-3 cuts it about elevenfold, while float rounding noise stays far
     * below the tolerance.
     */
    @Property(tries = 20)
    void denseBatchNormSoftmaxStackWithMeanSquaredError(@ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Layer> layers = List.of(
                new Dense(Shape.of(5), 6),
                new BatchNorm(Shape.of(6)),
                new Sigmoid(Shape.of(6)),
                new Dense(Shape.of(6), 4),
                new Softmax(Shape.of(4)));
        for (Layer layer : layers) {
            layer.initialize(WeightInit.GLOROT, random);
        }
        Tensor x = LayerTesting.uniform(Shape.of(6, 5), seed).scaleInPlace(2f);
        int[] labels = random.ints(6, 0, 4).toArray();
        GradientCheck.Report report = GradientCheck.checkStack(layers, new MeanSquaredError(), x, labels, 3e-3,
                1e-2);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }
}
