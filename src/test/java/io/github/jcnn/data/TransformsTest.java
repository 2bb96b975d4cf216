package io.github.jcnn.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.tensor.Shape;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TransformsTest {

    /** The textbook version: pad with zeros into a new array, then cut out the window. */
    static float[] padThenCrop(float[] in, int c, int h, int w, int pad, int dy, int dx) {
        int ph = h + 2 * pad;
        int pw = w + 2 * pad;
        float[] padded = new float[c * ph * pw];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    padded[(ch * ph + y + pad) * pw + x + pad] = in[(ch * h + y) * w + x];
                }
            }
        }
        float[] out = new float[in.length];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[(ch * h + y) * w + x] = padded[(ch * ph + y + pad + dy) * pw + x + pad + dx];
                }
            }
        }
        return out;
    }

    @Property(tries = 200)
    void inPlaceShiftEqualsPadThenCrop(@ForAll @IntRange(min = 1, max = 3) int c, @ForAll @IntRange(min = 1, max = 7)
            int h, @ForAll @IntRange(min = 1, max = 7) int w, @ForAll @IntRange(min = 0, max = 4) int pad,
            @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int dy = r.nextInt(2 * pad + 1) - pad;
        int dx = r.nextInt(2 * pad + 1) - pad;
        float[] in = new float[c * h * w + 3];
        for (int i = 0; i < in.length; i++) {
            in[i] = i + 1;
        }
        float[] sample = java.util.Arrays.copyOfRange(in, 2, 2 + c * h * w);
        float[] expected = padThenCrop(sample, c, h, w, pad, dy, dx);
        RandomCrop.shift(in, 2, c, h, w, dy, dx);
        assertThat(java.util.Arrays.copyOfRange(in, 2, 2 + c * h * w)).containsExactly(expected);
        assertThat(in[0]).isEqualTo(1f);
        assertThat(in[in.length - 1]).isEqualTo(in.length);
    }

    @Test
    void randomCropIsSeededAndKeepsTheSize() {
        Shape shape = Shape.of(3, 8, 8);
        float[] a = new float[shape.size()];
        java.util.Arrays.fill(a, 1f);
        float[] b = a.clone();
        new RandomCrop(2).apply(a, 0, shape, new SplittableRandom(5));
        new RandomCrop(2).apply(b, 0, shape, new SplittableRandom(5));
        assertThat(a).containsExactly(b);
        float[] none = new float[shape.size()];
        java.util.Arrays.fill(none, 1f);
        new RandomCrop(0).apply(none, 0, shape, new SplittableRandom(5));
        assertThat(none).containsOnly(1f);
    }

    @Test
    void flipMirrorsRowsWithTheGivenProbability() {
        Shape shape = Shape.of(2, 2, 3);
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        new RandomHorizontalFlip(1).apply(x, 0, shape, new SplittableRandom(1));
        assertThat(x).containsExactly(3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10);
        new RandomHorizontalFlip(0).apply(x, 0, shape, new SplittableRandom(1));
        assertThat(x).containsExactly(3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10);
        int flips = 0;
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 1000; i++) {
            float[] y = {1, 2};
            new RandomHorizontalFlip(0.5).apply(y, 0, Shape.of(1, 1, 2), random);
            flips += y[0] == 2 ? 1 : 0;
        }
        assertThat(flips).isBetween(430, 570);
    }
}
