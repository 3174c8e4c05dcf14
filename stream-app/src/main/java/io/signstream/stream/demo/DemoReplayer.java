package io.signstream.stream.demo;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.InferenceEvent;
import io.signstream.schemas.Layout;
import io.signstream.schemas.TensorCodec;
import io.signstream.schemas.TopicNames;
import io.signstream.stream.registry.ModelDescriptor;
import io.signstream.stream.registry.ModelRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays the bundled sample inputs as requests at a steady rate, for {@code signstream demo}.
 * Every {@code badEvery}-th request carries a NaN, so the dashboard has dead letters to show too.
 */
public final class DemoReplayer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DemoReplayer.class);

  private final KafkaProducer<String, byte[]> producer;
  private final TopicNames topics;
  private final List<Sample> samples = new ArrayList<>();
  private final int badEvery;
  private final Set<String> warned = new HashSet<>();
  private long sent;
  private long malformed;
  private long explanationsExpected;

  private volatile Duration shiftAt;
  private long startNanos;
  private long shiftedSent;

  private record Sample(ModelDescriptor model, NpyArray input, float[] shifted, List<String> methods) {}

  /**
   * @param methods methods to request, or empty for each model's default methods (those the engine
   *     does not know are left out, with a warning)
   * @param badEvery every n-th request is malformed on purpose; 0 for never
   */
  public DemoReplayer(Map<String, Object> clientProps, TopicNames topics, Path modelsDir, ModelRegistry registry,
      List<String> methods, int badEvery) throws Exception {
    this.topics = topics;
    this.badEvery = badEvery;
    for (DemoModels.Sample s : DemoModels.samples()) {
      ModelDescriptor model = registry.find(s.modelId()).orElse(null);
      if (model == null) {
        continue;
      }
      List<String> m = usable(methods.isEmpty() ? model.defaultMethods() : methods);
      if (!m.isEmpty()) {
        NpyArray input = NpyFile.read(modelsDir.resolve(s.path()));
        samples.add(new Sample(model, input, withBrightPatch(input.data(), input.shape()), m));
      }
    }
    if (samples.isEmpty()) {
      throw new IllegalStateException("no demo sample fits the models and methods given");
    }
    Map<String, Object> p = new HashMap<>(clientProps);
    // the demo replays tens of requests a second: a 5 ms linger (Kafka's default) would only be 5 ms more on every
    // heatmap's latency, with nothing else arriving to fill the batch (see RequestSource for high rates)
    p.put("linger.ms", 1);
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * Sends requests at {@code perSecond} until {@code duration} has passed (null: until
   * {@code keepGoing} turns false).
   */
  public void run(double perSecond, Duration duration, BooleanSupplier keepGoing) {
    long interval = (long) (1e9 / perSecond);
    long start = System.nanoTime();
    startNanos = start;
    long end = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
    long next = start;
    while (keepGoing.getAsBoolean() && System.nanoTime() < end) {
      sendOne();
      next += interval;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }
    producer.flush();
  }

  private void sendOne() {
    Sample s = samples.get((int) (sent % samples.size()));
    boolean shifted = shiftAt != null && System.nanoTime() - startNanos >= shiftAt.toNanos();
    float[] data = shifted ? s.shifted() : s.input().data();
    boolean bad = badEvery > 0 && sent % badEvery == badEvery - 1;
    if (bad) {
      data = data.clone();
      data[data.length / 2] = Float.NaN;
      malformed++;
    } else {
      explanationsExpected += s.methods().size();
    }
    InferenceEvent e = InferenceEvent.newBuilder()
        .setEventId("demo-" + sent)
        .setModelId(s.model().id())
        .setEventTime(Instant.now())
        .setInput(TensorCodec.fromFloats(data, s.input().shape(), Layout.ANY))
        .setMethods(s.methods())
        .setMetadata(shifted ? Map.of("source", "signstream demo", "shift", "bright-patch")
            : Map.of("source", "signstream demo"))
        .build();
    producer.send(new ProducerRecord<>(topics.requests(), e.getEventId(), AvroSerde.inferenceEvent().encode(e)));
    sent++;
    if (shifted) {
      shiftedSent++;
    }
  }

  /**
   * From {@code after} into {@link #run}, every request carries the shifted input: its sample with a
   * bright square patch (a quarter of the height and width, at least 2 pixels, set to the sample's
   * largest value) in the bottom-right corner of every channel — a stuck-pixel or sticker-like spurious
   * feature that the models' relevance then moves to.
   */
  public void shiftAt(Duration after) {
    this.shiftAt = after;
  }

  /** Requests sent with the shifted input. */
  public long shiftedSent() {
    return shiftedSent;
  }

  /** The shifted copy of one input (shape with the batch axis first; the last two axes are the image). */
  static float[] withBrightPatch(float[] data, long[] shape) {
    float[] out = data.clone();
    float max = Float.NEGATIVE_INFINITY;
    for (float v : data) {
      max = Math.max(max, v);
    }
    if (shape.length < 3) {
      for (int i = out.length - Math.max(1, out.length / 4); i < out.length; i++) {
        out[i] = max;
      }
      return out;
    }
    int h = (int) shape[shape.length - 2];
    int w = (int) shape[shape.length - 1];
    int ph = Math.max(2, h / 4);
    int pw = Math.max(2, w / 4);
    int planes = out.length / (h * w);
    for (int p = 0; p < planes; p++) {
      for (int y = h - ph; y < h; y++) {
        for (int x = w - pw; x < w; x++) {
          out[p * h * w + y * w + x] = max;
        }
      }
    }
    return out;
  }

  /** Requests sent. */
  public long sent() {
    return sent;
  }

  /** Requests sent malformed on purpose. */
  public long malformed() {
    return malformed;
  }

  /** Explanations the valid requests sent so far should produce. */
  public long explanationsExpected() {
    return explanationsExpected;
  }

  private List<String> usable(List<String> methods) {
    List<String> ok = new ArrayList<>();
    for (String m : methods) {
      try {
        MethodNames.parse(m, MethodParams.empty());
        ok.add(m);
      } catch (ExplainException e) {
        if (warned.add(m)) {
          LOG.warn("demo: leaving out method {}: {}", m, e.getMessage());
        }
      }
    }
    return ok;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
