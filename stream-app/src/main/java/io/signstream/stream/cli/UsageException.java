package io.signstream.stream.cli;

/** A command line that cannot be run as given; the CLI prints the reason and the usage, exit code 2. */
public final class UsageException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates one with a one-line reason. */
  public UsageException(String message) {
    super(message);
  }
}
