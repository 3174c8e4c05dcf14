package io.signstream.stream.topology;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MethodChecksTest {

  @Test
  void judgesNamesAndParameterValues() {
    MethodChecks checks = new MethodChecks();
    assertTrue(checks.check("lrp_epsilon_0_1", null).ok());
    assertTrue(checks.check("integrated_gradients", Map.of("steps", "16")).ok());
    MethodChecks.Verdict unknown = checks.check("gradeint", Map.of());
    assertFalse(unknown.ok());
    assertTrue(unknown.unknownName());
    MethodChecks.Verdict bad = checks.check("integrated_gradients", Map.of("steps", "-3"));
    assertFalse(bad.ok());
    assertFalse(bad.unknownName());
    assertTrue(String.join(" ", bad.problems()).contains("steps"), bad.problems().toString());
  }

  @Test
  void theSameNameAndParametersGetTheRememberedVerdictAndOtherParametersTheirOwn() {
    MethodChecks checks = new MethodChecks();
    Map<String, String> params = new HashMap<>(Map.of("steps", "-3"));
    MethodChecks.Verdict first = checks.check("integrated_gradients", params);
    assertSame(first, checks.check("integrated_gradients", Map.of("steps", "-3")));
    params.put("steps", "8"); // the caller's map changing later does not change what was remembered
    assertTrue(checks.check("integrated_gradients", params).ok());
    assertSame(first, checks.check("integrated_gradients", Map.of("steps", "-3")));
  }

  @Test
  void aStreamOfEverNewParametersDoesNotGrowTheMemoWithoutBound() {
    MethodChecks checks = new MethodChecks();
    for (int i = 0; i < 3 * MethodChecks.CAPACITY; i++) {
      checks.check("integrated_gradients", Map.of("steps", Integer.toString(1 + i)));
    }
    assertTrue(checks.size() <= MethodChecks.CAPACITY, "memo holds " + checks.size());
    assertFalse(checks.check("integrated_gradients", Map.of("steps", "0")).ok());
    assertTrue(checks.check("integrated_gradients", Map.of("steps", "16")).ok());
  }
}
