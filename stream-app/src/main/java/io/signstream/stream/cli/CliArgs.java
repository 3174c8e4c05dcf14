package io.signstream.stream.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line: {@code --name value}, {@code --name=value}, bare {@code --flag}s and
 * positional arguments. Options may repeat ({@code --param a=1 --param b=2}). Each subcommand says
 * which options it knows, so a misspelt option is an error rather than silently ignored.
 */
public final class CliArgs {

  private final Map<String, List<String>> options;
  private final List<String> positional;

  private CliArgs(Map<String, List<String>> options, List<String> positional) {
    this.options = options;
    this.positional = positional;
  }

  /**
   * Parses {@code args}.
   *
   * @param valued options that take a value
   * @param flags options that take none
   * @throws UsageException on an unknown option or a missing value
   */
  public static CliArgs parse(List<String> args, Set<String> valued, Set<String> flags) {
    Map<String, List<String>> options = new LinkedHashMap<>();
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("--") || a.equals("--")) {
        positional.add(a);
        continue;
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (flags.contains(name)) {
        if (value != null) {
          throw new UsageException("--" + name + " takes no value");
        }
        options.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
      } else if (valued.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.size()) {
            throw new UsageException("--" + name + " needs a value");
          }
          value = args.get(++i);
        }
        options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      } else {
        throw new UsageException("unknown option --" + name);
      }
    }
    return new CliArgs(options, positional);
  }

  /** The last value of an option, or null. */
  public String get(String name) {
    List<String> v = options.get(name);
    return v == null ? null : v.get(v.size() - 1);
  }

  /** The value of an option, or {@code fallback}. */
  public String get(String name, String fallback) {
    String v = get(name);
    return v == null ? fallback : v;
  }

  /** The value of a required option. */
  public String require(String name) {
    String v = get(name);
    if (v == null || v.isBlank()) {
      throw new UsageException("--" + name + " is required");
    }
    return v;
  }

  /** Every value of a repeatable option. */
  public List<String> all(String name) {
    return options.getOrDefault(name, List.of());
  }

  /** Whether a flag (or option) was given. */
  public boolean has(String name) {
    return options.containsKey(name);
  }

  /** A whole-number option. */
  public long number(String name, long fallback) {
    String v = get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a whole number, got '" + v + "'");
    }
  }

  /** A decimal-number option. */
  public double decimal(String name, double fallback) {
    String v = get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a number, got '" + v + "'");
    }
  }

  /** Positional arguments. */
  public List<String> positional() {
    return positional;
  }
}
