/**
 * Loss functions with their gradients: softmax cross-entropy (fused and numerically stable) and mean squared error.
 */
package io.github.jcnn.losses;
