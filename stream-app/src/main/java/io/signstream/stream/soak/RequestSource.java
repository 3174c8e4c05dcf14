package io.signstream.stream.soak;

import io.signstream.engine.npy.NpyArray;
import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.InferenceEvent;
import io.signstream.schemas.Layout;
import io.signstream.schemas.Tensor;
import io.signstream.schemas.TensorCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends numbered requests for the sample inputs, as a burst or at a fixed rate.
 *
 * <p>The event id is {@code soak-<seq>-<send time in epoch ms>}: the explanation carries the event id
 * but not the event time, and keeping a send time per request in memory would grow the heap over a
 * long soak, so the id carries both.
 */
final class RequestSource implements AutoCloseable {

  private static final String PREFIX = "soak-";

  private final AvroSerde<InferenceEvent> serde = AvroSerde.inferenceEvent();
  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private final String modelId;
  private final List<Tensor> inputs;
  private final List<String> methods;
  private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();

  RequestSource(Map<String, Object> clientProps, String topic, String modelId, List<NpyArray> samples,
      List<String> methods) {
    Map<String, Object> p = new HashMap<>(clientProps);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "signstream-soak-requests");
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.modelId = modelId;
    this.inputs = samples.stream().map(x -> TensorCodec.fromFloats(x.data(), x.shape(), Layout.ANY)).toList();
    this.methods = List.copyOf(methods);
  }

  /** Sends requests {@code first .. first+count-1} as fast as the producer takes them. */
  void burst(long first, int count) {
    for (long seq = first; seq < first + count; seq++) {
      send(seq);
    }
    producer.flush();
  }

  /**
   * Sends requests from {@code first} at {@code perSecond} for {@code duration}; a late tick is sent at
   * once (the schedule does not drift), as an open-loop load generator must.
   *
   * @return how many were sent
   */
  long paced(long first, double perSecond, Duration duration) {
    long interval = (long) (1e9 / perSecond);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long seq = first;
    for (long next = start; next < end; next += interval) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      send(seq++);
    }
    producer.flush();
    return seq - first;
  }

  private void send(long seq) {
    long now = System.currentTimeMillis();
    String id = PREFIX + seq + "-" + now;
    InferenceEvent e = InferenceEvent.newBuilder()
        .setEventId(id)
        .setModelId(modelId)
        .setEventTime(Instant.ofEpochMilli(now))
        .setInput(inputs.get((int) (seq % inputs.size())))
        .setMethods(methods)
        .build();
    producer.send(new ProducerRecord<>(topic, id, serde.encode(e)));
    sent.incrementAndGet();
  }

  /** Requests sent so far, all phases. */
  long sent() {
    return sent.get();
  }

  /** The sequence number in a soak event id, or -1 for another id. */
  static long seqOf(String eventId) {
    int dash = eventId.lastIndexOf('-');
    if (!eventId.startsWith(PREFIX) || dash <= PREFIX.length()) {
      return -1;
    }
    try {
      return Long.parseLong(eventId.substring(PREFIX.length(), dash));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The send time (epoch ms) in a soak event id. */
  static long sentAtOf(String eventId) {
    return Long.parseLong(eventId.substring(eventId.lastIndexOf('-') + 1));
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
