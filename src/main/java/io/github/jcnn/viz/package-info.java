/**
 * Pictures as PNG files (training curves, confusion matrices, filters, feature maps, image grids) and the console
 * progress bar.
 */
package io.github.jcnn.viz;
