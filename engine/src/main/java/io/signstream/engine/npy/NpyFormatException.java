package io.signstream.engine.npy;

import io.signstream.engine.api.ExplainException;

/** A {@code .npy} file that cannot be read. */
public final class NpyFormatException extends ExplainException {
    public NpyFormatException(String message) {
        super(ExplainException.Kind.BAD_INPUT, message);
    }
}
