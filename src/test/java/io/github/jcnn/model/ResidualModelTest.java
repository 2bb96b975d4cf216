package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.kernels.Parallel;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.optim.SGD;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Residual blocks and global pooling in whole models: the builder, summary, files, training paths. */
class ResidualModelTest {

    @TempDir
    Path dir;

    /** torch_cnn_speed.py's resnet8: stem, three basic blocks (32, 64, 128; the last two stride 2), pool, dense. */
    static Sequential resnet8(long seed) {
        return Sequential.builder(Shape.of(3, 32, 32))
                .conv2d(32, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                .residual(b -> b.conv2d(32, 3, 3, 1, Padding.SAME, false).batchNorm().relu()
                        .conv2d(32, 3, 3, 1, Padding.SAME, false).batchNorm()).relu()
                .residual(b -> b.conv2d(64, 3, 3, 2, Padding.SAME, false).batchNorm().relu()
                        .conv2d(64, 3, 3, 1, Padding.SAME, false).batchNorm()).relu()
                .residual(b -> b.conv2d(128, 3, 3, 2, Padding.SAME, false).batchNorm().relu()
                        .conv2d(128, 3, 3, 1, Padding.SAME, false).batchNorm()).relu()
                .globalAvgPool()
                .dense(10)
                .seed(seed)
                .build();
    }

    @Test
    void resnet8HasExactlyPyTorchsParameterCount() {
        Sequential model = resnet8(1);
        // PyTorch (torch_cnn_speed.py, sum of p.numel()): 308,650 parameters; running means and variances 1,344
        // (its 1,353 buffers include 9 num_batches_tracked counters, which jcnn does not keep)
        System.out.println("jcnn resnet8: " + model.parameterCount() + " parameters, PyTorch resnet8: 308650");
        assertThat(model.parameterCount()).isEqualTo(308_650);
        assertThat(model.nonTrainableCount()).isEqualTo(1_344);
        assertThat(model.outputShape()).isEqualTo(Shape.of(10));
        Summary summary = model.summary();
        System.out.println(summary);
        long sum = 0;
        for (Summary.Row row : summary.rows()) {
            if (!row.name().startsWith(" ")) {
                sum += row.parameters();
            }
        }
        assertThat(sum).isEqualTo(308_650);
        assertThat(summary.toString())
                .contains("RES 2", "Residual block, projection shortcut + ReLU", "body 55,552 + shortcut 2,176")
                .contains("  CONV 4", "shortcut: Conv2D (f=1, s=2, valid)", "1 x 1 x 32 x 64")
                .contains("GlobalAvgPool2D", "8 x 8")
                .contains("Total parameters: 309,994 (trainable 308,650, non-trainable 1,344)");
    }

    @Test
    void buildErrorsNameTheBlockAndBothShapes() {
        assertThatThrownBy(() -> Sequential.builder(Shape.of(3, 8, 8))
                .residual(b -> b.conv2d(4, 3, 2, Padding.SAME), s -> s)
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Residual #0").hasMessageContaining("body outputs 4x4x4")
                .hasMessageContaining("identity shortcut passes the input 8x8x3");
        assertThatThrownBy(() -> Sequential.builder(Shape.of(3, 4, 4))
                .residual(b -> b.conv2d(4, 3, 1, Padding.of(2)))
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Residual #0").hasMessageContaining("4x4x3").hasMessageContaining("6x6x4")
                .hasMessageContaining("residual(body, shortcut)");
        assertThatThrownBy(() -> Sequential.builder(Shape.of(3, 4, 4))
                .conv2d(2, 1).residual(b -> b.conv2d(2, 5))
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Residual #1, body: Conv2D #0 (5x5, stride 1, valid)")
                .hasMessageContaining("the block's input");
        assertThatThrownBy(() -> Sequential.builder(Shape.of(3, 4, 4)).residual(b -> b).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the body has no layers");
        assertThatThrownBy(() -> Sequential.builder(Shape.of(10)).globalAvgPool().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GlobalAvgPool2D #0");
    }

    private static Sequential small(long seed) {
        return Sequential.builder(Shape.of(3, 8, 8))
                .conv2d(4, 3, 1, Padding.SAME).relu()
                .residual(b -> b.conv2d(4, 3, 1, Padding.SAME).relu().conv2d(4, 3, 1, Padding.SAME)).relu()
                .residual(b -> b.conv2d(6, 3, 2, Padding.SAME).relu().maxPool(1)
                        .conv2d(6, 3, 1, Padding.SAME),
                        s -> s.conv2d(6, 1, 1, 2, Padding.VALID, false)).relu().maxPool(2)
                .globalAvgPool().dense(3)
                .seed(seed)
                .build();
    }

    @Test
    void savesAndLoadsAsFormatVersion2WithPyTorchLikeNames() throws IOException {
        Sequential model = small(5);
        Path file = dir.resolve("res.safetensors");
        model.save(file);
        SafeTensors.Contents c = SafeTensors.read(file);
        assertThat(c.metadata()).containsEntry("format_version", "2");
        assertThat(c.tensors().keySet()).contains("2.body.0.weight", "2.body.2.bias", "4.shortcut.0.weight");
        Sequential loaded = Sequential.load(file);
        Tensor x = Synthetic.images(Shape.of(3, 8, 8), 5, 3);
        assertThat(loaded.predict(x).toArray()).containsExactly(model.predict(x).toArray());
        assertThat(loaded.summary().toString()).isEqualTo(model.summary().toString());

        Map<String, String> v1 = new LinkedHashMap<>(c.metadata());
        Path lenet = dir.resolve("v1.safetensors");
        Synthetic.lenet5().save(lenet);
        SafeTensors.Contents l = SafeTensors.read(lenet);
        Map<String, String> old = new LinkedHashMap<>(l.metadata());
        old.put("format_version", "1");
        Path oldFile = dir.resolve("lenet-v1.safetensors");
        SafeTensors.write(oldFile, l.tensors(), old);
        assertThat(Sequential.load(oldFile).parameterCount()).isEqualTo(62_006);

        v1.put("architecture", v1.get("architecture").replace("\"body\"", "\"bodies\""));
        Path bad = dir.resolve("bad.safetensors");
        SafeTensors.write(bad, c.tensors(), v1);
        assertThatThrownBy(() -> Sequential.load(bad)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("bad.safetensors").hasMessageContaining("layer #2")
                .hasMessageContaining("\"body\"");
    }

    @Test
    void inferenceWithReorderingInsideBlocksEqualsThePlainChain() {
        Sequential model = small(7);
        Tensor x = Synthetic.images(Shape.of(3, 8, 8), 40, 2);
        Tensor plain = x;
        for (var layer : model.layers()) {
            plain = layer.forward(plain, false);
        }
        assertThat(model.predict(x).toArray()).containsExactly(plain.toArray());
    }

    @Test
    void dataParallelTrainingOfBlocksGivesTheSameBitsOnOneAndTwoThreads() {
        int threads = Parallel.threads();
        try {
            float[][] weights = new float[2][];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                Sequential model = small(3);
                assertThat(model.layers().get(2).replica(0)).isPresent();
                var optimizer = SGD.config(0.05).momentum(0.9).create(model.parameters());
                Tensor x = Synthetic.images(Shape.of(3, 8, 8), 50, 4);
                int[] labels = new int[50];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = i % 3;
                }
                for (int step = 0; step < 3; step++) {
                    model.trainBatch(x, labels, optimizer);
                }
                int n = 0;
                for (Parameter p : model.parameters()) {
                    n += p.value().size();
                }
                weights[t - 1] = new float[n];
                int at = 0;
                for (Parameter p : model.parameters()) {
                    System.arraycopy(p.value().data(), 0, weights[t - 1], at, p.value().size());
                    at += p.value().size();
                }
            }
            assertThat(weights[1]).containsExactly(weights[0]);
        } finally {
            Parallel.setThreads(threads);
        }
    }
}
