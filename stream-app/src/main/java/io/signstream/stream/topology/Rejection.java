package io.signstream.stream.topology;

import io.signstream.schemas.ErrorCode;

/**
 * Why a request cannot be explained: the dead letter's code and reason, and the method concerned if
 * only one is at fault. An exception so that validation reads top to bottom; it carries no stack
 * trace because it is an expected outcome, not a bug, and bad input can arrive at full rate.
 */
public final class Rejection extends Exception {

  private static final long serialVersionUID = 1L;

  private final transient ErrorCode code;
  private final String method;

  /** A rejection of the whole request. */
  public Rejection(ErrorCode code, String reason) {
    this(code, reason, null);
  }

  /** A rejection caused by one method of the request. */
  public Rejection(ErrorCode code, String reason, String method) {
    super(reason, null, false, false);
    this.code = code;
    this.method = method;
  }

  /** The dead-letter error code. */
  public ErrorCode code() {
    return code;
  }

  /** The method at fault, or null. */
  public String method() {
    return method;
  }
}
