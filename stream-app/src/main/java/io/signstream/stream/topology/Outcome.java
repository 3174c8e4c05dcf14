package io.signstream.stream.topology;

import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ExplainTask;

/** What the topology's processor emits for a request: tasks to route, or one dead letter. */
public sealed interface Outcome {

  /**
   * One method of a valid request, for the workers of {@code task.getEngine()}.
   *
   * @param task the task
   * @param bytes its encoding, made (and sized against the record limit) before anything is forwarded
   */
  record Task(ExplainTask task, byte[] bytes) implements Outcome {}

  /** A request that cannot be explained, and why. */
  record Dead(DeadLetter letter) implements Outcome {}
}
