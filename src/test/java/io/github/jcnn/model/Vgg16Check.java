package io.github.jcnn.model;

import io.github.jcnn.layers.Padding;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;

/**
 * A main for {@link Vgg16MemoryTest}'s child JVM: builds VGG-16 (138,357,544 parameters), predicts one 224 x 224
 * image and prints "ok", the seconds each took and the number of parameters whose gradient was allocated (0: a
 * model used only to predict holds its weights only).
 */
public final class Vgg16Check {

    private Vgg16Check() {
    }

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        SequentialBuilder b = Sequential.builder(Shape.of(3, 224, 224));
        int[][] stages = {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
        for (int[] stage : stages) {
            for (int filters : stage) {
                b.conv2d(filters, 3, 1, Padding.SAME).relu();
            }
            b.maxPool(2);
        }
        Sequential model = b.flatten().dense(4096).relu().dense(4096).relu().dense(1000).softmax().seed(1).build();
        long t1 = System.nanoTime();
        Tensor image = Tensor.zeros(Shape.of(1, 3, 224, 224));
        for (int i = 0; i < image.size(); i++) {
            image.data()[i] = (i % 255) / 255f;
        }
        Tensor p = model.predict(image);
        long t2 = System.nanoTime();
        double sum = 0;
        for (float v : p.data()) {
            sum += v;
        }
        long grads = model.parameters().stream().filter(io.github.jcnn.layers.Parameter::hasGrad).count();
        System.out.printf(java.util.Locale.ROOT, "ok parameters=%d build=%.2fs predict=%.2fs sum=%.4f grads=%d%n",
                model.parameterCount(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, sum, grads);
    }
}
