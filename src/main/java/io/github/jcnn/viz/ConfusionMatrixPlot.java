package io.github.jcnn.viz;

import io.github.jcnn.data.Images;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A confusion matrix as a heat map: row = true class, column = predicted class, each cell showing its count, coloured
 * by the share of its row (so the diagonal shows each class's recall: white 0%, dark blue 100%). The title line adds
 * the overall accuracy = (sum of the diagonal) / (sum of all counts).
 * <pre>
 *   ConfusionMatrixPlot.of(counts, test.classNames()).title("LeNet-5 on CIFAR-10 test").writePng(Path.of("cm.png"));
 * </pre>
 * Immutable.
 */
public final class ConfusionMatrixPlot {

    private static final Color LOW = new Color(0xf7fbff);
    private static final Color HIGH = new Color(0x08306b);

    private final int[][] counts;
    private final List<String> classNames;
    private final String title;

    private ConfusionMatrixPlot(int[][] counts, List<String> classNames, String title) {
        this.counts = counts;
        this.classNames = classNames;
        this.title = title;
    }

    /**
     * A plot of counts given as longs, as {@code model.ConfusionMatrix.counts()} returns them.
     *
     * @throws IllegalArgumentException as {@link #of(int[][], List)}, or if a count does not fit in an int
     */
    public static ConfusionMatrixPlot of(long[][] counts, List<String> classNames) {
        int[][] ints = new int[counts.length][];
        for (int r = 0; r < counts.length; r++) {
            ints[r] = new int[counts[r].length];
            for (int c = 0; c < counts[r].length; c++) {
                if (counts[r][c] > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("count " + counts[r][c] + " at row " + r + ", column " + c
                            + " is too large for a plot");
                }
                ints[r][c] = (int) counts[r][c];
            }
        }
        return of(ints, classNames);
    }

    /**
     * A plot of {@code counts[true][predicted]} (K x K, non-negative) with K class names.
     *
     * @throws IllegalArgumentException if the matrix is not K x K for the K names, or has a negative count
     */
    public static ConfusionMatrixPlot of(int[][] counts, List<String> classNames) {
        int k = classNames.size();
        if (k == 0 || counts.length != k) {
            throw new IllegalArgumentException("expected a " + k + " x " + k + " matrix for " + k + " class names, got "
                    + counts.length + " rows");
        }
        int[][] copy = new int[k][];
        for (int r = 0; r < k; r++) {
            if (counts[r].length != k) {
                throw new IllegalArgumentException("row " + r + " has " + counts[r].length + " counts, expected " + k);
            }
            for (int c = 0; c < k; c++) {
                if (counts[r][c] < 0) {
                    throw new IllegalArgumentException("count [" + r + "][" + c + "] is negative: " + counts[r][c]);
                }
            }
            copy[r] = counts[r].clone();
        }
        return new ConfusionMatrixPlot(copy, List.copyOf(classNames), "Confusion matrix");
    }

    /** This plot with another title. */
    public ConfusionMatrixPlot title(String newTitle) {
        return new ConfusionMatrixPlot(counts, classNames, newTitle);
    }

    /** The accuracy: diagonal sum over total (0 when there are no counts). */
    public double accuracy() {
        long diagonal = 0;
        long total = 0;
        for (int r = 0; r < counts.length; r++) {
            for (int c = 0; c < counts.length; c++) {
                total += counts[r][c];
                if (r == c) {
                    diagonal += counts[r][c];
                }
            }
        }
        return total == 0 ? 0 : (double) diagonal / total;
    }

    /** Draws the heat map. */
    public BufferedImage render() {
        int k = counts.length;
        int max = 0;
        for (int[] row : counts) {
            for (int v : row) {
                max = Math.max(max, v);
            }
        }
        Font cellFont = Canvas.font(k > 15 ? 9 : 13, false);
        Font nameFont = Canvas.font(13, false);
        Font labelFont = Canvas.font(14, true);
        Font titleFont = Canvas.font(17, true);
        int cell = Math.max(34, Canvas.width(String.format(Locale.ROOT, "%,d", max), cellFont) + 12);
        int nameWidth = 0;
        for (String name : classNames) {
            nameWidth = Math.max(nameWidth, Canvas.width(name, nameFont));
        }
        int left = 40 + nameWidth + 10;
        int top = 60;
        int gridSize = k * cell;
        int bottomNames = (int) Math.ceil(nameWidth * Math.sin(Math.PI / 4)) + 20;
        int width = left + gridSize + 30;
        int height = top + gridSize + bottomNames + 36;
        String fullTitle = String.format(Locale.ROOT, "%s (accuracy %.1f%%)", title, 100 * accuracy());
        width = Math.max(width, Canvas.width(fullTitle, titleFont) + 40);

        BufferedImage out = Canvas.white(width, height);
        Graphics2D g = Canvas.graphics(out);
        g.setFont(titleFont);
        g.setColor(Canvas.TEXT);
        Canvas.centred(g, fullTitle, width / 2.0, 28);

        g.setFont(cellFont);
        for (int r = 0; r < k; r++) {
            long rowTotal = 0;
            for (int v : counts[r]) {
                rowTotal += v;
            }
            for (int c = 0; c < k; c++) {
                double share = rowTotal == 0 ? 0 : (double) counts[r][c] / rowTotal;
                Color colour = blend(share);
                int x = left + c * cell;
                int y = top + r * cell;
                g.setColor(colour);
                g.fillRect(x, y, cell, cell);
                g.setColor(share > 0.5 ? Color.WHITE : Canvas.TEXT);
                Canvas.centred(g, String.format(Locale.ROOT, "%,d", counts[r][c]), x + cell / 2.0, y + cell / 2.0);
            }
        }
        g.setColor(new Color(0x999999));
        g.setStroke(new BasicStroke(1f));
        g.drawRect(left, top, gridSize, gridSize);

        g.setFont(nameFont);
        g.setColor(Canvas.TEXT);
        for (int i = 0; i < k; i++) {
            Canvas.right(g, classNames.get(i), left - 8, top + i * cell + cell / 2.0);
            // column names, rotated 45 degrees, ending under their column
            AffineTransform saved = g.getTransform();
            double cx = left + i * cell + cell / 2.0;
            double cy = top + gridSize + 8;
            g.rotate(-Math.PI / 4, cx, cy);
            var m = g.getFontMetrics();
            String name = classNames.get(i);
            g.drawString(name, (float) (cx - m.stringWidth(name)), (float) (cy + m.getAscent()));
            g.setTransform(saved);
        }
        g.setFont(labelFont);
        Canvas.centred(g, "predicted class", left + gridSize / 2.0, height - 16);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2, 16, top + gridSize / 2.0);
        Canvas.centred(g, "true class", 16, top + gridSize / 2.0);
        g.setTransform(saved);
        g.dispose();
        return out;
    }

    private static Color blend(double t) {
        double s = Math.pow(t, 0.8);
        return new Color((int) Math.round(LOW.getRed() + s * (HIGH.getRed() - LOW.getRed())),
                (int) Math.round(LOW.getGreen() + s * (HIGH.getGreen() - LOW.getGreen())),
                (int) Math.round(LOW.getBlue() + s * (HIGH.getBlue() - LOW.getBlue())));
    }

    /** Writes the plot as a PNG (through a temporary file renamed into place). */
    public void writePng(Path file) throws IOException {
        Images.writePng(render(), file);
    }
}
