package io.signstream.stream.registry;

/** A model descriptor that cannot be used: unreadable, incomplete, or pointing outside the models folder. */
public final class RegistryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates one with a reason naming the descriptor. */
  public RegistryException(String message) {
    super(message);
  }

  /** Creates one with a reason and a cause. */
  public RegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
