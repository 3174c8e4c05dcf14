package io.signstream.stream.worker;

import io.signstream.schemas.TopicNames;

/** Consumer group ids of the workers. */
public final class WorkerGroups {

  private WorkerGroups() {}

  /**
   * {@code signstream-workers-<engine>} with the default topic prefix; with another prefix,
   * {@code <prefix>workers-<engine>}, so that two deployments sharing a cluster never share a group.
   */
  public static String groupId(TopicNames topics, String engine) {
    if (TopicNames.DEFAULT_PREFIX.equals(topics.prefix())) {
      return "signstream-workers-" + engine;
    }
    return topics.prefix() + "workers-" + engine;
  }
}
