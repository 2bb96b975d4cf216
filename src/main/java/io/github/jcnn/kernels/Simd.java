package io.github.jcnn.kernels;

import java.util.Optional;

/**
 * Whether the explicit-SIMD kernels ({@link VectorGemm}, {@link VectorElementwise} for batch norm's sums and the ReLU
 * derivative, and {@link VectorPooling} for 2 x 2 max pooling) are in use. They need the JDK's incubating Vector API,
 * which a JVM offers only when started with {@code --add-modules jdk.incubator.vector} (the examples' and
 * benchmarks' scripts pass it); without it the library uses the auto-vectorised loops of {@link Gemm}, which give the
 * same results within rounding, about three times slower, and the scalar pooling kernel (the same bits). Nothing else
 * changes: no flag is ever needed for the library to work.
 *
 * <p>The choice is made once, when the first product is computed: the module must be present, the system property
 * {@code jcnn.vector} must not be {@code false}, and a small product computed both ways must agree (a guard against a
 * JVM whose Vector API does not work as documented). With one choice for the whole run, results stay identical for
 * any thread count and from run to run.
 */
final class Simd {

    /**
     * True when {@link Gemm} hands its products to {@link VectorGemm}, and {@link Elementwise} to
     * {@link VectorElementwise}.
     */
    static final boolean VECTOR = detect();

    private Simd() {
    }

    /** A line for benchmarks and logs: which GEMM is in use, and why. */
    static String description() {
        if (VECTOR) {
            return "vector GEMM (jdk.incubator.vector, " + VectorGemm.lanes() + " floats per vector)";
        }
        return "auto-vectorised GEMM (" + reason() + ")";
    }

    private static String reason() {
        if ("false".equalsIgnoreCase(System.getProperty("jcnn.vector"))) {
            return "-Djcnn.vector=false";
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "start the JVM with --add-modules jdk.incubator.vector for the vector GEMM";
        }
        return "the vector GEMM failed its start-up check";
    }

    private static boolean detect() {
        if ("false".equalsIgnoreCase(System.getProperty("jcnn.vector"))) {
            return false;
        }
        Optional<Module> module = ModuleLayer.boot().findModule("jdk.incubator.vector");
        if (module.isEmpty()) {
            return false;
        }
        try {
            // jcnn's module descriptor does not require the incubating module (see pom.xml): read it now. In the
            // unnamed module (jcnn on the class path) this does nothing, as it reads every module already.
            Simd.class.getModule().addReads(module.get());
            if (!selfCheck()) {
                return false;
            }
            VectorGemm.warmUp();
            VectorWeightGradient.warmUp();
            return true;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    /**
     * A 13 x 37 x 300 product (edge tiles, two depth blocks) computed by both GEMMs must agree within rounding, and so
     * must a sum and a dot product of 300 numbers.
     */
    private static boolean selfCheck() {
        int m = 13;
        int n = 37;
        int k = 300;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = ((i * 7919) % 101 - 50) / 50f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = ((i * 104729) % 97 - 48) / 48f;
        }
        if (Math.abs(VectorElementwise.dot(a, b, 3, 300) - Elementwise.dotScalar(a, b, 3, 300)) > 1e-9
                || Math.abs(VectorElementwise.sum(b, 1, 299) - Elementwise.sumScalar(b, 1, 299)) > 1e-9) {
            return false;
        }
        float[] expected = new float[m * n];
        GemmReference.multiply(false, false, m, n, k, a, 0, k, b, 0, n, expected, 0, n);
        float[] actual = new float[m * n];
        VectorGemm.multiply(m, n, k, a, 0, k, 1, PanelSource.of(b, 0, n, 1), actual, 0, n, true);
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= 1e-3f * (1 + Math.abs(expected[i])))) {
                return false;
            }
        }
        return true;
    }
}
