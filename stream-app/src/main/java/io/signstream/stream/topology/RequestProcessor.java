package io.signstream.stream.topology;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.ExplainTask;
import io.signstream.schemas.InferenceEvent;
import io.signstream.stream.metrics.PipelineMetrics;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes, validates and fans out one request record.
 *
 * <p>Decoding happens here rather than in a deserializer so that an undecodable record still has
 * its raw bytes and its topic/partition/offset at hand for the dead letter. Every record yields
 * either one task per distinct method, keyed by model id (a model stays on one task partition, so on
 * the worker that loaded it), or exactly one dead letter; an unexpected exception becomes a dead
 * letter too, because a crashing processor would stop the whole topology on one bad record.
 */
final class RequestProcessor implements Processor<byte[], byte[], String, Outcome> {

  private static final Logger LOG = LoggerFactory.getLogger(RequestProcessor.class);

  private final AvroSerde<InferenceEvent> serde = AvroSerde.inferenceEvent();
  private final EventValidator validator;
  private final PipelineMetrics metrics;
  private ProcessorContext<String, Outcome> context;

  RequestProcessor(EventValidator validator, PipelineMetrics metrics) {
    this.validator = validator;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Outcome> ctx) {
    this.context = ctx;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    metrics.eventIn();
    InferenceEvent event = null;
    try {
      if (record.value() == null) {
        deadLetter(record, null, ErrorCode.UNDECODABLE, "record has no value (tombstone)", null);
        return;
      }
      event = serde.deserializer().deserialize(source().topic(), record.value());
      ValidRequest valid = validator.validate(event);
      long now = context.currentSystemTimeMs();
      for (String method : valid.methods()) {
        ExplainTask task = task(valid, method, now);
        metrics.taskRouted(task.getModelId(), method, task.getEngine());
        context.forward(new Record<>(task.getModelId(), new Outcome.Task(task), record.timestamp()));
      }
    } catch (SerializationException e) {
      deadLetter(record, null, ErrorCode.UNDECODABLE, e.getMessage(), null);
    } catch (Rejection r) {
      deadLetter(record, event, r.code(), r.getMessage(), r.method());
    } catch (RuntimeException e) {
      LOG.warn("unexpected failure on {}: {}", source(), e.toString(), e);
      deadLetter(record, event, ErrorCode.UNKNOWN, "internal error while validating: " + e, null);
    }
  }

  private ExplainTask task(ValidRequest valid, String method, long now) {
    InferenceEvent e = valid.event();
    Source src = source();
    return ExplainTask.newBuilder()
        .setEventId(e.getEventId())
        .setModelId(valid.model().id())
        .setModelVersion(valid.model().version())
        .setMethod(method)
        .setParams(new HashMap<>(e.getParams() == null ? Map.of() : e.getParams()))
        .setEngine(valid.engine())
        .setTarget(e.getTarget())
        .setInput(e.getInput())
        .setEventTime(e.getEventTime())
        .setRoutedAt(Instant.ofEpochMilli(now))
        .setMetadata(new HashMap<>(e.getMetadata() == null ? Map.of() : e.getMetadata()))
        .setSourceTopic(src.topic())
        .setSourcePartition(src.partition())
        .setSourceOffset(src.offset())
        .build();
  }

  private void deadLetter(Record<byte[], byte[]> record, InferenceEvent event, ErrorCode code, String reason,
      String method) {
    Source src = source();
    String eventId = event == null ? null : event.getEventId();
    DeadLetter letter = DeadLetters.of(src.topic(), src.partition(), src.offset(), record.key(), record.value(), code,
        reason, eventId, method, context.currentSystemTimeMs());
    metrics.deadLetter(code, "topology");
    context.forward(new Record<>(eventId, new Outcome.Dead(letter), record.timestamp()));
  }

  private Source source() {
    // present for every record read from a topic; absent only for punctuation, which this processor does not use
    return context.recordMetadata()
        .map((RecordMetadata m) -> new Source(m.topic(), m.partition(), m.offset()))
        .orElse(new Source("unknown", -1, -1L));
  }

  private record Source(String topic, int partition, long offset) {}
}
