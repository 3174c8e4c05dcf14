package io.signstream.stream.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * One {@code signstream} subcommand. Implementations are registered in {@link Subcommands}.
 *
 * <p>Contract: print results to {@code out}, diagnostics to {@code err}; return the exit code.
 * Throw {@link UsageException} for a bad command line (exit 2) and any other exception for a
 * failure (exit 1): {@link SignStreamCli} prints its message as one line.
 */
public interface Subcommand {

  /** The word after {@code signstream}. */
  String name();

  /** One line for the command list. */
  String summary();

  /** Full usage text, printed for {@code --help} and on a usage error. */
  String usage();

  /**
   * Runs the subcommand with the arguments after its name ({@link CliArgs#parse} reads the usual
   * {@code --name value} style).
   */
  int run(List<String> args, PrintStream out, PrintStream err) throws Exception;
}
