package io.signstream.engine.viz;

/**
 * Puts AWT into headless mode before any class of this package creates an image or a font. The engine runs
 * on servers and in CI without a display; without the property, the first {@code Graphics2D} call may try to
 * reach an X server. An explicit {@code -Djava.awt.headless=false} from the application is respected.
 */
final class Headless {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Headless() {
    }

    /** Does nothing itself; calling it runs the static initialiser above exactly once. */
    static void ensure() {
    }
}
