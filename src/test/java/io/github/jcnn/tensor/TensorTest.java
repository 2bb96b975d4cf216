package io.github.jcnn.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void rowMajorLayout() {
        Tensor t = Tensor.of(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
        assertThat(t.get(0, 2)).isEqualTo(3f);
        assertThat(t.get(1, 0)).isEqualTo(4f);
        t.set(9f, 1, 1);
        assertThat(t.toArray()).containsExactly(1, 2, 3, 4, 9, 6);
    }

    @Test
    void reshapeIsAViewOverTheSameNumbers() {
        Tensor t = Tensor.zeros(2, 3);
        Tensor v = t.reshape(3, 2);
        v.set(7f, 2, 1);
        assertThat(t.get(1, 2)).isEqualTo(7f);
        assertThatThrownBy(() -> t.reshape(4, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(2, 3)").hasMessageContaining("(4, 2)");
    }

    @Test
    void toArrayIsACopy() {
        Tensor t = Tensor.zeros(2);
        t.toArray()[0] = 5f;
        assertThat(t.get(0)).isEqualTo(0f);
    }

    @Test
    void badSizesAndIndicesNameTheShape() {
        assertThatThrownBy(() -> Tensor.of(Shape.of(2, 2), 1, 2, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(2, 2)").hasMessageContaining("3");
        Tensor t = Tensor.zeros(2, 2);
        assertThatThrownBy(() -> t.get(2, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2, 0]").hasMessageContaining("(2, 2)");
        assertThatThrownBy(() -> t.add(Tensor.zeros(3))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(2, 2)").hasMessageContaining("(3)");
        assertThatThrownBy(() -> Shape.of(3, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void elementWiseAndReductions() {
        Tensor a = Tensor.of(Shape.of(2, 2), 1, -2, 3, 4);
        Tensor b = Tensor.of(Shape.of(2, 2), 1, 1, 1, 1);
        assertThat(a.add(b).toArray()).containsExactly(2, -1, 4, 5);
        assertThat(a.sub(b).toArray()).containsExactly(0, -3, 2, 3);
        assertThat(a.mul(a).toArray()).containsExactly(1, 4, 9, 16);
        assertThat(a.sum()).isEqualTo(6.0);
        assertThat(a.max()).isEqualTo(4f);
        assertThat(a.min()).isEqualTo(-2f);
        assertThat(a.argMaxRows()).containsExactly(0, 1);
    }

    @Property
    void offsetsEnumerateEveryElementOnce(@ForAll @IntRange(min = 1, max = 4) int a,
                                          @ForAll @IntRange(min = 1, max = 4) int b,
                                          @ForAll @IntRange(min = 1, max = 4) int c) {
        Shape s = Shape.of(a, b, c);
        int expected = 0;
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                for (int k = 0; k < c; k++) {
                    assertThat(s.offset(i, j, k)).isEqualTo(expected++);
                }
            }
        }
        assertThat(s.size()).isEqualTo(expected);
    }
}
