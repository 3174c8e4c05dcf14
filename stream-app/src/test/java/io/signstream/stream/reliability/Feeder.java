package io.signstream.stream.reliability;

import io.signstream.schemas.InferenceEvent;
import io.signstream.stream.TestEvents;
import io.signstream.stream.reliability.MalformedInputs.Malformed;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends requests and writes down in the {@link Ledger} what each must end in. An idempotent producer
 * (the Kafka default): its retries across a broker restart do not duplicate requests, so anything
 * duplicated downstream is the pipeline's doing. A failed send fails the scenario ({@link #failures()}).
 */
final class Feeder implements AutoCloseable {

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final Ledger ledger;
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

  Feeder(Map<String, Object> clientProps, String topic, Ledger ledger) {
    Map<String, Object> p = new HashMap<>(clientProps);
    p.put("linger.ms", 2);
    p.put("enable.idempotence", true);
    p.put("acks", "all");
    p.put("delivery.timeout.ms", 180_000); // rides out a stopped broker
    p.put("client.id", "reliability-feeder");
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.ledger = ledger;
  }

  /** Sends a valid request and expects one explanation per method. */
  void valid(InferenceEvent event) {
    ledger.expectExplanations(event.getEventId(), event.getMethods());
    send(event.getEventId().getBytes(StandardCharsets.UTF_8), TestEvents.bytes(event));
  }

  /** Sends a malformed request and expects its dead letter. */
  void malformed(Malformed m) {
    ledger.expectDeadLetter(m.deadLetterKey(), m.code(), m.value(), m.method(), m.name());
    send(m.key(), m.value());
  }

  /**
   * Sends {@code count} requests at {@code perSecond} on a new thread: request {@code i} is
   * {@code make.apply(i)} (a valid event), except that every {@code malformedEvery}-th one is a NaN
   * request instead (0: never).
   */
  Thread steady(String prefix, int count, double perSecond, int malformedEvery, IntFunction<InferenceEvent> make) {
    Thread t = new Thread(() -> {
      long interval = (long) (1e9 / perSecond);
      long next = System.nanoTime();
      for (int i = 0; i < count; i++) {
        if (malformedEvery > 0 && i % malformedEvery == malformedEvery - 1) {
          malformed(nan(prefix + "nan-" + i));
        } else {
          valid(make.apply(i));
        }
        next += interval;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
      }
      producer.flush();
    }, "feeder-" + prefix);
    t.start();
    return t;
  }

  private static Malformed nan(String id) {
    InferenceEvent e = MalformedInputs.valid(id).build();
    float[] x = TestEvents.digit(1).data().clone();
    x[3] = Float.NaN;
    e.setInput(io.signstream.schemas.TensorCodec.fromFloats(x, new long[] {1, 1, 16, 16},
        io.signstream.schemas.Layout.NCHW));
    return new Malformed("nan " + id, id.getBytes(StandardCharsets.UTF_8), TestEvents.bytes(e),
        io.signstream.schemas.ErrorCode.NON_FINITE, id, null);
  }

  private void send(byte[] key, byte[] value) {
    producer.send(new ProducerRecord<>(topic, key, value), (meta, e) -> {
      if (e != null) {
        failures.incrementAndGet();
        firstFailure.compareAndSet(null, e);
      }
    });
  }

  void flush() {
    producer.flush();
  }

  /** Sends that failed (the scenario cannot be reconciled if any did). */
  int failures() {
    return failures.get();
  }

  /** The first send failure, for the assertion message. */
  Exception firstFailure() {
    return firstFailure.get();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }

  /** Valid gradient requests cycling over the four digits_cnn samples. */
  static IntFunction<InferenceEvent> digits(String prefix, List<String> methods) {
    return i -> TestEvents.digitsEvent(prefix + i, i, methods).build();
  }
}
