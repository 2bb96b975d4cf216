package io.github.jcnn.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@link Loss#gradientInto} writes the same bits as {@link Loss#gradient} for each loss of the library, and for a
 * loss that only has {@code gradient} (the interface's default), whatever the target held before.
 */
class GradientIntoProperties {

    @Property(tries = 80)
    void gradientIntoHasTheBitsOfGradient(@ForAll @IntRange(min = 1, max = 6) int batch,
                                          @ForAll @IntRange(min = 1, max = 12) int classes,
                                          @ForAll @IntRange(min = 0, max = 2) int which,
                                          @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor predictions = Tensor.zeros(batch, classes);
        float[] p = predictions.data();
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) random.nextDouble(-5, 5);
        }
        int[] labels = random.ints(batch, 0, classes).toArray();
        Loss loss = switch (which) {
            case 0 -> SoftmaxCrossEntropy.withLabelSmoothing(random.nextBoolean() ? 0 : random.nextDouble(0, 0.3));
            case 1 -> new MeanSquaredError();
            default -> onlyGradient(new SoftmaxCrossEntropy());
        };
        Tensor into = Tensor.zeros(batch, classes).fillInPlace(Float.NaN);   // every number must be overwritten
        Tensor returned = loss.gradientInto(predictions, labels, into);
        assertThat(returned).isSameAs(into);
        assertThat(into.toArray()).as(loss.name()).containsExactly(loss.gradient(predictions, labels).toArray());
    }

    @Test
    void aTargetOfAnotherShapeIsRefused() {
        Tensor predictions = Tensor.zeros(2, 3);
        int[] labels = {0, 1};
        for (Loss loss : new Loss[] {new SoftmaxCrossEntropy(), new MeanSquaredError(),
                onlyGradient(new SoftmaxCrossEntropy())}) {
            assertThatThrownBy(() -> loss.gradientInto(predictions, labels, Tensor.zeros(Shape.of(3, 2))))
                    .as(loss.name()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(2, 3)").hasMessageContaining("(3, 2)");
        }
    }

    /** A loss that implements only what the interface requires, so that gradientInto is the default. */
    private static Loss onlyGradient(Loss inner) {
        return new Loss() {
            @Override
            public String name() {
                return "only gradient";
            }

            @Override
            public double loss(Tensor predictions, int[] labels) {
                return inner.loss(predictions, labels);
            }

            @Override
            public Tensor gradient(Tensor predictions, int[] labels) {
                return inner.gradient(predictions, labels);
            }
        };
    }
}
