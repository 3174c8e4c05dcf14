package io.signstream.stream.topology;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.TopicNames;
import io.signstream.stream.config.TopologySettings;
import io.signstream.stream.metrics.PipelineMetrics;
import io.signstream.stream.monitoring.CrossCheck;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The Kafka Streams topology: requests in; per-method tasks to {@code tasks.<engine>}, or one dead
 * letter per bad request.
 *
 * <pre>
 * requests (byte[]) ─► decode · validate · fan out ─┬─ task ──► tasks.&lt;engine&gt;  (key: model or event id)
 *                                                    └─ dead ──► dead-letter     (key: event id or null)
 * </pre>
 *
 * Run it with {@code processing.guarantee=exactly_once_v2} (see {@code StreamsApp}): a request's tasks
 * and dead letters then appear atomically with the request's consumed offset, so a restart neither
 * loses nor repeats them.
 */
public final class ExplainTopology {

  private ExplainTopology() {}

  /** Builds the topology, with dead letters and tasks bounded for Kafka's default record size. */
  public static Topology build(TopicNames topics, EventValidator validator, PipelineMetrics metrics) {
    return build(topics, validator, metrics, DeadLetters.DEFAULT);
  }

  /**
   * Builds the topology.
   *
   * @param letters dead letters and tasks are bounded by its record size (the producer's {@code max.request.size})
   */
  public static Topology build(TopicNames topics, EventValidator validator, PipelineMetrics metrics,
      DeadLetters letters) {
    return build(topics, validator, metrics, letters, TopologySettings.TaskKey.MODEL);
  }

  /**
   * Builds the topology.
   *
   * @param letters dead letters and tasks are bounded by its record size (the producer's {@code max.request.size})
   * @param taskKey what tasks are keyed by: the model id (one partition per model) or the event id (spread)
   */
  public static Topology build(TopicNames topics, EventValidator validator, PipelineMetrics metrics,
      DeadLetters letters, TopologySettings.TaskKey taskKey) {
    return build(topics, validator, metrics, letters, taskKey, CrossCheck.none());
  }

  /**
   * Builds the topology.
   *
   * @param letters dead letters and tasks are bounded by its record size (the producer's {@code max.request.size})
   * @param taskKey what tasks are keyed by: the model id (one partition per model) or the event id (spread)
   * @param crossCheck its sampled events' tasks also go to the other engine (explanation monitoring compares the
   *     two maps)
   */
  public static Topology build(TopicNames topics, EventValidator validator, PipelineMetrics metrics,
      DeadLetters letters, TopologySettings.TaskKey taskKey, CrossCheck crossCheck) {
    StreamsBuilder builder = new StreamsBuilder();
    // values stay bytes until the processor: undecodable bytes must reach the dead letter unchanged
    KStream<String, Outcome> outcomes = builder
        .stream(topics.requests(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("read-requests"))
        .process(() -> new RequestProcessor(validator, metrics, letters, taskKey, crossCheck), Named.as("decode-validate-fan-out"));
    // tasks are encoded by the processor, which sizes them before it forwards anything
    Serde<Outcome.Task> taskBytes = Serdes.serdeFrom((topic, t) -> t.bytes(), (topic, b) -> {
      throw new UnsupportedOperationException("tasks are only written here");
    });

    outcomes.split(Named.as("outcome-"))
        .branch((key, outcome) -> outcome instanceof Outcome.Task, Branched.withConsumer(tasks -> tasks
            .mapValues(outcome -> (Outcome.Task) outcome, Named.as("task-record"))
            .to((key, task, ctx) -> topics.tasks(task.task().getEngine()),
                Produced.with(Serdes.String(), taskBytes).withName("write-tasks")), "tasks"))
        .defaultBranch(Branched.withConsumer(dead -> dead
            .mapValues(outcome -> ((Outcome.Dead) outcome).letter(), Named.as("dead-letter-record"))
            .to(topics.deadLetter(), Produced.with(Serdes.String(), AvroSerde.deadLetter()).withName("write-dead-letters")),
            "dead-letters"));
    return builder.build();
  }
}
