package io.signstream.stream.monitoring;

import io.signstream.schemas.ExplanationAlert;
import io.signstream.schemas.ExplanationStats;

/** What the monitoring processor emits: a closed window's aggregates, or an alert. */
public sealed interface MonitorOutput {

  /** The aggregates of one key and window, for {@code <prefix>explanation-stats}. */
  record Stats(ExplanationStats stats) implements MonitorOutput {}

  /** An alert that just started, for {@code <prefix>alerts}. */
  record Alert(ExplanationAlert alert) implements MonitorOutput {}
}
