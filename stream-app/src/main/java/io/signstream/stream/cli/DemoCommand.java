package io.signstream.stream.cli;

import io.signstream.stream.Pipeline;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.config.WorkerSettings;
import io.signstream.stream.demo.DemoModels;
import io.signstream.stream.demo.DemoReplayer;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.kafka.KafkaProps;
import io.signstream.stream.monitoring.MonitorSettings;
import io.signstream.stream.worker.ComputerFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * {@code signstream demo}: an embedded Kafka broker, the topology, the workers and HTTP in one
 * process, fed by the bundled sample inputs.
 */
final class DemoCommand implements Subcommand {

  @Override
  public String name() {
    return "demo";
  }

  @Override
  public String summary() {
    return "embedded Kafka + pipeline + HTTP, replaying bundled sample requests";
  }

  @Override
  public String usage() {
    return "usage: signstream demo [options]\n"
        + "  --rate N                  requests per second (default 20)\n"
        + "  --duration S              stop after S seconds (default: run until Ctrl-C)\n"
        + "  --method M[,M...]         methods to request (default: each model's defaultMethods)\n"
        + "  --bad-every N             every N-th request carries a NaN, to show dead letters (default 25, 0 = never)\n"
        + "  --engines E[,E...]        worker engines (default pytorch,tensorflow: 20 % of the events go to both,\n"
        + "                            for the engine comparison)\n"
        + "  --shift-at S              after S seconds, replay shifted inputs (a bright patch in the corner)\n"
        + "  --monitor-window SEC      monitoring window in seconds (default 10; grace 2 s, reference: first 3 windows)\n"
        + "  --models DIR              a models folder instead of the bundled demo models\n"
        + "  --http-port P             HTTP port (default 8080; 0 = any free port)\n"
        + "  --http-host H             HTTP address (default 127.0.0.1)";
  }

  @Override
  public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    CliArgs args = CliArgs.parse(argv, Set.of("rate", "duration", "method", "bad-every", "engines", "models",
        "http-port", "http-host", "shift-at", "monitor-window"), Set.of());
    double rate = args.decimal("rate", 20);
    if (rate <= 0) {
      throw new UsageException("--rate must be positive");
    }
    long duration = args.number("duration", 0);
    List<String> methods = split(args.get("method", ""));
    List<String> engines = split(args.get("engines", "pytorch,tensorflow"));
    long shiftAt = args.number("shift-at", -1);
    long monitorWindow = args.number("monitor-window", 10);
    if (monitorWindow <= 0) {
      throw new UsageException("--monitor-window must be positive");
    }
    MonitorSettings monitor = demoMonitoring(monitorWindow);
    Path extracted = args.get("models") != null ? null
        : DemoModels.extract(Files.createTempDirectory("signstream-demo-models-"));
    Path models = extracted != null ? extracted : Path.of(args.get("models"));

    AtomicBoolean running = new AtomicBoolean(true);
    CountDownLatch stopped = new CountDownLatch(1);
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      StreamConfig config = StreamConfig.defaults(kafka.bootstrapServers(), models)
          .withTopicLayout(3, (short) 1)
          .withHttp(args.get("http-host", "127.0.0.1"), (int) args.number("http-port", StreamConfig.DEFAULT_HTTP_PORT))
          .withWorker(WorkerSettings.defaults().withEngines(engines, 1));
      try (Pipeline pipeline = Pipeline.start(config, monitor, ComputerFactory.engine(), null);
          DemoReplayer replayer = new DemoReplayer(KafkaProps.common(config), config.topics(), models,
              pipeline.registry(), methods, (int) args.number("bad-every", 25))) {
        if (shiftAt >= 0) {
          replayer.shiftAt(Duration.ofSeconds(shiftAt));
        }
        Thread hook = new Thread(() -> {
          running.set(false);
          awaitQuietly(stopped);
        }, "signstream-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        String base = "http://" + config.httpHost() + ":" + pipeline.httpPort();
        out.println("SignStream demo running");
        out.println("  dashboard          " + pipeline.dashboardUrl());
        out.println("  Kafka (embedded)   " + kafka.bootstrapServers());
        out.println("  requests topic     " + config.topics().requests() + "   (" + rate + " requests/s)");
        out.println("  explanations       " + config.topics().explanations());
        out.println("  dead letters       " + config.topics().deadLetter());
        out.println("  health             " + base + "/health");
        out.println("  metrics            " + base + "/metrics");
        out.println("  models             " + base + "/api/models");
        out.println("  monitoring         " + base + "/api/monitoring   alerts " + base + "/api/monitoring/alerts"
            + "   (" + monitorWindow + " s windows)");
        if (shiftAt >= 0) {
          out.println("  shift              after " + shiftAt + " s the inputs get a bright patch in the corner");
        }
        out.println("  watch results      signstream consume --bootstrap " + kafka.bootstrapServers());
        out.println("  watch dead letters signstream consume --dead-letters --bootstrap " + kafka.bootstrapServers());
        out.println(duration > 0 ? "  stopping after " + duration + " s" : "  Ctrl-C to stop");
        out.flush();
        replayer.run(rate, duration > 0 ? Duration.ofSeconds(duration) : null, running::get);
        awaitResults(pipeline, replayer);
        out.printf("sent %d requests (%d malformed on purpose); %.0f explanations, %.0f dead letters%n",
            replayer.sent(), replayer.malformed(), pipeline.metrics().count("signstream.explanations.out"),
            pipeline.metrics().count("signstream.dead.letters"));
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the JVM is already stopping: the hook waits for us
        }
      }
    } finally {
      if (extracted != null) {
        deleteTree(extracted);
      }
      stopped.countDown();
    }
    return 0;
  }

  /** The demo's monitoring: short windows, a short grace, a 3-window reference and 20 % cross-checks. */
  static MonitorSettings demoMonitoring(long windowSeconds) {
    MonitorSettings d = MonitorSettings.defaults();
    return new MonitorSettings(Duration.ofSeconds(windowSeconds), Duration.ofSeconds(2), 3, d.topK(),
        d.driftThreshold(), d.minCount(), d.clearWindows(), 0.2, d.disagreementThreshold(), d.maxKeys(),
        d.maxMapElements(), d.maxPendingPairs());
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temporary folder left behind is harmless
    }
  }

  /** Gives the last requests a few seconds to come out, so the summary line adds up. */
  private static void awaitResults(Pipeline pipeline, DemoReplayer replayer) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline
        && (pipeline.metrics().count("signstream.explanations.out") < replayer.explanationsExpected()
        || pipeline.metrics().count("signstream.dead.letters") < replayer.malformed())) {
      Thread.sleep(100);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static List<String> split(String list) {
    return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
