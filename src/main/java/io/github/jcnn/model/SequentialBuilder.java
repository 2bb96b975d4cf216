package io.github.jcnn.model;

import io.github.jcnn.layers.AvgPool2D;
import io.github.jcnn.layers.BatchNorm;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Dense;
import io.github.jcnn.layers.Dropout;
import io.github.jcnn.layers.Flatten;
import io.github.jcnn.layers.GlobalAvgPool2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.LeakyReLU;
import io.github.jcnn.layers.MaxPool2D;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.ReLU;
import io.github.jcnn.layers.Residual;
import io.github.jcnn.layers.Sigmoid;
import io.github.jcnn.layers.Softmax;
import io.github.jcnn.layers.Tanh;
import io.github.jcnn.layers.WeightInit;
import io.github.jcnn.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Builds a {@link Sequential} layer by layer, Keras-style: every layer's input shape is the output shape of the one
 * before, so {@code conv2d(6, 5)} needs no input-channel count. Made by {@link Sequential#builder(Shape)}.
 * <pre>
 *   Sequential.builder(Shape.of(3, 32, 32))
 *           .conv2d(32, 3, 1, Padding.SAME).batchNorm().relu().maxPool(2)
 *           .conv2d(64, 3, 1, Padding.SAME).relu().avgPool(2, 2)
 *           .flatten().dropout(0.5)
 *           .dense(10).init(WeightInit.GLOROT).softmax()
 *           .seed(7)
 *           .build();
 * </pre>
 * {@link #build()} checks the whole chain and refuses an impossible model with a message naming the layer, its
 * position and both shapes, e.g.
 * {@code Conv2D #3 (5x5, stride 1, valid): input is 3x3x16 but the kernel needs at least 5x5}.
 *
 * <p>Residual networks: {@link #residual(UnaryOperator)} adds a block {@code y = body(x) + shortcut(x)} whose body is
 * described with the same methods, and {@link #globalAvgPool()} the usual head; ResNet's basic block is
 * {@code .residual(b -> b.conv2d(64, 3, 2, SAME).batchNorm().relu().conv2d(64, 3, 1, SAME).batchNorm()).relu()}.
 *
 * <p>Weights: a Conv2D or Dense layer followed by ReLU or LeakyReLU starts with He initialisation, any other with
 * Glorot; {@link #init(WeightInit)} overrides it for the layer just added, {@link #defaultInit(WeightInit)} for all
 * layers without their own. Each layer draws from its own generator,
 * derived from the seed and the layer's position, so adding a layer at the end does not change the others' weights.
 */
public final class SequentialBuilder {

    /** One requested layer: how to make it from its input shape, and its weight initialisation if overridden. */
    private static final class Step {
        final String description;
        final Function<Shape, Layer> make;
        final Function<Shape, String> check;
        WeightInit init;
        /** For a residual block: the body's steps, and the shortcut's (null: a projection when needed). */
        List<Step> body;
        List<Step> shortcut;

        Step(String description, Function<Shape, Layer> make, Function<Shape, String> check) {
            this.description = description;
            this.make = make;
            this.check = check;
        }
    }

    private final Shape inputShape;
    private final List<Step> steps = new ArrayList<>();
    private long seed = 42;
    private WeightInit defaultInit;
    /** Whether this builder describes a path inside {@link #residual}, which has no seed and is not built. */
    private final boolean inner;

    SequentialBuilder(Shape inputShape) {
        this.inputShape = Objects.requireNonNull(inputShape, "inputShape");
        this.inner = false;
    }

    private SequentialBuilder() {
        this.inputShape = null;
        this.inner = true;
    }

    private SequentialBuilder step(String description, Function<Shape, Layer> make, Function<Shape, String> check) {
        steps.add(new Step(description, make, check));
        return this;
    }

    // ---- convolution and pooling -------------------------------------------------------------------------------

    /** A convolution with {@code filters} square kernels of {@code kernelSize}, stride 1, no padding, with bias. */
    public SequentialBuilder conv2d(int filters, int kernelSize) {
        return conv2d(filters, kernelSize, 1, Padding.VALID);
    }

    /** A convolution with square kernels, the given stride and padding ({@code Padding.SAME}, {@code VALID}...). */
    public SequentialBuilder conv2d(int filters, int kernelSize, int stride, Padding padding) {
        return conv2d(filters, kernelSize, kernelSize, stride, padding, true);
    }

    /** A convolution with every option: kernel height and width, stride, padding and whether it has a bias. */
    public SequentialBuilder conv2d(int filters, int kernelHeight, int kernelWidth, int stride, Padding padding,
                                    boolean bias) {
        String d = "Conv2D (" + kernelHeight + "x" + kernelWidth + ", stride " + stride + ", " + padding + ")";
        return step(d, in -> new Conv2D(in, filters, kernelHeight, kernelWidth, stride, padding, bias),
                in -> window(in, kernelHeight, kernelWidth, padding, "the kernel"));
    }

    /** Max pooling over size x size windows with stride = size (2 halves the height and width). */
    public SequentialBuilder maxPool(int size) {
        return maxPool(size, size);
    }

    /** Max pooling over size x size windows with the given stride. */
    public SequentialBuilder maxPool(int size, int stride) {
        return step("MaxPool2D (" + size + "x" + size + ", stride " + stride + ")",
                in -> new MaxPool2D(in, size, stride), in -> window(in, size, size, Padding.VALID, "the window"));
    }

    /** Average pooling over size x size windows with stride = size. */
    public SequentialBuilder avgPool(int size) {
        return avgPool(size, size);
    }

    /** Average pooling over size x size windows with the given stride. */
    public SequentialBuilder avgPool(int size, int stride) {
        return step("AvgPool2D (" + size + "x" + size + ", stride " + stride + ")",
                in -> new AvgPool2D(in, size, stride), in -> window(in, size, size, Padding.VALID, "the window"));
    }

    /**
     * Global average pooling: each channel's map becomes its mean, (C, H, W) to a flat (C), as PyTorch's
     * {@code AdaptiveAvgPool2d(1)} followed by {@code Flatten()}; a dense layer can follow directly.
     */
    public SequentialBuilder globalAvgPool() {
        return step("GlobalAvgPool2D", GlobalAvgPool2D::new, in -> in.rank() == 3 ? null
                : "input is " + Shapes.hwc(in) + " but it needs an image (channels, height, width);"
                + " put it before flatten(), in place of it");
    }

    /** The shape problem of a kernel or window on this input, or null when it fits. */
    private static String window(Shape in, int kernelHeight, int kernelWidth, Padding padding, String what) {
        if (in.rank() != 3) {
            return "input is " + Shapes.hwc(in) + " but it needs an image (channels, height, width);"
                    + " put convolutions and pooling before flatten()";
        }
        int h = in.dim(1) + 2 * padding.amount(kernelHeight);
        int w = in.dim(2) + 2 * padding.amount(kernelWidth);
        if (h < kernelHeight || w < kernelWidth) {
            return "input is " + Shapes.hwc(in) + " but " + what + " needs at least " + kernelHeight + "x"
                    + kernelWidth;
        }
        return null;
    }

    // ---- dense and shape --------------------------------------------------------------------------------------

    /** Flattens (C, H, W) into (C*H*W), as needed before dense layers. */
    public SequentialBuilder flatten() {
        return step("Flatten", Flatten::new, in -> null);
    }

    /** A fully connected layer with {@code units} outputs and a bias. */
    public SequentialBuilder dense(int units) {
        return dense(units, true);
    }

    /** A fully connected layer with {@code units} outputs, with or without a bias. */
    public SequentialBuilder dense(int units, boolean bias) {
        return step("Dense (" + units + ")", in -> new Dense(in, units, bias),
                in -> in.rank() == 1 ? null : "expects a flat input, but gets " + Shapes.hwc(in) + " = " + in.size()
                        + "; add flatten() first");
    }

    // ---- activations ------------------------------------------------------------------------------------------

    /** ReLU: max(0, x). */
    public SequentialBuilder relu() {
        return step("ReLU", ReLU::new, in -> null);
    }

    /** Leaky ReLU with slope 0.01 for negative inputs. */
    public SequentialBuilder leakyRelu() {
        return leakyRelu(0.01f);
    }

    /** Leaky ReLU with the given slope for negative inputs. */
    public SequentialBuilder leakyRelu(float slope) {
        return step("LeakyReLU (" + slope + ")", in -> new LeakyReLU(in, slope), in -> null);
    }

    /** The logistic sigmoid 1 / (1 + e^-x). */
    public SequentialBuilder sigmoid() {
        return step("Sigmoid", Sigmoid::new, in -> null);
    }

    /** The hyperbolic tangent. */
    public SequentialBuilder tanh() {
        return step("Tanh", Tanh::new, in -> null);
    }

    /**
     * Softmax over a flat input, turning scores into probabilities. With softmax cross-entropy as the loss, training
     * uses the logits before it (the softmax is not applied twice).
     */
    public SequentialBuilder softmax() {
        return step("Softmax", Softmax::new, in -> in.rank() == 1 ? null
                : "expects a flat input, but gets " + Shapes.hwc(in) + "; add flatten() and dense(...) first");
    }

    // ---- regularisation ---------------------------------------------------------------------------------------

    /** Inverted dropout of the given rate in [0, 1), active only while training. */
    public SequentialBuilder dropout(double rate) {
        return step("Dropout (" + rate + ")", in -> new Dropout(in, rate), in -> null);
    }

    /** Batch normalisation (per channel for images, per feature for vectors), momentum 0.1, epsilon 1e-5. */
    public SequentialBuilder batchNorm() {
        return step("BatchNorm", BatchNorm::new, in -> null);
    }

    /** Batch normalisation with the given momentum and epsilon (PyTorch conventions). */
    public SequentialBuilder batchNorm(double momentum, double epsilon) {
        return step("BatchNorm", in -> new BatchNorm(in, momentum, epsilon), in -> null);
    }

    // ---- residual blocks --------------------------------------------------------------------------------------

    /**
     * A residual block, {@code y = body(x) + shortcut(x)}, with the shortcut chosen for you: the identity when the
     * body keeps the shape, else ResNet's projection, a 1x1 convolution without bias with the stride that matches
     * the body's output size, then batch normalisation (a dense layer without bias for flat inputs). Put the
     * activation after the block:
     * <pre>
     *   .residual(b -&gt; b.conv2d(64, 3, 2, Padding.SAME).batchNorm().relu()
     *                   .conv2d(64, 3, 1, Padding.SAME).batchNorm())
     *   .relu()
     * </pre>
     * The body is described with the same methods as the model (including {@code init(...)} and nested blocks);
     * {@code init(...)} right after the block sets the initialisation of its inner layers that have none of their own.
     * {@link #build()} refuses a body that does not fit, or whose output no 1x1 projection can match, naming the
     * block and both paths' shapes. See {@link Residual}.
     *
     * @param body adds the main path's layers to the builder it is given and returns it
     */
    public SequentialBuilder residual(UnaryOperator<SequentialBuilder> body) {
        return residual(body, null);
    }

    /**
     * A residual block with an explicit shortcut: {@code shortcut} adds the shortcut's layers, e.g.
     * {@code s -> s.conv2d(64, 1, 2, Padding.VALID, ...).batchNorm()}; {@code s -> s} is the identity. The two paths
     * must end in the same shape.
     */
    public SequentialBuilder residual(UnaryOperator<SequentialBuilder> body,
            UnaryOperator<SequentialBuilder> shortcut) {
        Objects.requireNonNull(body, "body");
        Step step = new Step("Residual", null, in -> null);
        step.body = path(body, "body");
        step.shortcut = shortcut == null ? null : path(shortcut, "shortcut");
        steps.add(step);
        return this;
    }

    private static List<Step> path(UnaryOperator<SequentialBuilder> describe, String what) {
        SequentialBuilder b = new SequentialBuilder();
        SequentialBuilder result = describe.apply(b);
        if (result != b) {
            throw new IllegalArgumentException("residual(...): the " + what + " function must return the builder "
                    + "it is given, e.g. b -> b.conv2d(64, 3, 1, Padding.SAME).batchNorm()");
        }
        if (what.equals("body") && b.steps.isEmpty()) {
            throw new IllegalArgumentException("residual(...): the body has no layers; add some, e.g. "
                    + "b -> b.conv2d(64, 3, 1, Padding.SAME).batchNorm()");
        }
        return List.copyOf(b.steps);
    }

    // ---- your own layers --------------------------------------------------------------------------------------

    /**
     * A layer of your own, made from the current shape when the model is built:
     * {@code .add(in -> new MyLayer(in, 3))}. Models with such layers train and predict, but cannot be saved.
     */
    public SequentialBuilder add(Function<Shape, Layer> factory) {
        Objects.requireNonNull(factory, "factory");
        return step("layer", factory, in -> null);
    }

    /** An already-made layer; build() checks that its input shape is the current shape. */
    public SequentialBuilder add(Layer layer) {
        Objects.requireNonNull(layer, "layer");
        return step(layer.type(), in -> layer, in -> layer.inputShape().equals(in) ? null
                : "expects input " + Shapes.hwc(layer.inputShape()) + " but gets " + Shapes.hwc(in));
    }

    // ---- settings ---------------------------------------------------------------------------------------------

    /**
     * Overrides the weight initialisation of the layer added last (He after ReLU, Glorot otherwise by default).
     *
     * @throws IllegalStateException if no layer was added yet
     */
    public SequentialBuilder init(WeightInit init) {
        if (steps.isEmpty()) {
            throw new IllegalStateException("init(" + init + ") must follow the layer it applies to");
        }
        steps.get(steps.size() - 1).init = Objects.requireNonNull(init, "init");
        return this;
    }

    /**
     * The initialisation of every layer that has no {@link #init(WeightInit)} of its own, e.g.
     * {@code WeightInit.PYTORCH} for PyTorch's default scheme; without it, He before ReLU and Glorot otherwise.
     */
    public SequentialBuilder defaultInit(WeightInit init) {
        this.defaultInit = Objects.requireNonNull(init, "init");
        return this;
    }

    /** The seed of the initial weights, dropout and (by default) training shuffles; 42 unless set. */
    public SequentialBuilder seed(long seed) {
        if (inner) {
            throw new IllegalStateException("seed(...) belongs to the model, not to a path inside residual(...)");
        }
        this.seed = seed;
        return this;
    }

    /**
     * Makes the layers, checking that each fits the shape before it, and initialises the weights.
     *
     * @throws IllegalArgumentException naming the layer, its position and both shapes when a layer does not fit
     */
    public Sequential build() {
        if (inner) {
            throw new IllegalStateException("build() belongs to the model, not to a path inside residual(...)");
        }
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("the model has no layers; add some, e.g. .flatten().dense(10)");
        }
        List<Layer> layers = make(inputShape, steps, "");
        initialize(layers, steps, seed, defaultInit);
        return new Sequential(inputShape, layers, seed);
    }

    /**
     * The layers of {@code steps} from the input shape {@code in}, each checked against the shape before it.
     *
     * @param where "" for the model, else e.g. {@code "Residual #3, body: "} to prefix the messages
     */
    private static List<Layer> make(Shape in, List<Step> steps, String where) {
        List<Layer> layers = new ArrayList<>();
        Shape shape = in;
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            String from = i == 0 ? (where.isEmpty() ? "the model input" : "the block's input")
                    : layers.get(i - 1).type() + " #" + (i - 1);
            Layer layer;
            if (step.body != null) {
                layer = residual(shape, step, where + "Residual #" + i);
            } else {
                try {
                    String problem = step.check.apply(shape);
                    if (problem != null) {
                        throw new IllegalArgumentException(problem);
                    }
                    layer = step.make.apply(shape);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + name(step.description) + " #" + i + " "
                            + details(step.description) + e.getMessage() + " (it follows " + from
                            + ", which outputs " + Shapes.hwc(shape) + ")", e);
                }
            }
            if (!layer.inputShape().equals(shape)) {
                throw new IllegalArgumentException(where + layer.type() + " #" + i + " expects input "
                        + Shapes.hwc(layer.inputShape()) + " but " + from + " outputs " + Shapes.hwc(shape));
            }
            layers.add(layer);
            shape = layer.outputShape();
        }
        return layers;
    }

    /** A residual block from its steps: both paths made from {@code in}, the shortcut chosen if not given. */
    private static Residual residual(Shape in, Step step, String name) {
        List<Layer> body = make(in, step.body, name + ", body: ");
        Shape bodyOut = body.get(body.size() - 1).outputShape();
        List<Layer> shortcut;
        if (step.shortcut != null) {
            shortcut = make(in, step.shortcut, name + ", shortcut: ");
        } else {
            try {
                shortcut = Residual.projection(in, bodyOut);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": the body turns the input " + Shapes.hwc(in) + " into "
                        + Shapes.hwc(bodyOut) + ", which no 1x1 projection shortcut can match (it can change the "
                        + "channels and shrink the map by a stride); give the shortcut explicitly with "
                        + "residual(body, shortcut)", e);
            }
        }
        Shape shortcutOut = shortcut.isEmpty() ? in : shortcut.get(shortcut.size() - 1).outputShape();
        if (!shortcutOut.equals(bodyOut)) {
            throw new IllegalArgumentException(name + ": the body outputs " + Shapes.hwc(bodyOut) + " but the "
                    + (shortcut.isEmpty() ? "identity shortcut passes the input " : "shortcut outputs ")
                    + Shapes.hwc(shortcutOut) + "; the two paths are added, so they must have the same shape");
        }
        return new Residual(in, body, shortcut);
    }

    /**
     * Draws the initial weights: layer i from a generator seeded with {@code layerSeed(seed, i)}; a block's paths
     * from the seeds layerSeed(layerSeed(seed, i), 0) (body) and ..., 1) (shortcut), layer by layer the same way.
     */
    private static void initialize(List<Layer> layers, List<Step> steps, long seed, WeightInit fallback) {
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            WeightInit init = steps.get(i).init;
            if (layer instanceof Residual block) {
                WeightInit inside = init != null ? init : fallback;
                long blockSeed = layerSeed(seed, i);
                Step step = steps.get(i);
                initialize(block.body(), step.body, layerSeed(blockSeed, 0), inside);
                List<Step> shortcutSteps = step.shortcut;
                if (shortcutSteps == null) {
                    shortcutSteps = new ArrayList<>();
                    for (Layer l : block.shortcut()) {
                        shortcutSteps.add(new Step(l.type(), null, null));
                    }
                }
                initialize(block.shortcut(), shortcutSteps, layerSeed(blockSeed, 1), inside);
                continue;
            }
            if (init == null) {
                boolean reluNext = i + 1 < layers.size()
                        && (layers.get(i + 1) instanceof ReLU || layers.get(i + 1) instanceof LeakyReLU);
                init = fallback != null ? fallback : reluNext ? WeightInit.HE : WeightInit.GLOROT;
            }
            layer.initialize(init, new SplittableRandom(layerSeed(seed, i)));
        }
    }

    /** The seed of layer {@code index}'s generator: SplitMix64 of (seed, index), so layers draw independently. */
    static long layerSeed(long seed, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static String name(String description) {
        int paren = description.indexOf(" (");
        return paren < 0 ? description : description.substring(0, paren);
    }

    private static String details(String description) {
        int paren = description.indexOf(" (");
        return paren < 0 ? "" : description.substring(paren + 1) + ": ";
    }
}
