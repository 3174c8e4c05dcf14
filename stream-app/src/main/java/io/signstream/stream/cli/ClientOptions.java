package io.signstream.stream.cli;

import io.signstream.schemas.TopicNames;
import io.signstream.stream.config.ConfigLoader;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.kafka.KafkaProps;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The Kafka connection options of the client subcommands ({@code produce}, {@code consume}):
 * {@code --config FILE} (the same file as {@code run}: bootstrap servers, prefix, {@code kafka.*}
 * security settings), or {@code --bootstrap} and {@code --topic-prefix}, which also override the file.
 * {@code SIGNSTREAM_*}/{@code KAFKA_*} environment variables apply over the file, or alone when
 * {@code SIGNSTREAM_BOOTSTRAP_SERVERS} is set (inside a SignStream container).
 */
final class ClientOptions {

  static final Set<String> VALUED = Set.of("config", "bootstrap", "topic-prefix");
  static final String USAGE = "  --bootstrap HOST:PORT     Kafka bootstrap servers (default localhost:9092)\n"
      + "  --topic-prefix P          topic prefix (default " + TopicNames.DEFAULT_PREFIX + ")\n"
      + "  --config FILE             a `signstream run` properties file (bootstrap, prefix, kafka.* settings)";

  final Map<String, Object> clientProps;
  final TopicNames topics;

  private ClientOptions(Map<String, Object> clientProps, TopicNames topics) {
    this.clientProps = clientProps;
    this.topics = topics;
  }

  static ClientOptions of(CliArgs args) throws java.io.IOException {
    Map<String, Object> props;
    TopicNames topics;
    Map<String, String> env = System.getenv();
    if (args.get("config") != null || env.containsKey("SIGNSTREAM_BOOTSTRAP_SERVERS")) {
      StreamConfig c = args.get("config") != null ? ConfigLoader.load(Path.of(args.get("config")), env)
          : ConfigLoader.fromEnvironment(env, Path.of("").toAbsolutePath());
      props = KafkaProps.common(c);
      topics = c.topics();
    } else {
      props = new java.util.HashMap<>();
      props.put("bootstrap.servers", "localhost:9092");
      topics = TopicNames.defaults();
    }
    if (args.get("bootstrap") != null) {
      props.put("bootstrap.servers", args.get("bootstrap"));
    }
    if (args.get("topic-prefix") != null) {
      topics = new TopicNames(args.get("topic-prefix"));
    }
    return new ClientOptions(props, topics);
  }
}
