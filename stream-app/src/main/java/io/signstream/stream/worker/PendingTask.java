package io.signstream.stream.worker;

import io.signstream.schemas.ExplainTask;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumed task record that is not committed yet.
 *
 * @param partition where it was read
 * @param offset its offset there
 * @param key raw record key
 * @param value raw record value (kept for a dead letter)
 * @param task the decoded task, or null if the bytes were not a task
 * @param decodeError why decoding failed, or null
 */
public record PendingTask(TopicPartition partition, long offset, byte[] key, byte[] value, ExplainTask task,
    String decodeError) {

  /** Samples in the task's input (its batch axis); 0 for an undecodable record. */
  public int samples() {
    return task == null ? 0 : task.getInput().getShape().get(0).intValue();
  }
}
