/**
 * Optimizers that update parameters from their gradients (SGD, Adam), and learning-rate schedules.
 */
package io.github.jcnn.optim;
