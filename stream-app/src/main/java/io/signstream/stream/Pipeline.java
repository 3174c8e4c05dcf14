package io.signstream.stream;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.signstream.schemas.AvroSerde;
import io.signstream.stream.config.Role;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.http.HttpVerticle;
import io.signstream.stream.kafka.KafkaProps;
import io.signstream.stream.logging.GpuProbeLogging;
import io.signstream.stream.kafka.StreamsApp;
import io.signstream.stream.kafka.TopicAdmin;
import io.signstream.stream.metrics.PipelineMetrics;
import io.signstream.stream.monitoring.MonitorSettings;
import io.signstream.stream.monitoring.Monitoring;
import io.signstream.stream.registry.ModelLoadStatus;
import io.signstream.stream.registry.ModelRegistry;
import io.signstream.stream.topology.DeadLetters;
import io.signstream.stream.topology.EventValidator;
import io.signstream.stream.topology.ExplainTopology;
import io.signstream.stream.worker.ComputerFactory;
import io.signstream.stream.worker.DeadLetterFeed;
import io.signstream.stream.worker.ModelWarmup;
import io.signstream.stream.worker.WorkerSpec;
import io.signstream.stream.worker.Workers;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running SignStream: topics, the topology, the workers, the dead-letter feed and HTTP, wired
 * from a {@link StreamConfig}. Used by {@code signstream demo}, {@code signstream run} and the tests.
 * The configuration's {@link Role} says which parts run: all of them, the topology side (topology,
 * dead-letter feed, HTTP) or the worker side (workers and HTTP), so that workers can run as separate,
 * separately scaled processes in the same consumer group.
 *
 * <pre>{@code
 * try (Pipeline p = Pipeline.start(config, ComputerFactory.engine(), null)) {
 *   System.out.println("http://127.0.0.1:" + p.httpPort() + "/metrics");
 * }
 * }</pre>
 */
public final class Pipeline implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final StreamConfig config;
  private final ModelRegistry registry;
  private final PipelineMetrics metrics;
  private final ComputerFactory computers;
  /** What this process's workers found when loading models; shown on {@code /api/models}. */
  private final ModelLoadStatus loads = new ModelLoadStatus();
  private final Vertx vertx;
  private final StreamsApp streams; // null when this process does not run the topology
  private final Map<String, String> workerDeployments = new LinkedHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final int maxRecordBytes;
  private HttpVerticle http;
  private Monitoring monitoring;

  private Pipeline(StreamConfig config, ModelRegistry registry, PipelineMetrics metrics, ComputerFactory computers,
      Vertx vertx, StreamsApp streams, int maxRecordBytes) {
    this.maxRecordBytes = maxRecordBytes;
    this.config = config;
    this.registry = registry;
    this.metrics = metrics;
    this.computers = computers;
    this.vertx = vertx;
    this.streams = streams;
  }

  /**
   * Creates missing topics, starts the topology, the workers of every configured engine, the
   * dead-letter feed and the HTTP server, and waits until the topology runs; with another
   * {@link StreamConfig#role() role} only its parts start (topics are ensured by every role, so
   * processes may start in any order).
   *
   * @param extraRoutes extra HTTP routes (the dashboard), or null
   */
  public static Pipeline start(StreamConfig config, ComputerFactory computers, Consumer<Router> extraRoutes) {
    return start(config, MonitorSettings.defaults(), computers, extraRoutes);
  }

  /** As {@link #start(StreamConfig, ComputerFactory, Consumer)}, with explanation monitoring configured. */
  public static Pipeline start(StreamConfig config, MonitorSettings monitor, ComputerFactory computers,
      Consumer<Router> extraRoutes) {
    AvroSerde.trustSchemaPackage();
    GpuProbeLogging.quietFor(config.worker().device()); // before any engine loads

    ModelRegistry registry = ModelRegistry.load(config.modelsDir());
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PipelineMetrics metrics = new PipelineMetrics(prometheus);
    TopicAdmin.ensureTopics(KafkaProps.common(config), config.topics().all(), config.partitions(),
        config.replicationFactor());
    // every record is sized against the smaller of the producer's and the brokers' limits
    int maxRecordBytes = Math.min(KafkaProps.maxRequestSize(config),
        TopicAdmin.maxMessageBytes(KafkaProps.common(config), config.topics().all()));
    Role role = config.role();
    StreamsApp streams = null;
    if (role.runsTopology()) {
      EventValidator validator = new EventValidator(registry, config.limits());
      DeadLetters letters = new DeadLetters(maxRecordBytes);
      streams = StreamsApp.start(ExplainTopology.build(config.topics(), validator, metrics, letters,
          config.topology().taskKey(), Monitoring.crossCheck(config, monitor)), config);
    }
    Vertx vertx = Vertx.vertx();
    Pipeline p = new Pipeline(config, registry, metrics, computers, vertx, streams, maxRecordBytes);
    try {
      for (String engine : config.worker().engines()) {
        p.startWorkers(engine);
      }
      if (role.runsTopology()) {
        vertx.deployVerticle(() -> new DeadLetterFeed(config),
            new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await(60, TimeUnit.SECONDS);
      }
      p.monitoring = Monitoring.start(config, monitor, registry, prometheus, role.runsTopology());
      Consumer<Router> routes = router -> {
        p.monitoring.addRoutes(router);
        if (extraRoutes != null) {
          extraRoutes.accept(router);
        }
      };
      p.http = new HttpVerticle(config.httpHost(), config.httpPort(), registry, p.loads, prometheus, p::health,
          routes);
      vertx.deployVerticle(p.http).await(30, TimeUnit.SECONDS);
      if (streams != null) {
        streams.awaitRunning(Duration.ofSeconds(120));
      }
      p.monitoring.awaitRunning(Duration.ofSeconds(120));
    } catch (Exception e) {
      p.close();
      throw new IllegalStateException("the pipeline did not start: " + e.getMessage(), e);
    }
    LOG.info("SignStream running (role {}): {} models, workers for {}, HTTP on http://{}:{}", role, registry.size(),
        role.runsWorkers() ? config.worker().engines() : "none", config.httpHost(), p.httpPort());
    return p;
  }

  /** Deploys the workers of one engine (again, after {@link #stopWorkers}). */
  public synchronized void startWorkers(String engine) throws Exception {
    if (workerDeployments.containsKey(engine) || config.worker().instances() == 0 || !config.role().runsWorkers()) {
      return;
    }
    WorkerSpec spec = new WorkerSpec(config, engine, registry, metrics,
        () -> ModelWarmup.warm(computers.create(engine, config.worker(), loads), registry, engine,
            config.worker().explainerCacheSize()), maxRecordBytes);
    String id = Workers.deploy(vertx, spec, config.worker().instances()).await(120, TimeUnit.SECONDS);
    workerDeployments.put(engine, id);
  }

  /** Undeploys the workers of one engine; their uncommitted tasks go back to the topic. */
  public synchronized void stopWorkers(String engine) throws Exception {
    String id = workerDeployments.remove(engine);
    if (id != null) {
      vertx.undeploy(id).await(60, TimeUnit.SECONDS);
    }
  }

  /** The health document served on {@code /health}. */
  public JsonObject health() {
    JsonObject workers = new JsonObject();
    boolean workersUp = true;
    synchronized (this) {
      for (String e : config.worker().engines()) {
        boolean deployed = workerDeployments.containsKey(e);
        workers.put(e, deployed ? config.worker().instances() : 0);
        workersUp &= deployed || config.worker().instances() == 0;
      }
    }
    // a worker process is up when its workers are; a topology process when its topology is
    boolean up = streams != null ? streams.healthy() : workersUp;
    JsonObject doc = new JsonObject()
        .put("status", up ? "UP" : "DOWN")
        .put("role", config.role().name().toLowerCase(java.util.Locale.ROOT))
        .put("topology", streams == null ? "NONE" : streams.state().name())
        .put("monitoring", monitoring == null ? "NONE" : monitoring.state())
        .put("workers", workers)
        .put("models", registry.size());
    if (!up) {
      doc.put("reason", streams != null
          ? streams.stopReason().orElse("the topology is " + streams.state() + " (starting, or shutting down)")
          : "no worker is deployed for " + config.worker().engines());
    }
    return doc;
  }

  /** The HTTP port. */
  public String dashboardUrl() {
    return http == null ? null : http.dashboardUrl();
  }

  public int httpPort() {
    return http == null ? -1 : http.actualPort();
  }

  /** The Vert.x instance (event bus consumers, e.g. the dashboard). */
  public Vertx vertx() {
    return vertx;
  }

  /** The meters. */
  public PipelineMetrics metrics() {
    return metrics;
  }

  /** The models. */
  public ModelRegistry registry() {
    return registry;
  }

  /** Whether this process's workers could load each model, per engine (as on {@code /api/models}). */
  public ModelLoadStatus modelLoads() {
    return loads;
  }

  /** The configuration it runs with. */
  public StreamConfig config() {
    return config;
  }

  /** Stops HTTP and the workers, then the topology. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      vertx.close().await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("closing Vert.x: {}", e.toString());
    } finally {
      if (monitoring != null) {
        monitoring.close();
      }
      if (streams != null) {
        streams.close();
      }
    }
  }

  /** Explanation monitoring (its view backs {@code /api/monitoring}). */
  public Monitoring monitoring() {
    return monitoring;
  }
}
