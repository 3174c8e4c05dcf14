package io.signstream.engine.backend;

import java.util.Arrays;
import java.util.Locale;

/** The DJL engines SignStream computes on. */
public enum EngineKind {
    PYTORCH("PyTorch"),
    TENSORFLOW("TensorFlow");

    private final String djlName;

    EngineKind(String djlName) {
        this.djlName = djlName;
    }

    /** The engine name DJL registers ({@code Engine.getEngine(djlName())}). */
    public String djlName() {
        return djlName;
    }

    /** The lower-case name used on the command line and in Kafka records. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code pytorch} / {@code tensorflow} (also {@code pt}, {@code tf}), case-insensitively. */
    public static EngineKind parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "pytorch", "pt", "torch" -> PYTORCH;
            case "tensorflow", "tf" -> TENSORFLOW;
            default -> throw new IllegalArgumentException("unknown engine '" + text + "'; use one of "
                    + Arrays.toString(Arrays.stream(values()).map(EngineKind::id).toArray()));
        };
    }
}
