package io.signstream.stream.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka 4 broker (KRaft, combined broker + controller) inside this JVM, on loopback
 * ports, with its data in a temporary folder that {@link #close()} deletes.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *   String bootstrap = kafka.bootstrapServers();   // "127.0.0.1:<port>"
 * }
 * }</pre>
 *
 * <p>With a single broker every internal topic must have replication factor 1 and the transaction
 * log a minimum ISR of 1, otherwise consumer groups and transactions (exactly-once) hang waiting for
 * replicas that will never exist. Automatic topic creation is off so that a misnamed topic fails
 * loudly instead of appearing empty; create topics with {@link TopicAdmin}.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final Path dir;
  private final int port;
  private final KafkaRaftServer server;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedKafka(Path dir, int port, KafkaRaftServer server) {
    this.dir = dir;
    this.port = port;
    this.server = server;
  }

  /** Starts a broker with the default settings. */
  public static EmbeddedKafka start() {
    return start(Map.of());
  }

  /**
   * Starts a broker and waits until it answers.
   *
   * @param overrides broker properties applied over the defaults
   */
  public static EmbeddedKafka start(Map<String, String> overrides) {
    Path dir;
    try {
      dir = Files.createTempDirectory("signstream-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int broker = freePort();
    int controller = freePort();
    Properties p = brokerProperties(dir, broker, controller);
    overrides.forEach(p::put);
    try {
      format(dir, p);
      KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(p), Time.SYSTEM);
      server.startup();
      EmbeddedKafka kafka = new EmbeddedKafka(dir, broker, server);
      kafka.awaitReady();
      LOG.info("embedded Kafka broker ready on {} (data in {})", kafka.bootstrapServers(), dir);
      return kafka;
    } catch (RuntimeException e) {
      deleteQuietly(dir);
      throw e;
    }
  }

  /** {@code 127.0.0.1:<port>}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** Stops the broker and deletes its data; calling it again does nothing. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      deleteQuietly(dir);
    }
  }

  private static Properties brokerProperties(Path dir, int broker, int controller) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controller);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + broker + ",CONTROLLER://127.0.0.1:" + controller);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + broker);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", dir.resolve("data").toString());
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("num.partitions", "1");
    p.put("auto.create.topics.enable", "false");
    return p;
  }

  /** The library form of {@code kafka-storage.sh format}: a KRaft broker refuses to start on unformatted storage. */
  private static void format(Path dir, Properties p) {
    Path cfg = dir.resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(cfg)) {
      p.store(out, "SignStream embedded broker");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", cfg.toString()},
        new PrintStream(OutputStream.nullOutputStream()));
    if (rc != 0) {
      throw new IllegalStateException("formatting the embedded Kafka storage failed with code " + rc);
    }
  }

  private void awaitReady() {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      close();
      throw new IllegalStateException("embedded Kafka did not become ready: " + e, e);
    }
  }

  /** A port free right now; the broker binds it moments later (a race acceptable on loopback). */
  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      LOG.debug("could not delete {}: {}", dir, e.toString());
    }
  }
}
