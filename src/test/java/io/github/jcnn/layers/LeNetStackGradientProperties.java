package io.github.jcnn.layers;

import static io.github.jcnn.layers.LayerTesting.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.losses.SoftmaxCrossEntropy;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A small LeNet-like network checked end to end: conv -> ReLU -> max-pool -> conv -> ReLU -> avg-pool -> flatten ->
 * dense, with softmax cross-entropy, through {@link GradientCheck#checkStack} (epsilon 1e-2, floor 1e-2, tolerance
 * 1e-2 as for single layers). It shows that Conv2D's backward and this package's layers compose.
 *
 * <p>Kinks: one nudge of 1e-2 moves a first-convolution output by at most 1e-2 times the largest |weight| or
 * |input| (about 1), and a second-convolution output by a few times that. The network and the input are the first
 * ones from the property's seed on whose ReLU inputs are all at least {@link #MARGIN} from 0 and whose max-pool
 * winners lead their runner-up by as much (see {@link KinkMargins}).
 */
class LeNetStackGradientProperties {

    @Property(tries = 10)
    void leNetLikeStackMatchesFiniteDifferences(@ForAll long seed) {
        long candidate = seed;
        List<Layer> layers = network(candidate);
        Tensor x = input(candidate);
        for (int attempt = 1; KinkMargins.of(layers, x) < MARGIN; attempt++) {
            if (attempt == 20_000) {
                throw new AssertionError("no network and input within 20,000 seeds from " + seed + " stay "
                        + MARGIN + " away from the kinks");
            }
            candidate = seed + attempt;
            layers = network(candidate);
            x = input(candidate);
        }
        int[] labels = new SplittableRandom(candidate).ints(2, 0, 4).toArray();
        GradientCheck.Report report = GradientCheck.checkStack(layers, new SoftmaxCrossEntropy(), x, labels, 1e-2,
                1e-2);
        assertThat(report.entries()).hasSize(1 + 6);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    /** The smallest distance from a kink that the checked network and input must keep. */
    static final double MARGIN = 0.03;

    /** The network, its weights drawn with He initialisation and its biases uniform in [-0.2, 0.2]. */
    static List<Layer> network(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Layer> layers = List.of(
                new Conv2D(Shape.of(1, 8, 8), 2, 3),        // (2, 6, 6)
                new ReLU(Shape.of(2, 6, 6)),
                new MaxPool2D(Shape.of(2, 6, 6), 2),        // (2, 3, 3)
                new Conv2D(Shape.of(2, 3, 3), 3, 2),        // (3, 2, 2)
                new ReLU(Shape.of(3, 2, 2)),
                new AvgPool2D(Shape.of(3, 2, 2), 2),        // (3, 1, 1)
                new Flatten(Shape.of(3, 1, 1)),             // (3)
                new Dense(Shape.of(3), 4));
        for (Layer layer : layers) {
            layer.initialize(WeightInit.HE, random);
            for (Parameter p : layer.parameters()) {        // non-zero biases: the bias paths count too
                if (p.name().equals("bias")) {
                    p.value().copyFromInPlace(LayerTesting.uniform(p.value().shape(), random.nextLong())
                            .scaleInPlace(0.2f));
                }
            }
        }
        return layers;
    }

    /** A batch of two 1 x 8 x 8 images, uniform in [-1, 1). */
    static Tensor input(long seed) {
        return LayerTesting.uniform(Shape.of(2, 1, 8, 8), seed ^ 0x5DEECE66DL);
    }
}
