package io.signstream.stream.monitoring;

import io.signstream.schemas.TopicNames;
import java.util.List;

/**
 * The monitoring topics, next to the pipeline's own ({@link TopicNames}) and with the same prefix.
 *
 * @param prefix the deployment's topic prefix
 */
public record MonitoringTopics(String prefix) {

  /** The monitoring topics of a deployment. */
  public static MonitoringTopics of(TopicNames topics) {
    return new MonitoringTopics(topics.prefix());
  }

  /** Closed-window aggregates ({@code ExplanationStats}): {@code <prefix>explanation-stats}. */
  public String stats() {
    return prefix + "explanation-stats";
  }

  /** Alerts ({@code ExplanationAlert}): {@code <prefix>alerts}. */
  public String alerts() {
    return prefix + "alerts";
  }

  /** Pinned baselines ({@code BaselinePin}), compacted: {@code <prefix>baselines}. */
  public String baselines() {
    return prefix + "baselines";
  }

  /** The topics with the default (delete) clean-up policy. */
  public List<String> streams() {
    return List.of(stats(), alerts());
  }
}
