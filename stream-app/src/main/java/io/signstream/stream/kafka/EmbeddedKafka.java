package io.signstream.stream.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
 *   kafka.stop();                                   // broker down, data kept
 *   kafka.restart();                                // same ports, same log folders
 * }
 * }</pre>
 *
 * <p>With a single broker every internal topic must have replication factor 1 and the transaction
 * log a minimum ISR of 1, otherwise consumer groups and transactions (exactly-once) hang waiting for
 * replicas that will never exist. Automatic topic creation is off so that a misnamed topic fails
 * loudly instead of appearing empty; create topics with {@link TopicAdmin}.
 *
 * <p>{@link #startWithSaslPlain} adds a second client listener that takes SASL/PLAIN logins (the
 * inter-broker listener stays PLAINTEXT): a deployment configured with {@code kafka.security.protocol}
 * and friends can then be tested against a broker that really checks passwords.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final String SASL_LISTENER = "SASL_PLAINTEXT";

  private final Path dir;
  private final int port;
  private final int saslPort;
  private final Properties props;
  private final AtomicBoolean closed = new AtomicBoolean();
  private KafkaRaftServer server;

  private EmbeddedKafka(Path dir, int port, int saslPort, Properties props) {
    this.dir = dir;
    this.port = port;
    this.saslPort = saslPort;
    this.props = props;
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
    return start(overrides, null);
  }

  /**
   * Starts a broker with an extra {@code SASL_PLAINTEXT} listener ({@link #saslBootstrapServers()})
   * that accepts SASL/PLAIN logins of {@code users} (user name to password).
   *
   * @param overrides broker properties applied over the defaults
   */
  public static EmbeddedKafka startWithSaslPlain(Map<String, String> users, Map<String, String> overrides) {
    if (users.isEmpty()) {
      throw new IllegalArgumentException("name at least one SASL/PLAIN user");
    }
    return start(overrides, users);
  }

  private static EmbeddedKafka start(Map<String, String> overrides, Map<String, String> saslUsers) {
    Path dir;
    try {
      dir = Files.createTempDirectory("signstream-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int[] ports = freePorts(saslUsers == null ? 2 : 3);
    int broker = ports[0];
    int controller = ports[1];
    int sasl = saslUsers == null ? -1 : ports[2];
    Properties p = brokerProperties(dir, broker, controller);
    if (saslUsers != null) {
      addSaslPlainListener(p, sasl, saslUsers);
    }
    overrides.forEach(p::put);
    EmbeddedKafka kafka = new EmbeddedKafka(dir, broker, sasl, p);
    try {
      format(dir, p);
      kafka.launch();
      LOG.info("embedded Kafka broker ready on {} (data in {})", kafka.bootstrapServers(), dir);
      return kafka;
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
  }

  /** {@code 127.0.0.1:<port>}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /**
   * {@code 127.0.0.1:<port>} of the SASL/PLAIN listener.
   *
   * @throws IllegalStateException if the broker was not started with {@link #startWithSaslPlain}
   */
  public String saslBootstrapServers() {
    if (saslPort < 0) {
      throw new IllegalStateException("this broker has no SASL listener; start it with startWithSaslPlain");
    }
    return "127.0.0.1:" + saslPort;
  }

  /** Whether the broker is up (started and not stopped). */
  public synchronized boolean running() {
    return server != null;
  }

  /**
   * Shuts the broker down and keeps its data, as a crashed or restarted broker would; clients see
   * it gone until {@link #restart()}. Does nothing if it is already stopped.
   */
  public synchronized void stop() {
    if (server == null) {
      return;
    }
    KafkaRaftServer s = server;
    server = null;
    s.shutdown();
    s.awaitShutdown();
    LOG.info("embedded Kafka broker on {} stopped (data kept in {})", bootstrapServers(), dir);
  }

  /**
   * Starts the broker again on the same ports with the same log folders (stopping it first if it
   * runs), and waits until it answers. Topics, committed offsets and transactions survive.
   */
  public synchronized void restart() {
    if (closed.get()) {
      throw new IllegalStateException("the broker is closed");
    }
    stop();
    launch();
    LOG.info("embedded Kafka broker restarted on {}", bootstrapServers());
  }

  /** Stops the broker and deletes its data; calling it again does nothing. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      stop();
    } finally {
      deleteQuietly(dir);
    }
  }

  /** A new server over the formatted storage; the ports were just released, so a busy one is retried briefly. */
  private synchronized void launch() {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
      try {
        s.startup();
        server = s;
        awaitReady();
        return;
      } catch (RuntimeException e) {
        last = e;
        server = null;
        shutdownQuietly(s);
        if (!isBindFailure(e)) {
          throw e;
        }
        sleep(250);
      }
    }
    throw last;
  }

  private static boolean isBindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }

  private static void shutdownQuietly(KafkaRaftServer s) {
    try {
      s.shutdown();
      s.awaitShutdown();
    } catch (RuntimeException e) {
      LOG.debug("shutting down a broker that did not start: {}", e.toString());
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

  /** A client listener whose logins are checked against {@code users} by the broker's PLAIN login module. */
  private static void addSaslPlainListener(Properties p, int port, Map<String, String> users) {
    StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
    users.forEach((user, password) -> {
      if (!user.matches("[A-Za-z0-9._-]+") || password.contains("\"") || password.contains("\\")) {
        throw new IllegalArgumentException("SASL user names are letters, digits, . _ -; passwords hold no quote or backslash");
      }
      jaas.append(" user_").append(user).append("=\"").append(password).append('"');
    });
    jaas.append(';');
    String name = SASL_LISTENER.toLowerCase(java.util.Locale.ROOT);
    p.put("listeners", p.getProperty("listeners") + "," + SASL_LISTENER + "://127.0.0.1:" + port);
    p.put("advertised.listeners", p.getProperty("advertised.listeners") + "," + SASL_LISTENER + "://127.0.0.1:" + port);
    p.put("listener.security.protocol.map", p.getProperty("listener.security.protocol.map") + ","
        + SASL_LISTENER + ":SASL_PLAINTEXT");
    p.put("sasl.enabled.mechanisms", "PLAIN");
    p.put("listener.name." + name + ".sasl.enabled.mechanisms", "PLAIN");
    p.put("listener.name." + name + ".plain.sasl.jaas.config", jaas.toString());
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
      throw new IllegalStateException("embedded Kafka did not become ready: " + e, e);
    }
  }

  /**
   * {@code count} distinct ports free right now; the broker binds them moments later (a race acceptable on
   * loopback). The sockets stay open until all are chosen: closed one by one, the kernel may hand out the same
   * port twice, and Kafka refuses two listeners on one port.
   */
  static int[] freePorts(int count) {
    List<ServerSocket> held = new ArrayList<>(count);
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a listening socket that accepted nothing cannot lose data
        }
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while restarting the broker", e);
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
