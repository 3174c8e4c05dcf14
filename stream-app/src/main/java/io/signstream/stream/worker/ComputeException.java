package io.signstream.stream.worker;

import io.signstream.schemas.ErrorCode;

/**
 * An explain call that failed; its message becomes the reason of a dead letter with its {@link #code()}:
 * {@code MODEL_LOAD_FAILED} when the model cannot be loaded (imported) on the engine, else {@code COMPUTE_FAILED}.
 */
public final class ComputeException extends Exception {

  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  /** Creates a COMPUTE_FAILED one with a reason. */
  public ComputeException(String message) {
    this(ErrorCode.COMPUTE_FAILED, message, null);
  }

  /** Creates a COMPUTE_FAILED one with a reason and a cause. */
  public ComputeException(String message, Throwable cause) {
    this(ErrorCode.COMPUTE_FAILED, message, cause);
  }

  /** Creates one with a dead-letter code, a reason and a cause (or null). */
  public ComputeException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The dead-letter code of the tasks that failed. */
  public ErrorCode code() {
    return code;
  }
}
