package io.signstream.stream.monitoring;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.Explanation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The model id of an encoded {@link Explanation}, read from its bytes without decoding the record.
 *
 * <p>Why: the monitor re-keys every explanation by model id before the repartition. Decoding the whole record for
 * that, and encoding it again for the repartition topic, was a third of the monitor thread's CPU under load; the
 * repartition now carries the original bytes, which the monitor decodes once.
 *
 * <p>How: in Avro's single-object encoding a record is the 10-byte header (C3 01, the writer schema's fingerprint)
 * followed by its fields in schema order, and the current {@link Explanation} schema starts with two strings,
 * {@code eventId} and {@code modelId} (a string is a zig-zag varint length and UTF-8 bytes). Bytes written with
 * another schema version are decoded in full instead, so the shortcut never guesses a layout.
 *
 * <pre>{@code
 * String model = ExplanationModelId.of(bytes);   // "" when the bytes are no explanation
 * }</pre>
 */
final class ExplanationModelId {

  private static final AvroSerde<Explanation> SERDE = AvroSerde.explanation();
  private static final byte[] HEADER = header();
  /** Longest model id read by the shortcut; a longer one (never valid) goes through the full decode. */
  private static final int MAX_ID_BYTES = 4096;

  private ExplanationModelId() {}

  /**
   * The model id, or {@code ""} when the bytes are not an explanation this version can read (the monitor then
   * refuses the record once it is decoded, and counts it).
   */
  static String of(byte[] bytes) {
    if (HEADER != null && startsWithHeader(bytes)) {
      int[] pos = {AvroSerde.HEADER_LENGTH};
      if (skipString(bytes, pos)) {
        String id = readString(bytes, pos);
        if (id != null) {
          return id;
        }
      }
    }
    try {
      return SERDE.decode(bytes).getModelId();
    } catch (SerializationException e) {
      return "";
    }
  }

  /** The current schema's header when the schema starts with the two strings the shortcut reads, else null. */
  private static byte[] header() {
    List<Schema.Field> fields = SERDE.schema().getFields();
    if (fields.size() < 2 || !fields.get(0).name().equals("eventId") || !fields.get(1).name().equals("modelId")
        || fields.get(0).schema().getType() != Schema.Type.STRING
        || fields.get(1).schema().getType() != Schema.Type.STRING) {
      return null;
    }
    return SERDE.header();
  }

  private static boolean startsWithHeader(byte[] bytes) {
    if (bytes.length < HEADER.length) {
      return false;
    }
    for (int i = 0; i < HEADER.length; i++) {
      if (bytes[i] != HEADER[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean skipString(byte[] bytes, int[] pos) {
    long length = readLength(bytes, pos);
    if (length < 0 || length > bytes.length - pos[0]) {
      return false;
    }
    pos[0] += (int) length;
    return true;
  }

  private static String readString(byte[] bytes, int[] pos) {
    long length = readLength(bytes, pos);
    if (length < 0 || length > MAX_ID_BYTES || length > bytes.length - pos[0]) {
      return null;
    }
    return new String(bytes, pos[0], (int) length, StandardCharsets.UTF_8);
  }

  /** A zig-zag varint of at most 5 bytes (a non-negative int), or -1 when it is not one. */
  private static long readLength(byte[] bytes, int[] pos) {
    long raw = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos[0] >= bytes.length) {
        return -1;
      }
      int b = bytes[pos[0]++] & 0xFF;
      raw |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        long value = (raw >>> 1) ^ -(raw & 1);
        return value >= 0 && value <= Integer.MAX_VALUE ? value : -1;
      }
    }
    return -1;
  }
}
