package io.signstream.stream.worker;

/** An explain call that failed; its message becomes the reason of a COMPUTE_FAILED dead letter. */
public final class ComputeException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Creates one with a reason. */
  public ComputeException(String message) {
    super(message);
  }

  /** Creates one with a reason and a cause. */
  public ComputeException(String message, Throwable cause) {
    super(message, cause);
  }
}
