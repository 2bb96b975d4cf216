package io.github.jcnn.layers;

import io.github.jcnn.kernels.Scratch;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.Optional;

/**
 * The frame of an activation layer (ReLU, LeakyReLU, Sigmoid, Tanh, Softmax): no parameters, the output has the
 * input's shape, and the layer is a function y = f(x) of the whole sample with a known derivative. A subclass says
 * only that function ({@link #apply}) and how dy turns into dx ({@link #applyBackward}); this class checks the shapes,
 * keeps the training buffers and remembers x and y for backward.
 *
 * <p>Training output and input gradient are buffers reused while the batch shape stays the same (see {@link Layer});
 * {@code forward(x, false)} always writes a new tensor and no field.
 */
abstract class Activation extends LayerBase {

    /** The input and output of the last training forward (references: they must not change before backward). */
    private Tensor lastInput;
    private Tensor lastOutput;
    private Tensor outputBuffer;
    private Tensor gradientBuffer;

    Activation(String type, Shape shape) {
        super(type, shape, shape);
    }

    /** y = f(x), element by element (or row by row for Softmax); {@code x} and {@code y} have the same length. */
    abstract void apply(float[] x, float[] y);

    /** dx = dy * dy/dx, from the forward's input {@code x} and output {@code y}, whichever the derivative needs. */
    abstract void applyBackward(float[] x, float[] y, float[] dy, float[] dx);

    /** A new layer of the same kind, shape and settings (this one has no parameters to share). */
    abstract Activation fresh();

    @Override
    public final Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        // in inference apply writes every number, so the output may be an array kept from an earlier run
        Tensor output = training ? outputBuffer = Buffers.reuse(outputBuffer, input.shape())
                : Tensor.wrap(input.shape(), Scratch.exactly(input.size()));
        apply(input.data(), output.data());
        if (training) {
            lastInput = input;
            lastOutput = output;
        }
        return output;
    }

    @Override
    public final Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradient(this, outputGradient, lastInput == null ? -1 : lastInput.shape().dim(0));
        Tensor inputGradient = gradientBuffer = Buffers.reuse(gradientBuffer, lastInput.shape());
        applyBackward(lastInput.data(), lastOutput.data(), outputGradient.data(), inputGradient.data());
        return inputGradient;
    }

    /** A new layer of the same shape: the layer has no parameters, only per-batch training state. */
    @Override
    public final Optional<Layer> replica(int index) {
        return Optional.of(fresh());
    }

    @Override
    public String toString() {
        return type();
    }
}
