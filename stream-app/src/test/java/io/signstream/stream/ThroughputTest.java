package io.signstream.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.TopicNames;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.config.WorkerSettings;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.worker.ComputeRequest;
import io.signstream.stream.worker.ComputeResult;
import io.signstream.stream.worker.ComputerFactory;
import io.signstream.stream.worker.ExplanationComputer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Sustained throughput of the whole pipeline on the embedded broker (a measurement, not a check:
 * timings belong to benchmarks). Runs only with {@code -Dsignstream.throughput=N} (N requests).
 */
@EnabledIfSystemProperty(named = "signstream.throughput", matches = "\\d+")
class ThroughputTest {

  @Test
  void measure() throws Exception {
    int n = Integer.getInteger("signstream.throughput");
    List<String> methods = List.of(System.getProperty("signstream.throughput.methods",
        String.join(",", PipelineTest.methods())).split(","));
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      StreamConfig config = StreamConfig.defaults(kafka.bootstrapServers(), TestEvents.modelsDir())
          .withTopics(new TopicNames("tp."), "tp.topology").withTopicLayout(1, (short) 1).withHttp("127.0.0.1", 0)
          .withWorker(WorkerSettings.defaults().withEngines(List.of("pytorch"), 1)
              .withBatching(Integer.getInteger("signstream.throughput.batch", 64), 5, 2048));
      List<byte[]> events = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        events.add(TestEvents.bytes(TestEvents.digitsEvent("t-" + i, i, methods).build()));
      }
      // -Dsignstream.throughput.fake=true: a computer that copies the input, to measure the pipeline alone
      ComputerFactory computers = Boolean.getBoolean("signstream.throughput.fake")
          ? (engine, settings, loads) -> new ExplanationComputer() {
              @Override
              public ComputeResult compute(ComputeRequest r) {
                int n = r.samples();
                return new ComputeResult(r.input().clone(), r.shape().clone(), new int[n], new float[n], engine, "none");
              }

              @Override
              public void close() {}
            }
          : ComputerFactory.engine();
      try (Pipeline p = Pipeline.start(config, computers, null);
          KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
              kafka.bootstrapServers(), "linger.ms", 5), new ByteArraySerializer(), new ByteArraySerializer());
          TopicReader reader = new TopicReader(kafka.bootstrapServers(), config.topics().explanations(),
              config.topics().deadLetter())) {
        // warm up: load the model, join the groups
        producer.send(new ProducerRecord<>(config.topics().requests(), events.get(0))).get();
        assertTrue(reader.pollUntil(() -> reader.explanations.size() >= methods.size(), Duration.ofSeconds(60)));
        reader.explanations.clear();
        long start = System.nanoTime();
        for (int i = 1; i < n; i++) {
          producer.send(new ProducerRecord<>(config.topics().requests(), events.get(i)));
        }
        producer.flush();
        int expected = (n - 1) * methods.size();
        assertTrue(reader.pollUntil(() -> reader.explanations.size() >= expected, Duration.ofSeconds(600)));
        double s = (System.nanoTime() - start) / 1e9;
        long p99Queue = reader.explanations.stream().mapToLong(e -> e.getQueuedMillis()).sorted()
            .skip((long) (expected * 0.99)).findFirst().orElse(-1);
        System.out.printf("throughput: %d requests x %s = %d maps in %.2f s: %.0f requests/s, %.0f maps/s; "
            + "p99 queue wait %d ms%n", n - 1, methods, expected, s, (n - 1) / s, expected / s, p99Queue);
        var compute = p.metrics().registry().find("signstream.compute.latency").timers();
        var batches = p.metrics().registry().find("signstream.batch.size").summaries();
        double calls = compute.stream().mapToDouble(t -> t.count()).sum();
        double computeSeconds = compute.stream().mapToDouble(t -> t.totalTime(java.util.concurrent.TimeUnit.SECONDS)).sum();
        double samples = batches.stream().mapToDouble(b -> b.totalAmount()).sum();
        System.out.printf("  %.0f explain calls, mean batch %.1f samples, %.1f ms per call, %.1f s computing in all%n",
            calls, samples / calls, 1000 * computeSeconds / calls, computeSeconds);
      }
    }
  }
}
