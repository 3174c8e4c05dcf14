package io.signstream.stream.monitoring;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.ExplanationAlert;
import io.signstream.schemas.ExplanationStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code GET /api/monitoring} and {@code /api/monitoring/alerts} serve: the latest aggregates
 * per key, a bounded drift-score history per key and the most recent alerts, read (committed records
 * only, from the beginning, no consumer group) from the stats and alerts topics by one background
 * thread. Any process with HTTP can serve it, whichever process runs the monitoring topology.
 */
public final class MonitoringView implements AutoCloseable {

  /** Points of drift history kept per key. */
  public static final int HISTORY = 240;
  /** Alerts kept. */
  public static final int ALERTS = 500;

  private static final Logger LOG = LoggerFactory.getLogger(MonitoringView.class);

  private final Map<String, ExplanationStats> latest = new TreeMap<>();
  private final Map<String, Deque<JsonObject>> history = new HashMap<>();
  private final Deque<ExplanationAlert> alerts = new ArrayDeque<>();
  private final KafkaConsumer<String, byte[]> consumer;
  private final MonitoringTopics topics;
  private final Thread thread;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AvroSerde<ExplanationStats> statsSerde = AvroSerde.forClass(ExplanationStats.class);
  private final AvroSerde<ExplanationAlert> alertSerde = AvroSerde.forClass(ExplanationAlert.class);

  /** Starts reading; returns at once. */
  public MonitoringView(Map<String, Object> clientProps, MonitoringTopics topics) {
    this.topics = topics;
    Map<String, Object> p = new HashMap<>(clientProps);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    thread = new Thread(this::run, "signstream-monitoring-view");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      List<TopicPartition> parts = partitions();
      while (parts.isEmpty() && !closed.get()) { // topics not created yet (another process creates them): wait
        Thread.sleep(1000);
        parts = partitions();
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      while (!closed.get()) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          accept(r);
        }
      }
    } catch (WakeupException | InterruptedException e) {
      // closing
    } catch (RuntimeException e) {
      if (!closed.get()) {
        LOG.warn("monitoring view stopped reading: {}", e.toString());
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private List<TopicPartition> partitions() {
    List<TopicPartition> parts = new ArrayList<>();
    for (String t : topics.streams()) {
      List<PartitionInfo> infos = consumer.partitionsFor(t, Duration.ofSeconds(60));
      for (PartitionInfo info : infos == null ? List.<PartitionInfo>of() : infos) {
        parts.add(new TopicPartition(t, info.partition()));
      }
    }
    return parts;
  }

  private void accept(ConsumerRecord<String, byte[]> r) {
    if (r.value() == null) {
      return;
    }
    try {
      if (r.topic().equals(topics.stats())) {
        add(statsSerde.decode(r.value()));
      } else {
        add(alertSerde.decode(r.value()));
      }
    } catch (RuntimeException e) {
      LOG.warn("monitoring view skips {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
    }
  }

  /** Takes one published aggregate (also used by tests). */
  public synchronized void add(ExplanationStats s) {
    String key = keyOf(s);
    latest.put(key, s);
    Deque<JsonObject> h = history.computeIfAbsent(key, k -> new ArrayDeque<>());
    JsonObject point = new JsonObject().put("windowEnd", s.getWindowEnd().toEpochMilli()).put("count", s.getCount());
    if (s.getDrift() != null) {
      point.put("score", s.getDrift().getScore());
    }
    if (s.getCrossEngine() != null) {
      point.put("pearsonMin", s.getCrossEngine().getPearsonMin());
    }
    h.addLast(point);
    while (h.size() > HISTORY) {
      h.removeFirst();
    }
  }

  /** Takes one alert. */
  public synchronized void add(ExplanationAlert a) {
    alerts.addFirst(a);
    while (alerts.size() > ALERTS) {
      alerts.removeLast();
    }
  }

  private static String keyOf(ExplanationStats s) {
    return new StatsKey(s.getModelId(), s.getModelVersion(), s.getMethod(), s.getTargetClass()).display();
  }

  /** The {@code GET /api/monitoring} document. */
  public synchronized JsonObject current() {
    JsonArray keys = new JsonArray();
    for (Map.Entry<String, ExplanationStats> e : latest.entrySet()) {
      ExplanationStats s = e.getValue();
      JsonObject k = new JsonObject()
          .put("key", e.getKey())
          .put("model", s.getModelId())
          .put("modelVersion", s.getModelVersion())
          .put("method", s.getMethod())
          .put("targetClass", s.getTargetClass())
          .put("windowStart", s.getWindowStart().toEpochMilli())
          .put("windowEnd", s.getWindowEnd().toEpochMilli())
          .put("count", s.getCount())
          .put("mapShape", new JsonArray(new ArrayList<>(s.getMapShape())))
          .put("meanMap", new JsonArray(new ArrayList<>(s.getMeanMap())))
          .put("topK", new JsonArray(new ArrayList<>(s.getTopK())))
          .put("sharePositiveMean", s.getSharePositiveMean())
          .put("sharePositiveStd", s.getSharePositiveStd())
          .put("sumMean", s.getSumMean())
          .put("sumStd", s.getSumStd())
          .put("classHistogram", new JsonObject(new HashMap<>(s.getClassHistogram())))
          .put("lateDropped", s.getLateDropped())
          .put("history", new JsonArray(new ArrayList<>(history.getOrDefault(e.getKey(), new ArrayDeque<>()))));
      if (s.getDrift() != null) {
        var d = s.getDrift();
        k.put("referenceMap", new JsonArray(new ArrayList<>(d.getReferenceMap())));
        k.put("drift", new JsonObject().put("reference", d.getReference()).put("referenceWindows", d.getReferenceWindows())
            .put("score", d.getScore()).put("threshold", d.getThreshold()).put("rankCorrelation", d.getRankCorrelation())
            .put("pValue", d.getPValue()).put("alerting", d.getAlerting()));
      } else {
        k.putNull("drift");
      }
      if (s.getCrossEngine() != null) {
        var c = s.getCrossEngine();
        k.put("crossEngine", new JsonObject().put("pairs", c.getPairs()).put("pearsonMin", c.getPearsonMin())
            .put("pearsonMean", c.getPearsonMean()).put("maxAbsDelta", c.getMaxAbsDelta()).put("threshold", c.getThreshold()));
      } else {
        k.putNull("crossEngine");
      }
      keys.add(k);
    }
    return new JsonObject().put("keys", keys).put("alerts", alerts.size());
  }

  /** The {@code GET /api/monitoring/alerts} document: newest first. */
  public synchronized JsonArray alerts() {
    JsonArray all = new JsonArray();
    for (ExplanationAlert a : alerts) {
      all.add(new JsonObject()
          .put("kind", a.getKind().name().toLowerCase(Locale.ROOT).replace('_', '-'))
          .put("model", a.getModelId())
          .put("modelVersion", a.getModelVersion())
          .put("method", a.getMethod())
          .put("targetClass", a.getTargetClass())
          .put("windowStart", a.getWindowStart().toEpochMilli())
          .put("windowEnd", a.getWindowEnd().toEpochMilli())
          .put("score", a.getScore())
          .put("threshold", a.getThreshold())
          .put("reason", a.getReason()));
    }
    return all;
  }

  /** Stops the reader thread. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      consumer.wakeup();
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
