package io.github.jcnn.kernels;

import static io.github.jcnn.kernels.RandomArrays.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** WeightGradient (both of its methods) against the plain reference, ConvReference.weightGradient. */
class WeightGradientProperties {

    /** A tensor of the given shape holding {@code data[offset ...]}. */
    private static Tensor tensor(float[] data, int offset, int... dims) {
        Tensor t = Tensor.zeros(dims);
        System.arraycopy(data, offset, t.data(), 0, t.size());
        return t;
    }

    /** |actual - expected| &le; 1e-4 * max(1, largest |expected|), element by element. */
    private static void assertClose(float[] actual, float[] expected, String what) {
        float scale = 1f;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i])).as(what + " at " + i).isLessThanOrEqualTo(1e-4f * scale);
        }
    }

    /** The three entry points against the reference; dW starts non-zero to check that they add. */
    private static void checkAgainstReference(Im2Col geometry, int filters, int images, int offset,
                                              SplittableRandom random) {
        int c = geometry.channels();
        int h = geometry.height();
        int w = geometry.width();
        int oh = geometry.outHeight();
        int ow = geometry.outWidth();
        float[] x = random(offset + images * geometry.imageSize(), random);
        float[] dy = random(offset + images * filters * geometry.columns(), random);
        float[] start = random(filters * geometry.rows(), random);

        Tensor reference = ConvReference.weightGradient(tensor(x, offset, images, c, h, w),
                tensor(dy, offset, images, filters, oh, ow), geometry.kernelHeight(), geometry.kernelWidth(),
                geometry.stride(), geometry.padHeight(), geometry.padWidth());
        float[] expected = reference.data().clone();
        for (int i = 0; i < expected.length; i++) {
            expected[i] += start[i];
        }

        float[] byRows = start.clone();
        WeightGradient.accumulateByRows(geometry, filters, x, offset, dy, offset, images, byRows);
        assertClose(byRows, expected, "by rows, " + geometry);
        float[] byProduct = start.clone();
        WeightGradient.accumulateByProduct(geometry, filters, x, offset, dy, offset, images, byProduct);
        assertClose(byProduct, expected, "as a product, " + geometry);
        float[] chosen = start.clone();
        WeightGradient.accumulate(geometry, filters, x, offset, dy, offset, images, chosen);
        assertThat(chosen).as("accumulate is one of the two methods")
                .containsExactly(WeightGradient.rowsPay(geometry, filters) ? byRows : byProduct);

        // the same inputs give the same bits (the scratch space left by the calls above changes nothing)
        float[] again = start.clone();
        WeightGradient.accumulate(geometry, filters, x, offset, dy, offset, images, again);
        assertThat(again).containsExactly(chosen);
    }

    @Property
    void agreesWithTheReferenceOnRandomGeometries(@ForAll @IntRange(min = 1, max = 3) int c,
                                                  @ForAll @IntRange(min = 1, max = 9) int h,
                                                  @ForAll @IntRange(min = 1, max = 9) int w,
                                                  @ForAll @IntRange(min = 1, max = 4) int kh,
                                                  @ForAll @IntRange(min = 1, max = 4) int kw,
                                                  @ForAll @IntRange(min = 1, max = 3) int s,
                                                  @ForAll @IntRange(min = 0, max = 2) int ph,
                                                  @ForAll @IntRange(min = 0, max = 2) int pw,
                                                  @ForAll @IntRange(min = 1, max = 4) int filters,
                                                  @ForAll @IntRange(min = 1, max = 4) int images,
                                                  @ForAll @IntRange(min = 0, max = 3) int offset,
                                                  @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Assume.that(h + 2 * ph >= kh && w + 2 * pw >= kw);
        checkAgainstReference(new Im2Col(c, h, w, kh, kw, s, ph, pw), filters, images, offset,
                new SplittableRandom(seed));
    }

    @Property(tries = 30)
    void agreesWithTheReferenceOnLongOutputRowsAndManyImages(@ForAll @IntRange(min = 18, max = 21) int h,
                                                            @ForAll @IntRange(min = 18, max = 24) int w,
                                                            @ForAll @IntRange(min = 1, max = 3) int k,
                                                            @ForAll @IntRange(min = 0, max = 1) int p,
                                                            @ForAll @IntRange(min = 1, max = 3) int filters,
                                                            @ForAll @IntRange(min = 1, max = 19) int images,
                                                            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        // outputs of at least 16x16, where accumulate takes the rows method, with several groups of lane images
        Im2Col geometry = new Im2Col(2, h, w, k, k, 1, p, p);
        assertThat(WeightGradient.rowsPay(geometry, filters)).isTrue();
        checkAgainstReference(geometry, filters, images, 1, new SplittableRandom(seed));
    }

    @Example
    void lenetFirstConvolution() {
        // 3x32x32 images, 6 filters 5x5: 28x28 outputs, the rows method
        Im2Col geometry = new Im2Col(3, 32, 32, 5, 5, 1, 0, 0);
        assertThat(WeightGradient.rowsPay(geometry, 6)).isTrue();
        checkAgainstReference(geometry, 6, 16, 0, new SplittableRandom(1));
        checkAgainstReference(geometry, 6, 11, 5, new SplittableRandom(2));
    }

    @Example
    void lenetSecondConvolution() {
        // 6x14x14 feature maps, 16 filters 5x5: 10x10 outputs, the matrix product
        Im2Col geometry = new Im2Col(6, 14, 14, 5, 5, 1, 0, 0);
        assertThat(WeightGradient.rowsPay(geometry, 16)).isFalse();
        checkAgainstReference(geometry, 16, 16, 0, new SplittableRandom(3));
        checkAgainstReference(geometry, 16, 3, 7, new SplittableRandom(4));
    }

    @Property(tries = 60)
    void theDotProductKernelAgreesWithTheReference(@ForAll @IntRange(min = 1, max = 4) int c,
                                                   @ForAll @IntRange(min = 3, max = 24) int h,
                                                   @ForAll @IntRange(min = 3, max = 40) int w,
                                                   @ForAll @IntRange(min = 1, max = 5) int kh,
                                                   @ForAll @IntRange(min = 1, max = 5) int kw,
                                                   @ForAll @IntRange(min = 1, max = 16) int filters,
                                                   @ForAll @IntRange(min = 1, max = 5) int images,
                                                   @ForAll @IntRange(min = 0, max = 3) int offset,
                                                   @ForAll @IntRange(min = 0, max = 1000) int seed) {
        // VectorWeightGradient on any stride-1 unpadded geometry (also those it is not chosen for): filter and row
        // counts that do and do not fill its blocks of 4, runs of the image that end past the last vector
        Assume.that(Simd.VECTOR && h >= kh && w >= kw);
        Im2Col geometry = new Im2Col(c, h, w, kh, kw, 1, 0, 0);
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = random(offset + images * geometry.imageSize(), random);
        float[] dy = random(offset + images * filters * geometry.columns(), random);
        float[] start = random(filters * geometry.rows(), random);
        float[] expected = ConvReference.weightGradient(tensor(x, offset, images, c, h, w),
                tensor(dy, offset, images, filters, geometry.outHeight(), geometry.outWidth()), kh, kw, 1, 0, 0)
                .data().clone();
        for (int i = 0; i < expected.length; i++) {
            expected[i] += start[i];
        }
        float[] dw = start.clone();
        VectorWeightGradient.accumulate(geometry, filters, x, offset, dy, offset, images, dw);
        assertClose(dw, expected, "dot products, " + geometry);
        // the same bits again, after a call on another geometry left its numbers in the scratch
        VectorWeightGradient.accumulate(new Im2Col(2, 30, 30, 3, 3, 1, 0, 0), 3, random(1800, random), 0,
                random(2352, random), 0, 1, new float[54]);
        float[] again = start.clone();
        VectorWeightGradient.accumulate(geometry, filters, x, offset, dy, offset, images, again);
        assertThat(again).containsExactly(dw);
    }

    @Example
    void theDotProductKernelTakesLeNetsFirstConvolutionOnly() {
        assertThat(VectorWeightGradient.takes(new Im2Col(3, 32, 32, 5, 5, 1, 0, 0), 6)).isTrue();
        assertThat(VectorWeightGradient.takes(new Im2Col(6, 14, 14, 5, 5, 1, 0, 0), 16)).isFalse();   // L = 136
        assertThat(VectorWeightGradient.takes(new Im2Col(3, 32, 32, 5, 5, 1, 0, 0), 32)).isFalse();   // filters
        assertThat(VectorWeightGradient.takes(new Im2Col(3, 32, 32, 5, 5, 2, 0, 0), 6)).isFalse();    // stride
        assertThat(VectorWeightGradient.takes(new Im2Col(3, 32, 32, 5, 5, 1, 2, 2), 6)).isFalse();    // padding
    }

    @Example
    void noImagesAddNothing() {
        Im2Col geometry = new Im2Col(3, 32, 32, 5, 5, 1, 0, 0);
        float[] dw = new float[6 * 75];
        Arrays.fill(dw, 0.5f);
        WeightGradient.accumulate(geometry, 6, new float[0], 0, new float[0], 0, 0, dw);
        assertThat(dw).containsOnly(0.5f);
    }

    @Example
    void tooShortArraysAreNamed() {
        Im2Col geometry = new Im2Col(1, 6, 6, 3, 3, 1, 0, 0);
        float[] x = new float[2 * 36];
        float[] dy = new float[2 * 4 * 16];
        assertThatThrownBy(() -> WeightGradient.accumulate(geometry, 4, x, 0, dy, 0, 2, new float[35]))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("dw needs 4 x 9 = 36 floats, got 35");
        assertThatThrownBy(() -> WeightGradient.accumulate(geometry, 4, x, 1, dy, 0, 2, new float[36]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("x: 2 images of 36 floats at offset 1 do not fit in an array of 72");
        assertThatThrownBy(() -> WeightGradient.accumulate(geometry, 4, x, 0, dy, 0, 3, new float[36]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("x: 3 images");
    }

    @Property
    void slidingWindowsAreTheWindows(@ForAll @IntRange(min = 1, max = 3) int c,
                                     @ForAll @IntRange(min = 1, max = 8) int h,
                                     @ForAll @IntRange(min = 1, max = 8) int w,
                                     @ForAll @IntRange(min = 1, max = 4) int kh,
                                     @ForAll @IntRange(min = 1, max = 4) int kw,
                                     @ForAll @IntRange(min = 1, max = 3) int s,
                                     @ForAll @IntRange(min = 0, max = 2) int ph,
                                     @ForAll @IntRange(min = 0, max = 2) int pw,
                                     @ForAll @IntRange(min = 0, max = 3) int offset,
                                     @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Assume.that(h + 2 * ph >= kh && w + 2 * pw >= kw);
        SplittableRandom random = new SplittableRandom(seed);
        Im2Col geometry = new Im2Col(c, h, w, kh, kw, s, ph, pw);
        float[] image = random(offset + geometry.imageSize(), random);
        // the column matrix (checked against its definition in Im2ColProperties), transposed: window l in row l
        float[] cols = new float[geometry.rows() * geometry.columns()];
        geometry.im2colRows(image, offset, 0, geometry.rows(), cols, 0);
        float[][] expected = new float[geometry.columns()][geometry.rows()];
        for (int l = 0; l < geometry.columns(); l++) {
            for (int r = 0; r < geometry.rows(); r++) {
                expected[l][r] = cols[r * geometry.columns() + l];
            }
        }
        float[][] sliding = new float[geometry.columns()][geometry.rows() + offset];
        for (float[] row : sliding) {
            Arrays.fill(row, Float.NaN);   // garbage that must be overwritten
        }
        geometry.im2colTransposedRowsSliding(image, offset, sliding);
        for (int l = 0; l < geometry.columns(); l++) {
            assertThat(Arrays.copyOf(sliding[l], geometry.rows())).as("window " + l).containsExactly(expected[l]);
        }
    }
}
