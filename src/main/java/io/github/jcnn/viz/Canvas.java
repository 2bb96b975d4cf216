package io.github.jcnn.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** Shared drawing helpers: a white RGB canvas with antialiasing, fonts, centred text, a colour palette. */
final class Canvas {

    /** Distinct line colours (the "tab10" palette). */
    static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

    static final Color TEXT = new Color(0x222222);
    static final Color GRID = new Color(0xe4e4e4);
    static final Color AXIS = new Color(0x555555);

    private Canvas() {
    }

    static BufferedImage white(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    static Graphics2D graphics(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        return g;
    }

    static Font font(int size, boolean bold) {
        return new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, size);
    }

    /** Width of a text in a font, without a graphics context. */
    static int width(String text, Font font) {
        BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(one);
        int w = g.getFontMetrics(font).stringWidth(text);
        g.dispose();
        return w;
    }

    /** Draws text centred horizontally on cx with its vertical middle at cy. */
    static void centred(Graphics2D g, String text, double cx, double cy) {
        FontMetrics m = g.getFontMetrics();
        g.drawString(text, (float) (cx - m.stringWidth(text) / 2.0),
                (float) (cy + (m.getAscent() - m.getDescent()) / 2.0));
    }

    /** Draws text right-aligned at x with its vertical middle at cy. */
    static void right(Graphics2D g, String text, double x, double cy) {
        FontMetrics m = g.getFontMetrics();
        g.drawString(text, (float) (x - m.stringWidth(text)), (float) (cy + (m.getAscent() - m.getDescent()) / 2.0));
    }
}
