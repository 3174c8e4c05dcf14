package io.signstream.stream.soak;

import java.util.BitSet;
import java.util.List;

/**
 * What the results of one phase (a capacity burst, a paced run) looked like: latencies, counts,
 * and which (request, method) pairs arrived, to find losses and duplicates. Thread-safe.
 *
 * <p>Requests are numbered from {@link #firstSeq()}; a bit set per method marks the arrivals, so the
 * bookkeeping stays a few bytes per request however long a soak runs.
 */
final class PhaseStats {

  private final long firstSeq;
  private final List<String> methods;
  private final BitSet[] seen;
  final LatencyHistogram endToEnd = new LatencyHistogram();
  final LatencyHistogram toProduced = new LatencyHistogram();
  final LatencyHistogram interval = new LatencyHistogram();
  private long received;
  private long duplicates;
  private long deadLetters;
  private volatile long lastArrivalNanos;

  PhaseStats(long firstSeq, List<String> methods) {
    this.firstSeq = firstSeq;
    this.methods = List.copyOf(methods);
    this.seen = new BitSet[methods.size()];
    for (int i = 0; i < seen.length; i++) {
      seen[i] = new BitSet();
    }
  }

  long firstSeq() {
    return firstSeq;
  }

  /** One explanation of request {@code seq}; times in epoch milliseconds. */
  synchronized void explanation(long seq, String method, long eventTimeMs, long producedAtMs, long consumedAtMs) {
    int m = methods.indexOf(method);
    if (seq < firstSeq || m < 0) {
      return;
    }
    int bit = (int) (seq - firstSeq);
    if (seen[m].get(bit)) {
      duplicates++;
      return;
    }
    seen[m].set(bit);
    received++;
    endToEnd.record(consumedAtMs - eventTimeMs);
    interval.record(consumedAtMs - eventTimeMs);
    toProduced.record(producedAtMs - eventTimeMs);
    lastArrivalNanos = System.nanoTime();
  }

  synchronized void deadLetter() {
    deadLetters++;
  }

  synchronized long received() {
    return received;
  }

  synchronized long duplicates() {
    return duplicates;
  }

  synchronized long deadLetters() {
    return deadLetters;
  }

  /** {@link System#nanoTime()} of the last new explanation, 0 before the first. */
  long lastArrivalNanos() {
    return lastArrivalNanos;
  }
}
