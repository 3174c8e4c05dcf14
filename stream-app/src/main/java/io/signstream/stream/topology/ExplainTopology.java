package io.signstream.stream.topology;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.TopicNames;
import io.signstream.stream.metrics.PipelineMetrics;
import io.signstream.stream.monitoring.CrossCheck;
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
 * requests (byte[]) ─► decode · validate · fan out ─┬─ task ──► tasks.&lt;engine&gt;  (key: model id)
 *                                                    └─ dead ──► dead-letter     (key: event id or null)
 * </pre>
 *
 * Run it with {@code processing.guarantee=exactly_once_v2} (see {@code StreamsApp}): a request's tasks
 * and dead letters then appear atomically with the request's consumed offset, so a restart neither
 * loses nor repeats them.
 */
public final class ExplainTopology {

  private ExplainTopology() {}

  /** Builds the topology without cross-checks. */
  public static Topology build(TopicNames topics, EventValidator validator, PipelineMetrics metrics) {
    return build(topics, validator, metrics, CrossCheck.none());
  }

  /**
   * Builds the topology; {@code crossCheck} sends its sampled events' tasks to the other engine too
   * (explanation monitoring compares the two maps).
   */
  public static Topology build(TopicNames topics, EventValidator validator, PipelineMetrics metrics,
      CrossCheck crossCheck) {
    StreamsBuilder builder = new StreamsBuilder();
    // values stay bytes until the processor: undecodable bytes must reach the dead letter unchanged
    KStream<String, Outcome> outcomes = builder
        .stream(topics.requests(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("read-requests"))
        .process(() -> new RequestProcessor(validator, metrics), Named.as("decode-validate-fan-out"));

    outcomes.split(Named.as("outcome-"))
        .branch((key, outcome) -> outcome instanceof Outcome.Task, Branched.withConsumer(tasks -> tasks
            .mapValues(outcome -> ((Outcome.Task) outcome).task(), Named.as("task-record"))
            // monitoring's step: a sampled event's task also goes to the other engine
            .flatMapValues(crossCheck::withCopy, Named.as("cross-check-copies"))
            .to((key, task, ctx) -> topics.tasks(task.getEngine()),
                Produced.with(Serdes.String(), AvroSerde.explainTask()).withName("write-tasks")), "tasks"))
        .defaultBranch(Branched.withConsumer(dead -> dead
            .mapValues(outcome -> ((Outcome.Dead) outcome).letter(), Named.as("dead-letter-record"))
            .to(topics.deadLetter(), Produced.with(Serdes.String(), AvroSerde.deadLetter()).withName("write-dead-letters")),
            "dead-letters"));
    return builder.build();
  }
}
