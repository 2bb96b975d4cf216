/**
 * The number-crunching the layers call: im2col/col2im, GEMM and the thread pool, each fast version beside the
 * plain reference version of the same math, which the tests compare.
 */
package io.github.jcnn.kernels;
