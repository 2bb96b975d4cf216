/**
 * Datasets (CIFAR-10, MNIST, in memory), batching, normalisation, augmentation, and image conversion.
 */
package io.github.jcnn.data;
