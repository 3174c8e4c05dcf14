package io.signstream.stream.worker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Holds polled tasks until a batch is worth computing, then hands out everything at once.
 *
 * <p>A flush takes every pending task, not just the full group: the offsets committed with the
 * results must cover a gap-free prefix of each partition, and draining everything is the simple way
 * to guarantee that. Tasks are grouped by {@link BatchKey} and cut into chunks of at most
 * {@code maxBatch} samples (one task bigger than that is a chunk of its own). Not thread-safe.
 */
final class TaskBatcher {

  /** What one flush computes and commits. */
  record Drained(List<List<PendingTask>> chunks, List<PendingTask> undecodable,
      Map<TopicPartition, OffsetAndMetadata> offsets, int count) {}

  private final int maxBatch;
  private final long maxWaitMillis;
  private final Map<BatchKey, List<PendingTask>> groups = new LinkedHashMap<>();
  private final Map<BatchKey, Integer> samples = new HashMap<>();
  private final List<PendingTask> undecodable = new ArrayList<>();
  private int count;
  private long oldestMillis = Long.MAX_VALUE;
  private boolean full;

  TaskBatcher(int maxBatch, long maxWaitMillis) {
    this.maxBatch = maxBatch;
    this.maxWaitMillis = maxWaitMillis;
  }

  void add(PendingTask t, long nowMillis) {
    if (count == 0) {
      oldestMillis = nowMillis;
    }
    count++;
    if (t.task() == null) {
      undecodable.add(t);
      return;
    }
    BatchKey key = BatchKey.of(t.task());
    groups.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
    int n = samples.merge(key, t.samples(), Integer::sum);
    if (n >= maxBatch) {
      full = true;
    }
  }

  int size() {
    return count;
  }

  /** Whether a group is full or the oldest task has waited long enough. */
  boolean due(long nowMillis) {
    return count > 0 && (full || nowMillis - oldestMillis >= maxWaitMillis);
  }

  /** Milliseconds until {@link #due} turns true by waiting (0 if it already is); {@code idle} when empty. */
  long millisUntilDue(long nowMillis, long idle) {
    if (count == 0) {
      return idle;
    }
    return full ? 0 : Math.max(0, maxWaitMillis - (nowMillis - oldestMillis));
  }

  /** Takes every pending task. */
  Drained drain() {
    List<List<PendingTask>> chunks = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (List<PendingTask> group : groups.values()) {
      List<PendingTask> chunk = new ArrayList<>();
      int inChunk = 0;
      for (PendingTask t : group) {
        if (!chunk.isEmpty() && inChunk + t.samples() > maxBatch) {
          chunks.add(chunk);
          chunk = new ArrayList<>();
          inChunk = 0;
        }
        chunk.add(t);
        inChunk += t.samples();
        nextOffset(offsets, t);
      }
      chunks.add(chunk);
    }
    undecodable.forEach(t -> nextOffset(offsets, t));
    Drained d = new Drained(chunks, List.copyOf(undecodable), offsets, count);
    clear();
    return d;
  }

  /**
   * Forgets the tasks of partitions this worker no longer owns: they are not committed, so their
   * new owner reads them again.
   */
  void discard(Collection<TopicPartition> partitions) {
    if (count == 0 || partitions.isEmpty()) {
      return;
    }
    List<PendingTask> keep = new ArrayList<>();
    groups.values().forEach(keep::addAll);
    keep.addAll(undecodable);
    long oldest = oldestMillis;
    clear();
    for (PendingTask t : keep) {
      if (!partitions.contains(t.partition())) {
        add(t, oldest);
      }
    }
  }

  private void clear() {
    groups.clear();
    samples.clear();
    undecodable.clear();
    count = 0;
    full = false;
    oldestMillis = Long.MAX_VALUE;
  }

  private static void nextOffset(Map<TopicPartition, OffsetAndMetadata> offsets, PendingTask t) {
    offsets.merge(t.partition(), new OffsetAndMetadata(t.offset() + 1),
        (a, b) -> a.offset() >= b.offset() ? a : b);
  }
}
