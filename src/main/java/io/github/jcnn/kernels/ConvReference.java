package io.github.jcnn.kernels;

import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;

/**
 * The plain convolution of the lecture, written with nested loops exactly as the formulas read: the oracle that the
 * fast path (the {@link ConvPlan}s: im2col + {@link Gemm}, or the padded wide layout) is tested against. Slow on
 * purpose; never used for training.
 * <pre>
 *   input  X (N, C, H, W)       weight W (F, C, KH, KW)      bias b (F)      output Y (N, F, OH, OW)
 *   stride S, padding PH rows / PW columns of zeros on each side
 *   OH = floor((H + 2 PH - KH) / S) + 1,   OW = floor((W + 2 PW - KW) / S) + 1
 *
 *   forward   Y[n,f,i,j] = b[f] + sum_c sum_u sum_v  Xp[n,c, i*S + u, j*S + v] * W[f,c,u,v]
 *             (Xp = X with the zeros added; this is a cross-correlation, as in the lecture and PyTorch)
 *
 *   dL/dX     = crop_P( sum_f  full_convolution( dilate_S(dL/dY)[n,f], rot180(W[f,c]) ) )
 *   dL/dW     = valid_convolution( Xp[n,c], dilate_S(dL/dY)[n,f] )   summed over n
 *   dL/db[f]  = sum_n sum_i sum_j dL/dY[n,f,i,j]
 * </pre>
 * Here "convolution" means sliding one array over another and summing products (the same operation as the
 * forward pass); {@code dilate_S} puts S - 1 zeros between neighbouring entries (nothing to do when S = 1), and
 * {@code full} means the second array may hang over the edges of the first by its size minus one (the first is padded
 * by K - 1 zeros). Each step is its own small method below so that a reader can follow the derivation in
 * {@code docs/convolution.md}.
 */
public final class ConvReference {

    private ConvReference() {
    }

    /**
     * Y[n,f,i,j] = b[f] + &Sigma;<sub>c,u,v</sub> X[n, c, i&middot;S + u &minus; PH, j&middot;S + v &minus; PW]
     * &middot; W[f,c,u,v], reading zero outside the image.
     *
     * @param input     X, shape (N, C, H, W)
     * @param weight    W, shape (F, C, KH, KW)
     * @param bias      b, shape (F), or null for no bias
     * @param stride    S, at least 1
     * @param padHeight PH, zero rows added above and below
     * @param padWidth  PW, zero columns added left and right
     * @return Y, shape (N, F, OH, OW)
     */
    public static Tensor forward(Tensor input, Tensor weight, Tensor bias, int stride, int padHeight, int padWidth) {
        int batch = input.shape().dim(0);
        int channels = input.shape().dim(1);
        int height = input.shape().dim(2);
        int width = input.shape().dim(3);
        int filters = weight.shape().dim(0);
        int kernelHeight = weight.shape().dim(2);
        int kernelWidth = weight.shape().dim(3);
        int outHeight = (height + 2 * padHeight - kernelHeight) / stride + 1;
        int outWidth = (width + 2 * padWidth - kernelWidth) / stride + 1;
        Tensor output = Tensor.zeros(batch, filters, outHeight, outWidth);
        for (int n = 0; n < batch; n++) {
            for (int f = 0; f < filters; f++) {
                for (int i = 0; i < outHeight; i++) {
                    for (int j = 0; j < outWidth; j++) {
                        float sum = bias == null ? 0f : bias.get(f);
                        for (int c = 0; c < channels; c++) {
                            for (int u = 0; u < kernelHeight; u++) {
                                for (int v = 0; v < kernelWidth; v++) {
                                    int row = i * stride + u - padHeight;
                                    int col = j * stride + v - padWidth;
                                    boolean inside = row >= 0 && row < height && col >= 0 && col < width;
                                    if (inside) {
                                        sum += input.get(n, c, row, col) * weight.get(f, c, u, v);
                                    }
                                }
                            }
                        }
                        output.set(sum, n, f, i, j);
                    }
                }
            }
        }
        return output;
    }

    /**
     * dL/dX: the full convolution of the (dilated) output gradient with the 180&deg;-rotated kernel, summed over the
     * filters, then cropped by the padding.
     *
     * <p>Why, in one dimension (the lecture's example, input I1..I4, kernel W1..W3, stride 1, no padding):
     * <pre>
     *   O1 = I1 W1 + I2 W2 + I3 W3
     *   O2 = I2 W1 + I3 W2 + I4 W3
     *
     *   dL/dI1 = W1 dL/dO1                          [dL/dI1]   [W1  0 ]
     *   dL/dI2 = W2 dL/dO1 + W1 dL/dO2              [dL/dI2] = [W2  W1] [dL/dO1]
     *   dL/dI3 = W3 dL/dO1 + W2 dL/dO2              [dL/dI3]   [W3  W2] [dL/dO2]
     *   dL/dI4 =             W3 dL/dO2              [dL/dI4]   [0   W3]
     * </pre>
     * i.e. dL/dI = [W1 W2 W3 0; 0 W1 W2 W3]<sup>T</sup> &middot; dL/dO. Read a row of that matrix: it is the kernel
     * backwards (W3 W2 W1) slid over dL/dO padded with K - 1 = 2 zeros on each side, [0 0 dO1 dO2 0 0]:
     * position 1 sees (0, 0, dO1) &middot; (W3, W2, W1) = W1 dO1, position 2 sees (0, dO1, dO2) &middot; (W3, W2, W1)
     * = W2 dO1 + W1 dO2, and so on. Sliding a rotated kernel over a zero-padded array is the <em>full</em>
     * convolution. In two dimensions "backwards" becomes a 180&deg; rotation, and each input channel c collects
     * the contributions of every filter f that read it.
     *
     * <p>With stride S, output i was computed at input position i&middot;S, so dL/dY[i] belongs at position
     * i&middot;S: spreading it out with S - 1 zeros between entries (dilation) turns the strided case into the
     * stride-1 case. With padding P the formula gives the gradient for the padded input; the padded border is not part
     * of X, so it is cropped off. When the floor in OH = floor((H + 2P - K) / S) + 1 dropped some last rows, the kernel
     * never read them and their gradient is zero.
     *
     * @param outputGradient dL/dY, shape (N, F, OH, OW)
     * @param weight         W, shape (F, C, KH, KW)
     * @param inputShape     the shape of X, (N, C, H, W)
     * @param stride         S
     * @param padHeight      PH
     * @param padWidth       PW
     * @return dL/dX, shape (N, C, H, W)
     */
    public static Tensor inputGradient(Tensor outputGradient, Tensor weight, Shape inputShape, int stride,
                                       int padHeight, int padWidth) {
        int batch = inputShape.dim(0);
        int channels = inputShape.dim(1);
        int height = inputShape.dim(2);
        int width = inputShape.dim(3);
        int filters = weight.shape().dim(0);
        int kernelHeight = weight.shape().dim(2);
        int kernelWidth = weight.shape().dim(3);

        // 1. dilate: dL/dY[i] goes to position i*S
        Tensor dilated = dilate(outputGradient, stride);
        // 2. pad by K - 1 on every side, so that the kernel may hang over the edges ("full")
        Tensor padded = pad(dilated, kernelHeight - 1, kernelWidth - 1);
        // 3. the kernel backwards: W3 W2 W1 in the 1-D example
        Tensor rotated = rotate180(weight);
        // 4. slide the rotated kernel over the padded gradient (stride 1), summing over the filters
        int fullHeight = padded.shape().dim(2) - kernelHeight + 1;   // = (OH - 1) S + KH rows of the padded input
        int fullWidth = padded.shape().dim(3) - kernelWidth + 1;
        Tensor paddedInputGradient = Tensor.zeros(batch, channels, fullHeight, fullWidth);
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                for (int a = 0; a < fullHeight; a++) {
                    for (int b = 0; b < fullWidth; b++) {
                        float sum = 0f;
                        for (int f = 0; f < filters; f++) {
                            for (int u = 0; u < kernelHeight; u++) {
                                for (int v = 0; v < kernelWidth; v++) {
                                    sum += padded.get(n, f, a + u, b + v) * rotated.get(f, c, u, v);
                                }
                            }
                        }
                        paddedInputGradient.set(sum, n, c, a, b);
                    }
                }
            }
        }
        // 5. crop the padding: X[h, w] sits at (h + PH, w + PW) of the padded input; rows the kernel never reached
        //    (dropped by the floor in the output size) keep a zero gradient
        Tensor inputGradient = Tensor.zeros(inputShape);
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                for (int h = 0; h < height; h++) {
                    for (int w = 0; w < width; w++) {
                        int a = h + padHeight;
                        int b = w + padWidth;
                        if (a < fullHeight && b < fullWidth) {
                            inputGradient.set(paddedInputGradient.get(n, c, a, b), n, c, h, w);
                        }
                    }
                }
            }
        }
        return inputGradient;
    }

    /**
     * dL/dW[f,c,u,v] = &Sigma;<sub>n,a,b</sub> Xp[n, c, u + a, v + b] &middot; D[n, f, a, b] with D = dL/dY dilated
     * by the stride: the <em>valid</em> convolution of the padded input with the output gradient.
     *
     * <p>Why: W[f,c,u,v] multiplied Xp[n, c, i&middot;S + u, j&middot;S + v] in the forward sum of every output
     * Y[n,f,i,j], so its gradient collects dL/dY[n,f,i,j] times that input over all n, i, j. In the 1-D example,
     * dL/dW1 = I1 dO1 + I2 dO2, dL/dW2 = I2 dO1 + I3 dO2, dL/dW3 = I3 dO1 + I4 dO2: dL/dO slid over I.
     * Only the first KH x KW positions are kept: when the floor in the output size dropped some last rows of
     * Xp, the valid convolution would be larger than the kernel, but those extra positions are not weights.
     *
     * @param input          X, shape (N, C, H, W)
     * @param outputGradient dL/dY, shape (N, F, OH, OW)
     * @param kernelHeight   KH
     * @param kernelWidth    KW
     * @param stride         S
     * @param padHeight      PH
     * @param padWidth       PW
     * @return dL/dW, shape (F, C, KH, KW)
     */
    public static Tensor weightGradient(Tensor input, Tensor outputGradient, int kernelHeight, int kernelWidth,
                                        int stride, int padHeight, int padWidth) {
        int batch = input.shape().dim(0);
        int channels = input.shape().dim(1);
        int filters = outputGradient.shape().dim(1);
        Tensor paddedInput = pad(input, padHeight, padWidth);
        Tensor dilated = dilate(outputGradient, stride);
        int dilatedHeight = dilated.shape().dim(2);
        int dilatedWidth = dilated.shape().dim(3);
        Tensor weightGradient = Tensor.zeros(filters, channels, kernelHeight, kernelWidth);
        for (int f = 0; f < filters; f++) {
            for (int c = 0; c < channels; c++) {
                for (int u = 0; u < kernelHeight; u++) {
                    for (int v = 0; v < kernelWidth; v++) {
                        float sum = 0f;
                        for (int n = 0; n < batch; n++) {
                            for (int a = 0; a < dilatedHeight; a++) {
                                for (int b = 0; b < dilatedWidth; b++) {
                                    sum += paddedInput.get(n, c, u + a, v + b) * dilated.get(n, f, a, b);
                                }
                            }
                        }
                        weightGradient.set(sum, f, c, u, v);
                    }
                }
            }
        }
        return weightGradient;
    }

    /**
     * dL/db[f] = &Sigma;<sub>n,i,j</sub> dL/dY[n,f,i,j]: the bias is added to every output position of its filter.
     *
     * @param outputGradient dL/dY, shape (N, F, OH, OW)
     * @return dL/db, shape (F)
     */
    public static Tensor biasGradient(Tensor outputGradient) {
        Shape s = outputGradient.shape();
        Tensor biasGradient = Tensor.zeros(s.dim(1));
        for (int f = 0; f < s.dim(1); f++) {
            float sum = 0f;
            for (int n = 0; n < s.dim(0); n++) {
                for (int i = 0; i < s.dim(2); i++) {
                    for (int j = 0; j < s.dim(3); j++) {
                        sum += outputGradient.get(n, f, i, j);
                    }
                }
            }
            biasGradient.set(sum, f);
        }
        return biasGradient;
    }

    /**
     * Puts S - 1 zeros between neighbouring entries of each (H, W) map: (N, C, H, W) becomes
     * (N, C, (H - 1) S + 1, (W - 1) S + 1), entry [i, j] moving to [i S, j S]. S = 1 returns a copy.
     */
    public static Tensor dilate(Tensor t, int stride) {
        Shape s = t.shape();
        Tensor out = Tensor.zeros(s.dim(0), s.dim(1), (s.dim(2) - 1) * stride + 1, (s.dim(3) - 1) * stride + 1);
        for (int n = 0; n < s.dim(0); n++) {
            for (int c = 0; c < s.dim(1); c++) {
                for (int i = 0; i < s.dim(2); i++) {
                    for (int j = 0; j < s.dim(3); j++) {
                        out.set(t.get(n, c, i, j), n, c, i * stride, j * stride);
                    }
                }
            }
        }
        return out;
    }

    /** Adds {@code rows} zero rows above and below and {@code columns} zero columns left and right of each map. */
    public static Tensor pad(Tensor t, int rows, int columns) {
        Shape s = t.shape();
        Tensor out = Tensor.zeros(s.dim(0), s.dim(1), s.dim(2) + 2 * rows, s.dim(3) + 2 * columns);
        for (int n = 0; n < s.dim(0); n++) {
            for (int c = 0; c < s.dim(1); c++) {
                for (int i = 0; i < s.dim(2); i++) {
                    for (int j = 0; j < s.dim(3); j++) {
                        out.set(t.get(n, c, i, j), n, c, i + rows, j + columns);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Turns each (KH, KW) kernel of a (F, C, KH, KW) weight upside down and left to right:
     * W'[u,v] = W[KH-1-u, KW-1-v].
     */
    public static Tensor rotate180(Tensor weight) {
        Shape s = weight.shape();
        int kernelHeight = s.dim(2);
        int kernelWidth = s.dim(3);
        Tensor out = Tensor.zeros(s);
        for (int f = 0; f < s.dim(0); f++) {
            for (int c = 0; c < s.dim(1); c++) {
                for (int u = 0; u < kernelHeight; u++) {
                    for (int v = 0; v < kernelWidth; v++) {
                        out.set(weight.get(f, c, kernelHeight - 1 - u, kernelWidth - 1 - v), f, c, u, v);
                    }
                }
            }
        }
        return out;
    }
}
