package io.signstream.stream.cli;

import io.signstream.stream.Pipeline;
import io.signstream.stream.config.ConfigLoader;
import io.signstream.stream.config.Role;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.monitoring.MonitorSettings;
import io.signstream.stream.worker.ComputerFactory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code signstream run [--config FILE]}: the pipeline against an existing Kafka cluster, until
 * stopped. Settings come from the file, from {@code SIGNSTREAM_*}/{@code KAFKA_*} environment
 * variables over it, or from the environment alone (containers); {@code --role} picks the parts.
 */
final class RunCommand implements Subcommand {

  @Override
  public String name() {
    return "run";
  }

  @Override
  public String summary() {
    return "run the pipeline against an existing Kafka cluster (--config FILE or SIGNSTREAM_* variables)";
  }

  @Override
  public String usage() {
    return "usage: signstream run [--config FILE] [--role all|topology|worker] [--http-port P]\n"
        + "  --config FILE             properties: bootstrap.servers, topic.prefix, models.dir, http.port, ...\n"
        + "                            and kafka.* client settings passed through (e.g. kafka.security.protocol)\n"
        + "  --role R                  all (default), topology (no workers) or worker (workers only)\n"
        + "  --http-port P             overrides http.port\n"
        + "Environment variables override the file, or replace it: SIGNSTREAM_BOOTSTRAP_SERVERS,\n"
        + "SIGNSTREAM_TOPIC_PREFIX, SIGNSTREAM_MODELS_DIR, SIGNSTREAM_ROLE, SIGNSTREAM_HTTP_PORT, ... (any key,\n"
        + "upper-cased, dots as underscores) and KAFKA_<CLIENT_SETTING> (e.g. KAFKA_SECURITY_PROTOCOL).";
  }

  @Override
  public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    CliArgs args = CliArgs.parse(argv, Set.of("config", "http-port", "role"), Set.of());
    Role role = args.get("role") == null ? null : role(args.get("role"));
    StreamConfig config = config(args, role == null ? System.getenv() : withRole(System.getenv(), role));
    return runUntilStopped(config, monitorSettings(args, System.getenv()), out);
  }

  /** {@code env} with {@code SIGNSTREAM_ROLE} set, so that the loader applies the role's defaults. */
  static Map<String, String> withRole(Map<String, String> env, Role role) {
    Map<String, String> out = new java.util.HashMap<>(env);
    out.put(ConfigLoader.variableOf("role"), role.name().toLowerCase(Locale.ROOT));
    return out;
  }

  /** The configuration of {@code run} and {@code worker}: file and/or environment, then {@code --http-port}. */
  static StreamConfig config(CliArgs args, Map<String, String> env) throws java.io.IOException {
    StreamConfig config;
    if (args.get("config") != null) {
      config = ConfigLoader.load(Path.of(args.get("config")), env);
    } else if (env.containsKey("SIGNSTREAM_BOOTSTRAP_SERVERS")) {
      config = ConfigLoader.fromEnvironment(env, Path.of("").toAbsolutePath());
    } else {
      throw new UsageException("--config FILE is required unless SIGNSTREAM_BOOTSTRAP_SERVERS is set");
    }
    if (args.get("http-port") != null) {
      config = config.withHttp(config.httpHost(), (int) args.number("http-port", config.httpPort()));
    }
    return config;
  }

  /** The {@code monitor.*} settings of the same file and environment. */
  static MonitorSettings monitorSettings(CliArgs args, Map<String, String> env) throws java.io.IOException {
    java.util.Properties p = new java.util.Properties();
    if (args.get("config") != null) {
      try (java.io.Reader r = java.nio.file.Files.newBufferedReader(Path.of(args.get("config")))) {
        p.load(r);
      }
    }
    p.putAll(ConfigLoader.environmentProperties(env));
    try {
      return MonitorSettings.fromProperties(p);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static Role role(String name) {
    try {
      return Role.parse(name);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** Starts the pipeline and blocks until the JVM is asked to stop (Ctrl-C, SIGTERM), then closes it. */
  static int runUntilStopped(StreamConfig config, PrintStream out) throws InterruptedException {
    return runUntilStopped(config, MonitorSettings.defaults(), out);
  }

  /** As {@link #runUntilStopped(StreamConfig, PrintStream)} with explanation monitoring configured. */
  static int runUntilStopped(StreamConfig config, MonitorSettings monitor, PrintStream out) throws InterruptedException {
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    Pipeline pipeline = Pipeline.start(config, monitor, ComputerFactory.engine(), null);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "signstream-run-shutdown"));
    out.println("SignStream running (role " + config.role().name().toLowerCase(Locale.ROOT) + ") against "
        + config.bootstrapServers() + " (topics " + config.topics().prefix() + "*), HTTP on http://"
        + config.httpHost() + ":" + pipeline.httpPort() + " — Ctrl-C to stop");
    out.flush();
    try {
      stop.await();
    } finally {
      pipeline.close();
      closed.countDown();
    }
    return 0;
  }
}
