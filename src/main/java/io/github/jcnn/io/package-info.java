/**
 * Saving and loading models in the safetensors layout.
 */
package io.github.jcnn.io;
