package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.data.Dataset;
import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.Json;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.optim.Adam;
import io.github.jcnn.optim.Optimizer;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SaveLoadTest {

    @TempDir
    Path dir;

    private static final FitOptions QUIET = FitOptions.defaults().quiet().batchSize(16).optimizer(Adam.config(0.01));

    @Test
    void aLoadedModelPredictsExactlyTheSame() throws IOException {
        Sequential model = Sequential.builder(Shape.of(1, 8, 8))
                .conv2d(4, 3).batchNorm().relu().maxPool(2).flatten().dropout(0.2).dense(2).softmax()
                .seed(3).build();
        model.fit(Synthetic.bars(64, 1), QUIET.epochs(2));
        Path file = dir.resolve("model.safetensors");
        model.save(file);
        Sequential loaded = Sequential.load(file);
        Tensor images = Synthetic.bars(16, 2).images(0, 16);
        assertThat(loaded.predict(images).toArray()).containsExactly(model.predict(images).toArray());
        assertThat(loaded.summary().toString()).isEqualTo(model.summary().toString());
        assertThat(loaded.seed()).isEqualTo(3);
    }

    @Test
    void tensorNamesFollowPyTorchsSequential() throws IOException {
        Path file = dir.resolve("lenet.safetensors");
        Synthetic.lenet5().save(file);
        SafeTensors.Contents c = SafeTensors.read(file);
        assertThat(c.tensors().keySet()).containsExactly("0.weight", "0.bias", "3.weight", "3.bias", "7.weight",
                "7.bias", "9.weight", "9.bias", "11.weight", "11.bias");
        assertThat(c.tensors().get("7.weight").shape()).isEqualTo(Shape.of(120, 400));
        assertThat(c.metadata()).containsEntry("format", "jcnn").containsEntry("format_version", "2");
        assertThat(Json.parseObject(c.metadata().get("architecture")).get("input"))
                .isEqualTo(java.util.List.of(3L, 32L, 32L));
    }

    @Test
    void resumingFromSavedOptimizerStateGivesTheSameWeightsAsNoPause() throws IOException {
        Dataset train = Synthetic.bars(64, 1);
        Sequential straight = Synthetic.smallCnn(4);
        straight.fit(train, QUIET.epochs(4));

        Sequential first = Synthetic.smallCnn(4);
        Optimizer optimizer = Adam.config(0.01).create(first.parameters());
        first.fit(train, QUIET.epochs(2), optimizer);
        Path file = dir.resolve("paused.safetensors");
        first.save(file, optimizer);

        Sequential resumed = Sequential.load(file);
        Optimizer restored = resumed.loadOptimizer(file, Adam.config(0.01));
        resumed.fit(train, QUIET.epochs(4).initialEpoch(2), restored);
        for (int i = 0; i < straight.parameters().size(); i++) {
            assertThat(resumed.parameters().get(i).value().toArray())
                    .containsExactly(straight.parameters().get(i).value().toArray());
        }
    }

    @Test
    void aFailedSaveLeavesThePreviousFileIntact() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Synthetic.smallCnn(1).save(file);
        byte[] before = Files.readAllBytes(file);
        // a model with a layer of the user's own cannot be described in the file: the save fails, the old file stays
        Layer relu = new io.github.jcnn.layers.ReLU(Shape.of(2));
        Layer own = new Layer() {
            @Override
            public String type() {
                return "MyLayer";
            }

            @Override
            public Shape inputShape() {
                return relu.inputShape();
            }

            @Override
            public Shape outputShape() {
                return relu.outputShape();
            }

            @Override
            public io.github.jcnn.tensor.Tensor forward(io.github.jcnn.tensor.Tensor input, boolean training) {
                return relu.forward(input, training);
            }

            @Override
            public io.github.jcnn.tensor.Tensor backward(io.github.jcnn.tensor.Tensor outputGradient) {
                return relu.backward(outputGradient);
            }
        };
        Sequential custom = Sequential.builder(Shape.of(1, 8, 8)).flatten().dense(2).add(own).build();
        assertThatThrownBy(() -> custom.save(file)).hasMessageContaining("MyLayer #2").hasMessageContaining(
                "cannot be saved");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void refusesTruncatedCorruptAndUnknownVersionFiles() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Synthetic.smallCnn(1).save(good);
        byte[] bytes = Files.readAllBytes(good);

        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 7));
        assertThatThrownBy(() -> Sequential.load(cut)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("cut.safetensors").hasMessageContaining("truncated");

        Path huge = dir.resolve("huge.safetensors");
        byte[] hugeBytes = bytes.clone();
        ByteBuffer.wrap(hugeBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(huge, hugeBytes);
        assertThatThrownBy(() -> Sequential.load(huge)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("header length 1099511627776");

        SafeTensors.Contents c = SafeTensors.read(good);
        Map<String, String> future = new LinkedHashMap<>(c.metadata());
        future.put("format_version", "99");
        Path v99 = dir.resolve("v99.safetensors");
        SafeTensors.write(v99, c.tensors(), future);
        assertThatThrownBy(() -> Sequential.load(v99)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("v99.safetensors: unknown model format version 99");

        Map<String, String> badArch = new LinkedHashMap<>(c.metadata());
        badArch.put("architecture", c.metadata().get("architecture").replace("\"Conv2D\"", "\"Conv9D\""));
        Path arch = dir.resolve("arch.safetensors");
        SafeTensors.write(arch, c.tensors(), badArch);
        assertThatThrownBy(() -> Sequential.load(arch)).isInstanceOf(FileFormatException.class)
                .hasMessageContaining("layer #0").hasMessageContaining("Conv9D");

        Map<String, Tensor> missing = new LinkedHashMap<>(c.tensors());
        missing.remove("0.bias");
        Path miss = dir.resolve("missing.safetensors");
        SafeTensors.write(miss, missing, c.metadata());
        assertThatThrownBy(() -> Sequential.load(miss)).hasMessageContaining("'0.bias' of Conv2D #0 is missing");

        Map<String, Tensor> wrong = new LinkedHashMap<>(c.tensors());
        wrong.put("4.weight", Tensor.zeros(2, 3));
        Path shape = dir.resolve("shape.safetensors");
        SafeTensors.write(shape, wrong, c.metadata());
        assertThatThrownBy(() -> Sequential.load(shape)).hasMessageContaining("'4.weight' has shape (2, 3)");

        Path notModel = dir.resolve("plain.safetensors");
        SafeTensors.write(notModel, c.tensors(), Map.of());
        assertThatThrownBy(() -> Sequential.load(notModel)).hasMessageContaining("not a jcnn model file")
                .hasMessageContaining("call model.loadWeights(file)");
        assertThatThrownBy(() -> Synthetic.smallCnn(1).loadOptimizer(good, Adam.config()))
                .hasMessageContaining("no optimizer state");
    }

    @Test
    void parametersAreNamedLikePyTorch() {
        Parameter w = Synthetic.smallCnn(1).layers().get(4).parameters().get(0);
        assertThat(w.name()).isEqualTo("weight");
    }

    @Test
    void batchNormSettingsAndRunningStatisticsSurviveARoundTrip() throws IOException {
        Sequential model = Sequential.builder(Shape.of(1, 8, 8)).conv2d(2, 3).batchNorm(0.25, 1e-3).relu()
                .flatten().dense(2).seed(3).build();
        model.fit(Synthetic.bars(32, 1), QUIET.epochs(1));
        Path file = dir.resolve("bn.safetensors");
        model.save(file);
        Sequential loaded = Sequential.load(file);
        io.github.jcnn.layers.BatchNorm bn = (io.github.jcnn.layers.BatchNorm) loaded.layers().get(1);
        assertThat(bn.momentum()).isEqualTo(0.25);
        assertThat(bn.epsilon()).isEqualTo(1e-3);
        io.github.jcnn.tensor.Tensor x = Synthetic.images(Shape.of(1, 8, 8), 4, 5);
        assertThat(loaded.predict(x).toArray()).containsExactly(model.predict(x).toArray());
    }
}
