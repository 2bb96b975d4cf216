/**
 * The sequential model, its builder and summary table, the training loop, metrics and callbacks.
 */
package io.github.jcnn.model;
