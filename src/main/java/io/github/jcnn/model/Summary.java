package io.github.jcnn.model;

import io.github.jcnn.layers.AvgPool2D;
import io.github.jcnn.layers.BatchNorm;
import io.github.jcnn.layers.Conv2D;
import io.github.jcnn.layers.Dense;
import io.github.jcnn.layers.Dropout;
import io.github.jcnn.layers.Flatten;
import io.github.jcnn.layers.GlobalAvgPool2D;
import io.github.jcnn.layers.Layer;
import io.github.jcnn.layers.LeakyReLU;
import io.github.jcnn.layers.MaxPool2D;
import io.github.jcnn.layers.Parameter;
import io.github.jcnn.layers.ReLU;
import io.github.jcnn.layers.Residual;
import io.github.jcnn.layers.Sigmoid;
import io.github.jcnn.layers.Softmax;
import io.github.jcnn.layers.Tanh;
import io.github.jcnn.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The lecture's table of a model: one row per step of the network with its kernel or neuron count, output shape in
 * (H, W, C) notation, parameter count and the arithmetic behind it. For the lecture's LeNet-5:
 * <pre>
 *   Layer    Type                               Kernel / units  Output shape  Parameters  Arithmetic
 *   Input                                                       (32, 32, 3)            0
 *   CONV 1   Conv2D (f=5, s=1, valid) + ReLU    5 x 5 x 3 x 6   (28, 28, 6)          456  (5 x 5 x 3 + 1) x 6
 *   POOL 1   MaxPool2D (f=2, s=2)               2 x 2           (14, 14, 6)            0
 *   CONV 2   Conv2D (f=5, s=1, valid) + ReLU    5 x 5 x 6 x 16  (10, 10, 16)       2,416  (5 x 5 x 6 + 1) x 16
 *   POOL 2   MaxPool2D (f=2, s=2)               2 x 2           (5, 5, 16)             0
 *   FC 3     Flatten + Dense + ReLU             120             (120, 1)          48,120  (400 + 1) x 120
 *   FC 4     Dense + ReLU                       84              (84, 1)           10,164  (120 + 1) x 84
 *   Softmax  Dense + Softmax                    10              (10, 1)              850  (84 + 1) x 10
 *   Total parameters: 62,006 (trainable 62,006, non-trainable 0)
 * </pre>
 * As in the lecture, activations are folded into the row of the layer they follow, flatten into the dense layer
 * after it, and a dense layer followed by softmax is the "Softmax" output row. Rows are numbered like the lecture:
 * CONV and FC by how many weighted layers (convolutions and dense layers) have been seen, POOL by the convolution
 * it follows. {@link #rows()} gives the same figures for programs and tests.
 *
 * <p>A residual block is one row "RES k" (with the activation that follows it folded in) whose parameter count is
 * the block's, followed by its layers' rows indented by two spaces, the shortcut's marked "shortcut:" (so the
 * indented rows are a breakdown of the block's row: add only the unindented rows to get the total). For a basic
 * block of torch_cnn_speed.py's ResNet-8:
 * <pre>
 *   RES 2       Residual block, projection shortcut + ReLU                    (16, 16, 64)   57,728  body 55,552 + shortcut 2,176
 *     CONV 4    Conv2D (f=3, s=2, same)                     3 x 3 x 32 x 64   (16, 16, 64)   18,432  3 x 3 x 32 x 64
 *     BN        BatchNorm + ReLU                                              (16, 16, 64)      128  2 x 64 (+ 2 x 64 running statistics)
 *     CONV 5    Conv2D (f=3, s=1, same)                     3 x 3 x 64 x 64   (16, 16, 64)   36,864  3 x 3 x 64 x 64
 *     BN        BatchNorm                                                     (16, 16, 64)      128  2 x 64 (+ 2 x 64 running statistics)
 *     CONV 6    shortcut: Conv2D (f=1, s=2, valid)          1 x 1 x 32 x 64   (16, 16, 64)    2,048  1 x 1 x 32 x 64
 *     BN        shortcut: BatchNorm                                           (16, 16, 64)      128  2 x 64 (+ 2 x 64 running statistics)
 * </pre>
 */
public final class Summary {

    /**
     * One row of the table.
     *
     * @param name        e.g. {@code "CONV 1"}, {@code "POOL 1"}, {@code "FC 3"}, {@code "Softmax"}, {@code "Input"}
     * @param type        the layers in the row, e.g. {@code "Conv2D (f=5, s=1, valid) + ReLU"}
     * @param kernel      e.g. {@code "5 x 5 x 3 x 6"} for a convolution, the neuron count for a dense layer
     * @param outputShape the row's output as the lecture writes it, e.g. {@code "(28, 28, 6)"} or {@code "(120, 1)"}
     * @param parameters  the learnable numbers of the row
     * @param arithmetic  how the parameter count comes about, e.g. {@code "(5 x 5 x 3 + 1) x 6"}
     * @param firstLayer  the index of the row's first layer in {@link Sequential#layers()} (-1 for the input row; the
     *                    block's index for the indented rows of a residual block's layers)
     * @param lastLayer   the index of the row's last layer (-1 for the input row; the block's for its inner rows)
     */
    public record Row(String name, String type, String kernel, String outputShape, long parameters,
                      String arithmetic, int firstLayer, int lastLayer) {
    }

    private final List<Row> rows;
    private final long trainable;
    private final long nonTrainable;

    private Summary(List<Row> rows, long trainable, long nonTrainable) {
        this.rows = List.copyOf(rows);
        this.trainable = trainable;
        this.nonTrainable = nonTrainable;
    }

    /** The summary of a model. */
    public static Summary of(Sequential model) {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("Input", "", "", Shapes.lecture(model.inputShape()), 0, "", -1, -1));
        addRows(model.layers(), new int[2], "", "", -1, rows);
        return new Summary(rows, model.parameterCount(), model.nonTrainableCount());
    }

    /**
     * Adds the rows of {@code layers}: the model's (indent "", block -1) or a residual block's path (indented, every
     * row pointing at the block's index).
     *
     * @param counters [weighted layers seen so far, residual blocks seen so far]
     * @param label    put before each row's type, e.g. "shortcut: "
     */
    private static void addRows(List<Layer> layers, int[] counters, String indent, String label, int block,
                                List<Row> rows) {
        int i = 0;
        while (i < layers.size()) {
            int first = i;
            Layer layer = layers.get(i);
            String prefix = "";
            if (layer instanceof Flatten && i + 1 < layers.size() && layers.get(i + 1) instanceof Dense) {
                prefix = "Flatten + ";
                i++;
                layer = layers.get(i);
            }
            String name;
            String type;
            String kernel = "";
            String arithmetic = "";
            Shape in = layer.inputShape();
            List<Row> inner = List.of();
            if (layer instanceof Residual) {
                Residual r = (Residual) layer;
                counters[1]++;
                name = "RES " + counters[1];
                type = "Residual block, " + (r.shortcut().isEmpty() ? "identity shortcut" : "projection shortcut");
                long bodyCount = 0;
                for (Layer l : r.body()) {
                    bodyCount += l.parameterCount();
                }
                arithmetic = "body " + number(bodyCount) + " + shortcut " + number(r.parameterCount() - bodyCount);
                List<Row> blockRows = new ArrayList<>();
                int index = block >= 0 ? block : i;
                addRows(r.body(), counters, indent + "  ", "", index, blockRows);
                addRows(r.shortcut(), counters, indent + "  ", "shortcut: ", index, blockRows);
                inner = blockRows;
            } else if (layer instanceof Conv2D) {
                Conv2D c = (Conv2D) layer;
                counters[0]++;
                name = "CONV " + counters[0];
                String f = c.kernelHeight() == c.kernelWidth() ? Integer.toString(c.kernelHeight())
                        : c.kernelHeight() + "x" + c.kernelWidth();
                type = "Conv2D (f=" + f + ", s=" + c.stride() + ", " + c.padding() + ")";
                String k = c.kernelHeight() + " x " + c.kernelWidth() + " x " + c.inChannels();
                kernel = k + " x " + c.filters();
                arithmetic = c.hasBias() ? "(" + k + " + 1) x " + c.filters() : kernel;
            } else if (layer instanceof Dense) {
                Dense d = (Dense) layer;
                counters[0]++;
                boolean softmaxNext = i + 1 < layers.size() && layers.get(i + 1) instanceof Softmax;
                name = softmaxNext ? "Softmax" : "FC " + counters[0];
                type = prefix + "Dense";
                kernel = Integer.toString(d.units());
                arithmetic = d.hasBias() ? "(" + d.inFeatures() + " + 1) x " + d.units()
                        : d.inFeatures() + " x " + d.units();
            } else if (layer instanceof MaxPool2D || layer instanceof AvgPool2D) {
                boolean max = layer instanceof MaxPool2D;
                int size = max ? ((MaxPool2D) layer).poolSize() : ((AvgPool2D) layer).poolSize();
                int stride = max ? ((MaxPool2D) layer).stride() : ((AvgPool2D) layer).stride();
                name = "POOL " + counters[0];
                type = layer.type() + " (f=" + size + ", s=" + stride + ")";
                kernel = size + " x " + size;
            } else if (layer instanceof GlobalAvgPool2D) {
                name = "POOL " + counters[0];
                type = "GlobalAvgPool2D";
                kernel = in.dim(1) + " x " + in.dim(2);
            } else if (layer instanceof BatchNorm) {
                name = "BN";
                type = "BatchNorm";
                int features = in.dim(0);
                arithmetic = "2 x " + features + " (+ 2 x " + features + " running statistics)";
            } else if (layer instanceof Dropout) {
                name = "Dropout";
                type = "Dropout (rate " + ((Dropout) layer).rate() + ")";
            } else {
                name = layer.type();
                type = layer.type();
                if (layer.parameterCount() > 0) {
                    arithmetic = sizes(layer);
                }
            }
            // fold the activations (and a final softmax after a dense layer) that follow
            while (i + 1 < layers.size() && folds(layer, layers.get(i + 1))) {
                i++;
                type += " + " + layers.get(i).type();
            }
            long params = 0;
            for (int j = first; j <= i; j++) {
                params += layers.get(j).parameterCount();
            }
            rows.add(new Row(indent + name, label + type, kernel, Shapes.lecture(layers.get(i).outputShape()), params,
                    arithmetic, block >= 0 ? block : first, block >= 0 ? block : i));
            rows.addAll(inner);
            i++;
        }
    }

    private static boolean folds(Layer row, Layer next) {
        boolean weightedRow = row instanceof Conv2D || row instanceof Dense || row instanceof BatchNorm
                || row instanceof Residual;
        boolean activation = next instanceof ReLU || next instanceof LeakyReLU || next instanceof Sigmoid
                || next instanceof Tanh;
        return weightedRow && (activation || (row instanceof Dense && next instanceof Softmax));
    }

    private static String sizes(Layer layer) {
        StringBuilder s = new StringBuilder();
        for (Parameter p : layer.parameters()) {
            if (s.length() > 0) {
                s.append(" + ");
            }
            s.append(p.value().size());
        }
        return s.toString();
    }

    /** The rows, the input first. */
    public List<Row> rows() {
        return rows;
    }

    /** All parameters: trainable plus non-trainable. */
    public long total() {
        return trainable + nonTrainable;
    }

    /** The learnable numbers (62,006 for LeNet-5). */
    public long trainable() {
        return trainable;
    }

    /** Saved numbers that are not learned (batch-norm running statistics). */
    public long nonTrainable() {
        return nonTrainable;
    }

    /** The table, as in the class description. */
    @Override
    public String toString() {
        String[] head = {"Layer", "Type", "Kernel / units", "Output shape", "Parameters", "Arithmetic"};
        List<String[]> cells = new ArrayList<>();
        cells.add(head);
        for (Row r : rows) {
            cells.add(new String[] {r.name(), r.type(), r.kernel(), r.outputShape(), number(r.parameters()),
                    r.arithmetic()});
        }
        int[] width = new int[head.length];
        for (String[] c : cells) {
            for (int k = 0; k < c.length; k++) {
                width[k] = Math.max(width[k], c[k].length());
            }
        }
        StringBuilder s = new StringBuilder();
        for (int n = 0; n < cells.size(); n++) {
            String[] c = cells.get(n);
            StringBuilder line = new StringBuilder();
            for (int k = 0; k < c.length; k++) {
                boolean right = k == 4;
                String pad = " ".repeat(width[k] - c[k].length());
                line.append(right ? pad + c[k] : c[k] + (k < c.length - 1 ? pad : "")).append(k < c.length - 1
                        ? "  " : "");
            }
            s.append(line.toString().stripTrailing()).append('\n');
            if (n == 0) {
                int total = 0;
                for (int w : width) {
                    total += w + 2;
                }
                s.append("-".repeat(total - 2)).append('\n');
            }
        }
        s.append("Total parameters: ").append(number(total())).append(" (trainable ").append(number(trainable))
                .append(", non-trainable ").append(number(nonTrainable)).append(")\n");
        return s.toString();
    }

    private static String number(long n) {
        return String.format(Locale.US, "%,d", n);
    }
}
