package io.signstream.stream.kafka;

import io.signstream.stream.config.StreamConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a topology with exactly-once (v2) processing.
 *
 * <p>Exactly-once is what makes "every request ends in its explanations or one dead letter, once"
 * hold across crashes: the topology's outputs and its consumed offsets commit in one transaction.
 * A failed stream thread is replaced a few times (transient broker trouble), then the client shuts
 * down so a deterministic failure shows as state ERROR on {@code /health} instead of looping.
 */
public final class StreamsApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StreamsApp.class);
  private static final int MAX_THREAD_REPLACEMENTS = 3;

  private final KafkaStreams streams;
  private final Path tempStateDir;
  private final AtomicBoolean closed = new AtomicBoolean();

  private StreamsApp(KafkaStreams streams, Path tempStateDir) {
    this.streams = streams;
    this.tempStateDir = tempStateDir;
  }

  /** Streams settings for a deployment: EOS v2, 100 ms commits, the deployment's replication factor. */
  public static Properties properties(StreamConfig config, Path stateDir) {
    Properties p = new Properties();
    p.putAll(KafkaProps.common(config));
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.replicationFactor());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put("processing.exception.handler.global.enabled", "true");
    return p;
  }

  /** Starts the topology and returns at once; see {@link #awaitRunning}. */
  public static StreamsApp start(Topology topology, StreamConfig config) {
    Path temp = null;
    Path stateDir = config.stateDir();
    if (stateDir == null) {
      try {
        temp = Files.createTempDirectory("signstream-streams-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      stateDir = temp;
    }
    KafkaStreams streams = new KafkaStreams(topology, properties(config, stateDir));
    AtomicInteger replaced = new AtomicInteger();
    streams.setUncaughtExceptionHandler(e -> {
      if (replaced.incrementAndGet() <= MAX_THREAD_REPLACEMENTS) {
        LOG.warn("topology thread failed, replacing it: {}", e.toString(), e);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
      }
      LOG.error("topology thread failed again, stopping the topology: {}", e.toString(), e);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.start();
    return new StreamsApp(streams, temp);
  }

  /** Waits until the topology is RUNNING. */
  public void awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        throw new IllegalStateException("the topology stopped: " + streams.state());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the topology is not running after " + timeout + ": " + streams.state());
      }
      Thread.sleep(20);
    }
  }

  /** The Streams client state (CREATED, REBALANCING, RUNNING, ERROR, …). */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Whether the topology is healthy: running or rebalancing. */
  public boolean healthy() {
    KafkaStreams.State s = streams.state();
    return s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.REBALANCING;
  }

  /** Stops the topology (committing what it has processed) and removes a temporary state folder. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    streams.close(Duration.ofSeconds(30));
    if (tempStateDir != null) {
      streams.cleanUp();
      tempStateDir.toFile().delete();
    }
  }
}
