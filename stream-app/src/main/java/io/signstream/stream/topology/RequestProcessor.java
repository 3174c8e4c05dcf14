package io.signstream.stream.topology;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.ExplainTask;
import io.signstream.schemas.InferenceEvent;
import io.signstream.stream.config.TopologySettings;
import io.signstream.stream.metrics.PipelineMetrics;
import io.signstream.stream.monitoring.CrossCheck;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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

  /** Room a task record needs besides its value: the key (a model id), headers, record and batch overhead. */
  static final int TASK_HEADROOM_BYTES = 4 * 1024;

  private final AvroSerde<InferenceEvent> serde = AvroSerde.inferenceEvent();
  private final AvroSerde<ExplainTask> taskSerde = AvroSerde.explainTask();
  private final EventValidator validator;
  private final PipelineMetrics metrics;
  private final DeadLetters letters;
  private final TopologySettings.TaskKey taskKey;
  private final CrossCheck crossCheck;
  private ProcessorContext<String, Outcome> context;

  RequestProcessor(EventValidator validator, PipelineMetrics metrics, DeadLetters letters,
      TopologySettings.TaskKey taskKey, CrossCheck crossCheck) {
    this.validator = validator;
    this.metrics = metrics;
    this.letters = letters;
    this.taskKey = taskKey;
    this.crossCheck = crossCheck;
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
      int maxRequest = validator.limits().maxRequestBytes();
      if (record.value().length > maxRequest) {
        deadLetter(record, null, ErrorCode.TOO_LARGE, "the request record holds " + record.value().length
            + " bytes, more than the limit of " + maxRequest + " (limits.max.request.bytes); send a smaller input",
            null);
        return;
      }
      event = serde.deserializer().deserialize(source().topic(), record.value());
      ValidRequest valid = validator.validate(event);
      long now = context.currentSystemTimeMs();
      // every task is encoded and sized first: a request is fanned out whole or not at all
      List<Outcome.Task> tasks = new ArrayList<>(valid.methods().size());
      int maxTask = letters.maxRecordBytes() - TASK_HEADROOM_BYTES;
      for (String method : valid.methods()) {
        // a cross-checked event's task also goes to the other engine (monitoring compares the two maps)
        for (ExplainTask task : crossCheck.withCopy(task(valid, method, now))) {
          byte[] bytes = taskSerde.encode(task);
          if (bytes.length > maxTask) {
            throw new Rejection(ErrorCode.TOO_LARGE, "the task for method '" + method + "' would be a record of "
                + bytes.length + " bytes, more than the " + maxTask + " a record may hold here (max.request.size "
                + letters.maxRecordBytes() + "); send a smaller input or fewer metadata and params", method);
          }
          tasks.add(new Outcome.Task(task, bytes));
        }
      }
      for (Outcome.Task t : tasks) {
        metrics.taskRouted(t.task().getModelId(), t.task().getMethod(), t.task().getEngine());
        // a new Record has no headers: a producer's headers are not copied onto every task
        String key = taskKey == TopologySettings.TaskKey.EVENT ? t.task().getEventId() : t.task().getModelId();
        context.forward(new Record<>(key, t, record.timestamp()));
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
    DeadLetter letter = letters.letter(src.topic(), src.partition(), src.offset(), record.key(), record.value(), code,
        reason, eventId, method, context.currentSystemTimeMs());
    metrics.deadLetter(code, "topology");
    // keyed by the (clipped) event id: a huge id must not make the dead letter's key huge
    context.forward(new Record<>(letter.getEventId(), new Outcome.Dead(letter), record.timestamp()));
  }

  private Source source() {
    // present for every record read from a topic; absent only for punctuation, which this processor does not use
    return context.recordMetadata()
        .map((RecordMetadata m) -> new Source(m.topic(), m.partition(), m.offset()))
        .orElse(new Source("unknown", -1, -1L));
  }

  private record Source(String topic, int partition, long offset) {}
}
