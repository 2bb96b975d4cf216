/**
 * The number-crunching the layers call: the convolution plans ({@link io.github.jcnn.kernels.ConvPlan}: im2col and
 * col2im, or the padded wide layout, over GEMM), GEMM and the thread pool, each fast version beside the plain
 * reference version of the same math ({@link io.github.jcnn.kernels.ConvReference},
 * {@link io.github.jcnn.kernels.GemmReference}), which the tests compare. Not exported by the module: applications set
 * the thread count with {@code io.github.jcnn.model.Compute}.
 */
package io.github.jcnn.kernels;
