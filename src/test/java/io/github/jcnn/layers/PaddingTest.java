package io.github.jcnn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PaddingTest {

    @Test
    void amounts() {
        assertThat(Padding.VALID.amount(5)).isZero();
        assertThat(Padding.SAME.amount(1)).isZero();
        assertThat(Padding.SAME.amount(3)).isEqualTo(1);
        assertThat(Padding.SAME.amount(5)).isEqualTo(2);
        assertThat(Padding.of(2).amount(3)).isEqualTo(2);
        assertThat(Padding.of(0)).isEqualTo(Padding.VALID);
    }

    @Test
    void names() {
        assertThat(Padding.VALID).hasToString("valid");
        assertThat(Padding.SAME).hasToString("same");
        assertThat(Padding.of(2)).hasToString("pad 2");
    }

    @Test
    void sameRefusesAnEvenKernelAndNegativePaddingIsRefused() {
        assertThatThrownBy(() -> Padding.SAME.amount(4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("odd").hasMessageContaining("4");
        assertThatThrownBy(() -> Padding.of(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }
}
