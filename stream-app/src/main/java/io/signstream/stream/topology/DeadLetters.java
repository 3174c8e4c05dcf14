package io.signstream.stream.topology;

import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Builds {@link DeadLetter} records that always fit one Kafka record.
 *
 * <p>The original key and value bytes travel as they were received when they fit; otherwise (a value
 * close to the broker's record limit plus the letter's own fields would be over the producer's
 * {@code max.request.size}, and the producer would refuse the dead letter and stop the thread that
 * writes it) the letter keeps the first {@value #PREFIX_BYTES} bytes of the value and the first
 * {@value #KEY_PREFIX_BYTES} of the key, the value's total length and its SHA-256, and says
 * {@code truncated=true}. Reasons and event ids from outside are clipped too, so every field is
 * bounded whatever a producer sent. Immutable and thread-safe.
 */
public final class DeadLetters {

  /** Kafka's default {@code max.request.size}. */
  public static final int DEFAULT_MAX_RECORD_BYTES = io.signstream.stream.kafka.KafkaProps.DEFAULT_MAX_REQUEST_SIZE;

  /** Letters bounded for Kafka's default producer limit. */
  public static final DeadLetters DEFAULT = new DeadLetters(DEFAULT_MAX_RECORD_BYTES);

  /** Value bytes a truncated letter keeps: enough to recognise the record, small enough to read. */
  static final int PREFIX_BYTES = 64 * 1024;

  /** Key bytes a truncated letter keeps. */
  static final int KEY_PREFIX_BYTES = 4 * 1024;

  /** Longest reason and event id kept, in characters (a UTF-8 character takes at most 3 bytes here). */
  static final int MAX_REASON_CHARS = 2_000;
  static final int MAX_ID_CHARS = 512;

  /**
   * Room left for everything but the original bytes: topic name, reason, ids, method names, the
   * record's key (the event id), its headers and Kafka's record and batch overhead.
   */
  static final int HEADROOM_BYTES = 32 * 1024;

  private final int maxRecordBytes;
  private final int maxOriginalBytes;

  /**
   * Letters that fit records of {@code maxRecordBytes} (the producer's {@code max.request.size}).
   *
   * @throws IllegalArgumentException when that leaves no room for a truncated letter
   */
  public DeadLetters(int maxRecordBytes) {
    if (maxRecordBytes < HEADROOM_BYTES + PREFIX_BYTES + KEY_PREFIX_BYTES) {
      throw new IllegalArgumentException("max.request.size " + maxRecordBytes + " leaves no room for a dead letter;"
          + " use at least " + (HEADROOM_BYTES + PREFIX_BYTES + KEY_PREFIX_BYTES));
    }
    this.maxRecordBytes = maxRecordBytes;
    this.maxOriginalBytes = maxRecordBytes - HEADROOM_BYTES;
  }

  /** The record size these letters stay under. */
  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  /**
   * A dead letter for a record read from {@code topic}/{@code partition}/{@code offset}.
   *
   * @param key the record's raw key, or null
   * @param value the record's raw value (possibly undecodable), or null
   * @param eventId the request id if the value could be decoded, else null
   * @param method the method(s) at fault, comma-separated, or null for the whole request
   */
  public DeadLetter letter(String topic, int partition, long offset, byte[] key, byte[] value, ErrorCode code,
      String reason, String eventId, String method, long timeMillis) {
    int keyLength = key == null ? 0 : key.length;
    int valueLength = value == null ? 0 : value.length;
    boolean fits = (long) keyLength + valueLength <= maxOriginalBytes;
    DeadLetter.Builder b = DeadLetter.newBuilder()
        .setSourceTopic(topic)
        .setSourcePartition(partition)
        .setSourceOffset(offset)
        .setErrorCode(code)
        .setReason(clip(reason == null ? code.name() : reason, MAX_REASON_CHARS))
        .setEventId(eventId == null ? null : clip(eventId, MAX_ID_CHARS))
        .setMethod(method == null ? null : clip(method, MAX_REASON_CHARS))
        .setTime(Instant.ofEpochMilli(timeMillis));
    if (fits) {
      return b.setSourceKey(key == null ? null : ByteBuffer.wrap(key))
          .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
          .build();
    }
    return b.setSourceKey(key == null ? null : ByteBuffer.wrap(key, 0, Math.min(keyLength, KEY_PREFIX_BYTES)).slice())
        .setOriginalValue(value == null ? null : ByteBuffer.wrap(Arrays.copyOf(value, Math.min(valueLength, PREFIX_BYTES))))
        .setTruncated(true)
        .setOriginalLength((long) valueLength)
        .setOriginalSha256(value == null ? null : sha256(value))
        .build();
  }

  /** Lower-case hex SHA-256 of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** {@code s}, or its first {@code max} characters and an ellipsis. */
  static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }
}
