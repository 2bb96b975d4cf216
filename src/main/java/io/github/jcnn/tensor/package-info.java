/**
 * Shapes and tensors: float numbers in row-major order, images batch first as (N, C, H, W).
 */
package io.github.jcnn.tensor;
