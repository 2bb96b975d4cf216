package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jcnn.data.Normalization;
import io.github.jcnn.data.Preprocessing;
import io.github.jcnn.data.Preprocessing.PixelRange;
import io.github.jcnn.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/** Whatever preprocessing and class names a model carries come back from its file exactly. */
class ModelMetadataProperties {

    @Property(tries = 40)
    void preprocessingAndClassNamesSurviveSaveAndLoad(
            @ForAll boolean colour, @ForAll boolean bytes, @ForAll boolean normalised,
            @ForAll @Size(3) List<@FloatRange(min = -300, max = 300) @Scale(7) Float> means,
            @ForAll @Size(3) List<@FloatRange(min = 0.001f, max = 100) @Scale(7) Float> stds,
            @ForAll @Size(3) List<@StringLength(max = 12) String> names,
            @ForAll @IntRange(min = 2, max = 9) int size) throws IOException {
        int channels = colour ? 3 : 1;
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = means.get(c);
            std[c] = stds.get(c);
        }
        Preprocessing p = Preprocessing.unit().withPixelRange(bytes ? PixelRange.BYTE : PixelRange.UNIT)
                .withNormalization(normalised ? Normalization.of(mean, std) : null);
        List<String> classNames = new ArrayList<>(names);   // any text, commas and quotes included
        Sequential model = Sequential.builder(Shape.of(channels, size, size)).flatten().dense(3).softmax().build()
                .withPreprocessing(p).withClassNames(classNames);
        Path file = Files.createTempFile("metadata", ".safetensors");
        try {
            model.save(file);
            Sequential loaded = Sequential.load(file);
            assertThat(loaded.preprocessing()).contains(p);
            assertThat(loaded.classNames()).isEqualTo(classNames);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
