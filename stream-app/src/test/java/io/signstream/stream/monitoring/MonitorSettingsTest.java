package io.signstream.stream.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.stream.config.ConfigLoader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The {@code monitor.*} settings: the README's sample as written, the environment, bad values. */
class MonitorSettingsTest {

  /** The properties block of the README's "Explanation monitoring" section. */
  static Properties readmeSample() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int section = readme.indexOf("## Explanation monitoring");
    int start = readme.indexOf("```properties\n", section) + "```properties\n".length();
    int end = readme.indexOf("```", start);
    Properties p = new Properties();
    p.load(new StringReader(readme.substring(start, end)));
    return p;
  }

  @Test
  void theReadmeSampleLoadsAndStatesTheDefaults() throws Exception {
    Properties p = readmeSample();
    assertEquals(MonitorSettings.KEYS.size() + 1, p.size(), "every monitor key is in the README sample");
    assertEquals(MonitorSettings.defaults(), MonitorSettings.fromProperties(p));
    ConfigLoader.fromProperties(p, Path.of(".")); // the configuration loader accepts the monitor keys
  }

  @Test
  void environmentVariablesSetMonitorKeys() {
    Properties env = ConfigLoader.environmentProperties(Map.of("SIGNSTREAM_MONITOR_WINDOW_MS", "10000",
        "SIGNSTREAM_MONITOR_CROSSCHECK_RATE", "0.2"));
    MonitorSettings s = MonitorSettings.fromProperties(env);
    assertEquals(10_000, s.window().toMillis());
    assertEquals(0.2, s.crossCheckRate());
  }

  @Test
  void badValuesAreRefusedWithTheKeyNamed() {
    Properties p = new Properties();
    p.setProperty("monitor.crosscheck.rate", "1.5");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MonitorSettings.fromProperties(p));
    assertTrue(e.getMessage().contains("monitor.crosscheck.rate"), e.getMessage());
    p.setProperty("monitor.crosscheck.rate", "often");
    e = assertThrows(IllegalArgumentException.class, () -> MonitorSettings.fromProperties(p));
    assertTrue(e.getMessage().contains("monitor.crosscheck.rate"), e.getMessage());
    Properties typo = new Properties();
    typo.setProperty("bootstrap.servers", "x:9092");
    typo.setProperty("monitor.windw.ms", "5");
    assertThrows(IllegalArgumentException.class, () -> ConfigLoader.fromProperties(typo, Path.of(".")));
  }
}
