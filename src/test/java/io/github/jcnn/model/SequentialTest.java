package io.github.jcnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Dense;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.Padding;
import io.github.jcnn.layers.ReLU;
import io.github.jcnn.layers.WeightInit;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequentialTest {

    @Test
    void lenet5HasTheLecturesParameterCountAndOutputs() {
        Sequential model = Synthetic.lenet5();
        assertThat(model.parameterCount()).isEqualTo(62_006);
        assertThat(model.layers()).hasSize(13);
        assertThat(model.outputShape()).isEqualTo(Shape.of(10));
        Tensor images = Synthetic.images(Shape.of(3, 32, 32), 5, 1);
        Tensor p = model.predict(images);
        assertThat(p.shape()).isEqualTo(Shape.of(5, 10));
        for (int n = 0; n < 5; n++) {
            double sum = 0;
            for (int k = 0; k < 10; k++) {
                sum += p.get(n, k);
            }
            assertThat(sum).isCloseTo(1.0, within(1e-5));
        }
        assertThat(model.predictClasses(images)).containsExactly(p.argMaxRows());
        Layer first = model.layers().get(0);
        assertThat(first.parameters()).extracting(pr -> pr.name()).containsExactly("weight", "bias");
        assertThat(first.parameters().get(0).value().shape()).isEqualTo(Shape.of(6, 3, 5, 5));
    }

    @Test
    void summaryReproducesTheLecturesTableRowByRow() {
        Summary s = Synthetic.lenet5().summary();
        List<Summary.Row> rows = s.rows();
        assertThat(rows).extracting(Summary.Row::name)
                .containsExactly("Input", "CONV 1", "POOL 1", "CONV 2", "POOL 2", "FC 3", "FC 4", "Softmax");
        assertThat(rows).extracting(Summary.Row::outputShape).containsExactly("(32, 32, 3)", "(28, 28, 6)",
                "(14, 14, 6)", "(10, 10, 16)", "(5, 5, 16)", "(120, 1)", "(84, 1)", "(10, 1)");
        assertThat(rows).extracting(Summary.Row::parameters)
                .containsExactly(0L, 456L, 0L, 2_416L, 0L, 48_120L, 10_164L, 850L);
        assertThat(rows.get(1).kernel()).isEqualTo("5 x 5 x 3 x 6");
        assertThat(rows.get(1).arithmetic()).isEqualTo("(5 x 5 x 3 + 1) x 6");
        assertThat(rows.get(3).arithmetic()).isEqualTo("(5 x 5 x 6 + 1) x 16");
        assertThat(rows.get(5).arithmetic()).isEqualTo("(400 + 1) x 120");
        assertThat(rows.get(5).type()).isEqualTo("Flatten + Dense + ReLU");
        assertThat(rows.get(7).type()).isEqualTo("Dense + Softmax");
        assertThat(rows.get(1).type()).isEqualTo("Conv2D (f=5, s=1, valid) + ReLU");
        assertThat(s.total()).isEqualTo(62_006);
        assertThat(s.nonTrainable()).isZero();
        String table = s.toString();
        assertThat(table).contains("62,006").contains("(5 x 5 x 3 + 1) x 6").contains("48,120")
                .contains("trainable 62,006, non-trainable 0");
        System.out.println(table);
    }

    @Test
    void refusesAKernelLargerThanItsInputNamingLayerPositionAndShapes() {
        assertThatThrownBy(() -> Sequential.builder(Shape.of(3, 32, 32))
                .conv2d(6, 5).relu().maxPool(2)          // 14x14x6
                .conv2d(16, 5).relu().maxPool(2)         // 5x5x16
                .conv2d(16, 3)                           // 3x3x16
                .conv2d(16, 5)
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Conv2D #7 (5x5, stride 1, valid): input is 3x3x16 but the kernel needs at "
                        + "least 5x5");
    }

    @Test
    void refusesADenseLayerOnAnImage() {
        assertThatThrownBy(() -> Sequential.builder(Shape.of(3, 32, 32))
                .conv2d(6, 5).relu().maxPool(2)
                .dense(10)
                .build())
                .hasMessageContaining("Dense #3")
                .hasMessageContaining("14x14x6 = 1176")
                .hasMessageContaining("flatten()")
                .hasMessageContaining("MaxPool2D #2");
    }

    @Test
    void stridesPaddingPoolingDropoutBatchNormAndActivationsAreReachable() {
        Sequential model = Sequential.builder(Shape.of(3, 16, 16))
                .conv2d(8, 3, 1, Padding.SAME).batchNorm().leakyRelu(0.1f)
                .conv2d(8, 3, 2, Padding.VALID).tanh().avgPool(2, 1)
                .maxPool(2, 2)
                .flatten().dropout(0.5)
                .dense(16).sigmoid()
                .dense(4).softmax()
                .build();
        assertThat(model.layers()).extracting(Layer::type).containsExactly("Conv2D", "BatchNorm", "LeakyReLU",
                "Conv2D", "Tanh", "AvgPool2D", "MaxPool2D", "Flatten", "Dropout", "Dense", "Sigmoid", "Dense",
                "Softmax");
        assertThat(model.layers().get(0).outputShape()).isEqualTo(Shape.of(8, 16, 16));
        assertThat(model.layers().get(3).outputShape()).isEqualTo(Shape.of(8, 7, 7));
        assertThat(model.summary().nonTrainable()).isEqualTo(16);
        assertThat(model.predict(Synthetic.images(Shape.of(3, 16, 16), 2, 3)).shape()).isEqualTo(Shape.of(2, 4));
    }

    @Test
    void acceptsUserLayersCheckedAgainstTheCurrentShape() {
        Sequential model = Sequential.builder(Shape.of(4))
                .add(in -> new ReLU(in))
                .add(new Dense(Shape.of(4), 3))
                .build();
        assertThat(model.outputShape()).isEqualTo(Shape.of(3));
        assertThatThrownBy(() -> Sequential.builder(Shape.of(4)).add(new Dense(Shape.of(5), 3)).build())
                .hasMessageContaining("Dense #0").hasMessageContaining("expects input 5 but gets 4");
    }

    @Test
    void weightsAreSeededHeBeforeReluAndOverridable() {
        Sequential a = Synthetic.smallCnn(1);
        Sequential b = Synthetic.smallCnn(1);
        Sequential c = Synthetic.smallCnn(2);
        float[] wa = a.layers().get(0).parameters().get(0).value().toArray();
        assertThat(b.layers().get(0).parameters().get(0).value().toArray()).containsExactly(wa);
        assertThat(c.layers().get(0).parameters().get(0).value().toArray()).isNotEqualTo(wa);

        // the conv layer is followed by ReLU: He normal, unbounded; the same with GLOROT is bounded by sqrt(6/(9+36))
        Sequential glorot = Sequential.builder(Shape.of(1, 8, 8)).conv2d(4, 3).init(WeightInit.GLOROT).relu()
                .seed(1).build();
        float[] wg = glorot.layers().get(0).parameters().get(0).value().toArray();
        assertThat(wg).isNotEqualTo(wa);
        double limit = Math.sqrt(6.0 / (9 + 36));
        for (float w : wg) {
            assertThat(Math.abs(w)).isLessThanOrEqualTo((float) limit);
        }
        assertThat(((Conv2D) a.layers().get(0)).filters()).isEqualTo(4);
    }

    @Test
    void activationsGiveTheFeatureMapsOfTheFirstLayers() {
        Sequential model = Synthetic.lenet5();
        Tensor images = Synthetic.images(Shape.of(3, 32, 32), 3, 2);
        assertThat(model.activations(images, 0).toArray()).containsExactly(images.toArray());
        assertThat(model.activations(images, 1).shape()).isEqualTo(Shape.of(3, 6, 28, 28));
        assertThat(model.activations(images, 3).shape()).isEqualTo(Shape.of(3, 6, 14, 14));
        Tensor byHand = model.layers().get(0).forward(images, false);
        assertThat(model.activations(images, 1).toArray()).containsExactly(byHand.toArray());
        assertThat(model.activations(images, model.layers().size()).toArray())
                .containsExactly(model.predict(images).toArray());
        assertThatThrownBy(() -> model.activations(images, 14)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 to 13").hasMessageContaining("14");
    }
}
