package io.github.jcnn.bench;

import io.github.jcnn.layers.Padding;
import io.github.jcnn.model.Sequential;
import io.github.jcnn.model.SequentialBuilder;
import io.github.jcnn.tensor.Shape;
import java.util.List;
import java.util.Optional;

/**
 * The networks of PyTorch's peer script {@code ../shared/peers/torch_cnn_speed.py}, built in jcnn to match its
 * docstring layer for layer (the parameter counts are checked when the benchmarks start):
 * <pre>
 *   vgg      conv3x3(32, pad 1, no bias)-BN-ReLU x2, maxpool 2, the same with 64, then 128, flatten, dense 10
 *            (307,946 trainable parameters)
 *   vggnobn  the same without batch norm, with conv biases (307,498)
 *   resnet   a ResNet-8 for CIFAR (stem conv3x3(32)-BN-ReLU, three basic blocks of 32, 64, 128 channels, the 2nd
 *            and 3rd with stride 2 and a 1x1 conv + BN shortcut, global average pooling, dense 10; 308,650)
 *   lenet    the lecture's LeNet-5 (62,006)
 * </pre>
 */
public final class Models {

    /** CIFAR-10's image shape, which every model here takes. */
    public static final Shape IMAGE = Shape.of(3, 32, 32);

    /** The names {@link #build} knows, in the peer script's order. */
    public static final List<String> NAMES = List.of("vgg", "vggnobn", "resnet", "lenet");

    private Models() {
    }

    /**
     * The named model with the given seed (an Optional, so that a model this version cannot build can be skipped).
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static Optional<Sequential> build(String name, long seed) {
        return switch (name) {
            case "vgg" -> Optional.of(vgg(true, seed));
            case "vggnobn" -> Optional.of(vgg(false, seed));
            case "resnet" -> resnet(seed);
            case "lenet" -> Optional.of(LeNet.build(seed));
            default -> throw new IllegalArgumentException("unknown model " + name + "; known: " + NAMES);
        };
    }

    /** The parameter count the peer script prints for a model. */
    public static long expectedParameters(String name) {
        return switch (name) {
            case "vgg" -> 307_946;
            case "vggnobn" -> 307_498;
            case "resnet" -> 308_650;
            case "lenet" -> 62_006;
            default -> -1;
        };
    }

    /** The script's {@code vgg(bn)}: three stages of two 3x3 SAME convolutions (32, 64, 128), each stage pooled. */
    public static Sequential vgg(boolean batchNorm, long seed) {
        SequentialBuilder b = Sequential.builder(IMAGE);
        for (int width : new int[] {32, 64, 128}) {
            for (int i = 0; i < 2; i++) {
                b.conv2d(width, 3, 3, 1, Padding.SAME, !batchNorm);
                if (batchNorm) {
                    b.batchNorm();
                }
                b.relu();
            }
            b.maxPool(2);
        }
        return b.flatten().dense(10).seed(seed).build();
    }

    /**
     * The script's ResNet-8: stem conv3x3(32, no bias)-BN-ReLU, then three stages of one basic block (conv3x3-BN-ReLU,
     * conv3x3-BN, plus the shortcut, then ReLU) of 32, 64 and 128 channels, the 2nd and 3rd with stride 2 and the
     * builder's 1x1 conv + BN projection shortcut, global average pooling, dense 10 (308,650 parameters, as the
     * script prints).
     */
    public static Optional<Sequential> resnet(long seed) {
        SequentialBuilder b = Sequential.builder(IMAGE).conv2d(32, 3, 3, 1, Padding.SAME, false).batchNorm().relu();
        for (int stage = 0; stage < 3; stage++) {
            int filters = 32 << stage;
            int stride = stage == 0 ? 1 : 2;
            b = b.residual(body -> body.conv2d(filters, 3, 3, stride, Padding.SAME, false).batchNorm().relu()
                    .conv2d(filters, 3, 3, 1, Padding.SAME, false).batchNorm()).relu();
        }
        return Optional.of(b.globalAvgPool().dense(10).seed(seed).build());
    }
}
