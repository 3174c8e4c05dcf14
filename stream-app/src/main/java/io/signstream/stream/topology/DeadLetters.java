package io.signstream.stream.topology;

import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Builds {@link DeadLetter} records; the original key and value bytes travel as they were received. */
public final class DeadLetters {

  private DeadLetters() {}

  /**
   * A dead letter for a record read from {@code topic}/{@code partition}/{@code offset}.
   *
   * @param key the record's raw key, or null
   * @param value the record's raw value (possibly undecodable), or null
   * @param eventId the request id if the value could be decoded, else null
   * @param method the method at fault, or null for the whole request
   */
  public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value, ErrorCode code,
      String reason, String eventId, String method, long timeMillis) {
    return DeadLetter.newBuilder()
        .setSourceTopic(topic)
        .setSourcePartition(partition)
        .setSourceOffset(offset)
        .setSourceKey(key == null ? null : ByteBuffer.wrap(key))
        .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
        .setErrorCode(code)
        .setReason(reason == null ? code.name() : reason)
        .setEventId(eventId)
        .setMethod(method)
        .setTime(Instant.ofEpochMilli(timeMillis))
        .build();
  }
}
