package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights that PyTorch wrote (src/test/resources/pytorch, made by make_fixtures.py there) loaded into models built
 * with the builder, and PyTorch's outputs for the same inputs reproduced.
 */
class PyTorchWeightsTest {

    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(PyTorchWeightsTest.class.getResource("/pytorch/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test fixture /pytorch/" + name + " not found", e);
        }
    }

    /** make_fixtures.py's lenet(): input 3 x 16 x 16. */
    static Sequential lenet(boolean softmax) {
        SequentialBuilder b = Sequential.builder(Shape.of(3, 16, 16))
                .conv2d(4, 3).relu().maxPool(2)
                .conv2d(6, 3).relu().maxPool(2)
                .flatten().dense(16).relu().dense(5);
        return (softmax ? b.softmax() : b).seed(1).build();
    }

    /** PyTorch's outputs for the fixture's inputs, against the model's. */
    private static void assertSameAsPyTorch(Sequential model, String fixture) throws IOException {
        Map<String, Tensor> io = SafeTensors.read(fixture(fixture + "-io.safetensors")).tensors();
        Tensor expected = io.get("output");
        Tensor actual = model.predict(io.get("input"));
        assertThat(actual.shape()).isEqualTo(expected.shape());
        assertThat(actual.maxAbsDifference(expected)).isLessThanOrEqualTo(1e-5f);
        assertThat(model.predictClasses(io.get("input"))).containsExactly(expected.argMaxRows());
    }

    @Test
    void aPyTorchSequentialLoadsStrictlyAndPredictsTheSame() throws IOException {
        Sequential model = lenet(true);
        LoadedWeights report = model.loadWeights(fixture("lenet.safetensors"));
        assertThat(report.loaded()).containsExactly("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias",
                "9.weight", "9.bias");
        assertThat(report.missing()).isEmpty();
        assertThat(report.unexpected()).isEmpty();
        assertThat(report.skipped()).isEmpty();
        assertSameAsPyTorch(model, "lenet");
    }

    @Test
    void batchNormRunningStatisticsLoadAndNumBatchesTrackedIsSkipped() throws IOException {
        Sequential model = Sequential.builder(Shape.of(3, 8, 8))
                .conv2d(4, 3, 1, Padding.of(1)).batchNorm().relu().maxPool(2)
                .flatten().dense(8).batchNorm().relu().dense(3)
                .build();
        LoadedWeights report = model.loadWeights(fixture("batchnorm.safetensors"));
        assertThat(report.skipped()).containsExactly("1.num_batches_tracked", "6.num_batches_tracked");
        assertThat(report.loaded()).contains("1.running_mean", "1.running_var", "6.running_mean", "6.running_var");
        assertThat(model.layers().get(1).buffers().get(0).value().toArray())
                .containsExactly(SafeTensors.read(fixture("batchnorm.safetensors")).tensors().get("1.running_mean")
                        .toArray());
        assertSameAsPyTorch(model, "batchnorm");
    }

    @Test
    void halfAndBfloat16WeightsAreConvertedToFloat() throws IOException {
        Sequential half = lenet(true);
        half.loadWeights(fixture("lenet-f16.safetensors"));
        assertSameAsPyTorch(half, "lenet-f16");
        Sequential brain = lenet(true);
        brain.loadWeights(fixture("lenet-bf16.safetensors"));
        assertSameAsPyTorch(brain, "lenet-bf16");
        // the rounded weights are near, not equal to, the float32 ones
        Sequential full = lenet(true);
        full.loadWeights(fixture("lenet.safetensors"));
        Tensor w = full.layers().get(0).parameters().get(0).value();
        assertThat(brain.layers().get(0).parameters().get(0).value().maxAbsDifference(w))
                .isGreaterThan(0f).isLessThan(0.01f);
    }

    @Test
    void namedModulesLoadWithAMapping() throws IOException {
        Sequential model = lenet(true);
        model.loadWeights(fixture("named.safetensors"), Map.of("conv1", "0", "conv2", "3", "fc1", "7", "fc2", "9"));
        assertSameAsPyTorch(model, "named");
    }

    @Test
    void strictLoadListsMissingUnexpectedAndMisshapedTogetherAndChangesNothing() throws IOException {
        Sequential model = lenet(true);
        List<float[]> before = values(model);
        // conv1 and fc1 are mapped, conv2 is not (missing 3.* and unexpected conv2.*), fc2 is mapped onto the
        // 16-unit layer (wrong shapes)
        Path file = fixture("named.safetensors");
        assertThatThrownBy(() -> model.loadWeights(file, Map.of("conv1", "0", "fc1", "9", "fc2", "7")))
                .isInstanceOf(FileFormatException.class)
                .hasMessageStartingWith("named.safetensors: the weights do not fit the model (strict load)")
                .hasMessageContaining("Missing in the file: '3.weight' (Conv2D #3 weight, (6, 4, 3, 3)),"
                        + " '3.bias' (Conv2D #3 bias, (6))")
                .hasMessageContaining("Unexpected (no such tensor in the model): 'conv2.weight' (6, 4, 3, 3),"
                        + " 'conv2.bias' (6)")
                .hasMessageContaining("'fc1.weight' (as '9.weight') has shape (16, 24) but Dense #9 weight needs"
                        + " (5, 16)")
                .hasMessageContaining("'fc2.bias' (as '7.bias') has shape (5) but Dense #7 bias needs (16)");
        assertThat(values(model)).usingRecursiveComparison().isEqualTo(before);
    }

    @Test
    void aPlainSequentialFileIntoADifferentlyNamedModelNamesEveryKey() throws IOException {
        Sequential model = lenet(true);
        assertThatThrownBy(() -> model.loadWeights(fixture("named.safetensors")))
                .hasMessageContaining("'0.weight' (Conv2D #0 weight, (4, 3, 3, 3))")
                .hasMessageContaining("'9.bias' (Dense #9 bias, (5))")
                .hasMessageContaining("'fc2.bias' (5)")
                .hasMessageContaining("map other names with loadWeights(file, Map.of(\"conv1\", \"0\", ...))");
    }

    @Test
    void nonStrictLoadsWhatFitsAndReportsTheRest() throws IOException {
        Sequential model = lenet(true);
        Tensor conv2Before = model.layers().get(3).parameters().get(0).value().copy();
        LoadedWeights report = model.loadWeights(fixture("named.safetensors"),
                WeightNames.modules(Map.of("conv1", "0", "fc1", "7", "fc2", "9")), false);
        assertThat(report.loaded()).containsExactly("0.weight", "0.bias", "7.weight", "7.bias", "9.weight", "9.bias");
        assertThat(report.missing()).containsExactly("3.weight", "3.bias");
        assertThat(report.unexpected()).containsExactly("conv2.weight", "conv2.bias");
        assertThat(model.layers().get(3).parameters().get(0).value().toArray())
                .containsExactly(conv2Before.toArray());
        Tensor fc1 = SafeTensors.read(fixture("named.safetensors")).tensors().get("fc1.weight");
        assertThat(model.layers().get(7).parameters().get(0).value().toArray()).containsExactly(fc1.toArray());
    }

    @Test
    void nonStrictStillRefusesWrongShapes() throws IOException {
        Sequential model = lenet(true);
        List<float[]> before = values(model);
        assertThatThrownBy(() -> model.loadWeights(fixture("lenet.safetensors"),
                name -> name.startsWith("9.") ? "7." + name.substring(2)
                        : name.startsWith("7.") ? "9." + name.substring(2) : name, false))
                .hasMessageContaining("'9.weight' (as '7.weight') has shape (5, 16) but Dense #7 weight needs (16, 24)")
                .hasMessageContaining("'7.bias' (as '9.bias') has shape (16) but Dense #9 bias needs (5)")
                .hasMessageNotContaining("Missing");
        assertThat(values(model)).usingRecursiveComparison().isEqualTo(before);
        assertThatThrownBy(() -> model.loadWeights(fixture("lenet.safetensors"),
                name -> name.startsWith("9.") ? "7." + name.substring(2) : name, false))
                .hasMessageContaining("'9.weight' (as '7.weight') and '7.weight' both map to '7.weight'");
        assertThat(values(model)).usingRecursiveComparison().isEqualTo(before);
    }

    @Test
    void anIntegerTensorWhereTheModelNeedsWeightsIsReported() throws IOException {
        // the lenet fixture with "0.bias" as I64, written by hand as PyTorch would (no metadata)
        Map<String, Tensor> floats = SafeTensors.read(fixture("lenet.safetensors")).tensors();
        StringBuilder header = new StringBuilder("{");
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        for (Map.Entry<String, Tensor> e : floats.entrySet()) {
            boolean integer = e.getKey().equals("0.bias");
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(e.getValue().size() * (integer ? 8 : 4))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float v : e.getValue().data()) {
                if (integer) {
                    bytes.putLong(7);
                } else {
                    bytes.putFloat(v);
                }
            }
            header.append(header.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"")
                    .append(integer ? "I64" : "F32").append("\",\"shape\":")
                    .append(java.util.Arrays.toString(e.getValue().shape().dims()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(data.size()).append(',')
                    .append(data.size() + bytes.capacity()).append("]}");
            data.write(bytes.array(), 0, bytes.capacity());
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] h = header.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer file = java.nio.ByteBuffer.allocate(8 + h.length + data.size())
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        file.putLong(h.length).put(h).put(data.toByteArray());
        Path ints = dir.resolve("ints.safetensors");
        Files.write(ints, file.array());
        assertThat(SafeTensors.read(ints).skipped()).containsOnlyKeys("0.bias");
        Sequential model = lenet(true);
        List<float[]> before = values(model);
        assertThatThrownBy(() -> model.loadWeights(ints))
                .hasMessageContaining("'0.bias' has dtype I64 but Conv2D #0 bias needs floating-point numbers")
                .hasMessageNotContaining("Missing");
        assertThat(values(model)).usingRecursiveComparison().isEqualTo(before);
    }

    @Test
    void aJcnnModelFilesWeightsLoadIntoAFreshModel() throws IOException {
        Sequential trained = lenet(true);
        trained.loadWeights(fixture("lenet.safetensors"));
        Path file = dir.resolve("jcnn.safetensors");
        trained.save(file, io.github.jcnn.optim.Adam.config(0.01).create(trained.parameters()));
        Sequential fresh = lenet(true);
        LoadedWeights report = fresh.loadWeights(file);
        assertThat(report.unexpected()).isEmpty();
        assertSameAsPyTorch(fresh, "lenet");
    }

    @Test
    void moduleRenamingTakesTheLongestPrefixOfWholeNames() {
        Function<String, String> rename = WeightNames.modules(Map.of("features", "x", "features.0", "0",
                "fc", "9"));
        assertThat(rename.apply("features.0.weight")).isEqualTo("0.weight");
        assertThat(rename.apply("features.3.bias")).isEqualTo("x.3.bias");
        assertThat(rename.apply("fc1.weight")).isEqualTo("fc1.weight");
        assertThat(rename.apply("fc.weight")).isEqualTo("9.weight");
    }

    private static List<float[]> values(Sequential model) {
        List<float[]> out = new ArrayList<>();
        for (var layer : model.layers()) {
            for (Parameter p : layer.parameters()) {
                out.add(p.value().toArray());
            }
            for (Parameter p : layer.buffers()) {
                out.add(p.value().toArray());
            }
        }
        return out;
    }
}
