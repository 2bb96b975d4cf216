package io.github.jcnn.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The branch-free ReLU kernels give bit for bit what the plain ternaries give, for every kind of float. */
class ElementwiseProperties {

    private static final float[] SPECIAL = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        Float.intBitsToFloat(0xFFC00000), Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0x7FFFFFFF),
        Float.intBitsToFloat(0xFFFFFFFF)};

    @Property
    void reluAgreesWithTheReferenceBitForBit(@ForAll float[] x, @ForAll float seed) {
        float[] dy = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            dy[i] = seed * (i + 1);
        }
        check(x, dy);
    }

    @Test
    void specialValues() {
        float[] dy = new float[SPECIAL.length];
        java.util.Arrays.fill(dy, -2.5f);
        check(SPECIAL, dy);
        float[] x = new float[SPECIAL.length];
        java.util.Arrays.fill(x, 3f);
        check(x, SPECIAL);   // dy's specials pass through where x > 0
    }

    @Test
    void everySignAndExponentPattern() {
        float[] x = new float[1 << 16];
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.intBitsToFloat((i << 16) | (i & 0xFFFF));   // high bits sweep sign, exponent, mantissa top
        }
        float[] dy = new float[x.length];
        java.util.Arrays.fill(dy, 0.5f);
        check(x, dy);
    }

    private static void check(float[] x, float[] dy) {
        int n = x.length;
        float[] fast = new float[n];
        float[] plain = new float[n];
        Elementwise.relu(x, fast, 0, n);
        Elementwise.reluReference(x, plain, 0, n);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).as("relu(%s)", x[i])
                    .isEqualTo(Float.floatToRawIntBits(plain[i]));
        }
        Elementwise.reluBackward(x, dy, fast, 0, n);
        Elementwise.reluBackwardReference(x, dy, plain, 0, n);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).as("relu'(%s) * %s", x[i], dy[i])
                    .isEqualTo(Float.floatToRawIntBits(plain[i]));
        }
    }
}
