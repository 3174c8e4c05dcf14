package io.signstream.stream.monitoring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.signstream.schemas.AlertKind;
import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.BaselinePin;
import io.signstream.schemas.Explanation;
import io.signstream.schemas.ExplanationAlert;
import io.signstream.schemas.ExplanationStats;
import io.signstream.schemas.TopicNames;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The monitoring topology in Kafka's TopologyTestDriver on synthetic maps ({@link SyntheticMaps}): exact
 * aggregates against sums computed here, no alert on a long stationary stream (the false-alarm rate is
 * printed), an injected shift alerting once within two windows, late records, pins, bounds and the
 * cross-engine join.
 */
class MonitoringTopologyTest {

  private static final TopicNames TOPICS = new TopicNames("t.");
  private static final MonitoringTopics MONITORING = MonitoringTopics.of(TOPICS);
  private static final long WINDOW = 10_000;
  private static final long T0 = 1_700_000_000_000L - 1_700_000_000_000L % WINDOW;

  private TopologyTestDriver driver;
  private TestInputTopic<String, Explanation> explanations;
  private TestInputTopic<String, BaselinePin> pins;
  private TestOutputTopic<String, ExplanationStats> stats;
  private TestOutputTopic<String, ExplanationAlert> alerts;
  private SimpleMeterRegistry registry;
  private long events;

  private void start(MonitorSettings settings, CrossCheck crossCheck) {
    start(settings, crossCheck, ExplanationRouting.BY_MODEL);
  }

  private void start(MonitorSettings settings, CrossCheck crossCheck, ExplanationRouting routing) {
    registry = new SimpleMeterRegistry();
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitor-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(MonitoringTopology.build(TOPICS, settings, crossCheck, new MonitorMetrics(registry),
        routing), props);
    explanations = driver.createInputTopic(TOPICS.explanations(), new StringSerializer(),
        AvroSerde.explanation().serializer());
    pins = driver.createInputTopic(MONITORING.baselines(), new StringSerializer(),
        AvroSerde.forClass(BaselinePin.class).serializer());
    stats = driver.createOutputTopic(MONITORING.stats(), new StringDeserializer(),
        AvroSerde.forClass(ExplanationStats.class).deserializer());
    alerts = driver.createOutputTopic(MONITORING.alerts(), new StringDeserializer(),
        AvroSerde.forClass(ExplanationAlert.class).deserializer());
  }

  private static MonitorSettings settings() {
    return MonitorSettings.defaults().withWindow(Duration.ofMillis(WINDOW), Duration.ofMillis(2_000));
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
      driver = null;
    }
  }

  private void send(String engine, int target, float[] map, long time) {
    send("e" + events++, engine, target, map, time);
  }

  private void send(String eventId, String engine, int target, float[] map, long time) {
    explanations.pipeInput(eventId, SyntheticMaps.explanation(eventId, "digits", "gradient", engine, target, map, time),
        Instant.ofEpochMilli(time));
  }

  /** {@code perWindow} maps spread over window {@code w}. */
  private void window(SyntheticMaps maps, int w, int perWindow, int classes, boolean shifted) {
    for (int i = 0; i < perWindow; i++) {
      long t = T0 + w * WINDOW + i * (WINDOW / perWindow);
      send("pytorch", maps.nextTarget(classes), maps.map(0, shifted), t);
    }
  }

  private double counter(String name) {
    return registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  @Test
  void aWindowsAggregatesMatchTheSumsComputedHere() {
    start(settings(), CrossCheck.none());
    SyntheticMaps maps = new SyntheticMaps(1, 0.05);
    List<float[]> sent = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      float[] m = maps.map(i % 2, false);
      sent.add(m);
      send("pytorch", 3, m, T0 + i * 1000);
    }
    send("pytorch", 3, maps.map(0, false), T0 + WINDOW + 2_000); // closes window 0 (end + grace)
    List<ExplanationStats> out = stats.readValuesToList();
    assertEquals(2, out.size(), "the class key and the model-level key of window 0");
    ExplanationStats perClass = out.stream().filter(s -> s.getTargetClass() != null).findFirst().orElseThrow();
    ExplanationStats model = out.stream().filter(s -> s.getTargetClass() == null).findFirst().orElseThrow();
    assertEquals(7, perClass.getCount());
    assertEquals(7, model.getCount());
    assertEquals(java.util.Map.of("3", 7L), model.getClassHistogram());
    assertEquals(Instant.ofEpochMilli(T0), perClass.getWindowStart());
    assertEquals(Instant.ofEpochMilli(T0 + WINDOW), perClass.getWindowEnd());
    assertEquals(List.of(1L, 8L, 8L), perClass.getMapShape());
    // independent reference: the normalised |R| mean and the summaries, straight from the maps
    double[] mean = new double[64];
    double shareSum = 0;
    double[] sums = new double[sent.size()];
    for (int k = 0; k < sent.size(); k++) {
      float[] m = sent.get(k);
      double abs = 0;
      double pos = 0;
      for (float v : m) {
        abs += Math.abs(v);
        pos += Math.max(0, v);
        sums[k] += v;
      }
      for (int i = 0; i < 64; i++) {
        mean[i] += Math.abs(m[i]) / abs / sent.size();
      }
      shareSum += pos / abs;
    }
    for (int i = 0; i < 64; i++) {
      assertEquals(mean[i], perClass.getMeanMap().get(i), 1e-6);
    }
    assertEquals(shareSum / 7, perClass.getSharePositiveMean(), 1e-12);
    double sumMean = java.util.Arrays.stream(sums).average().orElseThrow();
    double var = java.util.Arrays.stream(sums).map(s -> (s - sumMean) * (s - sumMean)).sum() / 6;
    assertEquals(sumMean, perClass.getSumMean(), 1e-9);
    assertEquals(Math.sqrt(var), perClass.getSumStd(), 1e-9);
    Integer[] order = java.util.stream.IntStream.range(0, 64).boxed()
        .sorted((a, b) -> Double.compare(mean[b], mean[a])).limit(10).toArray(Integer[]::new);
    assertEquals(List.of(order), perClass.getTopK());
    assertNull(perClass.getDrift(), "the reference is still being learned");
  }

  @Test
  void theModelLevelWindowHoldsTheMapsOfEveryClass() {
    // each map goes into its class window only; the model level is their merge when the window closes
    start(settings(), CrossCheck.none());
    SyntheticMaps maps = new SyntheticMaps(7, 0.05);
    List<float[]> sent = new ArrayList<>();
    int[] targets = {3, 5, 3, 5, 5, 8, 3, 3};
    for (int i = 0; i < targets.length; i++) {
      float[] m = maps.map(i % 2, false);
      sent.add(m);
      send("pytorch", targets[i], m, T0 + i * 1000);
    }
    send("pytorch", 3, maps.map(0, false), T0 + WINDOW + 2_000);
    List<ExplanationStats> out = stats.readValuesToList();
    assertEquals(4, out.size(), "classes 3, 5, 8 and the model level of window 0");
    ExplanationStats model = out.stream().filter(s -> s.getTargetClass() == null).findFirst().orElseThrow();
    assertEquals(targets.length, model.getCount());
    assertEquals(java.util.Map.of("3", 4L, "5", 3L, "8", 1L), model.getClassHistogram());
    double[] mean = new double[64];
    double[] sums = new double[sent.size()];
    for (int k = 0; k < sent.size(); k++) {
      double abs = 0;
      for (float v : sent.get(k)) {
        abs += Math.abs(v);
        sums[k] += v;
      }
      for (int i = 0; i < 64; i++) {
        mean[i] += Math.abs(sent.get(k)[i]) / abs / sent.size();
      }
    }
    for (int i = 0; i < 64; i++) {
      assertEquals(mean[i], model.getMeanMap().get(i), 1e-6);
    }
    assertEquals(java.util.Arrays.stream(sums).average().orElseThrow(), model.getSumMean(), 1e-9);
    assertEquals(4, out.stream().filter(s -> Integer.valueOf(3).equals(s.getTargetClass())).findFirst().orElseThrow()
        .getCount(), "class 3");
  }

  @Test
  void aStationaryStreamOf240WindowsRaisesNoAlert() {
    start(settings(), CrossCheck.none());
    SyntheticMaps maps = new SyntheticMaps(42, 0.3);
    int windows = 240;
    for (int w = 0; w < windows; w++) {
      window(maps, w, 40, 3, false);
    }
    window(maps, windows + 1, 1, 3, false); // closes the last full window
    List<ExplanationStats> out = stats.readValuesToList();
    long scored = out.stream().filter(s -> s.getDrift() != null).count();
    long over = out.stream().filter(s -> s.getDrift() != null && s.getDrift().getScore() > s.getDrift().getThreshold()).count();
    double maxScore = out.stream().filter(s -> s.getDrift() != null).mapToDouble(s -> s.getDrift().getScore()).max().orElseThrow();
    long smallP = out.stream().filter(s -> s.getDrift() != null && s.getDrift().getPValue() < 0.01).count();
    List<ExplanationAlert> raised = alerts.readValuesToList();
    System.out.printf(Locale.ROOT, "stationary stream: %d windows x 4 keys, %d scored windows, %d alerts (false-alarm rate"
            + " %.4f per key-window), %d windows over the threshold, largest score %.5f (threshold %.3f),"
            + " %d windows with p < 0.01 (%.3f)%n", windows, scored, raised.size(), (double) raised.size() / scored,
        over, maxScore, settings().driftThreshold(), smallP, (double) smallP / scored);
    assertTrue(scored >= 4 * (windows - 6), "every key scores every window after its reference: " + scored);
    assertEquals(List.of(), raised);
    assertEquals(0, counter("signstream.monitor.alerts"));
  }

  /** 20 stationary windows of two classes, then a shift: the stats and alerts the monitor writes. */
  private List<Object> shiftScenario(ExplanationRouting routing) {
    start(settings(), CrossCheck.none(), routing);
    SyntheticMaps maps = new SyntheticMaps(11, 0.3);
    for (int w = 0; w < 24; w++) {
      window(maps, w, 30, 2, w >= 20);
    }
    List<Object> out = new ArrayList<>(stats.readValuesToList());
    out.addAll(alerts.readValuesToList());
    stop();
    return out;
  }

  @Test
  void readingAOnePartitionTopicDirectlyGivesWhatTheRepartitionGives() {
    List<Object> byModel = shiftScenario(ExplanationRouting.BY_MODEL);
    List<Object> direct = shiftScenario(ExplanationRouting.DIRECT);
    assertTrue(byModel.stream().anyMatch(o -> o instanceof ExplanationAlert), "the scenario raises alerts");
    assertTrue(byModel.size() > 40, "stats of every closed window: " + byModel.size());
    assertEquals(byModel, direct);
    assertTrue(MonitoringTopology.build(TOPICS, settings(), CrossCheck.none(), new MonitorMetrics(registry),
        ExplanationRouting.BY_MODEL).describe().toString().contains("by-model-repartition"));
    assertFalse(MonitoringTopology.build(TOPICS, settings(), CrossCheck.none(), new MonitorMetrics(registry),
        ExplanationRouting.DIRECT).describe().toString().contains("repartition"));
    assertEquals(ExplanationRouting.DIRECT, ExplanationRouting.forPartitions(1));
    assertEquals(ExplanationRouting.BY_MODEL, ExplanationRouting.forPartitions(6));
    assertEquals(ExplanationRouting.BY_MODEL, ExplanationRouting.forPartitions(-1));
  }

  @Test
  void anInjectedShiftAlertsOnceWithinTwoWindows() {
    start(settings(), CrossCheck.none());
    SyntheticMaps maps = new SyntheticMaps(7, 0.3);
    int shiftAt = 20;
    for (int w = 0; w < shiftAt; w++) {
      window(maps, w, 40, 2, false);
    }
    // the shift starts half-way through window 20
    for (int i = 0; i < 40; i++) {
      send("pytorch", maps.nextTarget(2), maps.map(0, i >= 20), T0 + shiftAt * WINDOW + i * (WINDOW / 40));
    }
    for (int w = shiftAt + 1; w < shiftAt + 30; w++) {
      window(maps, w, 40, 2, true);
    }
    window(maps, shiftAt + 31, 1, 2, true);
    List<ExplanationAlert> raised = alerts.readValuesToList();
    assertEquals(3, raised.size(), "one alert per key (2 classes + the model level), not one per window: " + raised);
    long shiftTime = T0 + shiftAt * WINDOW + WINDOW / 2;
    for (ExplanationAlert a : raised) {
      assertEquals(AlertKind.DRIFT, a.getKind());
      long delayWindows = (a.getWindowEnd().toEpochMilli() - shiftTime + WINDOW - 1) / WINDOW;
      System.out.printf(Locale.ROOT, "shift at %d ms: %s alert in the window ending %d ms (%d window(s) after the"
              + " shift), score %.3f%n", shiftTime - T0, a.getTargetClass() == null ? "model" : "class " + a.getTargetClass(),
          a.getWindowEnd().toEpochMilli() - T0, delayWindows, a.getScore());
      assertTrue(delayWindows <= 2, "alerted " + delayWindows + " windows after the shift");
      assertTrue(a.getScore() > a.getThreshold());
      assertTrue(a.getReason().contains("1 - cosine"), a.getReason());
    }
    assertEquals(3, counter("signstream.monitor.alerts"));
    ExplanationStats last = stats.readValuesToList().stream().filter(s -> s.getDrift() != null)
        .reduce((a, b) -> b).orElseThrow();
    assertTrue(last.getDrift().getAlerting(), "still alerting while the shift lasts");
    assertTrue(last.getDrift().getPValue() < 1e-6, "the share and sum moved too: p=" + last.getDrift().getPValue());
    assertTrue(last.getDrift().getRankCorrelation() < 0.5, "the top positions moved: " + last.getDrift().getRankCorrelation());
  }

  @Test
  void lateRecordsWithinGraceCountAndLaterOnesAreDroppedAndCounted() {
    start(settings(), CrossCheck.none());
    SyntheticMaps maps = new SyntheticMaps(3, 0.1);
    for (int i = 0; i < 5; i++) {
      send("pytorch", 1, maps.map(1, false), T0 + i * 1000);
    }
    send("pytorch", 1, maps.map(1, false), T0 + WINDOW + 1_500); // stream time: window 0 end + 1.5 s < grace 2 s
    send("pytorch", 1, maps.map(1, false), T0 + 9_000); // late, within grace: counts
    assertTrue(stats.isEmpty(), "window 0 is still open");
    send("pytorch", 1, maps.map(1, false), T0 + WINDOW + 2_000); // end + grace: window 0 closes
    ExplanationStats w0 = stats.readValuesToList().stream().filter(s -> s.getTargetClass() != null).findFirst().orElseThrow();
    assertEquals(6, w0.getCount());
    send("pytorch", 1, maps.map(1, false), T0 + 9_500); // after the grace period: dropped
    assertEquals(1, counter("signstream.monitor.late.dropped"));
    send("pytorch", 1, maps.map(1, false), T0 + 2 * WINDOW + 2_000); // closes window 1
    ExplanationStats w1 = stats.readValuesToList().stream().filter(s -> s.getTargetClass() != null).findFirst().orElseThrow();
    assertEquals(Instant.ofEpochMilli(T0 + WINDOW), w1.getWindowStart());
    assertEquals(2, w1.getCount());
    assertEquals(1, w1.getLateDropped(), "the dropped record is reported with the key's next window");
  }

  @Test
  void aPinnedBaselineMakesTheShiftedBehaviourTheReference() {
    start(settings(), CrossCheck.none());
    SyntheticMaps maps = new SyntheticMaps(9, 0.3);
    for (int w = 0; w < 8; w++) {
      window(maps, w, 30, 1, false);
    }
    for (int w = 8; w < 14; w++) {
      window(maps, w, 30, 1, true);
    }
    window(maps, 14, 1, 1, true); // closes window 13
    assertEquals(2, alerts.readValuesToList().size(), "class 0 and the model level drift");
    pins.pipeInput(BaselinePins.key("digits", "1"), BaselinePin.newBuilder().setModelId("digits").setModelVersion("1")
        .setPinnedAt(Instant.ofEpochMilli(T0 + 14 * WINDOW)).setRequestedBy("test").build());
    stats.readValuesToList();
    for (int w = 14; w < 20; w++) {
      window(maps, w, 30, 1, true);
    }
    window(maps, 21, 1, 1, true);
    List<ExplanationStats> after = stats.readValuesToList();
    assertTrue(after.stream().allMatch(s -> s.getDrift() != null && "pinned".equals(s.getDrift().getReference())
        && s.getDrift().getScore() < s.getDrift().getThreshold() && !s.getDrift().getAlerting()), after.toString());
    assertEquals(5, after.get(0).getDrift().getReferenceWindows(), "the last 5 windows before the pin");
    assertTrue(alerts.isEmpty());
    for (int w = 22; w < 24; w++) {
      window(maps, w, 30, 1, false); // back to the old behaviour: drift against the pinned reference
    }
    window(maps, 25, 1, 1, false);
    assertEquals(2, alerts.readValuesToList().size());
  }

  @Test
  void keysAndMapSizesBeyondTheBoundsAreRefusedAndCounted() {
    start(settings().withBounds(3, 64, 10), CrossCheck.none());
    SyntheticMaps maps = new SyntheticMaps(5, 0.1);
    send("pytorch", 0, maps.map(0, false), T0);        // keys digits/0 and digits/*
    send("pytorch", 1, maps.map(1, false), T0 + 1);    // digits/1: the third key
    send("pytorch", 2, maps.map(1, false), T0 + 2);    // digits/2: a fourth key, refused
    explanations.pipeInput("big", Explanation.newBuilder(SyntheticMaps.explanation("big", "digits", "gradient", "pytorch", 0,
        new float[64], T0 + 3)).setRelevance(io.signstream.schemas.TensorCodec.fromFloats(new float[128],
        new long[] {1, 2, 8, 8}, io.signstream.schemas.Layout.NCHW)).build(), Instant.ofEpochMilli(T0 + 3));
    send("pytorch", 0, maps.map(0, false), T0 + WINDOW + 2_000);
    List<ExplanationStats> out = stats.readValuesToList();
    assertEquals(3, out.size(), out.toString());
    ExplanationStats model = out.stream().filter(s -> s.getTargetClass() == null).findFirst().orElseThrow();
    assertEquals(2, model.getCount(), "the refused maps are not aggregated anywhere");
    assertEquals(2, registry.find("signstream.monitor.refused").counters().stream().mapToDouble(c -> c.count()).sum());
    assertEquals(1, registry.find("signstream.monitor.refused").tag("reason", "keys").counter().count());
    assertEquals(1, registry.find("signstream.monitor.refused").tag("reason", "map-size").counter().count());
  }

  @Test
  void recordsThatAreNoExplanationAreRefusedAndCountedAndTheMonitorGoesOn() {
    start(settings(), CrossCheck.none());
    SyntheticMaps maps = new SyntheticMaps(6, 0.1);
    send("pytorch", 0, maps.map(0, false), T0);
    TestInputTopic<String, byte[]> raw = driver.createInputTopic(TOPICS.explanations(), new StringSerializer(),
        new ByteArraySerializer());
    byte[] valid = AvroSerde.explanation().encode(SyntheticMaps.explanation("x", "digits", "gradient", "pytorch", 0,
        maps.map(0, false), T0 + 1));
    raw.pipeInput("junk", "not an explanation".getBytes(), Instant.ofEpochMilli(T0 + 1));
    // the right header and model id, then cut short: it reaches the monitor and fails to decode there
    raw.pipeInput("cut", java.util.Arrays.copyOf(valid, valid.length / 2), Instant.ofEpochMilli(T0 + 2));
    send("pytorch", 0, maps.map(0, false), T0 + 3);
    send("pytorch", 0, maps.map(0, false), T0 + WINDOW + 2_000);
    ExplanationStats model = stats.readValuesToList().stream().filter(s -> s.getTargetClass() == null)
        .findFirst().orElseThrow();
    assertEquals(2, model.getCount(), "the maps before and after the bad records are aggregated");
    assertEquals(2, registry.find("signstream.monitor.refused").tag("reason", "undecodable").counter().count());
  }

  @Test
  void crossChecksAreJoinedCountedOnceAndADisagreementAlertsOnce() {
    start(settings(), new CrossCheck(1.0, List.of("pytorch", "tensorflow")));
    SyntheticMaps maps = new SyntheticMaps(11, 0.2);
    for (int i = 0; i < 10; i++) {
      float[] m = maps.map(0, false);
      float[] tf = m.clone();
      tf[5] += 1e-6f; // float noise between engines
      send("ev" + i, "tensorflow", 0, tf, T0 + i * 500);
      send("ev" + i, "pytorch", 0, m, T0 + i * 500 + 1);
    }
    // window 1: one pair disagrees
    for (int i = 10; i < 14; i++) {
      float[] m = maps.map(0, false);
      float[] other = i == 12 ? maps.map(0, true) : m;
      send("ev" + i, "pytorch", 0, m, T0 + WINDOW + i);
      send("ev" + i, "tensorflow", 0, other, T0 + WINDOW + i + 1);
    }
    send("x", "pytorch", 0, maps.map(0, false), T0 + 3 * WINDOW);
    List<ExplanationStats> models = stats.readValuesToList().stream().filter(s -> s.getTargetClass() == null).toList();
    assertEquals(2, models.size());
    ExplanationStats w0 = models.get(0);
    assertEquals(10, w0.getCount(), "each sampled event counted once");
    assertNotNull(w0.getCrossEngine());
    assertEquals(10, w0.getCrossEngine().getPairs());
    assertTrue(w0.getCrossEngine().getPearsonMin() > 0.99999, "" + w0.getCrossEngine());
    assertEquals(1e-6, w0.getCrossEngine().getMaxAbsDelta(), 2e-7);
    ExplanationStats w1 = models.get(1);
    assertEquals(4, w1.getCrossEngine().getPairs());
    assertTrue(w1.getCrossEngine().getPearsonMin() < 0.999);
    List<ExplanationAlert> raised = alerts.readValuesToList();
    assertEquals(1, raised.size());
    assertEquals(AlertKind.ENGINE_DISAGREEMENT, raised.get(0).getKind());
    assertNull(raised.get(0).getTargetClass());
    assertEquals(0.999, raised.get(0).getThreshold());
  }

  @Test
  void theSamplingIsTheSameForTheRouterAndTheMonitorAndNearTheRate() {
    CrossCheck c = new CrossCheck(0.2, List.of("pytorch", "tensorflow"));
    int sampled = 0;
    for (int i = 0; i < 20_000; i++) {
      if (c.sampled("demo-" + i)) {
        sampled++;
        assertTrue(c.aggregates("demo-" + i, "pytorch"));
        assertTrue(!c.aggregates("demo-" + i, "tensorflow"));
      }
    }
    assertEquals(0.2, sampled / 20_000.0, 0.01);
    assertTrue(!new CrossCheck(1.0, List.of("pytorch")).sampled("x"), "one engine: nothing to compare with");
    assertArrayEquals(new Object[] {"pytorch", "tensorflow"}, new CrossCheck(1, List.of("pytorch", "tensorflow"))
        .withCopy(io.signstream.schemas.ExplainTask.newBuilder().setEventId("a").setModelId("m").setMethod("g")
            .setEngine("pytorch").setInput(io.signstream.schemas.TensorCodec.fromFloats(new float[1], new long[] {1, 1},
                io.signstream.schemas.Layout.NC)).setEventTime(Instant.EPOCH).setRoutedAt(Instant.EPOCH)
            .setSourceTopic("t").setSourcePartition(0).setSourceOffset(0).build())
        .stream().map(t -> t.getEngine()).toArray());
  }
}
