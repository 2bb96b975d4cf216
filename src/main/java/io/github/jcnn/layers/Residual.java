package io.github.jcnn.layers;

import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.kernels.Scratch;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A residual block (He et al., 2016): two paths from the same input, added.
 * <pre>
 *   y = body(x) + shortcut(x)             body: a chain of layers, e.g. conv-BN-ReLU-conv-BN
 *                                         shortcut: none (identity, shortcut(x) = x) or a chain of layers,
 *                                                   e.g. a 1x1 convolution with the body's stride + BN
 *   input   (N, inputShape...)
 *   output  (N, outputShape...)           outputShape = what the body outputs = what the shortcut outputs
 * </pre>
 * The activation after the addition (ResNet's {@code relu(body(x) + shortcut(x))}) is the next layer of the model,
 * not part of the block. Backward: the addition passes dL/dy unchanged to both paths, and the input, used by both,
 * receives the sum of what they send back:
 * <pre>
 *   dL/dx = body'(x)^T dL/dy + shortcut'(x)^T dL/dy          (identity shortcut: the second term is dL/dy itself)
 * </pre>
 * That second term is why deep residual networks train: the gradient reaches early layers through the shortcuts
 * without being multiplied by every layer's Jacobian on the way.
 *
 * <p>Parameters are the inner layers' parameters under the names {@code "body.i.name"} and {@code "shortcut.i.name"}
 * (i = the layer's position in its path), sharing their values and gradients; the same for buffers. A model file
 * therefore names a block's tensors like PyTorch names a module's ({@code "4.body.0.weight"}).
 *
 * <p>Data-parallel training: {@link #replica} is a block over the inner layers' replicas, so a block can be
 * replicated exactly when all its inner layers can.
 */
public final class Residual implements Layer {

    private final Shape inputShape;
    private final Shape outputShape;
    private final List<Layer> body;
    private final List<Layer> shortcut;
    private final List<Parameter> parameters;
    private final List<Parameter> buffers;
    /** Training output and input gradient, reused while the batch size stays the same. */
    private Tensor outputBuffer;
    private Tensor gradientBuffer;
    /** The batch size of the last training forward; -1 before the first. */
    private int lastBatch = -1;

    /**
     * A block for inputs of shape {@code in}.
     *
     * @param body     the layers of the main path, in order, the first taking {@code in}; at least one
     * @param shortcut the layers of the shortcut, in order, the first taking {@code in}; empty for the identity
     * @throws IllegalArgumentException if a path's layers do not chain, or the two paths end in different shapes
     *                                  (the message names both)
     */
    public Residual(Shape in, List<Layer> body, List<Layer> shortcut) {
        if (body.isEmpty()) {
            throw new IllegalArgumentException("Residual: the body needs at least one layer");
        }
        this.inputShape = in;
        this.body = List.copyOf(body);
        this.shortcut = List.copyOf(shortcut);
        Shape bodyOut = chain("body", in, this.body);
        Shape shortcutOut = chain("shortcut", in, this.shortcut);
        if (!bodyOut.equals(shortcutOut)) {
            throw new IllegalArgumentException("Residual: the body outputs " + bodyOut + " but the shortcut "
                    + (this.shortcut.isEmpty() ? "(identity) passes the input " : "outputs ") + shortcutOut
                    + "; the two are added, so they must have the same shape");
        }
        this.outputShape = bodyOut;
        List<Parameter> params = new ArrayList<>();
        List<Parameter> bufs = new ArrayList<>();
        name("body", this.body, params, bufs);
        name("shortcut", this.shortcut, params, bufs);
        this.parameters = Collections.unmodifiableList(params);
        this.buffers = Collections.unmodifiableList(bufs);
    }

    private static Shape chain(String path, Shape in, List<Layer> layers) {
        Shape shape = in;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (!layer.inputShape().equals(shape)) {
                throw new IllegalArgumentException("Residual: " + path + " layer " + i + " (" + layer.type()
                        + ") expects input " + layer.inputShape() + " but gets " + shape);
            }
            shape = layer.outputShape();
        }
        return shape;
    }

    private static void name(String path, List<Layer> layers, List<Parameter> params, List<Parameter> bufs) {
        for (int i = 0; i < layers.size(); i++) {
            for (Parameter p : layers.get(i).parameters()) {
                params.add(p.named(path + "." + i + "." + p.name()));
            }
            for (Parameter b : layers.get(i).buffers()) {
                bufs.add(b.named(path + "." + i + "." + b.name()));
            }
        }
    }

    /**
     * The shortcut that ResNet uses when the body changes the shape: a 1x1 convolution without bias whose stride
     * makes the map as small as the body's, then batch normalisation (PyTorch's
     * {@code Sequential(Conv2d(cin, cout, 1, stride, bias=False), BatchNorm2d(cout))}). For flat inputs: a dense
     * layer without bias. Empty (the identity) when the shapes are equal.
     *
     * @throws IllegalArgumentException when no 1x1 convolution maps {@code in} to {@code out} (the message names
     *                                  both shapes)
     */
    public static List<Layer> projection(Shape in, Shape out) {
        if (in.equals(out)) {
            return List.of();
        }
        if (in.rank() == 1 && out.rank() == 1) {
            return List.of(new Dense(in, out.dim(0), false));
        }
        if (in.rank() == 3 && out.rank() == 3) {
            for (int stride = 1; stride <= Math.max(in.dim(1), in.dim(2)); stride++) {
                if ((in.dim(1) - 1) / stride + 1 == out.dim(1) && (in.dim(2) - 1) / stride + 1 == out.dim(2)) {
                    Conv2D conv = new Conv2D(in, out.dim(0), 1, 1, stride, Padding.VALID, false);
                    return List.of(conv, new BatchNorm(conv.outputShape()));
                }
            }
        }
        throw new IllegalArgumentException("Residual: the body outputs " + out + " from the input " + in
                + ", and no 1x1 projection maps one to the other; give the shortcut explicitly");
    }

    @Override
    public String type() {
        return "Residual";
    }

    @Override
    public Shape inputShape() {
        return inputShape;
    }

    @Override
    public Shape outputShape() {
        return outputShape;
    }

    /** The main path's layers (unmodifiable). */
    public List<Layer> body() {
        return body;
    }

    /** The shortcut's layers (unmodifiable); empty for the identity. */
    public List<Layer> shortcut() {
        return shortcut;
    }

    /** The inner layers' parameters, body first, named {@code "body.i.name"} and {@code "shortcut.i.name"}. */
    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The inner layers' buffers (batch-norm running statistics), named like the parameters. */
    @Override
    public List<Parameter> buffers() {
        return buffers;
    }

    /**
     * Initialises every inner layer with {@code init}, each from its own generator seeded from {@code random} in
     * order (body first). The builder instead initialises the inner layers one by one, as it does a model's layers.
     */
    @Override
    public void initialize(WeightInit init, RandomGenerator random) {
        for (Layer layer : body) {
            layer.initialize(init, new SplittableRandom(random.nextLong()));
        }
        for (Layer layer : shortcut) {
            layer.initialize(init, new SplittableRandom(random.nextLong()));
        }
    }

    /**
     * y = body(x) + shortcut(x): each path's layers in order, then the element-wise sum. In inference, an inference
     * run's arrays (kernels.Scratch) that a path is done with are handed back as soon as it is: a layer's output once
     * the next layer has read it, the paths' outputs once they are added. Never x itself, which the other path reads.
     */
    @Override
    public Tensor forward(Tensor input, boolean training) {
        Layer.requireBatchOf(this, input);
        Tensor main = path(body, input, training);
        Tensor side = path(shortcut, input, training);
        Tensor output = training ? outputBuffer = Buffers.reuse(outputBuffer, main.shape())
                : Tensor.wrap(main.shape(), Scratch.exactly(main.size()));
        add(main.data(), side.data(), output.data());
        if (training) {
            lastBatch = input.shape().dim(0);
        } else {
            giveBack(main, input);
            giveBack(side, input);
        }
        return output;
    }

    /** The layers of one path in order, from x; in inference each layer's input handed back once it is read. */
    private static Tensor path(List<Layer> layers, Tensor input, boolean training) {
        Tensor y = input;
        for (int i = 0; i < layers.size(); i++) {   // by index: no iterator made per call
            Tensor in = y;
            y = layers.get(i).forward(in, training);
            if (!training && y.data() != in.data()) {
                giveBack(in, input);
            }
        }
        return y;
    }

    /**
     * Hands {@code t}'s array back to the inference run's scratch, unless it is the block's input (which both paths
     * read, and whose owner is the caller). Scratch takes back only arrays it lent in the open run: anything else is
     * ignored.
     */
    private static void giveBack(Tensor t, Tensor input) {
        if (t.data() != input.data()) {
            Scratch.give(t.data());
        }
    }

    /**
     * In the forward pass this was {@code y = body(x) + shortcut(x)}: dL/dy goes back through each path unchanged
     * by the addition, and {@code dx = (body path's dx) + (shortcut path's dx)}, where an identity shortcut's dx is
     * dL/dy itself.
     */
    @Override
    public Tensor backward(Tensor outputGradient) {
        LayerChecks.requireGradient(this, outputGradient, lastBatch);
        Tensor main = outputGradient;
        for (int i = body.size() - 1; i >= 0; i--) {
            main = body.get(i).backward(main);
        }
        Tensor side = outputGradient;
        for (int i = shortcut.size() - 1; i >= 0; i--) {
            side = shortcut.get(i).backward(side);
        }
        Tensor inputGradient = gradientBuffer = Buffers.reuse(gradientBuffer, inputShape.withBatch(lastBatch));
        add(main.data(), side.data(), inputGradient.data());
        return inputGradient;
    }

    /** out = a + b, element by element, split over the threads (inside a data-parallel chunk: on its own). */
    private static void add(float[] a, float[] b, float[] out) {
        if (Parallel.runsInline(out.length)) {
            add(a, b, out, 0, out.length);   // a chunk of the training step: no task object made
        } else {
            Parallel.forRange(out.length, (part, from, to) -> add(a, b, out, from, to));
        }
    }

    /** out[i] = a[i] + b[i] for i in from..to-1. */
    private static void add(float[] a, float[] b, float[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = a[i] + b[i];
        }
    }

    /** A block over the inner layers' replicas (sharing their parameter values), or empty if one has none. */
    @Override
    public Optional<Layer> replica(int index) {
        Optional<List<Layer>> b = replicas(body, index);
        Optional<List<Layer>> s = replicas(shortcut, index);
        if (b.isEmpty() || s.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Residual(inputShape, b.get(), s.get()));
    }

    private static Optional<List<Layer>> replicas(List<Layer> layers, int index) {
        List<Layer> out = new ArrayList<>();
        for (Layer layer : layers) {
            Optional<Layer> r = layer.replica(index);
            if (r.isEmpty()) {
                return Optional.empty();
            }
            out.add(r.get());
        }
        return Optional.of(out);
    }

    @Override
    public String toString() {
        return "Residual(body " + body + ", shortcut " + (shortcut.isEmpty() ? "identity" : shortcut.toString())
                + ")";
    }
}
