package io.signstream.stream.cli;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place where subcommands are registered.
 *
 * <p>The engine-side subcommands ({@code explain}, {@code compare}, {@code methods}, ...) come from
 * {@link io.signstream.engine.cli.EngineCli} through {@link EngineSubcommand}.
 */
public final class Subcommands {

  private static final Map<String, Subcommand> ALL = new LinkedHashMap<>();

  static {
    register(new DemoCommand());
    register(new RunCommand());
    register(new WorkerCommand());
    register(new ProduceCommand());
    register(new ConsumeCommand());
    register(new BaselineCommand());
    register(new io.signstream.stream.soak.SoakCommand());
    register(new io.signstream.stream.soak.LoadTestCommand());
    for (String engineCommand : io.signstream.engine.cli.EngineCli.commands()) {
      register(new EngineSubcommand(engineCommand));
    }
  }

  private Subcommands() {}

  private static void register(Subcommand c) {
    if (ALL.put(c.name(), c) != null) {
      throw new IllegalStateException("subcommand registered twice: " + c.name());
    }
  }

  /** The subcommand called {@code name}, or null. */
  public static Subcommand find(String name) {
    return ALL.get(name);
  }

  /** Every subcommand, in registration order. */
  public static Collection<Subcommand> all() {
    return Collections.unmodifiableCollection(ALL.values());
  }
}
