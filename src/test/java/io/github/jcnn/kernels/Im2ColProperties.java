package io.github.jcnn.kernels;

import static io.github.jcnn.kernels.RandomArrays.random;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** im2col against its definition, its row slices, and col2im as its adjoint. */
class Im2ColProperties {

    @Property
    void im2colFollowsItsDefinitionAndCol2imIsItsAdjoint(@ForAll @IntRange(min = 1, max = 3) int c,
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
        int oh = geometry.outHeight();
        int ow = geometry.outWidth();
        assertThat(oh).isEqualTo((h + 2 * ph - kh) / s + 1);
        assertThat(geometry.rows()).isEqualTo(c * kh * kw);
        assertThat(geometry.columns()).isEqualTo(oh * ow);

        float[] image = random(offset + c * h * w, random);
        float[] cols = random(offset + geometry.rows() * geometry.columns(), random);   // garbage to overwrite
        geometry.im2colRows(image, offset, 0, geometry.rows(), cols, offset);
        for (int ch = 0; ch < c; ch++) {
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v++) {
                    for (int i = 0; i < oh; i++) {
                        for (int j = 0; j < ow; j++) {
                            int row = i * s + u - ph;
                            int col = j * s + v - pw;
                            boolean inside = row >= 0 && row < h && col >= 0 && col < w;
                            float expected = inside ? image[offset + (ch * h + row) * w + col] : 0f;
                            int r = (ch * kh + u) * kw + v;
                            assertThat(cols[offset + r * oh * ow + i * ow + j]).isEqualTo(expected);
                        }
                    }
                }
            }
        }

        // a slice of rows is the same rows of the whole matrix
        int from = random.nextInt(geometry.rows());
        int to = from + 1 + random.nextInt(geometry.rows() - from);
        float[] slice = new float[(to - from) * geometry.columns()];
        geometry.im2colRows(image, offset, from, to, slice, 0);
        assertThat(slice).containsExactly(Arrays.copyOfRange(cols, offset + from * geometry.columns(),
                offset + to * geometry.columns()));

        // the row-array versions hold the same numbers
        float[][] rows = new float[geometry.rows()][geometry.columns() + offset];
        geometry.im2colRows(image, offset, rows);
        for (int r = 0; r < geometry.rows(); r++) {
            assertThat(Arrays.copyOf(rows[r], geometry.columns())).containsExactly(
                    Arrays.copyOfRange(cols, offset + r * geometry.columns(), offset + (r + 1) * geometry.columns()));
        }
        // the wide layout (stride 1, no padding): column i*W + j, j < OW, is column i*OW + j
        if (s == 1 && ph == 0 && pw == 0) {
            assertThat(geometry.wideColumns()).isEqualTo((oh - 1) * w + ow);
            float[][] wide = new float[geometry.rows()][geometry.wideColumns() + offset];
            geometry.im2colWideRows(image, offset, wide, 0);
            for (int r = 0; r < geometry.rows(); r++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        assertThat(wide[r][i * w + j]).isEqualTo(cols[offset + r * geometry.columns() + i * ow + j]);
                    }
                }
            }
            // col2imWide of a wide matrix with zero garbage columns = col2im of the plain matrix it holds,
            // for images side by side (ld > wideColumns) too
            int ld = 2 * geometry.wideColumns() + 3;
            float[] wideGrad = new float[geometry.rows() * ld];
            float[] plainGrad = random(geometry.rows() * geometry.columns(), random);
            for (int r = 0; r < geometry.rows(); r++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        wideGrad[r * ld + geometry.wideColumns() + i * w + j] = plainGrad[r * geometry.columns()
                                + i * ow + j];
                    }
                }
            }
            float[] viaWide = new float[offset + c * h * w];
            geometry.col2imWide(wideGrad, geometry.wideColumns(), ld, viaWide, offset);
            float[] viaPlain = new float[offset + c * h * w];
            geometry.col2im(plainGrad, 0, viaPlain, offset);
            assertThat(viaWide).containsExactly(viaPlain);
        } else {
            assertThat(geometry.wideLayoutPays()).isFalse();
        }
        // the transposed rows (one kernel window per row array, for dL/dW) are the same numbers
        float[][] windows = new float[geometry.columns()][geometry.rows() + offset];
        geometry.im2colTransposedRowsSliding(image, offset, windows);
        for (int l = 0; l < geometry.columns(); l++) {
            for (int r = 0; r < geometry.rows(); r++) {
                assertThat(windows[l][r]).isEqualTo(cols[offset + r * geometry.columns() + l]);
            }
        }

        // adjoint: <im2col(x), g> == <x, col2im(g)>
        float[] g = random(geometry.rows() * geometry.columns(), random);
        float[] back = new float[c * h * w];
        geometry.col2im(g, 0, back, 0);
        double left = 0;
        for (int i = 0; i < g.length; i++) {
            left += (double) cols[offset + i] * g[i];
        }
        double right = 0;
        for (int i = 0; i < back.length; i++) {
            right += (double) image[offset + i] * back[i];
        }
        assertThat(right).isCloseTo(left, org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(left))));
    }

    @org.junit.jupiter.api.Test
    void theWideLayoutIsUsedWhereItPays() {
        assertThat(new Im2Col(3, 32, 32, 5, 5, 1, 0, 0).wideLayoutPays()).isTrue();    // LeNet's conv1: 892 for 784
        assertThat(new Im2Col(6, 14, 14, 5, 5, 1, 0, 0).wideLayoutPays()).isTrue();    // conv2: 136 for 100
        assertThat(new Im2Col(1, 8, 8, 5, 5, 1, 0, 0).wideLayoutPays()).isFalse();     // 4x4 out: 28 for 16
        assertThat(new Im2Col(3, 32, 32, 5, 5, 2, 0, 0).wideLayoutPays()).isFalse();   // strided
        assertThat(new Im2Col(3, 32, 32, 5, 5, 1, 2, 2).wideLayoutPays()).isFalse();   // padded
    }
}
