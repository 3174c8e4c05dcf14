package io.signstream.stream.worker;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.Explanation;
import io.signstream.schemas.ExplainTask;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.config.WorkerSettings;
import io.signstream.stream.kafka.KafkaProps;
import io.signstream.stream.topology.DeadLetters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume → batch → compute → produce cycle of one worker instance, with exactly-once output.
 *
 * <p>Each flush computes every pending task first, then writes the explanations and dead letters
 * and the consumed offsets in one Kafka transaction ({@code sendOffsetsToTransaction}): offsets are
 * committed only together with their results, so a crash or a stop at any point leads to
 * recomputation, never to a lost or a duplicated (read_committed) result. Computing before the
 * transaction begins keeps transactions short whatever a batch costs.
 *
 * <p>Every record written carries the {@link WorkerHeaders#WORKER} header naming this process and
 * instance, so that the output of scaled-out workers can be told apart.
 *
 * <p>Backpressure: above {@code maxInFlight} pending tasks the consumer is paused until a flush
 * drains them. Not thread-safe; the verticle calls it from its own context only.
 */
final class TaskLoop implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TaskLoop.class);

  private final WorkerSpec spec;
  private final String instanceId;
  private final String topic;
  private final WorkerSettings settings;
  private final AvroSerde<ExplainTask> tasks = AvroSerde.explainTask();
  private final AvroSerde<Explanation> explanations = AvroSerde.explanation();
  private final AvroSerde<DeadLetter> deadLetters = AvroSerde.deadLetter();
  private final TaskBatcher batcher;
  private final List<Header> headers;
  private final DeadLetters letters;

  /** Room a record needs besides its value: key (an event id), the worker header, record and batch overhead. */
  private static final int RECORD_HEADROOM_BYTES = 4 * 1024;
  private ExplanationComputer computer;
  private BatchRunner runner;
  private KafkaConsumer<byte[], byte[]> consumer;
  private KafkaProducer<String, byte[]> producer;
  private boolean rewindPending;
  private volatile int inFlight;

  TaskLoop(WorkerSpec spec, String instanceId) {
    this.spec = spec;
    this.instanceId = instanceId;
    this.topic = spec.config().topics().tasks(spec.engine());
    this.settings = spec.config().worker();
    this.batcher = new TaskBatcher(settings.maxBatch(), settings.maxWaitMillis());
    this.headers = WorkerHeaders.of(instanceId);
    this.letters = new DeadLetters(spec.maxRecordBytes());
  }

  /** Connects: creates the consumer and the transactional producer, subscribes. Blocking. */
  void open() {
    computer = spec.computers().get();
    runner = new BatchRunner(spec.registry(), computer, spec.metrics(), System::currentTimeMillis, letters,
        settings.padBatches());
    consumer = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    producer = newProducer();
    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        // not committed, so the partitions' next owner reads these tasks again: drop our copies
        batcher.discard(partitions);
        inFlight = batcher.size();
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        // new partitions start at their committed offsets; nothing to do
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
      }
    });
  }

  /** Tasks polled and not yet committed. */
  int inFlight() {
    return inFlight;
  }

  /**
   * One poll, and a flush when a batch is due.
   *
   * @return what was committed in this cycle (empty when nothing was due or the transaction failed)
   */
  List<WorkerOutput> cycle() {
    if (rewindPending) {
      rewind(); // a failed transaction whose rewind could not reach the broker: never poll past its tasks
    }
    long now = System.currentTimeMillis();
    applyBackpressure();
    long wait = batcher.millisUntilDue(now, settings.pollMillis());
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(wait))) {
      batcher.add(decode(r), now);
    }
    inFlight = batcher.size();
    boolean due = batcher.due(System.currentTimeMillis()) || batcher.size() >= settings.maxInFlight();
    return due ? flush() : List.of();
  }

  private void applyBackpressure() {
    if (batcher.size() >= settings.maxInFlight()) {
      consumer.pause(consumer.assignment());
    } else if (!consumer.paused().isEmpty()) {
      consumer.resume(consumer.paused());
    }
  }

  private PendingTask decode(ConsumerRecord<byte[], byte[]> r) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    try {
      ExplainTask task = tasks.deserializer().deserialize(r.topic(), r.value());
      if (task == null) {
        return new PendingTask(tp, r.offset(), r.key(), null, null, "task record has no value");
      }
      return new PendingTask(tp, r.offset(), r.key(), r.value(), task, null);
    } catch (SerializationException e) {
      return new PendingTask(tp, r.offset(), r.key(), r.value(), null, e.getMessage());
    }
  }

  private List<WorkerOutput> flush() {
    TaskBatcher.Drained drained = batcher.drain();
    List<WorkerOutput> outputs = new ArrayList<>(drained.count());
    for (List<PendingTask> chunk : drained.chunks()) {
      outputs.addAll(runChunk(chunk));
    }
    for (PendingTask t : drained.undecodable()) {
      outputs.add(new WorkerOutput.Failed(t, runner.undecodable(t)));
    }
    List<ProducerRecord<String, byte[]>> records = records(outputs);
    boolean committed = commit(records, outputs.size(), drained.offsets());
    inFlight = batcher.size();
    return committed ? outputs : List.of();
  }

  /**
   * One chunk's outputs; a failure the runner did not foresee becomes dead letters for the chunk's
   * tasks rather than an exception: the tasks are drained already, and an exception here would
   * either lose them or, re-read, fail the same way forever.
   */
  private List<WorkerOutput> runChunk(List<PendingTask> chunk) {
    try {
      return runner.run(chunk);
    } catch (RuntimeException e) {
      LOG.warn("worker {}: unexpected failure computing {} tasks", instanceId, chunk.size(), e);
      List<WorkerOutput> failed = new ArrayList<>(chunk.size());
      for (PendingTask t : chunk) {
        failed.add(new WorkerOutput.Failed(t, runner.letter(t, ErrorCode.COMPUTE_FAILED, "internal error: " + e)));
      }
      return failed;
    }
  }

  /**
   * The records of a flush, encoded before the transaction begins (shorter transactions) and each
   * sized against the producer's limit: a record the producer refuses would fail the transaction,
   * and the same tasks would be computed and refused again after every rewind. An explanation too
   * large to send becomes a (bounded) TOO_LARGE dead letter instead.
   */
  private List<ProducerRecord<String, byte[]>> records(List<WorkerOutput> outputs) {
    String explanationsTopic = spec.config().topics().explanations();
    String deadLetterTopic = spec.config().topics().deadLetter();
    int maxValue = letters.maxRecordBytes() - RECORD_HEADROOM_BYTES;
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>(outputs.size());
    for (int i = 0; i < outputs.size(); i++) {
      WorkerOutput o = outputs.get(i);
      if (o instanceof WorkerOutput.Done d) {
        Explanation e = d.explanation();
        byte[] bytes = explanations.encode(e);
        if (bytes.length <= maxValue) {
          records.add(new ProducerRecord<>(explanationsTopic, null, e.getEventId(), bytes, headers));
          continue;
        }
        o = new WorkerOutput.Failed(d.source(), runner.letter(d.source(), ErrorCode.TOO_LARGE, "the explanation"
            + " would be a record of " + bytes.length + " bytes, more than the " + maxValue + " a record may hold"
            + " here (max.request.size " + letters.maxRecordBytes() + "); send fewer samples per request"));
        outputs.set(i, o);
      }
      DeadLetter l = ((WorkerOutput.Failed) o).letter();
      records.add(new ProducerRecord<>(deadLetterTopic, null, l.getEventId(), deadLetters.encode(l), headers));
    }
    return records;
  }

  private boolean commit(List<ProducerRecord<String, byte[]>> records, int outputs,
      Map<TopicPartition, OffsetAndMetadata> offsets) {
    try {
      producer.beginTransaction();
      for (ProducerRecord<String, byte[]> r : records) {
        producer.send(r);
      }
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      producer.commitTransaction();
      return true;
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
        | InvalidProducerEpochException e) {
      // this producer can no longer abort: replace it; the tasks are read again from the committed offsets
      LOG.warn("worker {}: transactional producer failed for good ({}); recreating it", instanceId, e.toString());
      producer.close(Duration.ZERO);
      producer = newProducer();
      rewind();
      return false;
    } catch (KafkaException e) {
      LOG.warn("worker {}: transaction of {} outputs failed ({}); aborting and re-reading", instanceId, outputs,
          e.toString());
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailure) {
        producer.close(Duration.ZERO);
        producer = newProducer();
      }
      rewind();
      return false;
    }
  }

  /**
   * After a cycle failed outside the transaction (the broker unreachable, say): forgets what is pending
   * and goes back to the committed offsets, so that nothing drained but uncommitted is skipped.
   */
  void recover() {
    batcher.discard(consumer.assignment());
    inFlight = batcher.size();
    rewind();
  }

  /** Moves the consumer back to the committed offsets, so that nothing uncommitted is skipped. */
  private void rewind() {
    rewindPending = true;
    Set<TopicPartition> assigned = new HashSet<>(consumer.assignment());
    if (assigned.isEmpty()) {
      rewindPending = false;
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
    for (TopicPartition tp : assigned) {
      OffsetAndMetadata o = committed.get(tp);
      if (o == null) {
        consumer.seekToBeginning(List.of(tp));
      } else {
        consumer.seek(tp, o.offset());
      }
    }
    rewindPending = false;
  }

  private Map<String, Object> consumerProps() {
    StreamConfig c = spec.config();
    Map<String, Object> p = KafkaProps.common(c);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, WorkerGroups.groupId(c.topics(), spec.engine()));
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "signstream-worker-" + instanceId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // tasks are written by the exactly-once topology: never read the records of an aborted transaction
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // A flush computes everything pending before it commits, so what one poll brings bounds how long a
    // result waits for its transaction: four full batches (256 tasks by default, some 40 ms of LRP on
    // digits_cnn) keep a transaction's fixed cost small per task without holding finished maps back
    // for a whole 1,024-task backlog (which showed as a p99 of several hundred ms under load).
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, Math.min(settings.maxInFlight(), 4 * settings.maxBatch())));
    return p;
  }

  private KafkaProducer<String, byte[]> newProducer() {
    Map<String, Object> p = KafkaProps.common(spec.config());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "signstream-worker-" + instanceId);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "signstream-worker-" + instanceId);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, KafkaProps.producerBatchSize(spec.config()));
    KafkaProducer<String, byte[]> made = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    made.initTransactions();
    return made;
  }

  /** Closes the clients (nothing pending is committed: its tasks are read again) and the computer. */
  @Override
  public void close() {
    try {
      if (consumer != null) {
        consumer.close(Duration.ofSeconds(5));
      }
    } finally {
      try {
        if (producer != null) {
          producer.close(Duration.ofSeconds(5));
        }
      } finally {
        if (computer != null) {
          computer.close();
        }
      }
    }
  }
}
