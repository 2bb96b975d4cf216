package io.github.jcnn.model;

import io.github.jcnn.layers.AvgPool2D;
import io.github.jcnn.layers.BatchNorm;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Dense;
import io.github.jcnn.layers.Dropout;
import io.github.jcnn.layers.Flatten;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.LeakyReLU;
import io.github.jcnn.layers.MaxPool2D;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.ReLU;
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
 * <p>Weights: a Conv2D or Dense layer followed by ReLU or LeakyReLU starts with He initialisation, any other with
 * Glorot; {@link #init(WeightInit)} overrides it for the layer just added. Each layer draws from its own generator,
 * derived from the seed and the layer's position, so adding a layer at the end does not change the others' weights.
 */
public final class SequentialBuilder {

    /** One requested layer: how to make it from its input shape, and its weight initialisation if overridden. */
    private static final class Step {
        final String description;
        final Function<Shape, Layer> make;
        final Function<Shape, String> check;
        WeightInit init;

        Step(String description, Function<Shape, Layer> make, Function<Shape, String> check) {
            this.description = description;
            this.make = make;
            this.check = check;
        }
    }

    private final Shape inputShape;
    private final List<Step> steps = new ArrayList<>();
    private long seed = 42;

    SequentialBuilder(Shape inputShape) {
        this.inputShape = Objects.requireNonNull(inputShape, "inputShape");
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

    /** The seed of the initial weights, dropout and (by default) training shuffles; 42 unless set. */
    public SequentialBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    /**
     * Makes the layers, checking that each fits the shape before it, and initialises the weights.
     *
     * @throws IllegalArgumentException naming the layer, its position and both shapes when a layer does not fit
     */
    public Sequential build() {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("the model has no layers; add some, e.g. .flatten().dense(10)");
        }
        List<Layer> layers = new ArrayList<>();
        Shape shape = inputShape;
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            String from = i == 0 ? "the model input" : layers.get(i - 1).type() + " #" + (i - 1);
            Layer layer;
            try {
                String problem = step.check.apply(shape);
                if (problem != null) {
                    throw new IllegalArgumentException(problem);
                }
                layer = step.make.apply(shape);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name(step.description) + " #" + i + " " + details(step.description)
                        + e.getMessage() + " (it follows " + from + ", which outputs " + Shapes.hwc(shape) + ")", e);
            }
            if (!layer.inputShape().equals(shape)) {
                throw new IllegalArgumentException(layer.type() + " #" + i + " expects input "
                        + Shapes.hwc(layer.inputShape()) + " but " + from + " outputs " + Shapes.hwc(shape));
            }
            layers.add(layer);
            shape = layer.outputShape();
        }
        for (int i = 0; i < layers.size(); i++) {
            WeightInit init = steps.get(i).init;
            if (init == null) {
                boolean reluNext = i + 1 < layers.size()
                        && (layers.get(i + 1) instanceof ReLU || layers.get(i + 1) instanceof LeakyReLU);
                init = reluNext ? WeightInit.HE : WeightInit.GLOROT;
            }
            layers.get(i).initialize(init, new SplittableRandom(layerSeed(seed, i)));
        }
        return new Sequential(inputShape, layers, seed);
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
