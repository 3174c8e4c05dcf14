package io.signstream.stream.cli;

import io.signstream.stream.Pipeline;
import io.signstream.stream.config.ConfigLoader;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.worker.ComputerFactory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** {@code signstream run --config FILE}: the pipeline against an existing Kafka cluster, until stopped. */
final class RunCommand implements Subcommand {

  @Override
  public String name() {
    return "run";
  }

  @Override
  public String summary() {
    return "run the pipeline against an existing Kafka cluster (--config FILE)";
  }

  @Override
  public String usage() {
    return "usage: signstream run --config FILE [--http-port P]\n"
        + "  --config FILE             properties: bootstrap.servers, topic.prefix, models.dir, http.port, ...\n"
        + "                            and kafka.* client settings passed through (e.g. kafka.security.protocol)\n"
        + "  --http-port P             overrides http.port";
  }

  @Override
  public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    CliArgs args = CliArgs.parse(argv, Set.of("config", "http-port"), Set.of());
    StreamConfig config = ConfigLoader.load(Path.of(args.require("config")));
    if (args.get("http-port") != null) {
      config = config.withHttp(config.httpHost(), (int) args.number("http-port", config.httpPort()));
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    Pipeline pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "signstream-run-shutdown"));
    out.println("SignStream running against " + config.bootstrapServers() + " (topics " + config.topics().prefix()
        + "*), HTTP on http://" + config.httpHost() + ":" + pipeline.httpPort() + " — Ctrl-C to stop");
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
