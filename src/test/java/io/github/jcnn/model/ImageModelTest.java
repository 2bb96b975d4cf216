package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jcnn.data.Images;
import io.github.jcnn.data.Normalization;
import io.github.jcnn.data.Preprocessing;
import io.github.jcnn.data.Preprocessing.PixelRange;
import io.github.jcnn.io.FileFormatException;
import io.github.jcnn.io.Json;
import io.github.jcnn.io.SafeTensors;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The preprocessing and class names a model carries, and predicting a picture with them. */
class ImageModelTest {

    @TempDir
    Path dir;

    private static final Normalization NORM = Normalization.of(new double[] {0.5, 0.25, 0.125},
            new double[] {0.2, 0.3, 0.4});
    private static final List<String> NAMES = List.of("a", "b", "c", "d", "e");

    /** A 3 x 16 x 16 model with 5 outputs and softmax. */
    private static Sequential model() {
        return Sequential.builder(Shape.of(3, 16, 16)).conv2d(4, 3).relu().maxPool(2).flatten().dense(5).softmax()
                .seed(7).build();
    }

    /** A picture whose pixels differ from channel to channel and place to place. */
    private static BufferedImage picture(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, ((x * 37 + y) & 0xFF) << 16 | ((y * 23 + 5 * x) & 0xFF) << 8 | ((x * y) & 0xFF));
            }
        }
        return image;
    }

    @Test
    void preprocessingAndClassNamesAreSavedAndRestored() throws IOException {
        Sequential model = model().withPreprocessing(Preprocessing.normalized(NORM)).withClassNames(NAMES);
        Path file = dir.resolve("m.safetensors");
        model.save(file);
        Map<String, String> metadata = SafeTensors.readMetadata(file);
        assertThat(metadata).containsEntry("format_version", "2")
                .containsEntry("class_names", "[\"a\",\"b\",\"c\",\"d\",\"e\"]");
        assertThat(Json.parseObject(metadata.get("preprocessing"))).containsEntry("input", List.of(3L, 16L, 16L))
                .containsEntry("color", "rgb").containsEntry("pixel_range", List.of(0L, 1L))
                .containsEntry("mean", List.of(0.5, 0.25, 0.125));
        Sequential loaded = Sequential.load(file);
        assertThat(loaded.preprocessing()).contains(Preprocessing.normalized(NORM));
        assertThat(loaded.classNames()).isEqualTo(NAMES);
        BufferedImage image = picture(16, 16);
        assertThat(loaded.predict(image).toArray()).containsExactly(model.predict(image).toArray());
    }

    @Test
    void byteRangeAndNoNormalisationRoundTrip() throws IOException {
        Preprocessing bytes = Preprocessing.unit().withPixelRange(PixelRange.BYTE);
        Path file = dir.resolve("b.safetensors");
        model().withPreprocessing(bytes).save(file);
        Sequential loaded = Sequential.load(file);
        assertThat(loaded.preprocessing()).contains(bytes);
        assertThat(loaded.classNames()).isEmpty();
        assertThat(Json.parseObject(SafeTensors.readMetadata(file).get("preprocessing")))
                .containsEntry("pixel_range", List.of(0L, 255L)).doesNotContainKey("mean");
    }

    @Test
    void aModelWithoutThemSavesNeitherAndVersion1FilesStillLoad() throws IOException {
        Path file = dir.resolve("plain.safetensors");
        Sequential model = model();
        model.save(file);
        assertThat(SafeTensors.readMetadata(file)).doesNotContainKeys("preprocessing", "class_names");
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> v1 = new LinkedHashMap<>(c.metadata());
        v1.put("format_version", "1");
        Path old = dir.resolve("v1.safetensors");
        SafeTensors.write(old, c.tensors(), v1);
        Sequential loaded = Sequential.load(old);
        assertThat(loaded.preprocessing()).isEmpty();
        Tensor x = Synthetic.images(Shape.of(3, 16, 16), 3, 1);
        assertThat(loaded.predict(x).toArray()).containsExactly(model.predict(x).toArray());
    }

    @Test
    void aPictureIsPreparedAsImagesToTensorDoesWithTheStoredNormalisation() {
        Sequential model = model().withPreprocessing(Preprocessing.normalized(NORM));
        for (BufferedImage image : List.of(picture(16, 16), picture(50, 37), picture(7, 9))) {
            Tensor x = Images.toTensor(image, Shape.of(3, 16, 16), NORM);
            Tensor expected = model.predict(x.reshape(1, 3, 16, 16));
            Tensor actual = model.predict(image);
            assertThat(actual.shape()).isEqualTo(Shape.of(5));
            assertThat(actual.toArray()).containsExactly(expected.toArray());
        }
    }

    @Test
    void classifyGivesTheTopKWithNamesAndProbabilities() {
        Sequential model = model().withPreprocessing(Preprocessing.normalized(NORM)).withClassNames(NAMES);
        BufferedImage image = picture(20, 20);
        float[] p = model.predict(image).toArray();
        List<Prediction> top = model.classify(image, 5);
        assertThat(top).hasSize(5);
        for (int i = 0; i < 5; i++) {
            Prediction prediction = top.get(i);
            assertThat(prediction.name()).isEqualTo(NAMES.get(prediction.index()));
            assertThat(prediction.probability()).isEqualTo(p[prediction.index()]);
            if (i > 0) {
                assertThat(prediction.probability()).isLessThanOrEqualTo(top.get(i - 1).probability());
            }
        }
        assertThat(top.stream().mapToInt(Prediction::index).distinct().count()).isEqualTo(5);
        assertThat(model.classify(image, 2)).isEqualTo(top.subList(0, 2));
        assertThat(top.get(0).index()).isEqualTo(model.predictClasses(
                Preprocessing.normalized(NORM).apply(image, Shape.of(3, 16, 16)))[0]);
        assertThatThrownBy(() -> model.classify(image, 0)).hasMessage("k must be 1 to 5 (the number of classes), got 0");
        assertThatThrownBy(() -> model.classify(image, 6)).hasMessageContaining("got 6");
    }

    @Test
    void tiesGoToTheLowerIndex() {
        Sequential model = Sequential.builder(Shape.of(1, 4, 4)).flatten().dense(3, false).softmax().build()
                .withPreprocessing(Preprocessing.unit()).withClassNames(List.of("x", "y", "z"));
        model.layers().get(1).parameters().get(0).value().fillInPlace(0f);  // every output equal: 1/3 each
        List<Prediction> top = model.classify(picture(4, 4), 3);
        assertThat(top).extracting(Prediction::index).containsExactly(0, 1, 2);
        assertThat(top.get(0).toString()).isEqualTo("x 33.3% (#0)");
    }

    @Test
    void withoutPreprocessingOrClassNamesTheErrorSaysHowToAddThem() {
        BufferedImage image = picture(16, 16);
        assertThatThrownBy(() -> model().predict(image)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the model has no preprocessing")
                .hasMessageContaining("model.withPreprocessing(Preprocessing.normalized(norm))");
        assertThatThrownBy(() -> model().withPreprocessing(Preprocessing.unit()).classify(image, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the model has no class names")
                .hasMessageContaining("withClassNames(train.classNames())");
        assertThatThrownBy(() -> model().withClassNames(List.of("a", "b")))
                .hasMessage("the model has 5 outputs (5) but 2 class names were given: [a, b]");
        assertThatThrownBy(() -> model().withPreprocessing(Preprocessing.normalized(Normalization.of(
                new double[] {0}, new double[] {1}))))
                .hasMessage("the normalisation has 1 channels but the model input (3, 16, 16) has 3");
        Sequential vectors = Sequential.builder(Shape.of(10)).dense(2).build();
        assertThatThrownBy(() -> vectors.withPreprocessing(Preprocessing.unit()))
                .hasMessageContaining("(1 or 3, H, W) inputs, but the model takes (10)");
    }

    @Test
    void withSharesTheLayers() {
        Sequential model = model();
        Sequential named = model.withClassNames(NAMES);
        assertThat(named.parameters()).isEqualTo(model.parameters());
        assertThat(named.layers()).isSameAs(model.layers());
        assertThat(model.classNames()).isEmpty();
    }

    @Test
    void badMetadataIsRefusedNamingTheFile() throws IOException {
        Path file = dir.resolve("m.safetensors");
        model().withPreprocessing(Preprocessing.normalized(NORM)).withClassNames(NAMES).save(file);
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> shape = new LinkedHashMap<>(c.metadata());
        shape.put("preprocessing", c.metadata().get("preprocessing").replace("[3,16,16]", "[3,32,32]"));
        Path wrongShape = dir.resolve("shape.safetensors");
        SafeTensors.write(wrongShape, c.tensors(), shape);
        assertThatThrownBy(() -> Sequential.load(wrongShape)).isInstanceOf(FileFormatException.class)
                .hasMessage("shape.safetensors: invalid \"preprocessing\" metadata: \"input\" is [3,32,32] but the"
                        + " architecture's input is (3, 16, 16)");
        Map<String, String> range = new LinkedHashMap<>(c.metadata());
        range.put("preprocessing", c.metadata().get("preprocessing").replace("[0,1]", "[0,2]"));
        Path wrongRange = dir.resolve("range.safetensors");
        SafeTensors.write(wrongRange, c.tensors(), range);
        assertThatThrownBy(() -> Sequential.load(wrongRange))
                .hasMessageContaining("\"pixel_range\" must be [0, 1] or [0, 255], found [0,2]");
        Map<String, String> names = new LinkedHashMap<>(c.metadata());
        names.put("class_names", "[\"a\",\"b\"]");
        Path wrongNames = dir.resolve("names.safetensors");
        SafeTensors.write(wrongNames, c.tensors(), names);
        assertThatThrownBy(() -> Sequential.load(wrongNames))
                .hasMessageContaining("names.safetensors: invalid \"class_names\" metadata: the model has 5 outputs");
        names.put("class_names", "[\"a\",1]");
        SafeTensors.write(wrongNames, c.tensors(), names);
        assertThatThrownBy(() -> Sequential.load(wrongNames))
                .hasMessageContaining("must be an array of strings, found an element the number 1");
    }

    @Test
    void aSingleSampleIsAcceptedWhereABatchIs() {
        Sequential model = model();
        Tensor batch = Synthetic.images(Shape.of(3, 16, 16), 3, 5);
        Tensor one = Tensor.wrap(Shape.of(3, 16, 16), java.util.Arrays.copyOfRange(batch.data(), 3 * 256,
                2 * 3 * 256));
        Tensor all = model.predict(batch);
        Tensor single = model.predict(one);
        assertThat(single.shape()).isEqualTo(Shape.of(5));
        assertThat(single.toArray()).containsExactly(java.util.Arrays.copyOfRange(all.data(), 5, 10));
        assertThat(model.predictClasses(one)).containsExactly(model.predictClasses(batch)[1]);
        Tensor maps = model.activations(one, 3);
        assertThat(maps.shape()).isEqualTo(Shape.of(4, 7, 7));
        assertThat(maps.toArray()).containsExactly(java.util.Arrays.copyOfRange(model.activations(batch, 3).data(),
                196, 392));
        assertThat(model.activations(one, 0).toArray()).containsExactly(one.toArray());
        Tensor flipped = model.predictWithFlip(one);
        assertThat(flipped.shape()).isEqualTo(Shape.of(5));
        assertThat(flipped.toArray()).containsExactly(java.util.Arrays.copyOfRange(model.predictWithFlip(batch).data(),
                5, 10));
        assertThatThrownBy(() -> model.predict(Tensor.zeros(3, 16, 15)))
                .hasMessage("the model takes a batch of (3, 16, 16), i.e. (N, 3, 16, 16), or one sample (3, 16, 16),"
                        + " but got (3, 16, 15)");
    }
}
