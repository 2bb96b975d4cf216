package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void confusionMatrixCountsAndPerClassAccuracy() {
        ConfusionMatrix m = new ConfusionMatrix(List.of("cat", "dog", "bird"));
        m.addAll(new int[] {0, 0, 1, 1, 1, 0}, new int[] {0, 1, 1, 1, 0, 0});
        assertThat(m.count(0, 1)).isEqualTo(1);
        assertThat(m.total()).isEqualTo(6);
        assertThat(m.correct()).isEqualTo(4);
        assertThat(m.accuracy()).isEqualTo(4 / 6.0);
        assertThat(m.perClassAccuracy()).containsExactly(2 / 3.0, 2 / 3.0, Double.NaN);
        assertThat(m.toString()).isEqualTo(String.join("\n",
                "actual \\ predicted   cat   dog  bird | accuracy",
                "cat                    2     1     0 |    66.7%",
                "dog                    1     2     0 |    66.7%",
                "bird                   0     0     0 |        -", ""));
        assertThatThrownBy(() -> m.add(3, 0)).hasMessageContaining("0..2");
        Evaluation e = new Evaluation(0.5, m);
        assertThat(e.toString()).startsWith("loss 0.5000, accuracy 66.67% (4 of 6)");
    }

    @Test
    void historyKeepsEpochsAndFindsTheBest() {
        History h = new History();
        h.add(new EpochMetrics(0, 1.0, 0.5, 0.9, 0.6, 0.1, 1));
        h.add(new EpochMetrics(1, 0.8, 0.6, 0.7, 0.65, 0.05, 1));
        h.add(new EpochMetrics(2, 0.7, 0.7, 0.8, 0.7, 0.025, 1));
        assertThat(h.best(Monitor.VALIDATION_LOSS).epoch()).isEqualTo(1);
        assertThat(h.best(Monitor.VALIDATION_ACCURACY).epoch()).isEqualTo(2);
        assertThat(h.trainLoss()).containsExactly(1.0, 0.8, 0.7);
        assertThat(h.learningRate()).containsExactly(0.1, 0.05, 0.025);
        assertThat(h.last().toString()).isEqualTo("epoch 3: loss 0.7000 acc 70.0% | val loss 0.8000 val acc 70.0%"
                + " | lr 0.0250 | 1.0 s");
        assertThat(Monitor.VALIDATION_LOSS.improves(0.5, Double.NaN, 0)).isTrue();
        assertThat(Monitor.VALIDATION_ACCURACY.improves(0.5, 0.6, 0)).isFalse();
    }
}
