package examples;

import io.github.jcnn.data.Images;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The lecture examples' pictures: a title, panels side by side each with a caption below, and optional legend lines
 * or a grey scale bar at the bottom. Panels are pictures ({@link Images#toImage}) or small matrices drawn as grids of
 * numbered cells ({@link #matrix}), whose cells can be tinted to show a window.
 */
final class Figure {

    static final Color TEXT = new Color(0x222222);
    static final Color LINE = new Color(0x888888);
    /** Tints for the pooling windows and the convolution's positions. */
    static final Color[] TINTS = {new Color(0xc6dbef), new Color(0xfdd0a2), new Color(0xc7e9c0), new Color(0xdadaeb),
        new Color(0xfcbba1), new Color(0xd9d9d9), new Color(0xfee391), new Color(0xccebc5), new Color(0xbcbddc)};
    private static final int MARGIN = 16;
    private static final int GAP = 28;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font BODY = new Font(Font.SANS_SERIF, Font.PLAIN, 13);

    private record Panel(BufferedImage image, String caption) {
    }

    /** A rectangle of cells outlined in a colour: top-left cell (row, col), size rows x cols. */
    record Box(int row, int col, int rows, int cols, Color color) {
    }

    private final String title;
    private final List<List<Panel>> rows = new ArrayList<>(List.of(new ArrayList<>()));
    private final List<String> legend = new ArrayList<>();
    private String[] scaleLabels;

    private Figure(String title) {
        this.title = title;
    }

    static Figure titled(String title) {
        return new Figure(title);
    }

    Figure panel(BufferedImage image, String caption) {
        rows.get(rows.size() - 1).add(new Panel(image, caption));
        return this;
    }

    /** Starts a new row of panels below the ones so far. */
    Figure nextRow() {
        rows.add(new ArrayList<>());
        return this;
    }

    /** A line of text under the panels. */
    Figure legend(String line) {
        legend.add(line);
        return this;
    }

    /** A black-to-white bar under the panels with a label at its left end, middle and right end. */
    Figure greyScale(String black, String middle, String white) {
        scaleLabels = new String[] {black, middle, white};
        return this;
    }

    /**
     * A matrix as a grid of cells of {@code cell} pixels with the numbers written in them (whole numbers without
     * decimals); {@code tints[r][c]} fills a cell (null: white), {@code tints} itself may be null.
     */
    static BufferedImage matrix(float[][] values, Color[][] tints, int cell) {
        return matrix(values, tints, cell, List.of());
    }

    /** As {@link #matrix(float[][], Color[][], int)}, with boxes outlined over the cells (later boxes on top). */
    static BufferedImage matrix(float[][] values, Color[][] tints, int cell, List<Box> boxes) {
        int rows = values.length;
        int cols = values[0].length;
        BufferedImage image = blank(cols * cell + 1, rows * cell + 1);
        Graphics2D g = graphics(image);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(10, cell * 2 / 5)));
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                Color tint = tints == null ? null : tints[r][c];
                g.setColor(tint == null ? Color.WHITE : tint);
                g.fillRect(c * cell, r * cell, cell, cell);
                g.setColor(LINE);
                g.drawRect(c * cell, r * cell, cell, cell);
                float v = values[r][c];
                String text = v == Math.rint(v) ? Integer.toString(Math.round(v))
                        : String.format(Locale.ROOT, "%.2f", v);
                g.setColor(TEXT);
                centred(g, text, c * cell + cell / 2.0, r * cell + cell / 2.0);
            }
        }
        g.setStroke(new java.awt.BasicStroke(3f));
        for (Box b : boxes) {
            g.setColor(b.color());
            g.drawRect(b.col() * cell + 2, b.row() * cell + 2, b.cols() * cell - 4, b.rows() * cell - 4);
        }
        g.dispose();
        return image;
    }

    void writePng(Path file) throws IOException {
        int lineHeight = 18;
        int[] rowWidths = new int[rows.size()];
        int[] rowHeights = new int[rows.size()];
        int width = width(title, TITLE);
        int panelsHeight = 0;
        for (int i = 0; i < rows.size(); i++) {
            rowWidths[i] = -GAP;
            for (Panel p : rows.get(i)) {
                rowWidths[i] += Math.max(p.image().getWidth(), width(p.caption(), BODY)) + GAP;
                rowHeights[i] = Math.max(rowHeights[i], p.image().getHeight());
            }
            width = Math.max(width, rowWidths[i]);
            panelsHeight += rowHeights[i] + 6 + lineHeight + 10;
        }
        for (String line : legend) {
            width = Math.max(width, width(line, BODY));
        }
        int scaleHeight = scaleLabels == null ? 0 : 14 + 6 + lineHeight + 8;
        int height = MARGIN + 24 + panelsHeight + scaleHeight + legend.size() * lineHeight + MARGIN;
        BufferedImage image = blank(width + 2 * MARGIN, height);
        Graphics2D g = graphics(image);
        g.setColor(TEXT);
        g.setFont(TITLE);
        g.drawString(title, MARGIN, MARGIN + 14);
        g.setFont(BODY);
        int top = MARGIN + 24;
        for (int i = 0; i < rows.size(); i++) {
            int x = MARGIN + (width - rowWidths[i]) / 2;
            for (Panel p : rows.get(i)) {
                int slot = Math.max(p.image().getWidth(), width(p.caption(), BODY));
                g.drawImage(p.image(), x + (slot - p.image().getWidth()) / 2,
                        top + (rowHeights[i] - p.image().getHeight()) / 2, null);
                g.setColor(TEXT);
                centred(g, p.caption(), x + slot / 2.0, top + rowHeights[i] + 6 + lineHeight / 2.0);
                x += slot + GAP;
            }
            top += rowHeights[i] + 6 + lineHeight + 10;
        }
        int y = top;
        if (scaleLabels != null) {
            int labels = width(scaleLabels[0], BODY) + width(scaleLabels[1], BODY) + width(scaleLabels[2], BODY);
            int barWidth = Math.min(width, Math.max(360, labels + 80));
            int barX = MARGIN + (width - barWidth) / 2;
            g.setPaint(new GradientPaint(barX, 0, Color.BLACK, barX + barWidth, 0, Color.WHITE));
            g.fillRect(barX, y, barWidth, 14);
            g.setColor(LINE);
            g.drawRect(barX, y, barWidth, 14);
            g.setColor(TEXT);
            FontMetrics m = g.getFontMetrics();
            float baseline = y + 14 + 6 + m.getAscent();
            g.drawString(scaleLabels[0], barX, baseline);
            g.drawString(scaleLabels[1], barX + (barWidth - m.stringWidth(scaleLabels[1])) / 2f, baseline);
            g.drawString(scaleLabels[2], barX + barWidth - m.stringWidth(scaleLabels[2]), baseline);
            y += scaleHeight;
        }
        for (String line : legend) {
            g.drawString(line, MARGIN, y + 13);
            y += lineHeight;
        }
        g.dispose();
        Images.writePng(image, file);
    }

    private static BufferedImage blank(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    private static Graphics2D graphics(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        return g;
    }

    private static int width(String text, Font font) {
        BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(one);
        int w = g.getFontMetrics(font).stringWidth(text);
        g.dispose();
        return w;
    }

    private static void centred(Graphics2D g, String text, double cx, double cy) {
        FontMetrics m = g.getFontMetrics();
        g.drawString(text, (float) (cx - m.stringWidth(text) / 2.0), (float) (cy + (m.getAscent() - m.getDescent())
                / 2.0));
    }
}
