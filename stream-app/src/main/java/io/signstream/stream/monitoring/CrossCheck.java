package io.signstream.stream.monitoring;

import io.signstream.schemas.Engines;
import io.signstream.schemas.ExplainTask;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.utils.Utils;

/**
 * Which events are explained by both engines ({@code monitor.crosscheck.rate}).
 *
 * <p>The choice is a hash of the event id, not a random draw: the request topology (which sends the
 * copy) and the monitoring topology (which must not count the copy twice) decide the same way in any
 * process, after any restart. Sampled events are explained by PyTorch and by TensorFlow, whichever
 * the request asked for first; the monitor aggregates the PyTorch map of a sampled event and uses the
 * pair only for the cross-engine figures.
 *
 * @param rate share of events sampled, in [0, 1]
 * @param engines engines that have workers; with fewer than both, nothing is sampled
 */
public record CrossCheck(double rate, List<String> engines) {

  private static final int BUCKETS = 1_000_000;

  /** Copies the engines. */
  public CrossCheck {
    engines = List.copyOf(engines);
  }

  /** No cross-checks. */
  public static CrossCheck none() {
    return new CrossCheck(0, List.of());
  }

  /** Whether any event is sampled. */
  public boolean active() {
    return rate > 0 && engines.containsAll(Engines.ALL);
  }

  /** Whether this event is explained by both engines. */
  public boolean sampled(String eventId) {
    if (!active() || eventId == null) {
      return false;
    }
    int bucket = Utils.toPositive(Utils.murmur2(eventId.getBytes(StandardCharsets.UTF_8))) % BUCKETS;
    return bucket < rate * BUCKETS;
  }

  /** The other engine. */
  public static String other(String engine) {
    return Engines.PYTORCH.equals(engine) ? Engines.TENSORFLOW : Engines.PYTORCH;
  }

  /** The task, and for a sampled event a copy of it for the other engine. */
  public List<ExplainTask> withCopy(ExplainTask task) {
    if (!sampled(task.getEventId())) {
      return List.of(task);
    }
    ExplainTask copy = ExplainTask.newBuilder(task).setEngine(other(task.getEngine())).build();
    return List.of(task, copy);
  }

  /** Whether the monitor aggregates this explanation (not the second half of a sampled pair). */
  public boolean aggregates(String eventId, String engine) {
    return !sampled(eventId) || Engines.PYTORCH.equals(engine);
  }
}
