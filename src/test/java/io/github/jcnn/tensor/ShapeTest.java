package io.github.jcnn.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Shape's batch helpers: what a layer asks on every call. */
class ShapeTest {

    @Test
    void aBatchHasOneMoreDimensionInFront() {
        Shape image = Shape.of(3, 32, 32);
        assertThat(Shape.of(64, 3, 32, 32).isBatchOf(image)).isTrue();
        assertThat(Shape.of(1, 3, 32, 32).isBatchOf(image)).isTrue();
        assertThat(Shape.of(64, 3, 32, 31).isBatchOf(image)).isFalse();
        assertThat(Shape.of(64, 32, 32, 3).isBatchOf(image)).isFalse();
        assertThat(Shape.of(3, 32, 32).isBatchOf(image)).as("the sample itself").isFalse();
        assertThat(Shape.of(2, 64, 3, 32, 32).isBatchOf(image)).as("two dimensions in front").isFalse();
        assertThat(Shape.of(10).isBatchOf(Shape.of())).as("a batch of scalars").isTrue();
    }

    @Test
    void theSampleSizeIsEverythingAfterTheFirstDimension() {
        assertThat(Shape.of(64, 3, 32, 32).sampleSize()).isEqualTo(3 * 32 * 32);
        assertThat(Shape.of(7).sampleSize()).isEqualTo(1);
        assertThatThrownBy(() -> Shape.of().sampleSize()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scalar");
    }

    @Test
    void withBatchGivesTheSameShapeAgainForTheSameBatch() {
        Shape image = Shape.of(3, 8, 8);
        Shape a = image.withBatch(16);
        assertThat(a).isEqualTo(Shape.of(16, 3, 8, 8));
        assertThat(image.withBatch(16)).isSameAs(a);
        assertThat(image.withBatch(4)).isEqualTo(Shape.of(4, 3, 8, 8));
    }
}
