/**
 * jcnn: a convolutional neural network library in pure Java, with no runtime dependencies.
 *
 * <p>Packages: {@code tensor} (Shape, Tensor), {@code layers} (Conv2D, pooling, Dense, activations, ...),
 * {@code losses}, {@code optim} (SGD, Adam, schedules), {@code model} (Sequential, training, summary, the thread
 * setting {@code Compute}), {@code data} (datasets, CIFAR-10, MNIST, transforms, images), {@code io} (model files) and
 * {@code viz} (PNG charts and the console progress bar). The package {@code kernels} (im2col, GEMM, the thread pool,
 * with plain reference versions) is the layers' machinery and not exported.
 */
module io.github.jcnn {
    // transitive: BufferedImage appears in the exported API (data.Images, the viz charts), so a module that reads
    // jcnn reads java.desktop too
    requires transitive java.desktop;

    exports io.github.jcnn.tensor;
    exports io.github.jcnn.layers;
    exports io.github.jcnn.losses;
    exports io.github.jcnn.optim;
    exports io.github.jcnn.model;
    exports io.github.jcnn.data;
    exports io.github.jcnn.io;
    exports io.github.jcnn.viz;
}
