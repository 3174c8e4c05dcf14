package io.signstream.stream.kafka;

import io.signstream.stream.config.StreamConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerConfig;
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
 *
 * <p>No request can fail a stream thread: the processor turns every bad record into one bounded dead
 * letter and sizes every record before forwarding it. What is left are failures of the surroundings
 * (the broker unreachable, a fenced producer): a failed thread is replaced, and only when threads
 * keep failing ({@value #MAX_FAILURES_IN_WINDOW} failures within {@link #FAILURE_WINDOW}) does the
 * client stop, with the last failure kept as the {@link #stopReason() reason} that {@code /health} shows.
 */
public final class StreamsApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StreamsApp.class);
  static final int MAX_FAILURES_IN_WINDOW = 5;
  static final Duration FAILURE_WINDOW = Duration.ofMinutes(5);

  private final KafkaStreams streams;
  private final Path tempStateDir;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicReference<String> stopReason;

  private StreamsApp(KafkaStreams streams, Path tempStateDir, AtomicReference<String> stopReason) {
    this.streams = streams;
    this.tempStateDir = tempStateDir;
    this.stopReason = stopReason;
  }

  /** Streams settings for a deployment: EOS v2, its commit interval, the deployment's replication factor. */
  public static Properties properties(StreamConfig config, Path stateDir) {
    Properties p = new Properties();
    p.putAll(KafkaProps.common(config));
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.replicationFactor());
    // under exactly-once a commit ends the transaction that makes the tasks visible to the workers
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.topology().commitIntervalMillis());
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), KafkaProps.producerBatchSize(config));
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
    AtomicReference<String> reason = new AtomicReference<>();
    Deque<Long> failures = new ArrayDeque<>();
    streams.setUncaughtExceptionHandler(e -> {
      long now = System.currentTimeMillis();
      synchronized (failures) {
        failures.addLast(now);
        while (!failures.isEmpty() && failures.peekFirst() < now - FAILURE_WINDOW.toMillis()) {
          failures.removeFirst();
        }
        if (failures.size() < MAX_FAILURES_IN_WINDOW) {
          LOG.warn("topology thread failed ({} in the last {}), replacing it: {}", failures.size(), FAILURE_WINDOW,
              e.toString(), e);
          return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
      }
      reason.set("the topology thread failed " + MAX_FAILURES_IN_WINDOW + " times within " + FAILURE_WINDOW
          .toMinutes() + " minutes; last failure: " + rootCause(e) + " (is the Kafka cluster at "
          + config.bootstrapServers() + " reachable, and may this client write its topics?)");
      LOG.error("stopping the topology: {}", reason.get(), e);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.setStateListener((now, before) -> {
      if ((now == KafkaStreams.State.ERROR || now == KafkaStreams.State.PENDING_ERROR) && reason.get() == null) {
        reason.compareAndSet(null, "the topology stopped (state " + now + ") without a thread failure; see the log");
      }
    });
    streams.start();
    return new StreamsApp(streams, temp, reason);
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

  /** Why the topology stopped for good, if it did. */
  public Optional<String> stopReason() {
    return Optional.ofNullable(stopReason.get());
  }

  private static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? e.toString() : e.getClass().getSimpleName() + " caused by " + t;
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
