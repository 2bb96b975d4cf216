package io.github.jcnn.viz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong now = new AtomicLong();

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void showsProgressEtaLossAccuracyAndSpeed() {
        ProgressBar bar = new ProgressBar(out, false, now::get);
        bar.start("Epoch 1/2", 4);
        now.set(2_000_000_000L);   // 2 s for the first batch of 32 images
        assertThat(bar.line(1, 32, 1.23456, 0.5, now.get()))
                .isEqualTo("Epoch 1/2 [#####---------------] 1/4  ETA 0:06  loss 1.2346  acc 50.0%  16 img/s");
    }

    @Test
    void plainModePrintsWholeLinesAtMostTenPerEpoch() {
        ProgressBar bar = new ProgressBar(out, false, now::get);
        bar.start("Epoch 1/1", 100);
        for (int i = 1; i <= 100; i++) {
            now.addAndGet(10_000_000L);
            bar.update(i, i * 8L, 0.5, 0.75);
        }
        bar.finish("val acc 70.0%");
        String text = printed();
        assertThat(text).doesNotContain("\r");
        String[] lines = text.split("\n");
        assertThat(lines.length).isBetween(9, 11);
        assertThat(lines[lines.length - 1]).contains("100/100").contains("val acc 70.0%").contains("800 img/s");
    }

    @Test
    void terminalModeRedrawsOneLine() {
        ProgressBar bar = new ProgressBar(out, true, now::get);
        bar.start("Epoch 1/1", 3);
        for (int i = 1; i <= 3; i++) {
            now.addAndGet(200_000_000L);
            bar.update(i, i, 1, 1);
        }
        bar.finish("");
        String text = printed();
        assertThat(text).startsWith("\rEpoch 1/1").endsWith(System.lineSeparator());
        assertThat(text.split("\r")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(text.trim().split("\n")).hasSize(1);
    }

    @Test
    void durationsReadLikeAClock() {
        assertThat(ProgressBar.duration(65)).isEqualTo("1:05");
        assertThat(ProgressBar.duration(3725)).isEqualTo("1:02:05");
    }
}
