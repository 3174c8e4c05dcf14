package io.signstream.stream.monitoring;

import io.signstream.dashboard.ChannelsFirst;
import io.signstream.schemas.AlertKind;
import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.BaselinePin;
import io.signstream.schemas.CrossEngineStats;
import io.signstream.schemas.DriftScore;
import io.signstream.schemas.Explanation;
import io.signstream.schemas.ExplanationAlert;
import io.signstream.schemas.ExplanationStats;
import io.signstream.schemas.Layout;
import io.signstream.schemas.TensorCodec;
import io.signstream.stream.monitoring.statistics.MapSimilarity;
import io.signstream.stream.monitoring.statistics.WelchTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitoring processor, one per partition of the explanations re-keyed by model id (so every
 * key of a model, and both engines' halves of a cross-check, meet in one task).
 *
 * <p>Per record: the maps (each sample, channels-first) go into the open tumbling window of their
 * class key and of the model-level key; a sampled event's halves are joined on (event id, method).
 * Stream time is the largest record timestamp seen (kept in the store, so it survives restarts); a
 * record whose window closed more than the grace period ago is dropped and counted. When stream time
 * passes a window's end plus grace, the window is published with its drift against the key's
 * reference and its cross-engine figures, and alerts start or clear with hysteresis. Every piece of
 * state is in the three RocksDB stores, whose changelogs restore it exactly after a restart.
 *
 * <p>A map is added to its class window only: the model-level window stores just its cross-engine
 * pairs, and its maps are the merge of its classes' windows when it closes (the moments are sums).
 * Updating both per map cost two decodes and two encodes of the window state for every map, the
 * monitor's largest cost under load. Open windows are also kept decoded in memory (the store stays
 * the state of record; the copy is dropped whenever the processor is initialised again).
 *
 * <p>Records arrive as the explanations' original bytes (see {@link MonitoringTopology}) and are decoded here,
 * once; bytes that are no explanation are refused and counted ({@code reason=undecodable}).
 */
final class ExplanationMonitor implements Processor<String, byte[], String, MonitorOutput> {

  static final String WINDOWS = "monitor-windows";
  static final String DRIFT = "monitor-drift";
  static final String PAIRS = "monitor-pairs";
  static final String BASELINES = "monitor-baselines";

  private static final Logger LOG = LoggerFactory.getLogger(ExplanationMonitor.class);
  private static final String CLOCK = "\u0000clock";
  private static final char WINDOW_SEP = '\u001e';
  private static final char PAIR_SEP = '\u001f';

  private final MonitorSettings settings;
  private final CrossCheck crossCheck;
  private final MonitorMetrics metrics;
  private final long size;
  private final long grace;
  private final Set<String> warned = new HashSet<>();
  private final AvroSerde<Explanation> explanations = AvroSerde.explanation();

  private ProcessorContext<String, MonitorOutput> context;
  private KeyValueStore<String, byte[]> windows;
  private KeyValueStore<String, byte[]> drift;
  private KeyValueStore<String, byte[]> pairs;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<BaselinePin>> baselines;
  private final TreeMap<Long, TreeSet<String>> closing = new TreeMap<>();
  private final Set<String> keys = new HashSet<>();
  /** Decoded copies of the open windows in {@link #windows}, by store key. */
  private final Map<String, MapMoments> open = new HashMap<>();
  private long clock = Long.MIN_VALUE;
  private long pendingPairs;

  ExplanationMonitor(MonitorSettings settings, CrossCheck crossCheck, MonitorMetrics metrics) {
    this.settings = settings;
    this.crossCheck = crossCheck;
    this.metrics = metrics;
    this.size = settings.window().toMillis();
    this.grace = settings.grace().toMillis();
  }

  @Override
  public void init(ProcessorContext<String, MonitorOutput> ctx) {
    this.context = ctx;
    this.windows = ctx.getStateStore(WINDOWS);
    this.drift = ctx.getStateStore(DRIFT);
    this.pairs = ctx.getStateStore(PAIRS);
    this.baselines = ctx.getStateStore(BASELINES);
    // the in-memory indexes are rebuilt from the (restored) stores: a revived task (exactly-once abort)
    // initialises this same instance again, over stores rolled back to the last commit
    closing.clear();
    keys.clear();
    open.clear();
    clock = Long.MIN_VALUE;
    pendingPairs = 0;
    try (KeyValueIterator<String, byte[]> it = windows.all()) {
      while (it.hasNext()) {
        String storeKey = it.next().key;
        int sep = storeKey.lastIndexOf(WINDOW_SEP);
        long start = Long.parseLong(storeKey.substring(sep + 1));
        closing.computeIfAbsent(start + size + grace, k -> new TreeSet<>()).add(storeKey);
        keys.add(storeKey.substring(0, sep));
      }
    }
    try (KeyValueIterator<String, byte[]> it = drift.all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        if (CLOCK.equals(kv.key)) {
          clock = ByteBuffer.wrap(kv.value).getLong();
        } else {
          keys.add(kv.key);
        }
      }
    }
    try (KeyValueIterator<String, byte[]> it = pairs.all()) {
      while (it.hasNext()) {
        it.next();
        pendingPairs++;
      }
    }
  }

  @Override
  public void process(Record<String, byte[]> record) {
    if (record.value() == null) {
      return;
    }
    metrics.recordRead();
    Explanation e;
    try {
      e = explanations.decode(record.value());
    } catch (SerializationException ex) {
      refuse("undecodable", "a record on the explanations topic is not an explanation: " + ex.getMessage());
      return;
    }
    long ts = record.timestamp();
    long[] shape = TensorCodec.shape(e.getRelevance());
    long perSample = 1;
    for (int i = 1; i < shape.length; i++) {
      perSample *= shape[i];
    }
    if (shape.length < 2 || shape[0] < 1 || perSample > settings.maxMapElements()) {
      refuse("map-size", "a map of " + java.util.Arrays.toString(shape) + " exceeds monitor.max.map.elements="
          + settings.maxMapElements() + " (model " + e.getModelId() + ")");
      return;
    }
    StatsKey classKey = new StatsKey(e.getModelId(), e.getModelVersion(), e.getMethod(), e.getTarget());
    StatsKey modelKey = classKey.modelLevel();
    if (!admit(classKey) || !admit(modelKey)) {
      return;
    }
    long start = ts - Math.floorMod(ts, size);
    if (clock != Long.MIN_VALUE && start + size + grace <= clock) {
      metrics.lateDropped();
      DriftState s = state(classKey);
      s.lateDropped++;
      saveState(classKey, s);
      return;
    }
    float[] all = TensorCodec.toFloatArray(e.getRelevance());
    long[] one = shape.clone();
    one[0] = 1;
    String layout = layoutName(e.getRelevance().getLayout(), shape.length);
    ChannelsFirst first = null;
    MapMoments classWindow = window(classKey, start);
    boolean aggregate = crossCheck.aggregates(e.getEventId(), e.getEngine());
    for (int s = 0; s < shape[0]; s++) {
      float[] sample = java.util.Arrays.copyOfRange(all, (int) (s * perSample), (int) ((s + 1) * perSample));
      ChannelsFirst cf = ChannelsFirst.of(sample, one, layout);
      if (s == 0) {
        first = cf;
      }
      if (aggregate) {
        classWindow.addMap(cf.data(), mapShape(cf), e.getTarget());
      }
    }
    saveWindow(classKey, start, classWindow);
    if (crossCheck.sampled(e.getEventId())) {
      MapMoments pairsWindow = window(modelKey, start);
      if (join(e, first, ts, pairsWindow)) {
        saveWindow(modelKey, start, pairsWindow);
      }
    }
    // the model-level window must exist to be published, even with no pair in it
    if (!isOpen(modelKey, start)) {
      saveWindow(modelKey, start, new MapMoments());
    }
    if (ts > clock) {
      clock = ts;
      drift.put(CLOCK, ByteBuffer.allocate(8).putLong(clock).array());
    }
    closeDue();
  }

  private boolean admit(StatsKey key) {
    if (keys.contains(key.encode())) {
      return true;
    }
    if (keys.size() >= settings.maxKeys()) {
      refuse("keys", "more than monitor.max.keys=" + settings.maxKeys() + " keys; " + key.display() + " is not monitored");
      return false;
    }
    keys.add(key.encode());
    return true;
  }

  private void refuse(String reason, String message) {
    metrics.refused(reason);
    if (warned.add(reason)) {
      LOG.warn("monitoring refuses records: {} (counted in signstream.monitor.refused{reason={}}, logged once)",
          message, reason);
    }
  }

  private static long[] mapShape(ChannelsFirst cf) {
    long[] s = new long[cf.spatial().length + 1];
    s[0] = cf.channels();
    for (int i = 0; i < cf.spatial().length; i++) {
      s[i + 1] = cf.spatial()[i];
    }
    return s;
  }

  private static String layoutName(Layout layout, int rank) {
    if (layout != null && layout != Layout.ANY && layout.name().length() == rank) {
      return layout.name();
    }
    return switch (rank) {
      case 2 -> "NC";
      case 3 -> "NCT";
      default -> "NCHW";
    };
  }

  // ---- cross-engine pairs ----

  /** @return whether a pair was completed (and added to {@code modelWindow}) */
  private boolean join(Explanation e, ChannelsFirst map, long ts, MapMoments modelWindow) {
    String pairKey = e.getEventId() + PAIR_SEP + e.getMethod();
    byte[] waiting = pairs.get(pairKey);
    if (waiting != null) {
      Half other = Half.fromBytes(waiting);
      if (!other.engine().equals(e.getEngine())) {
        pairs.delete(pairKey);
        pendingPairs--;
        double r = MapSimilarity.pearson(toDoubles(other.data()), toDoubles(map.data()));
        double delta = other.data().length == map.data().length ? maxAbsDelta(other.data(), map.data()) : Double.NaN;
        // a constant map on either side, or maps of different shapes, are not an agreement
        modelWindow.addPair(Double.isNaN(r) ? -1 : r, Double.isNaN(delta) ? Double.POSITIVE_INFINITY : delta);
        return true;
      }
    }
    if (waiting == null && pendingPairs >= settings.maxPendingPairs()) {
      refuse("pending-pairs", "more than monitor.max.pending.pairs=" + settings.maxPendingPairs()
          + " cross-check halves wait for their other engine");
      return false;
    }
    if (waiting == null) {
      pendingPairs++;
    }
    pairs.put(pairKey, new Half(e.getEngine(), ts, map.data()).toBytes());
    return false;
  }

  private static double[] toDoubles(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static double maxAbsDelta(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  /** A cross-check half waiting for its other engine. */
  private record Half(String engine, long timestamp, float[] data) {
    byte[] toBytes() {
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF(engine);
        out.writeLong(timestamp);
        out.writeInt(data.length);
        for (float v : data) {
          out.writeFloat(v);
        }
        out.flush();
        return bytes.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static Half fromBytes(byte[] b) {
      try {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
        String engine = in.readUTF();
        long ts = in.readLong();
        float[] data = new float[in.readInt()];
        for (int i = 0; i < data.length; i++) {
          data[i] = in.readFloat();
        }
        return new Half(engine, ts, data);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  // ---- windows ----

  private static String windowKey(StatsKey key, long start) {
    // 20 digits, zero-padded (sorts as numbers); String.format here was a tenth of the monitor's time
    String digits = Long.toString(start);
    StringBuilder b = new StringBuilder(key.encode()).append(WINDOW_SEP);
    for (int i = digits.length(); i < 20; i++) {
      b.append('0');
    }
    return b.append(digits).toString();
  }

  private MapMoments window(StatsKey key, long start) {
    MapMoments m = load(windowKey(key, start));
    return m == null ? new MapMoments() : m;
  }

  /** The open window of a store key (decoded once, then kept), or null if there is none. */
  private MapMoments load(String storeKey) {
    MapMoments cached = open.get(storeKey);
    if (cached != null) {
      return cached;
    }
    byte[] b = windows.get(storeKey);
    if (b == null) {
      return null;
    }
    try {
      MapMoments m = MapMoments.fromBytes(b);
      open.put(storeKey, m);
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private boolean isOpen(StatsKey key, long start) {
    TreeSet<String> due = closing.get(start + size + grace);
    return due != null && due.contains(windowKey(key, start));
  }

  private void saveWindow(StatsKey key, long start, MapMoments m) {
    String storeKey = windowKey(key, start);
    windows.put(storeKey, m.toBytes());
    open.put(storeKey, m);
    closing.computeIfAbsent(start + size + grace, k -> new TreeSet<>()).add(storeKey);
  }

  private DriftState state(StatsKey key) {
    byte[] b = drift.get(key.encode());
    return b == null ? new DriftState() : DriftState.fromBytes(b);
  }

  private void saveState(StatsKey key, DriftState s) {
    drift.put(key.encode(), s.toBytes());
  }

  /** Publishes every window whose end plus grace stream time has reached, oldest first. */
  private void closeDue() {
    boolean closedAny = false;
    while (!closing.isEmpty() && closing.firstKey() <= clock) {
      Map.Entry<Long, TreeSet<String>> due = closing.pollFirstEntry();
      // every window of one start closes together: a model-level window takes its classes' maps first
      Map<StatsKey, MapMoments> closed = new LinkedHashMap<>();
      long start = due.getKey() - size - grace;
      for (String storeKey : due.getValue()) {
        MapMoments m = load(storeKey);
        windows.delete(storeKey);
        open.remove(storeKey);
        if (m != null) {
          closed.put(StatsKey.decode(storeKey.substring(0, storeKey.lastIndexOf(WINDOW_SEP))), m);
        }
      }
      for (Map.Entry<StatsKey, MapMoments> w : closed.entrySet()) {
        StatsKey key = w.getKey();
        MapMoments window = w.getValue();
        if (key.targetClass() == null) {
          window = window.copy();
          for (Map.Entry<StatsKey, MapMoments> c : closed.entrySet()) {
            if (c.getKey().targetClass() != null && c.getKey().modelLevel().equals(key)) {
              window.merge(c.getValue());
            }
          }
        }
        publish(key, start, window);
        closedAny = true;
      }
    }
    if (closedAny) {
      evictUnpaired();
    }
  }

  /** Drops cross-check halves older than two windows plus grace: their other engine is not coming. */
  private void evictUnpaired() {
    List<String> stale = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = pairs.all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        if (Half.fromBytes(kv.value).timestamp() + 2 * size + grace <= clock) {
          stale.add(kv.key);
        }
      }
    }
    for (String k : stale) {
      pairs.delete(k);
      pendingPairs--;
      metrics.unpaired();
    }
  }

  private void publish(StatsKey key, long start, MapMoments window) {
    DriftState s = state(key);
    applyPin(key, s);
    long end = start + size;
    double[] mean = window.meanMap();
    int[] top = MapSimilarity.topK(mean, settings.topK());
    ExplanationStats.Builder stats = ExplanationStats.newBuilder()
        .setModelId(key.model()).setModelVersion(key.version()).setMethod(key.method())
        .setTargetClass(key.targetClass())
        .setWindowStart(Instant.ofEpochMilli(start)).setWindowEnd(Instant.ofEpochMilli(end))
        .setCount(window.count())
        .setMapShape(longs(window.shape())).setMeanMap(floats(mean)).setTopK(ints(top))
        .setSharePositiveMean(window.shareMean()).setSharePositiveStd(Math.sqrt(window.shareVariance()))
        .setSumMean(window.sumMean()).setSumStd(Math.sqrt(window.sumVariance()))
        .setClassHistogram(key.targetClass() == null ? histogram(window) : Map.of())
        .setLateDropped(s.lateDropped)
        .setDrift(null).setCrossEngine(null);
    s.lateDropped = 0;
    List<ExplanationAlert> alerts = new ArrayList<>();

    if (window.count() > 0) {
      if (s.referenceReady(settings.referenceWindows())) {
        DriftScore d = score(key, start, end, window, s, alerts);
        stats.setDrift(d);
        metrics.driftScore(key, d.getScore());
      } else {
        s.reference.merge(window);
        s.referenceWindows++;
      }
      s.remember(end, window, settings.referenceWindows());
    }
    if (window.pairs() > 0) {
      stats.setCrossEngine(crossEngine(key, start, end, window, s, alerts));
      metrics.crossEngineR(key, window.pearsonMin());
    }
    saveState(key, s);
    context.forward(new Record<>(key.display(), new MonitorOutput.Stats(stats.build()), end));
    for (ExplanationAlert a : alerts) {
      metrics.alert(a.getKind().name().toLowerCase(Locale.ROOT).replace('_', '-'), key.model(), key.method());
      context.forward(new Record<>(key.display(), new MonitorOutput.Alert(a), end));
    }
  }

  private DriftScore score(StatsKey key, long start, long end, MapMoments window, DriftState s,
      List<ExplanationAlert> alerts) {
    double[] ref = s.reference.meanMap();
    double[] cur = window.meanMap();
    double score = MapSimilarity.cosineDistance(ref, cur);
    double rank = MapSimilarity.topKRankCorrelation(ref, cur, settings.topK());
    double pShare = WelchTest.pValue(s.reference.shareMean(), s.reference.shareVariance(), s.reference.count(),
        window.shareMean(), window.shareVariance(), window.count());
    double pSum = WelchTest.pValue(s.reference.sumMean(), s.reference.sumVariance(), s.reference.count(),
        window.sumMean(), window.sumVariance(), window.count());
    double p = Math.min(1, 2 * Math.min(pShare, pSum));
    double threshold = settings.driftThreshold();
    if (!s.driftAlerting) {
      if (score > threshold && window.count() >= settings.minCount()) {
        s.driftAlerting = true;
        s.driftCalm = 0;
        alerts.add(alert(AlertKind.DRIFT, key, start, end, score, threshold, String.format(Locale.ROOT,
            "relevance of %s moved: 1 - cosine %.4f > %.4f against the %s reference (%d windows, %d maps);"
                + " top-%d rank correlation %.3f; Welch p-value (share positive, sum) %.3g; %d maps in the window",
            key.display(), score, threshold, s.referenceKind.label, s.referenceWindows, s.reference.count(),
            settings.topK(), rank, p, window.count())));
      }
    } else if (score < threshold / 2) {
      if (++s.driftCalm >= settings.clearWindows()) {
        s.driftAlerting = false;
        s.driftCalm = 0;
      }
    } else {
      s.driftCalm = 0;
    }
    return DriftScore.newBuilder()
        .setReference(s.referenceKind.label).setReferenceWindows(s.referenceWindows)
        .setReferenceMap(floats(ref))
        .setScore(score).setThreshold(threshold).setRankCorrelation(rank).setPValue(p)
        .setAlerting(s.driftAlerting)
        .build();
  }

  private CrossEngineStats crossEngine(StatsKey key, long start, long end, MapMoments window, DriftState s,
      List<ExplanationAlert> alerts) {
    double threshold = settings.disagreementThreshold();
    double r = window.pearsonMin();
    if (!s.disagreementAlerting) {
      if (r < threshold) {
        s.disagreementAlerting = true;
        s.disagreementCalm = 0;
        alerts.add(alert(AlertKind.ENGINE_DISAGREEMENT, key, start, end, r, threshold, String.format(Locale.ROOT,
            "PyTorch and TensorFlow disagree on %s: smallest Pearson r %.6f < %.6f over %d sampled pairs"
                + " (mean r %.6f, max |delta| %.3g)",
            key.display(), r, threshold, window.pairs(), window.pearsonMean(), window.maxAbsDelta())));
      }
    } else if (r >= threshold) {
      if (++s.disagreementCalm >= settings.clearWindows()) {
        s.disagreementAlerting = false;
        s.disagreementCalm = 0;
      }
    } else {
      s.disagreementCalm = 0;
    }
    return CrossEngineStats.newBuilder().setPairs(window.pairs()).setPearsonMin(r).setPearsonMean(window.pearsonMean())
        .setMaxAbsDelta(window.maxAbsDelta()).setThreshold(threshold).build();
  }

  private void applyPin(StatsKey key, DriftState s) {
    long latest = Long.MIN_VALUE;
    for (String pinKey : List.of(BaselinePins.key(key.model(), key.version()), BaselinePins.key(key.model(), null))) {
      ValueAndTimestamp<BaselinePin> pin = baselines.get(pinKey);
      if (pin != null && pin.value() != null) {
        latest = Math.max(latest, pin.value().getPinnedAt().toEpochMilli());
      }
    }
    if (latest > s.appliedPinAt) {
      s.pin(latest);
      LOG.info("drift reference of {} pinned at {}: {} windows", key.display(), Instant.ofEpochMilli(latest),
          s.referenceWindows);
    }
  }

  private static ExplanationAlert alert(AlertKind kind, StatsKey key, long start, long end, double score,
      double threshold, String reason) {
    return ExplanationAlert.newBuilder().setKind(kind).setModelId(key.model()).setModelVersion(key.version())
        .setMethod(key.method()).setTargetClass(key.targetClass())
        .setWindowStart(Instant.ofEpochMilli(start)).setWindowEnd(Instant.ofEpochMilli(end))
        .setScore(score).setThreshold(threshold).setReason(reason).build();
  }

  private static Map<String, Long> histogram(MapMoments m) {
    Map<String, Long> h = new LinkedHashMap<>();
    m.classes().forEach((k, v) -> h.put(Integer.toString(k), v));
    return h;
  }

  private static List<Long> longs(long[] a) {
    List<Long> l = new ArrayList<>(a.length);
    for (long v : a) {
      l.add(v);
    }
    return l;
  }

  private static List<Float> floats(double[] a) {
    List<Float> l = new ArrayList<>(a.length);
    for (double v : a) {
      l.add((float) v);
    }
    return l;
  }

  private static List<Integer> ints(int[] a) {
    List<Integer> l = new ArrayList<>(a.length);
    for (int v : a) {
      l.add(v);
    }
    return l;
  }
}
