package io.signstream.stream.cli;

import io.signstream.engine.cli.EngineCli;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The engine's own commands ({@code explain}, {@code compare}, {@code methods}, ...) under the one
 * {@code signstream} command line; the engine keeps their parsing and exit codes.
 */
final class EngineSubcommand implements Subcommand {

  private static final Map<String, String> SUMMARIES =
      Map.of(
          "explain", "relevance maps for a model and an input, written as .npy (and --png)",
          "compare", "the same methods on both engines (or several models): Pearson r, max |diff|",
          "methods", "every accepted method name with its parameters",
          "convert", "convert an imported model to ONNX",
          "bench", "forward pass and methods timed on one model/engine/batch: ms, x forward, maps/s");

  private final String name;

  EngineSubcommand(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String summary() {
    return SUMMARIES.getOrDefault(name, "engine command");
  }

  @Override
  public String usage() {
    return "signstream " + EngineCli.usage(name);
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) {
    return EngineCli.run(name, args.toArray(String[]::new), out, err);
  }
}
