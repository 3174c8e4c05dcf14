package io.signstream.stream.soak;

import java.util.Locale;

/**
 * The outcome of one phase of requests.
 *
 * @param requests requests sent
 * @param expectedMaps explanations they should produce (requests times methods)
 * @param received distinct explanations that arrived
 * @param duplicates explanations that arrived a second time (must be 0)
 * @param deadLetters dead letters that arrived (0 for the well-formed soak requests)
 * @param seconds from the first send to the last arrival
 * @param endToEnd event time to the moment a read_committed consumer read the explanation
 * @param toProduced event time to the explanation's producedAt (before its transaction commits)
 * @param cpuSeconds CPU time this whole process (broker, topology, workers, load generator, reader) used
 *     over the phase: unlike wall time, hardly affected by other processes on a shared machine
 * @param samplesPerRequest maps per explanation (the samples on each request's batch axis)
 */
public record PhaseResult(long requests, long expectedMaps, long received, long duplicates, long deadLetters,
    double seconds, LatencySummary endToEnd, LatencySummary toProduced, double cpuSeconds, int samplesPerRequest) {

  /** Relevance maps that arrived: explanations times the samples each holds. */
  public long maps() {
    return received * samplesPerRequest;
  }

  /** Milliseconds of process CPU per relevance map. */
  public double cpuMillisPerMap() {
    return received == 0 ? Double.NaN : 1000 * cpuSeconds / maps();
  }

  /** Relevance maps per second over the phase. */
  public double mapsPerSecond() {
    return maps() / seconds;
  }

  /** Expected explanations that never arrived. */
  public long lost() {
    return expectedMaps - received;
  }

  @Override
  public String toString() {
    String each = samplesPerRequest == 1 ? "" : " of " + samplesPerRequest + " samples";
    return String.format(Locale.ROOT, "%d requests%s, %d/%d explanations (lost %d, duplicated %d), %d dead letters, "
        + "%.1f s, %.0f maps/s, %.2f ms of process CPU per map%n    end to end (eventTime -> consumed): %s%n"
        + "    eventTime -> producedAt: %s",
        requests, each, received, expectedMaps, lost(), duplicates, deadLetters, seconds, mapsPerSecond(),
        cpuMillisPerMap(), endToEnd, toProduced);
  }
}
