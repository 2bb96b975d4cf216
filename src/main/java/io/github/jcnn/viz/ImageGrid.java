package io.github.jcnn.viz;

import io.github.jcnn.data.Dataset;
import io.github.jcnn.data.Images;
import io.github.jcnn.tensor.Shape;
import io.github.jcnn.tensor.Tensor;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A grid of small images with an optional label in front of each row and a title: sample images per class, the
 * filters of a convolution layer, the channels of a feature map. Each image is enlarged by an integer factor with
 * nearest-neighbour sampling (so pixels stay sharp squares) and written as a PNG.
 * <pre>
 *   ImageGrid.samplesPerClass(train, 8).title("CIFAR-10 training images").writePng(Path.of("samples.png"));
 *   ImageGrid.filters(conv1Weight).writePng(Path.of("conv1-filters.png"));       // weight (F, C, KH, KW)
 *   ImageGrid.channels(featureMaps, 8).writePng(Path.of("conv1-maps.png"));       // one image's output (C, H, W)
 * </pre>
 * A cell is a tensor (3, H, W) drawn in colour, or (1, H, W) or (H, W) drawn in grey. How values become grey levels
 * is the {@link Scaling}. Immutable: the settings return a new grid.
 */
public final class ImageGrid {

    /** How cell values map to black..white. */
    public enum Scaling {
        /** {@link #UNIT} when every value lies in [0, 1] (an image before normalisation), else {@link #PER_CELL}. */
        AUTO,
        /** Each cell's smallest value is black and its largest white. */
        PER_CELL,
        /** One range over the whole grid, so cells can be compared (e.g. filter weights). */
        SHARED,
        /** 0 is black and 1 white, values outside clamped. */
        UNIT
    }

    private static final int GAP = 4;
    private static final int MARGIN = 10;

    private final List<List<Tensor>> rows;
    private final List<String> rowLabels;
    private final String title;
    private final int scale;
    private final Scaling scaling;

    private ImageGrid(List<List<Tensor>> rows, List<String> rowLabels, String title, int scale, Scaling scaling) {
        this.rows = rows;
        this.rowLabels = rowLabels;
        this.title = title;
        this.scale = scale;
        this.scaling = scaling;
    }

    /**
     * A grid with the given rows of images (rows may differ in length) and a label per row (or an empty list for
     * none). All images must have the same height and width.
     *
     * @throws IllegalArgumentException if there are no images, the label count is wrong, or a shape cannot be drawn
     */
    public static ImageGrid of(List<List<Tensor>> rows, List<String> rowLabels) {
        List<List<Tensor>> copy = new ArrayList<>();
        Shape first = null;
        for (List<Tensor> row : rows) {
            copy.add(List.copyOf(row));
            for (Tensor t : row) {
                Shape s = t.shape();
                boolean drawable = s.rank() == 2 || (s.rank() == 3 && (s.dim(0) == 1 || s.dim(0) == 3));
                if (!drawable) {
                    throw new IllegalArgumentException("a grid cell must be (3, H, W), (1, H, W) or (H, W), got " + s);
                }
                if (first == null) {
                    first = s;
                } else if (first.dim(-1) != s.dim(-1) || first.dim(-2) != s.dim(-2)) {
                    throw new IllegalArgumentException("all grid cells need the same height and width, got " + first
                            + " and " + s);
                }
            }
        }
        if (first == null) {
            throw new IllegalArgumentException("an image grid needs at least one image");
        }
        if (!rowLabels.isEmpty() && rowLabels.size() != rows.size()) {
            throw new IllegalArgumentException(rows.size() + " rows but " + rowLabels.size() + " row labels");
        }
        int size = Math.max(first.dim(-1), first.dim(-2));
        int defaultScale = Math.max(1, (int) Math.ceil(64.0 / size));
        return new ImageGrid(List.copyOf(copy), List.copyOf(rowLabels), null, defaultScale, Scaling.AUTO);
    }

    /**
     * The first {@code perClass} images of each class, one row per class labelled with the class name: the lecture's
     * look at the data. Pass the dataset before normalisation for true colours.
     */
    public static ImageGrid samplesPerClass(Dataset ds, int perClass) {
        if (perClass < 1) {
            throw new IllegalArgumentException("need at least one image per class, got " + perClass);
        }
        List<List<Tensor>> rows = new ArrayList<>();
        for (int k = 0; k < ds.classCount(); k++) {
            rows.add(new ArrayList<>());
        }
        int missing = ds.classCount() * perClass;
        for (int i = 0; i < ds.size() && missing > 0; i++) {
            List<Tensor> row = rows.get(ds.label(i));
            if (row.size() < perClass) {
                Tensor image = Tensor.zeros(ds.sampleShape());
                ds.copySample(i, image.data(), 0);
                row.add(image);
                missing--;
            }
        }
        return of(rows, ds.classNames());
    }

    /**
     * The filters of a convolution layer, weight (F, C, KH, KW): for C = 3 each filter is one colour image (rows of up
     * to 8 filters); otherwise one row per filter ("filter 0", ...) with one grey image per input channel.
     * Each cell is min-max scaled on its own.
     */
    public static ImageGrid filters(Tensor weight) {
        Shape s = weight.shape();
        if (s.rank() != 4) {
            throw new IllegalArgumentException("filters need a weight of shape (F, C, KH, KW), got " + s);
        }
        int f = s.dim(0);
        int c = s.dim(1);
        Shape one = Shape.of(s.dim(2), s.dim(3));
        List<List<Tensor>> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        if (c == 3) {
            Shape colour = Shape.of(3, s.dim(2), s.dim(3));
            for (int i = 0; i < f; i++) {
                if (i % 8 == 0) {
                    rows.add(new ArrayList<>());
                }
                rows.get(rows.size() - 1).add(slice(weight, i * colour.size(), colour));
            }
        } else {
            for (int i = 0; i < f; i++) {
                List<Tensor> row = new ArrayList<>();
                for (int ch = 0; ch < c; ch++) {
                    row.add(slice(weight, (i * c + ch) * one.size(), one));
                }
                rows.add(row);
                labels.add("filter " + i);
            }
        }
        return of(rows, labels).scaling(Scaling.PER_CELL);
    }

    /**
     * The channels of one feature map (C, H, W) as grey images, {@code columns} per row, each min-max scaled on its
     * own (a batch (1, C, H, W) is accepted too).
     */
    public static ImageGrid channels(Tensor maps, int columns) {
        Shape s = maps.shape();
        if (s.rank() == 4 && s.dim(0) == 1) {
            s = s.dropFirst();
        }
        if (s.rank() != 3 || columns < 1) {
            throw new IllegalArgumentException("channels need a feature map (C, H, W) and at least one column, got "
                    + maps.shape() + " and " + columns + " columns");
        }
        Shape one = Shape.of(s.dim(1), s.dim(2));
        List<List<Tensor>> rows = new ArrayList<>();
        for (int ch = 0; ch < s.dim(0); ch++) {
            if (ch % columns == 0) {
                rows.add(new ArrayList<>());
            }
            rows.get(rows.size() - 1).add(slice(maps, ch * one.size(), one));
        }
        return of(rows, List.of()).scaling(Scaling.PER_CELL);
    }

    private static Tensor slice(Tensor t, int from, Shape shape) {
        return Tensor.wrap(shape, Arrays.copyOfRange(t.data(), from, from + shape.size()));
    }

    /** This grid with a title above it (null for none). */
    public ImageGrid title(String newTitle) {
        return new ImageGrid(rows, rowLabels, newTitle, scale, scaling);
    }

    /**
     * This grid with each image pixel drawn as a {@code factor} x {@code factor} square (default: enough for cells of
     * about 64 pixels, e.g. 2 for 32 x 32 images).
     */
    public ImageGrid scale(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("the scale must be at least 1, got " + factor);
        }
        return new ImageGrid(rows, rowLabels, title, factor, scaling);
    }

    /** This grid with another value-to-grey mapping (default {@link Scaling#AUTO}). */
    public ImageGrid scaling(Scaling newScaling) {
        return new ImageGrid(rows, rowLabels, title, scale, newScaling);
    }

    /** Draws the grid. */
    public BufferedImage render() {
        Tensor any = rows.stream().filter(r -> !r.isEmpty()).findFirst().orElseThrow().get(0);
        int cellW = any.shape().dim(-1) * scale;
        int cellH = any.shape().dim(-2) * scale;
        int columns = rows.stream().mapToInt(List::size).max().orElse(1);
        var labelFont = Canvas.font(13, false);
        var titleFont = Canvas.font(16, true);
        int labelWidth = 0;
        for (String label : rowLabels) {
            labelWidth = Math.max(labelWidth, Canvas.width(label, labelFont) + 12);
        }
        int titleHeight = title == null ? 0 : 30;
        int width = MARGIN * 2 + labelWidth + columns * cellW + (columns - 1) * GAP;
        int height = MARGIN * 2 + titleHeight + rows.size() * cellH + (rows.size() - 1) * GAP;
        if (title != null) {
            width = Math.max(width, Canvas.width(title, titleFont) + 2 * MARGIN);
        }
        BufferedImage out = Canvas.white(width, height);
        Graphics2D g = Canvas.graphics(out);
        float[] range = range();
        if (title != null) {
            g.setFont(titleFont);
            g.setColor(Canvas.TEXT);
            Canvas.centred(g, title, width / 2.0, MARGIN + titleHeight / 2.0 - 4);
        }
        g.setFont(labelFont);
        for (int r = 0; r < rows.size(); r++) {
            int y = MARGIN + titleHeight + r * (cellH + GAP);
            if (!rowLabels.isEmpty()) {
                g.setColor(Canvas.TEXT);
                Canvas.right(g, rowLabels.get(r), MARGIN + labelWidth - 10, y + cellH / 2.0);
            }
            for (int c = 0; c < rows.get(r).size(); c++) {
                Tensor t = rows.get(r).get(c);
                BufferedImage cell = range == null ? Images.toImage(t, scale)
                        : Images.toImage(t, range[0], range[1], scale);
                int x = MARGIN + labelWidth + c * (cellW + GAP);
                g.drawImage(cell, x, y, null);
            }
        }
        g.dispose();
        return out;
    }

    /** The fixed range for SHARED and UNIT scaling, null for per-cell min-max. */
    private float[] range() {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (List<Tensor> row : rows) {
            for (Tensor t : row) {
                lo = Math.min(lo, t.min());
                hi = Math.max(hi, t.max());
            }
        }
        switch (scaling) {
            case UNIT:
                return new float[] {0f, 1f};
            case SHARED:
                return new float[] {lo, hi};
            case AUTO:
                return lo >= 0 && hi <= 1 ? new float[] {0f, 1f} : null;
            default:
                return null;
        }
    }

    /** Writes the grid as a PNG (through a temporary file renamed into place). */
    public void writePng(Path file) throws IOException {
        Images.writePng(render(), file);
    }
}
