package io.signstream.stream.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.ExplanationStats;
import io.signstream.schemas.TopicNames;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.kafka.KafkaProps;
import io.signstream.stream.kafka.StreamsApp;
import io.signstream.stream.kafka.TopicAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A restart mid-window on the embedded broker, with the first instance's state folder deleted: the new
 * instance restores the open window, the reference and the stream time from the changelog topics, and
 * the window it publishes counts every map exactly once, before and after the restart. The second instance either
 * routes like the first (re-keyed through the repartition topic) or reads the one-partition explanations topic
 * directly, as an upgrade to {@link ExplanationRouting#DIRECT} does: its windows move to another Streams task and
 * are restored from the same changelogs.
 */
class MonitoringRestartTest {

  private static final long WINDOW = 10_000;

  @ParameterizedTest
  @EnumSource(ExplanationRouting.class)
  void aRestartWithAnEmptyStateFolderRestoresTheAggregatesFromTheChangelog(ExplanationRouting afterRestart)
      throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      TopicNames names = new TopicNames("rs.");
      MonitoringTopics topics = MonitoringTopics.of(names);
      Path stateA = Files.createTempDirectory("monitor-state-a");
      Path stateB = Files.createTempDirectory("monitor-state-b");
      StreamConfig config = StreamConfig.defaults(kafka.bootstrapServers(), Path.of("models"))
          .withTopics(names, "rs.monitor").withTopicLayout(1, (short) 1);
      Map<String, Object> client = KafkaProps.common(config);
      TopicAdmin.ensureTopics(client, List.of(names.explanations(), topics.stats(), topics.alerts(), topics.baselines()),
          1, (short) 1);
      MonitorSettings settings = new MonitorSettings(Duration.ofMillis(WINDOW), Duration.ofMillis(1_000), 2, 10, 0.05, 5,
          2, 0, 0.999, 100, 4096, 100);
      SyntheticMaps maps = new SyntheticMaps(21, 0.2);
      long t0 = System.currentTimeMillis() - 3_600_000;
      t0 -= t0 % WINDOW;
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(),
          new ByteArraySerializer()); MonitorTopicReader reader = new MonitorTopicReader(kafka.bootstrapServers(), topics)) {
        int[] sent = new int[4];
        StreamsApp first = StreamsApp.start(MonitoringTopology.build(names, settings, CrossCheck.none(),
            new MonitorMetrics(new SimpleMeterRegistry())), config.withStateDir(stateA));
        first.awaitRunning(Duration.ofSeconds(60));
        // windows 0 and 1 (the reference), then 9 maps of window 2, the last of which closes window 1
        for (int w = 0; w < 2; w++) {
          for (int i = 0; i < 20; i++) {
            send(producer, names, maps, t0 + w * WINDOW + i * 400, sent, w);
          }
        }
        for (int i = 0; i < 9; i++) {
          send(producer, names, maps, t0 + 2 * WINDOW + 200 + i * 100, sent, 2);
        }
        producer.flush();
        assertTrue(reader.pollUntil(() -> reader.stats.size() >= 4, Duration.ofSeconds(60)),
            "windows 0 and 1 published: " + reader.stats);
        first.close();
        deleteTree(stateA);

        StreamsApp second = StreamsApp.start(MonitoringTopology.build(names, settings, CrossCheck.none(),
            new MonitorMetrics(new SimpleMeterRegistry()), afterRestart), config.withStateDir(stateB));
        try {
          second.awaitRunning(Duration.ofSeconds(60));
          for (int i = 0; i < 11; i++) {
            send(producer, names, maps, t0 + 2 * WINDOW + 5_000 + i * 300, sent, 2);
          }
          send(producer, names, maps, t0 + 3 * WINDOW + 1_000, sent, 3); // closes window 2
          producer.flush();
          assertTrue(reader.pollUntil(() -> reader.stats.size() >= 6, Duration.ofSeconds(60)), "" + reader.stats);
        } finally {
          second.close();
          deleteTree(stateB);
        }
        assertEquals(6, reader.stats.size(), "each window published once: " + reader.stats);
        for (int w = 0; w < 3; w++) {
          long start = t0 + w * WINDOW;
          List<ExplanationStats> of = reader.stats.stream().filter(s -> s.getWindowStart().toEpochMilli() == start).toList();
          assertEquals(2, of.size());
          for (ExplanationStats s : of) {
            assertEquals(sent[w], s.getCount(), "window " + w + " of " + s.getTargetClass());
            if (w < 2) {
              assertNull(s.getDrift(), "reference window");
            } else {
              assertNotNull(s.getDrift(), "the restored reference scores window 2");
              assertEquals(2, s.getDrift().getReferenceWindows());
            }
          }
        }
        assertEquals(20, sent[2]);
        assertTrue(reader.alerts.isEmpty());
      }
    }
  }

  private static void send(KafkaProducer<String, byte[]> producer, TopicNames names, SyntheticMaps maps, long time,
      int[] sent, int window) {
    String id = "r" + window + "-" + sent[window];
    producer.send(new ProducerRecord<>(names.explanations(), null, time, id, AvroSerde.explanation().encode(
        SyntheticMaps.explanation(id, "digits", "gradient", "pytorch", 4, maps.map(0, false), time))));
    sent[window]++;
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
