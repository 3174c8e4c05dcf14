package io.signstream.stream.soak;

import io.signstream.engine.npy.NpyArray;
import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.InferenceEvent;
import io.signstream.schemas.Layout;
import io.signstream.schemas.Tensor;
import io.signstream.schemas.TensorCodec;
import io.signstream.stream.kafka.KafkaProps;
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
 *
 * <p>It produces the way a producer sized for its rate would. Bursts and rates from {@value #BATCHING_RATE}
 * requests/s go through a batching producer (Kafka's default linger of 5 ms, batches up to
 * {@link KafkaProps#DEFAULT_BATCH_SIZE}); slower rates through a prompt one (linger 1 ms). A prompt producer at
 * every rate sent a produce request for every few requests, which the broker in the same process paid for: at 2,000
 * requests/s the 5 ms linger took the process's CPU per map from 0.86 to 0.67 ms (stream-app README, fifth round).
 * At 20 requests/s nothing else would fill the batch, so the linger would only add 5 ms to every request.
 */
final class RequestSource implements AutoCloseable {

  private static final String PREFIX = "soak-";

  /** Requests per second from which the batching producer sends them. */
  static final int BATCHING_RATE = 1000;
  private static final int BATCHING_LINGER_MS = 5;
  private static final int PROMPT_LINGER_MS = 1;

  private final AvroSerde<InferenceEvent> serde = AvroSerde.inferenceEvent();
  private final Map<String, Object> clientProps;
  private KafkaProducer<String, byte[]> batching;
  private KafkaProducer<String, byte[]> prompt;
  private final String topic;
  private final String modelId;
  private final List<Tensor> inputs;
  private final List<String> methods;
  private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();

  /**
   * @param samples inputs of one sample each (batch axis 1)
   * @param samplesPerRequest samples per request: request k carries samples k, k+1, … (cyclically) on its batch axis
   */
  RequestSource(Map<String, Object> clientProps, String topic, String modelId, List<NpyArray> samples,
      List<String> methods, int samplesPerRequest) {
    this.clientProps = Map.copyOf(clientProps);
    this.topic = topic;
    this.modelId = modelId;
    List<Tensor> made = new java.util.ArrayList<>(samples.size());
    for (int k = 0; k < samples.size(); k++) {
      made.add(stacked(samples, k, samplesPerRequest));
    }
    this.inputs = List.copyOf(made);
    this.methods = List.copyOf(methods);
  }

  /** Samples {@code first, first+1, …} (cyclically) stacked on the batch axis: {@code n} maps per explanation. */
  static Tensor stacked(List<NpyArray> samples, int first, int n) {
    long[] shape = samples.get(first).shape().clone();
    int perSample = samples.get(first).data().length;
    float[] data = new float[n * perSample];
    for (int i = 0; i < n; i++) {
      NpyArray s = samples.get((first + i) % samples.size());
      if (s.data().length != perSample || s.shape()[0] != 1) {
        throw new IllegalArgumentException("request inputs are stacked from samples of one shape, batch axis 1");
      }
      System.arraycopy(s.data(), 0, data, i * perSample, perSample);
    }
    shape[0] = n;
    return TensorCodec.fromFloats(data, shape, Layout.ANY);
  }

  /** Sends requests {@code first .. first+count-1} as fast as the producer takes them. */
  void burst(long first, int count) {
    KafkaProducer<String, byte[]> producer = producerFor(Double.POSITIVE_INFINITY);
    for (long seq = first; seq < first + count; seq++) {
      send(producer, seq);
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
    KafkaProducer<String, byte[]> producer = producerFor(perSecond);
    long interval = (long) (1e9 / perSecond);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long seq = first;
    for (long next = start; next < end; next += interval) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      send(producer, seq++);
    }
    producer.flush();
    return seq - first;
  }

  /** The batching producer for bursts and high rates, the prompt one below; each made on first use. */
  private synchronized KafkaProducer<String, byte[]> producerFor(double perSecond) {
    if (perSecond >= BATCHING_RATE) {
      if (batching == null) {
        batching = newProducer("signstream-soak-requests", BATCHING_LINGER_MS, KafkaProps.DEFAULT_BATCH_SIZE);
      }
      return batching;
    }
    if (prompt == null) {
      prompt = newProducer("signstream-soak-requests-prompt", PROMPT_LINGER_MS, null);
    }
    return prompt;
  }

  private KafkaProducer<String, byte[]> newProducer(String clientId, int lingerMs, Integer batchSize) {
    Map<String, Object> p = new HashMap<>(clientProps);
    p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
    if (batchSize != null) {
      p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, batchSize);
    }
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private void send(KafkaProducer<String, byte[]> producer, long seq) {
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
  public synchronized void close() {
    try {
      if (batching != null) {
        batching.close(Duration.ofSeconds(5));
      }
    } finally {
      if (prompt != null) {
        prompt.close(Duration.ofSeconds(5));
      }
    }
  }
}
