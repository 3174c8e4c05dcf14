package io.signstream.stream.cli;

import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.InferenceEvent;
import io.signstream.schemas.Layout;
import io.signstream.schemas.TensorCodec;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** {@code signstream produce}: sends one inference request built from a {@code .npy} file. */
final class ProduceCommand implements Subcommand {

  @Override
  public String name() {
    return "produce";
  }

  @Override
  public String summary() {
    return "send one explanation request (an .npy input) to the requests topic";
  }

  @Override
  public String usage() {
    return "usage: signstream produce --model ID --input X.npy --method M[,M...] [options]\n"
        + "  --model ID                model id in the pipeline's registry\n"
        + "  --input X.npy             float32 input, batch first, preprocessed as the model expects\n"
        + "  --method M[,M...]         methods to compute (one explanation each)\n"
        + "  --target N                class to explain (default: each sample's top prediction)\n"
        + "  --engine pytorch|tensorflow  (default: the model's, else pytorch)\n"
        + "  --layout NCHW|NHWC|NC|NCT|NTC|ANY  (default ANY)\n"
        + "  --param k=v               method parameter, repeatable\n"
        + "  --meta k=v                metadata entry, repeatable\n"
        + "  --event-id ID             request id (default: a random UUID)\n"
        + ClientOptions.USAGE + "\n"
        + "Prints one JSON line: {eventId, topic, partition, offset}.";
  }

  @Override
  public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    Set<String> valued = new HashSet<>(ClientOptions.VALUED);
    valued.addAll(List.of("model", "input", "method", "target", "engine", "layout", "param", "meta", "event-id"));
    CliArgs args = CliArgs.parse(argv, valued, Set.of());
    ClientOptions client = ClientOptions.of(args);
    NpyArray x = NpyFile.read(Path.of(args.require("input")));
    List<String> methods = Arrays.stream(args.require("method").split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).toList();
    InferenceEvent event = InferenceEvent.newBuilder()
        .setEventId(args.get("event-id", UUID.randomUUID().toString()))
        .setModelId(args.require("model"))
        .setEventTime(Instant.now())
        .setInput(TensorCodec.fromFloats(x.data(), x.shape(), layout(args.get("layout", "ANY"))))
        .setTarget(args.get("target") == null ? null : (int) args.number("target", 0))
        .setMethods(methods)
        .setParams(pairs(args.all("param"), "param"))
        .setEngine(args.get("engine") == null ? null : args.get("engine").toLowerCase(Locale.ROOT))
        .setMetadata(pairs(args.all("meta"), "meta"))
        .build();
    byte[] value = AvroSerde.inferenceEvent().encode(event);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client.clientProps, new StringSerializer(),
        new ByteArraySerializer())) {
      RecordMetadata m = producer.send(new ProducerRecord<>(client.topics.requests(), event.getEventId(), value))
          .get(60, TimeUnit.SECONDS);
      out.println(new JsonObject().put("eventId", event.getEventId()).put("topic", m.topic())
          .put("partition", m.partition()).put("offset", m.offset()).encode());
    }
    return 0;
  }

  private static Layout layout(String name) {
    try {
      return Layout.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UsageException("unknown layout '" + name + "', use one of " + Arrays.toString(Layout.values()));
    }
  }

  private static Map<String, String> pairs(List<String> items, String option) {
    Map<String, String> out = new HashMap<>();
    for (String item : items) {
      int eq = item.indexOf('=');
      if (eq <= 0) {
        throw new UsageException("--" + option + " takes key=value, got '" + item + "'");
      }
      out.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
    }
    return out;
  }
}
