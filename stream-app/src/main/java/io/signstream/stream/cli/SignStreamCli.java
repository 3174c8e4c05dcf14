package io.signstream.stream.cli;

import io.signstream.stream.logging.GpuProbeLogging;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code signstream} command line: {@code signstream <subcommand> [options]}.
 *
 * <p>Exit codes: 0 success, 1 failure (one-line reason on stderr), 2 bad command line.
 */
public final class SignStreamCli {

  private SignStreamCli() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    GpuProbeLogging.quietFor(GpuProbeLogging.deviceOf(Arrays.asList(args), System.getenv("SIGNSTREAM_WORKER_DEVICE")));
    int code = run(Arrays.asList(args), System.out, System.err);
    if (code != 0 || !Boolean.getBoolean("signstream.noExit")) {
      System.exit(code);
    }
  }

  /** Runs the command line; returns the exit code (for tests and embedding). */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.isEmpty() || List.of("help", "--help", "-h").contains(args.get(0))) {
      if (args.size() > 1 && Subcommands.find(args.get(1)) != null) {
        out.println(Subcommands.find(args.get(1)).usage());
        return 0;
      }
      printHelp(args.isEmpty() ? err : out);
      return args.isEmpty() ? 2 : 0;
    }
    Subcommand command = Subcommands.find(args.get(0));
    if (command == null) {
      err.println("signstream: unknown subcommand '" + args.get(0) + "'");
      printHelp(err);
      return 2;
    }
    List<String> rest = args.subList(1, args.size());
    if (rest.contains("--help") || rest.contains("-h")) {
      out.println(command.usage());
      return 0;
    }
    try {
      return command.run(rest, out, err);
    } catch (UsageException e) {
      err.println("signstream " + command.name() + ": " + e.getMessage());
      err.println(command.usage());
      return 2;
    } catch (Exception e) {
      err.println("signstream " + command.name() + ": " + oneLine(e));
      return 1;
    }
  }

  private static void printHelp(PrintStream s) {
    s.println("usage: signstream <subcommand> [options]   (signstream help <subcommand> for its options)");
    s.println();
    for (Subcommand c : Subcommands.all()) {
      s.printf("  %-10s %s%n", c.name(), c.summary());
    }
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e.getClass().getSimpleName();
    }
    return m.replace('\n', ' ');
  }
}
