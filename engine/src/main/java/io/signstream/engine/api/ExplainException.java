package io.signstream.engine.api;

/**
 * A user error or an explanation that cannot be computed, with a one-line reason. The CLI prints the message and
 * exits non-zero; the stream turns {@link #kind()} into a dead-letter error code.
 *
 * <pre>{@code
 * try {
 *     explainer.explain(request);
 * } catch (ExplainException e) {
 *     System.err.println(e.kind() + ": " + e.getMessage());
 * }
 * }</pre>
 */
public class ExplainException extends Exception {

    /** What went wrong, coarse enough to count and route on. */
    public enum Kind {
        BAD_INPUT,
        BAD_SHAPE,
        BAD_DTYPE,
        NON_FINITE,
        UNKNOWN_METHOD,
        BAD_PARAMETER,
        TARGET_OUT_OF_RANGE,
        MODEL_NOT_FOUND,
        CORRUPT_MODEL,
        UNSUPPORTED_MODEL,
        COMPUTE_FAILED
    }

    private final Kind kind;

    public ExplainException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ExplainException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
