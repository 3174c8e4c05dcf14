package io.signstream.stream.monitoring;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sufficient statistics of a set of relevance maps: count, the sum of the maps each normalised to
 * sum 1 (|R| / sum |R|), first and second moments of the per-map share positive and sum, the explained
 * class histogram and the cross-engine pairs. Windows, references and pooled references are all
 * this; {@link #merge} pools them exactly (sums, not means, are kept). Mutable, not thread-safe.
 */
public final class MapMoments {

  private static final int FORMAT = 1;

  private long count;
  private long[] shape = new long[0];
  private double[] sumMap = new double[0];
  private double shareSum;
  private double shareSq;
  private double sumSum;
  private double sumSq;
  private final TreeMap<Integer, Long> classes = new TreeMap<>();
  private long pairs;
  private double pearsonMin = Double.POSITIVE_INFINITY;
  private double pearsonSum;
  private double maxAbsDelta;

  /** Adds one map (channels-first values of one sample, {@code shape} without the batch axis). */
  public void addMap(float[] values, long[] mapShape, int target) {
    if (count == 0 && sumMap.length == 0) {
      shape = mapShape.clone();
      sumMap = new double[values.length];
    } else if (!Arrays.equals(shape, mapShape)) {
      throw new IllegalArgumentException("map shape " + Arrays.toString(mapShape) + " differs from "
          + Arrays.toString(shape) + " of the maps before it");
    }
    double abs = 0;
    double positive = 0;
    double sum = 0;
    for (float v : values) {
      abs += Math.abs(v);
      sum += v;
      if (v > 0) {
        positive += v;
      }
    }
    if (abs > 0) {
      for (int i = 0; i < values.length; i++) {
        sumMap[i] += Math.abs(values[i]) / abs;
      }
    }
    double share = abs > 0 ? positive / abs : 0;
    count++;
    shareSum += share;
    shareSq += share * share;
    sumSum += sum;
    sumSq += sum * sum;
    classes.merge(target, 1L, Long::sum);
  }

  /** Adds one cross-engine pair. */
  public void addPair(double pearson, double absDelta) {
    pairs++;
    pearsonMin = Math.min(pearsonMin, pearson);
    pearsonSum += pearson;
    maxAbsDelta = Math.max(maxAbsDelta, absDelta);
  }

  /** Pools {@code other} into this one (a reference over several windows). */
  public void merge(MapMoments other) {
    if (other.count > 0) {
      if (count == 0 && sumMap.length == 0) {
        shape = other.shape.clone();
        sumMap = new double[other.sumMap.length];
      }
      if (Arrays.equals(shape, other.shape)) {
        for (int i = 0; i < sumMap.length; i++) {
          sumMap[i] += other.sumMap[i];
        }
      }
      count += other.count;
      shareSum += other.shareSum;
      shareSq += other.shareSq;
      sumSum += other.sumSum;
      sumSq += other.sumSq;
      other.classes.forEach((k, v) -> classes.merge(k, v, Long::sum));
    }
    pairs += other.pairs;
    pearsonMin = Math.min(pearsonMin, other.pearsonMin);
    pearsonSum += other.pearsonSum;
    maxAbsDelta = Math.max(maxAbsDelta, other.maxAbsDelta);
  }

  /** A deep copy. */
  public MapMoments copy() {
    MapMoments c = new MapMoments();
    c.merge(this);
    return c;
  }

  /** Maps added. */
  public long count() {
    return count;
  }

  /** Shape of one map (no batch axis). */
  public long[] shape() {
    return shape.clone();
  }

  /** Mean normalised map (zeros when empty). */
  public double[] meanMap() {
    double[] m = new double[sumMap.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = count == 0 ? 0 : sumMap[i] / count;
    }
    return m;
  }

  /** Mean share positive. */
  public double shareMean() {
    return count == 0 ? 0 : shareSum / count;
  }

  /** Sample variance of the share positive. */
  public double shareVariance() {
    return variance(shareSum, shareSq, count);
  }

  /** Mean relevance sum. */
  public double sumMean() {
    return count == 0 ? 0 : sumSum / count;
  }

  /** Sample variance of the relevance sums. */
  public double sumVariance() {
    return variance(sumSum, sumSq, count);
  }

  /** Explained class histogram. */
  public Map<Integer, Long> classes() {
    return new TreeMap<>(classes);
  }

  /** Cross-engine pairs. */
  public long pairs() {
    return pairs;
  }

  /** Smallest Pearson r of a pair (+inf without pairs). */
  public double pearsonMin() {
    return pearsonMin;
  }

  /** Mean Pearson r (NaN without pairs). */
  public double pearsonMean() {
    return pairs == 0 ? Double.NaN : pearsonSum / pairs;
  }

  /** Largest |delta| of any pair element. */
  public double maxAbsDelta() {
    return maxAbsDelta;
  }

  private static double variance(double sum, double sq, long n) {
    if (n < 2) {
      return 0;
    }
    double mean = sum / n;
    return Math.max(0, (sq - n * mean * mean) / (n - 1));
  }

  /** Writes the binary state-store form. */
  public void write(DataOutput out) throws IOException {
    out.writeByte(FORMAT);
    out.writeLong(count);
    out.writeInt(shape.length);
    for (long s : shape) {
      out.writeLong(s);
    }
    out.writeInt(sumMap.length);
    for (double v : sumMap) {
      out.writeDouble(v);
    }
    out.writeDouble(shareSum);
    out.writeDouble(shareSq);
    out.writeDouble(sumSum);
    out.writeDouble(sumSq);
    out.writeInt(classes.size());
    for (Map.Entry<Integer, Long> e : classes.entrySet()) {
      out.writeInt(e.getKey());
      out.writeLong(e.getValue());
    }
    out.writeLong(pairs);
    out.writeDouble(pearsonMin);
    out.writeDouble(pearsonSum);
    out.writeDouble(maxAbsDelta);
  }

  /**
   * The bytes {@link #write} writes, built in one buffer: the monitor reads and rewrites a window for every
   * map, and element by element through a {@code DataOutputStream} that was a fifth of its thread's time.
   */
  public byte[] toBytes() {
    int size = 1 + 8 + 4 + 8 * shape.length + 4 + 8 * sumMap.length + 4 * 8 + 4 + 12 * classes.size() + 8 + 3 * 8;
    ByteBuffer b = ByteBuffer.allocate(size); // big-endian, as DataOutput writes
    b.put((byte) FORMAT).putLong(count).putInt(shape.length);
    b.asLongBuffer().put(shape);
    b.position(b.position() + 8 * shape.length);
    b.putInt(sumMap.length);
    b.asDoubleBuffer().put(sumMap);
    b.position(b.position() + 8 * sumMap.length);
    b.putDouble(shareSum).putDouble(shareSq).putDouble(sumSum).putDouble(sumSq).putInt(classes.size());
    for (Map.Entry<Integer, Long> e : classes.entrySet()) {
      b.putInt(e.getKey()).putLong(e.getValue());
    }
    b.putLong(pairs).putDouble(pearsonMin).putDouble(pearsonSum).putDouble(maxAbsDelta);
    return b.array();
  }

  /** Reads what {@link #toBytes} (or {@link #write}) wrote. */
  public static MapMoments fromBytes(byte[] bytes) throws IOException {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      int format = b.get();
      if (format != FORMAT) {
        throw new IOException("unknown map moments format " + format);
      }
      MapMoments m = new MapMoments();
      m.count = b.getLong();
      m.shape = new long[checkedLength(b.getInt(), 8, b)];
      b.asLongBuffer().get(m.shape);
      b.position(b.position() + 8 * m.shape.length);
      m.sumMap = new double[checkedLength(b.getInt(), 8, b)];
      b.asDoubleBuffer().get(m.sumMap);
      b.position(b.position() + 8 * m.sumMap.length);
      m.shareSum = b.getDouble();
      m.shareSq = b.getDouble();
      m.sumSum = b.getDouble();
      m.sumSq = b.getDouble();
      int n = checkedLength(b.getInt(), 12, b);
      for (int i = 0; i < n; i++) {
        m.classes.put(b.getInt(), b.getLong());
      }
      m.pairs = b.getLong();
      m.pearsonMin = b.getDouble();
      m.pearsonSum = b.getDouble();
      m.maxAbsDelta = b.getDouble();
      return m;
    } catch (BufferUnderflowException e) {
      throw new IOException("map moments cut short (" + bytes.length + " bytes)", e);
    }
  }

  /** A declared element count, refused when the bytes left cannot hold it (no allocation from a bad length). */
  private static int checkedLength(int n, int elementBytes, ByteBuffer b) throws IOException {
    if (n < 0 || (long) n * elementBytes > b.remaining()) {
      throw new IOException("map moments declare " + n + " elements but " + b.remaining() + " bytes are left");
    }
    return n;
  }

  /** Reads what {@link #write} wrote. */
  public static MapMoments read(DataInput in) throws IOException {
    int format = in.readByte();
    if (format != FORMAT) {
      throw new IOException("unknown map moments format " + format);
    }
    MapMoments m = new MapMoments();
    m.count = in.readLong();
    m.shape = new long[in.readInt()];
    for (int i = 0; i < m.shape.length; i++) {
      m.shape[i] = in.readLong();
    }
    m.sumMap = new double[in.readInt()];
    for (int i = 0; i < m.sumMap.length; i++) {
      m.sumMap[i] = in.readDouble();
    }
    m.shareSum = in.readDouble();
    m.shareSq = in.readDouble();
    m.sumSum = in.readDouble();
    m.sumSq = in.readDouble();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      m.classes.put(in.readInt(), in.readLong());
    }
    m.pairs = in.readLong();
    m.pearsonMin = in.readDouble();
    m.pearsonSum = in.readDouble();
    m.maxAbsDelta = in.readDouble();
    return m;
  }
}
