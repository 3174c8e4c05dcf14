package io.signstream.engine.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small text labels for the PNG figures. Text needs the platform's fonts (fontconfig on Linux); a minimal
 * container may have none, and then the JDK throws from deep inside the font manager. A figure without
 * labels is still useful, so the first failure is logged once and text is skipped from then on.
 */
final class Labels {

    private static final Logger LOG = LoggerFactory.getLogger(Labels.class);
    static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static volatile boolean disabled;

    static {
        Headless.ensure();
    }

    private Labels() {
    }

    /**
     * Draws {@code text} with its baseline at {@code y}, starting at {@code x}, clipped to {@code maxWidth}
     * pixels (shrinking the font once before clipping, so long labels over narrow tiles stay readable).
     */
    static void draw(Graphics2D g, String text, int x, int y, int maxWidth, Color color) {
        if (disabled || text == null || text.isEmpty()) {
            return;
        }
        Shape oldClip = g.getClip();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            Font font = FONT;
            FontMetrics fm = g.getFontMetrics(font);
            if (fm.stringWidth(text) > maxWidth) {
                font = FONT.deriveFont(9f);
            }
            g.setFont(font);
            g.setColor(color);
            g.clipRect(x, y - font.getSize() - 4, Math.max(1, maxWidth), font.getSize() + 8);
            g.drawString(text, x, y);
        } catch (RuntimeException | LinkageError | InternalError e) {
            disabled = true;
            LOG.warn("cannot draw text labels (no usable fonts?); figures are written without them: {}", e.toString());
        } finally {
            g.setClip(oldClip);
        }
    }

    /** Width of {@code text} in the label font, or an estimate when text cannot be measured. */
    static int width(Graphics2D g, String text) {
        if (!disabled) {
            try {
                return g.getFontMetrics(FONT).stringWidth(text);
            } catch (RuntimeException | LinkageError | InternalError e) {
                disabled = true;
                LOG.warn("cannot measure text labels (no usable fonts?): {}", e.toString());
            }
        }
        return 6 * text.length();
    }
}
