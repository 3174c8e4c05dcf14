package io.signstream.stream.soak;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Heap used, sampled after a GC hint, as a growing series; summarised as the mean of its first and
 * last thirds.
 *
 * <p>Why after a GC hint: heap used between collections is mostly garbage waiting to be collected
 * and swings with allocation rate; after {@link System#gc()} it approximates live data, whose steady
 * growth is what a leak looks like. The hint costs a pause, which shows in the soak's latency tail.
 *
 * <p>It also records the process's resident set size (Linux {@code /proc/self/status}), because the
 * engines keep tensors in native memory: an unclosed tensor leaks there and hardly shows on the heap.
 * RSS also grows while the native allocator warms up (a plateau after some thousand explain calls),
 * so its trend is reported, not judged.
 */
public final class HeapSampler {

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final boolean gcHint;
  private final List<Long> samples = new ArrayList<>();
  private final List<Long> rss = new ArrayList<>();

  /** @param gcHint whether to call {@link System#gc()} before each sample */
  public HeapSampler(boolean gcHint) {
    this.gcHint = gcHint;
  }

  /** Takes one sample and returns it, in bytes. */
  public synchronized long sample() {
    if (gcHint) {
      System.gc();
    }
    long used = memory.getHeapMemoryUsage().getUsed();
    samples.add(used);
    long resident = residentBytes();
    if (resident >= 0) {
      rss.add(resident);
    }
    return used;
  }

  /** The last resident set size sampled, in bytes; -1 where the platform does not say. */
  public synchronized long lastResidentBytes() {
    return rss.isEmpty() ? -1 : rss.get(rss.size() - 1);
  }

  /** First-third and last-third means of the resident set size (no samples off Linux). */
  public synchronized Trend residentTrend() {
    return Trend.of(rss);
  }

  /** VmRSS of this process, or -1. */
  static long residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return 1024 * Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: no RSS figures
    }
    return -1;
  }

  /** The samples so far, in bytes. */
  public synchronized List<Long> samples() {
    return List.copyOf(samples);
  }

  /** First-third and last-third means of the samples so far. */
  public synchronized Trend trend() {
    return Trend.of(samples);
  }

  /**
   * How heap used moved over a run.
   *
   * @param samples number of samples
   * @param firstThirdMeanBytes mean of the first third of the samples
   * @param lastThirdMeanBytes mean of the last third
   * @param maxBytes the largest sample
   */
  public record Trend(int samples, double firstThirdMeanBytes, double lastThirdMeanBytes, long maxBytes) {

    static Trend of(List<Long> s) {
      int third = s.size() / 3;
      if (third == 0) {
        double mean = s.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
        return new Trend(s.size(), mean, mean, s.stream().mapToLong(Long::longValue).max().orElse(0));
      }
      double first = s.subList(0, third).stream().mapToLong(Long::longValue).average().orElseThrow();
      double last = s.subList(s.size() - third, s.size()).stream().mapToLong(Long::longValue).average().orElseThrow();
      return new Trend(s.size(), first, last, s.stream().mapToLong(Long::longValue).max().orElseThrow());
    }

    /** Growth of the last-third mean over the first-third mean, in percent. */
    public double growthPercent() {
      return 100.0 * (lastThirdMeanBytes - firstThirdMeanBytes) / firstThirdMeanBytes;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "first third %.1f MB, last third %.1f MB (%+.1f %%), max %.1f MB (%d samples)",
          firstThirdMeanBytes / 1e6, lastThirdMeanBytes / 1e6, growthPercent(), maxBytes / 1e6, samples);
    }
  }
}
