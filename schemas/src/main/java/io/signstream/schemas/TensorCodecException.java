package io.signstream.schemas;

/**
 * A {@link Tensor} that cannot be read or built: its shape, byte length, element type or size is wrong.
 *
 * <p>{@link #errorCode()} is the {@link ErrorCode} to put in a {@link DeadLetter}:
 * {@code BAD_SHAPE}, {@code BAD_DTYPE}, {@code BAD_LAYOUT}, {@code TOO_LARGE} or {@code NON_FINITE}.
 *
 * <pre>{@code
 * try {
 *   float[] x = TensorCodec.toFloatArray(event.getInput(), maxElements);
 * } catch (TensorCodecException e) {
 *   deadLetter(e.errorCode(), e.getMessage());
 * }
 * }</pre>
 */
public final class TensorCodecException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final ErrorCode errorCode;

  /** Creates one with the dead-letter code that describes it. */
  public TensorCodecException(ErrorCode errorCode, String message) {
    super(message);
    this.errorCode = errorCode;
  }

  /** The dead-letter code for this failure. */
  public ErrorCode errorCode() {
    return errorCode;
  }
}
