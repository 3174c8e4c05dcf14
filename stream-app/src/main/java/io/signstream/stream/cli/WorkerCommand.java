package io.signstream.stream.cli;

import io.signstream.stream.config.Role;
import io.signstream.stream.config.StreamConfig;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code signstream worker}: only the worker verticles (and HTTP for /health and /metrics), joining
 * the workers' consumer group on the task topics. Start several, on one machine or many, to spread
 * the task partitions; same settings as {@code run}.
 */
final class WorkerCommand implements Subcommand {

  @Override
  public String name() {
    return "worker";
  }

  @Override
  public String summary() {
    return "run worker verticles only, in the workers' consumer group (scale out: start more)";
  }

  @Override
  public String usage() {
    return "usage: signstream worker [--config FILE] [--http-port P]\n"
        + "  --config FILE             the `signstream run` properties file (bootstrap.servers, models.dir,\n"
        + "                            worker.*, kafka.*); SIGNSTREAM_* / KAFKA_* variables override it or replace it\n"
        + "  --http-port P             overrides http.port (default for a worker: 0, any free port)\n"
        + "The same as `signstream run --role worker`.";
  }

  @Override
  public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    CliArgs args = CliArgs.parse(argv, Set.of("config", "http-port"), Set.of());
    // the role is known before the file is read: a worker's http.port then defaults to any free port
    StreamConfig config = RunCommand.config(args, RunCommand.withRole(System.getenv(), Role.WORKER));
    return RunCommand.runUntilStopped(config, out);
  }
}
