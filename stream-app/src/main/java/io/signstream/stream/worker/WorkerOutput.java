package io.signstream.stream.worker;

import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.Explanation;

/** What the worker writes for one consumed task: its explanation, or a dead letter. */
sealed interface WorkerOutput {

  /** The task it answers. */
  PendingTask source();

  /** A computed relevance map. */
  record Done(PendingTask source, Explanation explanation) implements WorkerOutput {}

  /** A task that could not be computed. */
  record Failed(PendingTask source, DeadLetter letter) implements WorkerOutput {}
}
