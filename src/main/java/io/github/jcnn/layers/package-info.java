/**
 * Layers with explicit forward and backward passes.
 *
 * <p>Letters used for dimensions inside loops, here once for all layers:
 * <pre>
 *   N  batch size (images in a batch)        F  number of filters (output channels)
 *   C  input channels                        K  kernel size (KH x KW, rows x columns)
 *   H  input height (rows)                   S  stride
 *   W  input width (columns)                 P  padding (zeros added on each side)
 *   OH, OW  output height and width:  OH = floor((H + 2P - KH) / S) + 1
 * </pre>
 * Every layer works on a batch: its input is (N, inputShape...) and its output (N, outputShape...).
 */
package io.github.jcnn.layers;
