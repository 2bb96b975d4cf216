package io.github.jcnn.viz;

import io.github.jcnn.data.Images;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Training curves: several named series of numbers against the epoch (1, 2, 3, ...), with axes, "nice" ticks
 * (1, 2 or 5 times a power of ten), light grid lines, a legend and a title, written as a PNG.
 * <pre>
 *   LineChart.titled("Loss")
 *       .xLabel("epoch").yLabel("cross-entropy")
 *       .series("train", history.trainLoss())
 *       .series("validation", history.validationLoss())
 *       .writePng(Path.of("loss.png"));
 * </pre>
 * Value i of a series is drawn at x = i + 1 (the epoch), or at its own x with {@link #series(String, double[],
 * double[])} (e.g. minutes). NaN values leave a gap. Immutable: every setting returns a new chart.
 */
public final class LineChart {

    /** A named series; {@code xs} null means value i at x = i + 1. */
    private record Series(String name, double[] values, double[] xs) {
        double x(int i) {
            return xs == null ? i + 1 : xs[i];
        }
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series;
    private final int width;
    private final int height;

    private LineChart(String title, String xLabel, String yLabel, List<Series> series, int width, int height) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.series = series;
        this.width = width;
        this.height = height;
    }

    /** An empty chart with a title (x label "epoch", 800 x 500 pixels). */
    public static LineChart titled(String title) {
        return new LineChart(title, "epoch", "", List.of(), 800, 500);
    }

    /** This chart with another x-axis label. */
    public LineChart xLabel(String label) {
        return new LineChart(title, label, yLabel, series, width, height);
    }

    /** This chart with a y-axis label. */
    public LineChart yLabel(String label) {
        return new LineChart(title, xLabel, label, series, width, height);
    }

    /** This chart with one more series (values copied); value i is drawn at epoch i + 1. */
    public LineChart series(String name, double[] values) {
        List<Series> more = new ArrayList<>(series);
        more.add(new Series(name, values.clone(), null));
        return new LineChart(title, xLabel, yLabel, List.copyOf(more), width, height);
    }

    /**
     * This chart with one more series whose value i is drawn at {@code x[i]} (both copied), e.g. accuracy against
     * minutes.
     *
     * @throws IllegalArgumentException if the arrays differ in length or an x is not finite
     */
    public LineChart series(String name, double[] x, double[] values) {
        if (x.length != values.length) {
            throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values but "
                    + values.length + " values");
        }
        for (double v : x) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("series '" + name + "': x value " + v + " is not finite");
            }
        }
        List<Series> more = new ArrayList<>(series);
        more.add(new Series(name, values.clone(), x.clone()));
        return new LineChart(title, xLabel, yLabel, List.copyOf(more), width, height);
    }

    /** This chart at another size in pixels (at least 200 x 150). */
    public LineChart size(int newWidth, int newHeight) {
        if (newWidth < 200 || newHeight < 150) {
            throw new IllegalArgumentException("a chart needs at least 200 x 150 pixels, got " + newWidth + " x "
                    + newHeight);
        }
        return new LineChart(title, xLabel, yLabel, series, newWidth, newHeight);
    }

    /**
     * Draws the chart.
     *
     * @throws IllegalStateException if there is no series or no finite value
     */
    public BufferedImage render() {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        int points = 0;
        for (Series s : series) {
            points = Math.max(points, s.values.length);
            for (double v : s.values) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (series.isEmpty() || lo > hi) {
            throw new IllegalStateException("chart '" + title + "' has no values to draw; add a series first");
        }
        if (hi - lo < 1e-12) {
            double pad = Math.max(Math.abs(lo) * 0.1, 0.5);
            lo -= pad;
            hi += pad;
        }
        double[] yTicks = ticks(lo, hi, 6, 0);
        double yMin = Math.min(lo, yTicks[0]);
        double yMax = Math.max(hi, yTicks[yTicks.length - 1]);
        double xMin = 1;
        double xMax = Math.max(2, points);
        boolean ownX = false;
        for (Series s : series) {
            ownX |= s.xs != null;
        }
        if (ownX) {                                  // from the smallest to the largest x of any series
            xMin = Double.POSITIVE_INFINITY;
            xMax = Double.NEGATIVE_INFINITY;
            for (Series s : series) {
                for (int i = 0; i < s.values.length; i++) {
                    xMin = Math.min(xMin, s.x(i));
                    xMax = Math.max(xMax, s.x(i));
                }
            }
            xMin = Math.min(xMin, 0);
            if (xMax - xMin < 1e-12) {
                xMax = xMin + 1;
            }
        }
        double[] xTicks = ticks(xMin, xMax, 10, ownX ? 0 : 1);

        Font tickFont = Canvas.font(12, false);
        Font labelFont = Canvas.font(14, false);
        Font titleFont = Canvas.font(17, true);
        int tickWidth = 0;
        for (double t : yTicks) {
            tickWidth = Math.max(tickWidth, Canvas.width(format(t, yTicks), tickFont));
        }
        int left = 28 + tickWidth + (yLabel.isEmpty() ? 0 : 22);
        int right = width - 24;
        int top = 50;
        int bottom = height - 55;

        BufferedImage out = Canvas.white(width, height);
        Graphics2D g = Canvas.graphics(out);
        g.setFont(titleFont);
        g.setColor(Canvas.TEXT);
        Canvas.centred(g, title, (left + right) / 2.0, 25);

        // grid and ticks
        g.setFont(tickFont);
        for (double t : yTicks) {
            if (t < yMin - 1e-12 || t > yMax + 1e-12) {
                continue;
            }
            double y = bottom - (t - yMin) / (yMax - yMin) * (bottom - top);
            g.setColor(Canvas.GRID);
            g.setStroke(new BasicStroke(1f));
            g.drawLine(left, (int) Math.round(y), right, (int) Math.round(y));
            g.setColor(Canvas.TEXT);
            Canvas.right(g, format(t, yTicks), left - 8, y);
        }
        for (double t : xTicks) {
            if (t < xMin || t > xMax) {
                continue;
            }
            double x = left + (t - xMin) / (xMax - xMin) * (right - left);
            g.setColor(Canvas.GRID);
            g.drawLine((int) Math.round(x), top, (int) Math.round(x), bottom);
            g.setColor(Canvas.AXIS);
            g.drawLine((int) Math.round(x), bottom, (int) Math.round(x), bottom + 5);
            g.setColor(Canvas.TEXT);
            Canvas.centred(g, format(t, xTicks), x, bottom + 16);
        }
        g.setColor(Canvas.AXIS);
        g.setStroke(new BasicStroke(1.2f));
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, top, left, bottom);

        // axis labels
        g.setFont(labelFont);
        g.setColor(Canvas.TEXT);
        Canvas.centred(g, xLabel, (left + right) / 2.0, height - 16);
        if (!yLabel.isEmpty()) {
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2, 16, (top + bottom) / 2.0);
            Canvas.centred(g, yLabel, 16, (top + bottom) / 2.0);
            g.setTransform(saved);
        }

        // the series
        g.setClip(left - 4, top - 4, right - left + 8, bottom - top + 8);
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            g.setColor(Canvas.PALETTE[k % Canvas.PALETTE.length]);
            g.setStroke(new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            Path2D.Double line = new Path2D.Double();
            boolean pen = false;
            for (int i = 0; i < s.values.length; i++) {
                double v = s.values[i];
                if (!Double.isFinite(v)) {
                    pen = false;
                    continue;
                }
                double x = left + (s.x(i) - xMin) / (xMax - xMin) * (right - left);
                double y = bottom - (v - yMin) / (yMax - yMin) * (bottom - top);
                if (pen) {
                    line.lineTo(x, y);
                } else {
                    line.moveTo(x, y);
                    pen = true;
                }
                if (points <= 40) {
                    g.fill(new Ellipse2D.Double(x - 3.5, y - 3.5, 7, 7));
                }
            }
            g.draw(line);
        }
        g.setClip(null);

        // legend, in the corner of the plot that hides the fewest points of the curves
        g.setFont(labelFont);
        int legendWidth = 0;
        for (Series s : series) {
            legendWidth = Math.max(legendWidth, Canvas.width(s.name, labelFont));
        }
        legendWidth += 44;
        int legendHeight = 10 + 20 * series.size();
        int[][] corners = {
            {right - legendWidth - 10, top + 10}, {left + 10, top + 10},
            {right - legendWidth - 10, bottom - legendHeight - 10}, {left + 10, bottom - legendHeight - 10},
        };
        int lx = corners[0][0];
        int ly = corners[0][1];
        int fewest = Integer.MAX_VALUE;
        for (int[] corner : corners) {
            int hidden = 0;
            for (Series s : series) {
                for (int i = 0; i < s.values.length; i++) {
                    // the point and the half-way point to the next one, so that lines count as well as points
                    for (int half = 0; half < 2 && (half == 0 || i + 1 < s.values.length); half++) {
                        double v = half == 0 ? s.values[i] : (s.values[i] + s.values[i + 1]) / 2;
                        if (!Double.isFinite(v)) {
                            continue;
                        }
                        double at = half == 0 ? s.x(i) : (s.x(i) + s.x(i + 1)) / 2;
                        double x = left + (at - xMin) / (xMax - xMin) * (right - left);
                        double y = bottom - (v - yMin) / (yMax - yMin) * (bottom - top);
                        if (x >= corner[0] - 4 && x <= corner[0] + legendWidth + 4 && y >= corner[1] - 4
                                && y <= corner[1] + legendHeight + 4) {
                            hidden++;
                        }
                    }
                }
            }
            if (hidden < fewest) {
                fewest = hidden;
                lx = corner[0];
                ly = corner[1];
            }
        }
        g.setColor(new Color(255, 255, 255, 225));
        g.fillRoundRect(lx, ly, legendWidth, legendHeight, 8, 8);
        g.setColor(new Color(0xbbbbbb));
        g.setStroke(new BasicStroke(1f));
        g.drawRoundRect(lx, ly, legendWidth, legendHeight, 8, 8);
        for (int k = 0; k < series.size(); k++) {
            double cy = ly + 15 + 20 * k;
            g.setColor(Canvas.PALETTE[k % Canvas.PALETTE.length]);
            g.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.drawLine(lx + 8, (int) cy, lx + 30, (int) cy);
            g.setColor(Canvas.TEXT);
            g.drawString(series.get(k).name, lx + 36, (float) (cy + 5));
        }
        g.dispose();
        return out;
    }

    /** Writes the chart as a PNG (through a temporary file renamed into place). */
    public void writePng(Path file) throws IOException {
        Images.writePng(render(), file);
    }

    /** About {@code count} round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
    static double[] ticks(double lo, double hi, int count, double minStep) {
        double rough = Math.max(minStep, (hi - lo) / Math.max(1, count - 1));
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        double step = power;
        for (double m : new double[] {1, 2, 5, 10}) {
            step = m * power;
            if (step >= rough) {
                break;
            }
        }
        double first = Math.floor(lo / step) * step;
        double last = Math.ceil(hi / step) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = first + i * step;
        }
        return out;
    }

    private static String format(double value, double[] ticks) {
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
