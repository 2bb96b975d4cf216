package io.github.jcnn.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.layers.GradientCheck;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Gradient checks of a loss alone use {@link GradientCheck#checkStack} with an empty list of layers: the "network"
 * is the identity and the checked input is the predictions. Tolerance 1e-2 with epsilon 1e-2 and floor 1e-2, as for
 * the layers (float32 inputs, loss summed in double; see LayerTesting in the layers tests).
 */
class SoftmaxCrossEntropyTest {

    static final double TOLERANCE = 1e-2;

    @Test
    void uniformLogitsGiveLnK() {
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        assertThat(loss.name()).isEqualTo("softmax cross-entropy");
        Tensor logits = Tensor.full(Shape.of(3, 10), 4f);
        assertThat(loss.loss(logits, new int[] {0, 5, 9})).isCloseTo(Math.log(10), within(1e-6));
        // gradient (p - onehot) / N = (0.1 - [k == y]) / 3
        Tensor grad = loss.gradient(logits, new int[] {0, 5, 9});
        assertThat(grad.get(0, 0)).isCloseTo(-0.9f / 3, within(1e-6f));
        assertThat(grad.get(1, 0)).isCloseTo(0.1f / 3, within(1e-6f));
    }

    @Test
    void knownCase() {
        // logits (0, ln 2, ln 5): p = (1/8, 2/8, 5/8); label 2 gives -ln(5/8), label 0 gives ln 8
        Tensor logits = Tensor.of(Shape.of(2, 3), 0, (float) Math.log(2), (float) Math.log(5),
                0, (float) Math.log(2), (float) Math.log(5));
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        assertThat(loss.loss(logits, new int[] {2, 0})).isCloseTo((-Math.log(5 / 8.0) + Math.log(8)) / 2, within(1e-6));
        assertThat(loss.gradient(logits, new int[] {2, 0}).toArray()).containsExactly(
                new float[] {0.0625f, 0.125f, -0.1875f, -0.4375f, 0.125f, 0.3125f}, within(1e-6f));
        assertThat(SoftmaxCrossEntropy.softmax(logits).toArray()).containsExactly(
                new float[] {0.125f, 0.25f, 0.625f, 0.125f, 0.25f, 0.625f}, within(1e-6f));
    }

    @Test
    void hugeLogitsDoNotOverflow() {
        Tensor logits = Tensor.of(Shape.of(1, 3), 1000, 0, -1000);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        assertThat(loss.loss(logits, new int[] {0})).isCloseTo(0, within(1e-9));
        assertThat(loss.loss(logits, new int[] {1})).isCloseTo(1000, within(1e-3));
        assertThat(loss.gradient(logits, new int[] {1}).isFinite()).isTrue();
    }

    @Test
    void badLabelsAndShapesAreRefusedClearly() {
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        Tensor logits = Tensor.zeros(2, 5);
        assertThatThrownBy(() -> loss.loss(logits, new int[] {1, 5}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label 5").hasMessageContaining("sample 1").hasMessageContaining("0..4");
        assertThatThrownBy(() -> loss.gradient(logits, new int[] {-1, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label -1");
        assertThatThrownBy(() -> loss.loss(logits, new int[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(2, 5)").hasMessageContaining("1 labels");
        assertThatThrownBy(() -> loss.loss(Tensor.zeros(2, 5, 1), new int[] {1, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(2, 5, 1)").hasMessageContaining("(N, K)");
    }

    @Property(tries = 60)
    void gradientMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 4) int batch,
                                          @ForAll @IntRange(min = 1, max = 10) int classes,
                                          @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor logits = Tensor.zeros(batch, classes);
        for (int i = 0; i < logits.size(); i++) {
            logits.data()[i] = (float) (random.nextDouble() * 6 - 3);
        }
        int[] labels = random.ints(batch, 0, classes).toArray();
        GradientCheck.Report report = GradientCheck.checkStack(List.of(), new SoftmaxCrossEntropy(), logits, labels,
                1e-2, 1e-2);
        assertThat(report.maxError()).as("%s", report).isLessThanOrEqualTo(TOLERANCE);
    }

    @Property(tries = 30)
    void gradientShapeMatchesAndRowsSumToZero(@ForAll @IntRange(min = 1, max = 4) int batch,
                                              @ForAll @IntRange(min = 1, max = 10) int classes,
                                              @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor logits = Tensor.zeros(batch, classes);
        for (int i = 0; i < logits.size(); i++) {
            logits.data()[i] = (float) (random.nextDouble() * 20 - 10);
        }
        Tensor grad = new SoftmaxCrossEntropy().gradient(logits, random.ints(batch, 0, classes).toArray());
        assertThat(grad.shape()).isEqualTo(logits.shape());
        assertThat(grad.sum()).isCloseTo(0, within(1e-5));
    }
}
