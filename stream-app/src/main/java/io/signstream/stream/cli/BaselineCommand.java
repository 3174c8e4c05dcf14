package io.signstream.stream.cli;

import io.signstream.schemas.BaselinePin;
import io.signstream.stream.monitoring.BaselinePins;
import io.signstream.stream.monitoring.MonitoringTopics;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code signstream baseline pin --model ID [--version V]}: makes the model's recent behaviour its drift
 * reference, through the compacted baselines topic (the same as {@code POST /api/monitoring/baseline}).
 */
final class BaselineCommand implements Subcommand {

  @Override
  public String name() {
    return "baseline";
  }

  @Override
  public String summary() {
    return "pin a model's recent explanations as its drift reference (baseline pin --model ID)";
  }

  @Override
  public String usage() {
    return "usage: signstream baseline pin --model ID [--version V] [options]\n"
        + "  --model ID                model whose drift reference to pin\n"
        + "  --version V               only this version (default: every version of the model)\n"
        + ClientOptions.USAGE + "\n"
        + "The reference becomes the last monitor.reference.windows closed windows of each of the model's keys\n"
        + "before now. Prints one JSON line: {model, version, pinnedAt, topic}.";
  }

  @Override
  public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    Set<String> valued = new HashSet<>(ClientOptions.VALUED);
    valued.addAll(List.of("model", "version"));
    CliArgs args = CliArgs.parse(argv, valued, Set.of());
    List<String> positional = args.positional();
    if (positional.size() != 1 || !"pin".equals(positional.get(0))) {
      throw new UsageException("expected the action 'pin', got " + positional);
    }
    String model = args.require("model");
    ClientOptions client = ClientOptions.of(args);
    MonitoringTopics topics = MonitoringTopics.of(client.topics);
    BaselinePin pin = BaselinePins.pin(client.clientProps, topics, model, args.get("version"), "cli");
    out.println(new JsonObject().put("model", pin.getModelId()).put("version", pin.getModelVersion())
        .put("pinnedAt", pin.getPinnedAt().toEpochMilli()).put("topic", topics.baselines()).encode());
    return 0;
  }
}
