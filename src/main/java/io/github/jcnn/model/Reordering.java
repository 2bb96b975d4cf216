package io.github.jcnn.model;

import io.github.jcnn.layers.BatchNorm;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Dense;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.MaxPool2D;
import io.github.jcnn.layers.ReLU;
import io.github.jcnn.layers.Residual;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites of a chain of layers that compute the same function faster: the inference plan folds batch norms into
 * the convolutions before them ({@link #foldBatchNorm}) and lays out the dense layers' weights once for a batch's
 * chunks, and training replicas and inference swap ReLU and max pool.
 *
 * <p>Swaps every ReLU that is directly followed by a max pool, so that the pool runs first and the ReLU then works on
 * a quarter of the numbers (for 2 x 2 windows). The two orders compute the same function:
 * <pre>
 *   max(relu(a), relu(b), ...) = relu(max(a, b, ...))        because relu is non-decreasing
 * </pre>
 * and the same gradients, bit for bit: when the window's largest number m is positive, both orders send dL/dy to
 * the first input equal to m (relu changes no positive number, so it creates no new ties among them); when m &lt;= 0,
 * both send nothing (relu's slope there is 0). A window holding a NaN gives that NaN either way (both relu and max
 * pooling let a NaN through, and the pool's winner is the window's last NaN in both orders).
 * The lecture's LeNet-5 has two such pairs (conv, relu, pool): in training its first ReLU then touches 6 x 14 x 14
 * numbers per image instead of 6 x 28 x 28.
 *
 * <p>Used where the model's layers are run by the library itself (the training chunks of {@link DataParallelStep}
 * and inference); the model's own layer list, its summary and its saved file are unchanged.
 */
final class Reordering {

    private Reordering() {
    }

    /**
     * The layers inference runs for {@code layers}: batch norms folded into the convolutions before them, then ReLU
     * and max pool swapped. Computed per call from the current weights (one pass over the folded convolutions'
     * weights: for the VGG-like CIFAR network 287,000 numbers, a fraction of a millisecond next to a batch's
     * inference), so that training between two calls can never leave a stale copy behind and concurrent calls share
     * nothing that changes.
     */
    static List<Layer> inferencePlan(List<Layer> layers) {
        return inferencePlan(layers, false);
    }

    /**
     * {@link #inferencePlan(List)}, and for a run of many samples (a batch cut into chunks) also each dense layer and
     * each convolution (inside residual blocks too) {@link Dense#forInference prepared} {@link Conv2D#forInference
     * once} for all the chunks: the same numbers.
     */
    static List<Layer> inferencePlan(List<Layer> layers, boolean manySamples) {
        List<Layer> plan = poolBeforeRelu(foldBatchNorm(layers));
        return manySamples ? preparedForInference(plan) : plan;
    }

    /** The layers with each dense layer and convolution prepared for a run ({@code forInference}). */
    private static List<Layer> preparedForInference(List<Layer> layers) {
        List<Layer> out = new ArrayList<>(layers);
        out.replaceAll(layer -> {
            if (layer instanceof Dense dense) {
                return dense.forInference();
            }
            if (layer instanceof Conv2D conv) {
                return conv.forInference();
            }
            if (layer instanceof Residual block) {
                List<Layer> body = preparedForInference(block.body());
                List<Layer> shortcut = preparedForInference(block.shortcut());
                return same(body, block.body()) && same(shortcut, block.shortcut()) ? block
                        : new Residual(block.inputShape(), body, shortcut);
            }
            return layer;
        });
        return out;
    }

    /**
     * The layers with each (Conv2D, BatchNorm) pair replaced by one Conv2D that computes both in inference mode
     * ({@link BatchNorm#foldInto}), inside residual blocks too (a block with a pair in a path becomes a new block
     * over the folded path); the other layers as they are.
     */
    static List<Layer> foldBatchNorm(List<Layer> layers) {
        List<Layer> out = new ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            if (i + 1 < layers.size() && layers.get(i) instanceof Conv2D conv
                    && layers.get(i + 1) instanceof BatchNorm norm) {
                out.add(norm.foldInto(conv));
                i++;
            } else if (layers.get(i) instanceof Residual block) {
                List<Layer> body = foldBatchNorm(block.body());
                List<Layer> shortcut = foldBatchNorm(block.shortcut());
                out.add(same(body, block.body()) && same(shortcut, block.shortcut()) ? block
                        : new Residual(block.inputShape(), body, shortcut));
            } else {
                out.add(layers.get(i));
            }
        }
        return out;
    }

    /**
     * The layers with each (ReLU, MaxPool2D) pair replaced (inside residual blocks too: a block with a pair in a
     * path becomes a new block over the same other layers) by (MaxPool2D, ReLU) of the matching shapes. The list
     * and the layers not in a pair are returned as they are; a swapped pair is two new layers (they have no
     * parameters).
     */
    static List<Layer> poolBeforeRelu(List<Layer> layers) {
        List<Layer> out = new ArrayList<>(layers);
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i) instanceof Residual block) {
                List<Layer> body = poolBeforeRelu(block.body());
                List<Layer> shortcut = poolBeforeRelu(block.shortcut());
                if (!same(body, block.body()) || !same(shortcut, block.shortcut())) {
                    out.set(i, new Residual(block.inputShape(), body, shortcut));   // over the same inner layers
                }
            }
        }
        for (int i = 0; i + 1 < out.size(); i++) {
            if (out.get(i) instanceof ReLU && out.get(i + 1) instanceof MaxPool2D pool) {
                out.set(i, new MaxPool2D(pool.inputShape(), pool.poolSize(), pool.stride()));
                out.set(i + 1, new ReLU(pool.outputShape()));
                i++;
            }
        }
        return out;
    }

    /**
     * The layers a training replica runs: ReLU and max pool swapped ({@link #poolBeforeRelu}), then each (BatchNorm,
     * ReLU) pair left over made one layer ({@link #fuseBatchNormRelu}).
     */
    static List<Layer> trainingPlan(List<Layer> layers) {
        return fuseBatchNormRelu(poolBeforeRelu(layers));
    }

    /**
     * The layers with each (BatchNorm, ReLU) pair replaced (inside residual blocks too) by the batch norm's
     * {@link BatchNorm#withReLU}: the same numbers, bit for bit, with four passes over the activations instead of
     * seven forward and five instead of eight backward. Run after {@link #poolBeforeRelu}, so that a ReLU moved
     * behind a max pool stays there (it then works on a quarter of the numbers, which pays more). For training
     * replicas only: the fused layer uses the batch norm's own state, so the batch norm must not also be run.
     */
    static List<Layer> fuseBatchNormRelu(List<Layer> layers) {
        List<Layer> out = new ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (layer instanceof Residual block) {
                List<Layer> body = fuseBatchNormRelu(block.body());
                List<Layer> shortcut = fuseBatchNormRelu(block.shortcut());
                if (!same(body, block.body()) || !same(shortcut, block.shortcut())) {
                    layer = new Residual(block.inputShape(), body, shortcut);   // over the same inner layers
                }
            }
            if (layer instanceof BatchNorm norm && i + 1 < layers.size() && layers.get(i + 1) instanceof ReLU) {
                out.add(norm.withReLU());
                i++;
            } else {
                out.add(layer);
            }
        }
        return out;
    }

    /** Whether two lists hold the very same layer objects. */
    private static boolean same(List<Layer> a, List<Layer> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }
}
