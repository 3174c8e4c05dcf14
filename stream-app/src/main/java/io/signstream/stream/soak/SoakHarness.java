package io.signstream.stream.soak;

import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.schemas.TopicNames;
import io.signstream.stream.Pipeline;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.config.WorkerSettings;
import io.signstream.stream.demo.DemoModels;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.kafka.KafkaProps;
import io.signstream.stream.registry.ModelDescriptor;
import io.signstream.stream.worker.ComputeException;
import io.signstream.stream.worker.ComputerFactory;
import io.signstream.stream.worker.EngineExplanationComputer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The embedded pipeline (in-process broker, topology, workers) with a request source and a
 * read_committed result reader attached, for soak and load tests.
 *
 * <pre>{@code
 * try (SoakHarness h = SoakHarness.start(SoakSettings.defaults())) {
 *   PhaseResult capacity = h.burst(2000, Duration.ofMinutes(2));
 *   PhaseResult steady = h.paced(0.8 * capacity.mapsPerSecond(), Duration.ofSeconds(30), heap, null);
 * }
 * }</pre>
 */
public final class SoakHarness implements AutoCloseable {

  private final SoakSettings settings;
  private final EmbeddedKafka kafka;
  private final Path modelsDir;
  private final Pipeline pipeline;
  private final List<NpyArray> samples;
  private final RequestSource requests;
  private final ResultReader reader;
  private long nextSeq;

  private SoakHarness(SoakSettings settings, EmbeddedKafka kafka, Path modelsDir, Pipeline pipeline,
      List<NpyArray> samples, RequestSource requests, ResultReader reader) {
    this.settings = settings;
    this.kafka = kafka;
    this.modelsDir = modelsDir;
    this.pipeline = pipeline;
    this.samples = samples;
    this.requests = requests;
    this.reader = reader;
  }

  /** Starts a broker and the pipeline, and warms it up (model loaded, groups joined). */
  public static SoakHarness start(SoakSettings settings) throws Exception {
    Path models = DemoModels.extract(Files.createTempDirectory("signstream-soak-models-"));
    EmbeddedKafka kafka = null;
    Pipeline pipeline = null;
    try {
      kafka = EmbeddedKafka.start();
      StreamConfig config = StreamConfig.defaults(kafka.bootstrapServers(), models)
          .withTopics(new TopicNames("soak."), "soak.topology")
          .withTopicLayout(settings.partitions(), (short) 1)
          .withHttp("127.0.0.1", 0)
          .withWorker(WorkerSettings.defaults().withEngines(List.of(settings.engine()), settings.workers())
              .withBatching(settings.maxBatch(), settings.maxWaitMillis(), 1024).withPadBatches(settings.padBatches()))
          .withTopology(settings.topology());
      pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
      List<NpyArray> samples = samples(models, settings.modelId());
      RequestSource requests = new RequestSource(KafkaProps.common(config), config.topics().requests(),
          settings.modelId(), samples, settings.methods(), settings.samplesPerRequest());
      ResultReader reader = new ResultReader(KafkaProps.common(config), config.topics());
      reader.start();
      SoakHarness h = new SoakHarness(settings, kafka, models, pipeline, samples, requests, reader);
      PhaseResult warm = h.burst(2 * samples.size(), Duration.ofSeconds(120));
      if (warm.lost() > 0) {
        h.close();
        throw new IllegalStateException("the pipeline did not answer its warm-up requests: " + warm);
      }
      return h;
    } catch (Exception | Error e) {
      if (pipeline != null) {
        pipeline.close();
      }
      if (kafka != null) {
        kafka.close();
      }
      deleteTree(models);
      throw e;
    }
  }

  /** Sends {@code count} requests at once and waits (up to {@code timeout}) for their explanations. */
  public PhaseResult burst(int count, Duration timeout) throws InterruptedException {
    PhaseStats stats = newPhase();
    long monitor = monitorRead();
    long start = System.nanoTime();
    long cpu = ProcessCpu.nanos();
    requests.burst(stats.firstSeq(), count);
    nextSeq += count;
    return drain(stats, count, start, cpu, monitor, timeout);
  }

  /**
   * Sends requests at {@code perSecond} for {@code duration} (open loop: the rate does not wait for
   * results), then waits up to {@code drain} for the rest. Once a second it samples {@code heap}
   * (if given) and writes a {@code csv} row (if given).
   */
  public PhaseResult paced(double perSecond, Duration duration, Duration drain, HeapSampler heap, Path csv)
      throws InterruptedException {
    PhaseStats stats = newPhase();
    AtomicLong sent = new AtomicLong(-1);
    long first = stats.firstSeq();
    Thread sender = new Thread(() -> sent.set(requests.paced(first, perSecond, duration)), "signstream-soak-sender");
    long monitor = monitorRead();
    long start = System.nanoTime();
    long cpu = ProcessCpu.nanos();
    long sentBefore = requests.sent();
    try (SoakCsv rows = csv == null ? null : new SoakCsv(csv)) {
      sender.start();
      for (int second = 1; sender.isAlive(); second++) {
        long next = start + second * 1_000_000_000L;
        while (sender.isAlive() && System.nanoTime() < next) {
          sender.join(Math.max(1, (next - System.nanoTime()) / 1_000_000));
        }
        if (!sender.isAlive()) {
          break;
        }
        long used = heap == null ? -1 : heap.sample();
        long resident = heap == null ? HeapSampler.residentBytes() : heap.lastResidentBytes();
        if (rows != null) {
          rows.row(second, used, resident, requests.sent() - sentBefore, stats.received(), stats.interval.summary());
        }
        stats.interval.reset();
      }
    }
    nextSeq += sent.get();
    return drain(stats, sent.get(), start, cpu, monitor, drain);
  }

  /** Explanation records the pipeline's monitor has read so far; -1 when it runs without monitoring. */
  private long monitorRead() {
    var counter = pipeline.metrics().registry().find("signstream.monitor.records").counter();
    return counter == null ? -1 : (long) counter.count();
  }

  /** Mean samples per explain call of the workers so far. */
  public double meanBatch() {
    var batches = pipeline.metrics().registry().find("signstream.batch.size").summaries();
    double calls = batches.stream().mapToDouble(b -> b.count()).sum();
    return calls == 0 ? 1 : batches.stream().mapToDouble(b -> b.totalAmount()).sum() / calls;
  }

  /**
   * The bare engine on the same model, method and inputs, in this JVM (run it while no requests are
   * in flight, so the two do not share the CPU).
   */
  public EngineBaseline.Result engineBaseline(int batch, int calls) throws ComputeException {
    ModelDescriptor model = pipeline.registry().find(settings.modelId()).orElseThrow();
    try (EngineExplanationComputer computer = new EngineExplanationComputer(2, "cpu")) {
      return EngineBaseline.measure(computer, model, settings.engine(), settings.methods().get(0), samples, batch,
          calls);
    }
  }

  /** The running pipeline. */
  public Pipeline pipeline() {
    return pipeline;
  }

  /** The settings it runs with. */
  public SoakSettings settings() {
    return settings;
  }

  private PhaseStats newPhase() {
    PhaseStats stats = new PhaseStats(nextSeq, settings.methods());
    reader.phase(stats);
    return stats;
  }

  /**
   * Waits for the phase's explanations, and for the explanation monitor to have read them too: it consumes the
   * explanations topic on its own, so after a burst it is still behind when the last explanation arrives, and the
   * work it owes would be paid in the next phase (measured: a steady phase's first seconds at two to three times
   * its p99, and a 16-samples-per-request burst at half the CPU per map a steady rate costs). A phase ends when the
   * pipeline has done all of its work.
   */
  private PhaseResult drain(PhaseStats stats, long sent, long startNanos, long startCpu, long monitorStart,
      Duration timeout) throws InterruptedException {
    long expected = sent * settings.methods().size();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (stats.received() < expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    long monitorDone = 0;
    if (monitorRead() >= 0) {
      while (monitorRead() < monitorStart + stats.received() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      monitorDone = System.nanoTime();
    }
    double cpuSeconds = (ProcessCpu.nanos() - startCpu) / 1e9;
    Thread.sleep(200); // a duplicate would come right behind the original
    long last = Math.max(monitorDone, stats.lastArrivalNanos() == 0 ? System.nanoTime() : stats.lastArrivalNanos());
    return new PhaseResult(sent, expected, stats.received(), stats.duplicates(), stats.deadLetters(),
        (last - startNanos) / 1e9, stats.endToEnd.summary(), stats.toProduced.summary(), cpuSeconds,
        settings.samplesPerRequest());
  }

  private static List<NpyArray> samples(Path models, String modelId) throws Exception {
    List<NpyArray> out = new ArrayList<>();
    for (DemoModels.Sample s : DemoModels.samples()) {
      if (s.modelId().equals(modelId)) {
        out.add(NpyFile.read(models.resolve(s.path())));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no bundled sample input for model '" + modelId + "'");
    }
    return out;
  }

  @Override
  public void close() {
    reader.close();
    requests.close();
    try {
      pipeline.close();
    } finally {
      kafka.close();
      deleteTree(modelsDir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temporary folder left behind is harmless
    }
  }
}
