package io.signstream.stream.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.TopicNames;
import io.signstream.stream.config.ConfigLoader;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.worker.WorkerGroups;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation runs as written: every {@code ```properties} sample in the repository's READMEs loads
 * with {@link ConfigLoader} (no key left unknown, no comment swallowed into a value), and the consumer
 * group names the stream-app README gives are the ones the workers join.
 */
class ReadmeSamplesTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern PROPERTIES_BLOCK = Pattern.compile("```properties\\n(.*?)```", Pattern.DOTALL);

  @Test
  void everyPropertiesSampleInTheReadmesLoadsAsWritten() throws IOException {
    List<String> samples = new ArrayList<>();
    for (Path readme : readmes()) {
      Matcher m = PROPERTIES_BLOCK.matcher(Files.readString(readme));
      while (m.find()) {
        samples.add(m.group(1));
        Properties p = new Properties();
        p.load(new StringReader(m.group(1)));
        for (String key : p.stringPropertyNames()) {
          String value = p.getProperty(key);
          assertFalse(value.matches(".*\\s#.*"), readme + ": '" + key + "' takes the value '" + value
              + "': a properties file has no end-of-line comments");
        }
        StreamConfig c = ConfigLoader.fromProperties(p, readme.getParent());
        if (p.getProperty("models.dir") != null) {
          assertEquals(readme.getParent().resolve(p.getProperty("models.dir")), c.modelsDir());
        }
      }
    }
    assertFalse(samples.isEmpty(), "no ```properties sample in " + readmes());
  }

  @Test
  void theReadmeNamesTheWorkersConsumerGroupsAsTheyAre() throws IOException {
    String readme = Files.readString(ROOT.resolve("stream-app/README.md"));
    String defaults = WorkerGroups.groupId(TopicNames.defaults(), "pytorch");
    assertEquals("signstream-workers-pytorch", defaults);
    assertTrue(readme.contains("`signstream-workers-<engine>` with the default topic prefix"), readme);
    assertEquals("acme.workers-tensorflow", WorkerGroups.groupId(new TopicNames("acme."), "tensorflow"));
    assertTrue(readme.contains("`<prefix>workers-<engine>` with any other prefix"), readme);
  }

  private static List<Path> readmes() throws IOException {
    try (Stream<Path> files = Files.walk(ROOT, 3)) {
      return files.filter(f -> f.getFileName().toString().equalsIgnoreCase("README.md"))
          .filter(f -> !f.toString().contains("/target/") && !f.toString().contains("/node_modules/"))
          .sorted().toList();
    }
  }
}
