package io.signstream.stream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.stream.Pipeline;
import io.signstream.stream.TestEvents;
import io.signstream.stream.config.Role;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.config.WorkerSettings;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.worker.ComputerFactory;
import io.signstream.stream.worker.WorkerGroups;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers scale out as separate processes in one consumer group: with a 4-partition task topic and
 * one model id per partition (tasks are keyed by model id), a second worker process takes half of
 * the partitions, both write explanations (told apart by their worker header), and the totals stay
 * exact. Also measures throughput with one and with two worker processes (printed, not asserted:
 * on a 2-core machine the second process competes with the first for the same cores).
 */
@Tag("reliability")
class ScaleOutTest {

  private static final int PARTITIONS = 4;
  private static final int BURST = 1000;

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void twoWorkerProcessesShareTheTaskPartitionsAndBothProduce() throws Exception {
    List<String> models = modelIdsCoveringEveryPartition();
    Path modelsDir = modelsWith(models);
    Ledger ledger = new Ledger();
    List<String> methods = List.of("gradient");
    try (EmbeddedKafka kafka = EmbeddedKafka.start(Scenario.BROKER_FAST_ABORT)) {
      StreamConfig config = Scenario.config(kafka.bootstrapServers(), "scale.", PARTITIONS, modelsDir)
          .withClientProperties(Scenario.FAST_FAILOVER)
          .withWorker(WorkerSettings.defaults().withEngines(List.of("pytorch"), 1).withBatching(64, 5, 512));
      Map<String, String> workerProps = Scenario.workerProperties(config, Map.of("worker.cache.size", "8"));
      String group = WorkerGroups.groupId(config.topics(), "pytorch");
      try (Pipeline topology = Pipeline.start(config.withRole(Role.TOPOLOGY), ComputerFactory.engine(), null);
          Feeder feeder = new Feeder(Scenario.clients(config), config.topics().requests(), ledger);
          CommittedReader reader = new CommittedReader(Scenario.clients(config), config.topics());
          Admin admin = Admin.create(Scenario.clients(config));
          WorkerProcess a = WorkerProcess.start(dir, "worker-a", workerProps)) {
        a.awaitRunning(Duration.ofSeconds(90));
        int[] sent = {0};
        warmUntil(feeder, reader, ledger, models, methods, sent, () -> true);
        double one = burst(feeder, reader, ledger, models, methods, sent);

        try (WorkerProcess b = WorkerProcess.start(dir, "worker-b", workerProps)) {
          b.awaitRunning(Duration.ofSeconds(90));
          // until the group has rebalanced onto both and b has written something
          warmUntil(feeder, reader, ledger, models, methods, sent,
              () -> reader.explanationsPerPid().getOrDefault(b.pid(), 0) > 0);
          double two = burst(feeder, reader, ledger, models, methods, sent);

          reader.readAll(ledger.expectedMaps(), 0, Duration.ofSeconds(60), Duration.ofSeconds(2));
          Ledger.Reconciliation r = ledger.reconcile(reader.explanations, reader.deadLetters);
          Map<Long, Integer> perPid = reader.explanationsPerPid();
          Map<String, Set<Integer>> assignment = assignment(admin, group);
          System.out.printf("RELIABILITY scale-out: models %s on %d partitions; group %s assignment %s;"
              + " explanations per worker pid %s (a=%d, b=%d); %s%n", models, PARTITIONS, group, assignment, perPid,
              a.pid(), b.pid(), r);
          System.out.printf("RELIABILITY scale-out throughput: %d requests (%s) with one worker process %.2f s ="
              + " %.0f maps/s, with two %.2f s = %.0f maps/s%n", BURST, methods, one, BURST * methods.size() / one,
              two, BURST * methods.size() / two);
          assertTrue(r.exact(), r.toString());
          assertEquals(2, assignment.size(), "group members: " + assignment);
          assignment.values().forEach(p -> assertTrue(!p.isEmpty(), "a member has no partition: " + assignment));
          assertEquals(Set.of(0, 1, 2, 3), assignment.values().stream().flatMap(Set::stream).collect(Collectors.toSet()));
          assertTrue(perPid.getOrDefault(a.pid(), 0) > 0 && perPid.getOrDefault(b.pid(), 0) > 0, perPid.toString());
          assertEquals(ledger.expectedMaps(), perPid.getOrDefault(a.pid(), 0) + perPid.getOrDefault(b.pid(), 0));
        }
      }
    }
  }

  /** Sends one request per model (several rounds) until {@code done} and all answers are in. */
  private static void warmUntil(Feeder feeder, CommittedReader reader, Ledger ledger, List<String> models,
      List<String> methods, int[] sent, java.util.function.BooleanSupplier done) {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    do {
      for (String model : models) {
        feeder.valid(TestEvents.digitsEvent("warm-" + sent[0], sent[0]++, methods).setModelId(model).build());
      }
      feeder.flush();
      reader.pollUntil(() -> reader.explanations.size() >= ledger.expectedMaps(), Duration.ofSeconds(30));
    } while (!(done.getAsBoolean() && reader.explanations.size() >= ledger.expectedMaps())
        && System.nanoTime() < deadline);
    assertTrue(done.getAsBoolean(), "warm-up condition not reached; per pid " + reader.explanationsPerPid());
  }

  /** {@link #BURST} requests round-robin over the models; seconds until all were read. */
  private static double burst(Feeder feeder, CommittedReader reader, Ledger ledger, List<String> models,
      List<String> methods, int[] sent) {
    long t0 = System.nanoTime();
    for (int i = 0; i < BURST; i++) {
      feeder.valid(TestEvents.digitsEvent("s-" + sent[0], sent[0]++, methods).setModelId(models.get(i % models.size()))
          .build());
    }
    feeder.flush();
    assertEquals(0, feeder.failures(), () -> "send failed: " + feeder.firstFailure());
    assertTrue(reader.pollUntil(() -> reader.explanations.size() >= ledger.expectedMaps(), Duration.ofSeconds(120)));
    return (System.nanoTime() - t0) / 1e9;
  }

  /** Partitions per group member, keyed by the member's client id. */
  private static Map<String, Set<Integer>> assignment(Admin admin, String group) throws Exception {
    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS)
        .get(group);
    Map<String, Set<Integer>> out = new HashMap<>();
    for (MemberDescription m : d.members()) {
      out.put(m.clientId(), m.assignment().topicPartitions().stream().map(TopicPartition::partition)
          .collect(Collectors.toCollection(java.util.TreeSet::new)));
    }
    return out;
  }

  /** One model id per partition of the task topic, found with the producer's key partitioning (murmur2). */
  static List<String> modelIdsCoveringEveryPartition() {
    String[] byPartition = new String[PARTITIONS];
    int found = 0;
    for (int k = 0; found < PARTITIONS; k++) {
      String id = "digits_" + k;
      int p = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
      if (byPartition[p] == null) {
        byPartition[p] = id;
        found++;
      }
    }
    return List.of(byPartition);
  }

  /** The demo models plus one digits_cnn descriptor per id (all on the same model file). */
  private Path modelsWith(List<String> ids) throws IOException {
    Path models = dir.resolve("models");
    Path source = TestEvents.modelsDir();
    try (Stream<Path> files = Files.walk(source)) {
      for (Path f : files.toList()) {
        Path target = models.resolve(source.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    String digits = Files.readString(source.resolve("digits_cnn.model.json"));
    for (String id : ids) {
      Files.writeString(models.resolve(id + ".model.json"), digits.replace("\"id\": \"digits_cnn\"", "\"id\": \"" + id + "\""));
    }
    List<String> missing = new ArrayList<>(ids);
    missing.removeIf(id -> Files.exists(models.resolve(id + ".model.json")));
    assertTrue(missing.isEmpty());
    return models;
  }
}
