/**
 * The number-crunching the layers call: im2col/col2im, GEMM and the thread pool, each fast version beside the
 * plain reference version of the same math, which the tests compare. Not exported by the module: applications set
 * the thread count with {@code io.github.jcnn.model.Compute}.
 */
package io.github.jcnn.kernels;
