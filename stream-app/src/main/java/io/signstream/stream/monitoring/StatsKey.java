package io.signstream.stream.monitoring;

import java.util.Objects;

/**
 * What one aggregate is about: a model version, a method and an explained class, or every class
 * ({@code targetClass == null}: the model-level aggregate).
 *
 * @param model model id
 * @param version model version, or null
 * @param method explanation method
 * @param targetClass explained class, or null for the model level
 */
public record StatsKey(String model, String version, String method, Integer targetClass) {

  private static final char SEP = '\u001f';

  /** Requires the model and method. */
  public StatsKey {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(method, "method");
  }

  /** The model-level key of the same model version and method. */
  public StatsKey modelLevel() {
    return new StatsKey(model, version, method, null);
  }

  /** A store key: the fields separated by a control character no id contains (ids are validated). */
  public String encode() {
    return model + SEP + (version == null ? "" : "v" + version) + SEP + method + SEP
        + (targetClass == null ? "" : targetClass.toString());
  }

  /** The inverse of {@link #encode()}. */
  public static StatsKey decode(String s) {
    String[] p = s.split(String.valueOf(SEP), -1);
    if (p.length != 4) {
      throw new IllegalArgumentException("not a stats key: " + s);
    }
    return new StatsKey(p[0], p[1].isEmpty() ? null : p[1].substring(1), p[2],
        p[3].isEmpty() ? null : Integer.valueOf(p[3]));
  }

  /** A readable form for record keys and logs: {@code model/version/method/class} ({@code *} for none). */
  public String display() {
    return model + "/" + (version == null ? "*" : version) + "/" + method + "/"
        + (targetClass == null ? "*" : targetClass.toString());
  }
}
