package io.signstream.stream.cli;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.Explanation;
import io.signstream.stream.worker.ExplanationJson;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code signstream consume}: prints explanations (or dead letters) as JSON lines. Reads
 * read_committed and without a consumer group, so it never disturbs other consumers.
 */
final class ConsumeCommand implements Subcommand {

  @Override
  public String name() {
    return "consume";
  }

  @Override
  public String summary() {
    return "print explanations (or --dead-letters) as JSON lines";
  }

  @Override
  public String usage() {
    return "usage: signstream consume [--dead-letters] [options]\n"
        + "  --dead-letters            read the dead-letter topic instead of the explanations\n"
        + "  --from-beginning          start at the oldest record (default: only new ones)\n"
        + "  --max N                   stop after N records\n"
        + "  --timeout S               stop after S seconds without a record (default: never)\n"
        + "  --with-relevance          include small relevance maps in the output\n"
        + ClientOptions.USAGE;
  }

  @Override
  public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    Set<String> valued = new HashSet<>(ClientOptions.VALUED);
    valued.addAll(List.of("max", "timeout"));
    CliArgs args = CliArgs.parse(argv, valued, Set.of("dead-letters", "from-beginning", "with-relevance"));
    ClientOptions client = ClientOptions.of(args);
    boolean dead = args.has("dead-letters");
    String topic = dead ? client.topics.deadLetter() : client.topics.explanations();
    long max = args.number("max", Long.MAX_VALUE);
    long idleLimitMillis = args.number("timeout", 0) * 1000;
    Map<String, Object> props = client.clientProps;
    props.put("isolation.level", "read_committed");
    props.put("enable.auto.commit", false);
    long printed = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      if (parts.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist");
      }
      consumer.assign(parts);
      if (args.has("from-beginning")) {
        consumer.seekToBeginning(parts);
      } else {
        consumer.seekToEnd(parts);
      }
      long lastRecord = System.currentTimeMillis();
      while (printed < max) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          out.println(line(r, dead, args.has("with-relevance")));
          lastRecord = System.currentTimeMillis();
          if (++printed >= max) {
            break;
          }
        }
        out.flush();
        if (idleLimitMillis > 0 && System.currentTimeMillis() - lastRecord > idleLimitMillis) {
          break;
        }
      }
    }
    return 0;
  }

  private static String line(ConsumerRecord<byte[], byte[]> r, boolean dead, boolean withRelevance) {
    try {
      if (dead) {
        DeadLetter d = AvroSerde.deadLetter().decode(r.value());
        return ExplanationJson.deadLetter(d).encode();
      }
      Explanation e = AvroSerde.explanation().decode(r.value());
      JsonObject json = ExplanationJson.explanation(e);
      if (!withRelevance) {
        json.remove("relevance");
      }
      return json.encode();
    } catch (SerializationException e) {
      return new JsonObject().put("undecodable", true).put("partition", r.partition()).put("offset", r.offset())
          .put("reason", e.getMessage()).encode();
    }
  }
}
