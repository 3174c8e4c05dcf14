package io.signstream.stream.monitoring;

import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.kafka.KafkaProps;
import io.signstream.stream.kafka.StreamsApp;
import io.signstream.stream.kafka.TopicAdmin;
import io.signstream.stream.registry.ModelRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Explanation monitoring as one part of a running pipeline: its topics, its topology (in processes
 * that run the topology) as the Streams application {@code <application.id>-monitor}, and the view
 * behind the HTTP endpoints (in every process).
 */
public final class Monitoring implements AutoCloseable {

  private final StreamsApp streams; // null where this process does not run the topology
  private final MonitoringView view;
  private final MonitoringRoutes routes;

  private Monitoring(StreamsApp streams, MonitoringView view, MonitoringRoutes routes) {
    this.streams = streams;
    this.view = view;
    this.routes = routes;
  }

  /** The cross-checks of a deployment: the configured rate over the engines that have workers. */
  public static CrossCheck crossCheck(StreamConfig config, MonitorSettings settings) {
    return new CrossCheck(settings.crossCheckRate(), config.worker().engines());
  }

  /**
   * Creates the monitoring topics, starts the monitoring topology if {@code runTopology}, and the view.
   */
  public static Monitoring start(StreamConfig config, MonitorSettings settings, ModelRegistry registry,
      MeterRegistry meters, boolean runTopology) {
    Map<String, Object> client = KafkaProps.common(config);
    MonitoringTopics topics = MonitoringTopics.of(config.topics());
    TopicAdmin.ensureTopics(client, topics.streams(), config.partitions(), config.replicationFactor());
    TopicAdmin.ensureTopics(client, java.util.List.of(topics.baselines()), 1, config.replicationFactor(),
        Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    StreamsApp streams = null;
    if (runTopology) {
      // its own commit cadence: nothing downstream waits on its transactions (see TopologySettings)
      StreamConfig monitorConfig = config.withTopics(config.topics(), config.applicationId() + "-monitor")
          .withTopology(config.topology().withCommitIntervalMillis(config.topology().monitorCommitIntervalMillis()));
      ExplanationRouting routing = ExplanationRouting.forPartitions(
          TopicAdmin.partitionCount(client, config.topics().explanations()));
      streams = StreamsApp.start(MonitoringTopology.build(config.topics(), settings, crossCheck(config, settings),
          new MonitorMetrics(meters), routing), monitorConfig);
    }
    MonitoringView view = new MonitoringView(client, topics);
    return new Monitoring(streams, view, new MonitoringRoutes(view, registry, client, topics));
  }

  /** Waits until the monitoring topology runs (no-op without one). */
  public void awaitRunning(Duration timeout) throws InterruptedException {
    if (streams != null) {
      streams.awaitRunning(timeout);
    }
  }

  /** The monitoring topology's state, or "NONE". */
  public String state() {
    return streams == null ? "NONE" : streams.state().name();
  }

  /** Adds the HTTP endpoints. */
  public void addRoutes(Router router) {
    routes.addTo(router);
  }

  /** What the endpoints serve. */
  public MonitoringView view() {
    return view;
  }

  @Override
  public void close() {
    view.close();
    if (streams != null) {
      streams.close();
    }
  }
}
