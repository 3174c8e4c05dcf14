package io.signstream.stream.topology;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.method.ParameterCheck;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What is wrong with a method name under a request's parameters, remembered per (name, parameters).
 *
 * <p>Why a memo: parsing a method name builds its whole description (an LRP name builds its rule composite), and
 * that was 15 % of the topology thread's CPU under load, although a stream repeats the same few names and
 * parameters. The answer depends on nothing else, so it can be reused. Bounded: when {@link #CAPACITY} entries are
 * held (a producer sending ever new parameter values) the memo starts afresh. Thread-safe.
 *
 * <pre>{@code
 * MethodChecks checks = new MethodChecks();
 * MethodChecks.Verdict v = checks.check("lrp_epsilon_0_1", Map.of());   // v.ok() is true
 * }</pre>
 */
final class MethodChecks {

  /** Most (name, parameters) pairs remembered. */
  static final int CAPACITY = 1024;

  /**
   * The verdict on one method.
   *
   * @param problems what is wrong, for a producer to read; empty when the method can be computed
   * @param unknownName whether the name itself is not a method (rather than a parameter value being bad)
   */
  record Verdict(List<String> problems, boolean unknownName) {

    Verdict {
      problems = List.copyOf(problems);
    }

    boolean ok() {
      return problems.isEmpty();
    }
  }

  private record Key(String method, Map<String, String> params) {}

  private final Map<Key, Verdict> verdicts = new ConcurrentHashMap<>();

  /** The verdict on {@code method} under {@code params} (null: none). */
  Verdict check(String method, Map<String, String> params) {
    Map<String, String> given = params == null ? Map.of() : params;
    Verdict v = verdicts.get(new Key(method, given)); // looked up with the caller's map: no copy per request
    if (v == null) {
      Map<String, String> kept = Map.copyOf(given); // remembered under a copy the caller cannot change
      v = judge(method, kept);
      if (verdicts.size() >= CAPACITY) {
        verdicts.clear();
      }
      verdicts.put(new Key(method, kept), v);
    }
    return v;
  }

  /** Pairs remembered now. */
  int size() {
    return verdicts.size();
  }

  private static Verdict judge(String method, Map<String, String> params) {
    try {
      return new Verdict(ParameterCheck.problems(MethodNames.parse(method, MethodParams.of(params))), false);
    } catch (ExplainException e) {
      return new Verdict(List.of(e.getMessage()), e.kind() != ExplainException.Kind.BAD_PARAMETER);
    }
  }
}
