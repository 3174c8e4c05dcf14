package io.signstream.schemas;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a generated Avro record in Avro's single-object encoding, with no schema registry.
 *
 * <p>Each value is {@code C3 01}, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer
 * schema ({@link org.apache.avro.SchemaNormalization#parsingFingerprint64}), then the Avro binary
 * body. To read, the writer schema is looked up by fingerprint in a {@link SchemaStore} — by
 * default {@link SchemaHistory#shipped()}, every version SignStream ever wrote — and resolved
 * against the current schema (new fields get their defaults, removed ones are skipped).
 * Undecodable bytes raise Kafka's {@link SerializationException}, which Kafka Streams' deserialization
 * handler and dead-letter queue catch. {@code null} maps to {@code null} both ways (tombstones).
 *
 * <p>The body is read from the byte array itself, not through Avro's stream-based message decoder:
 * that one allocates whatever length a string or bytes field declares before reading it, so a 25-byte
 * record declaring a 2 GiB field cost a 2 GiB allocation (an {@code OutOfMemoryError} that stopped
 * the topology). Over a byte array Avro checks each declared length against the bytes left first.
 *
 * <p>Constructing one also trusts this package in Avro 1.12.2's {@link ClassSecurityValidator},
 * so no {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES} is needed.
 *
 * <pre>{@code
 * AvroSerde<InferenceEvent> serde = AvroSerde.inferenceEvent();
 * byte[] bytes = serde.serializer().serialize("signstream.requests", event);
 * InferenceEvent back = serde.deserializer().deserialize("signstream.requests", bytes);
 * // Kafka Streams: builder.stream(topics.requests(), Consumed.with(Serdes.String(), serde))
 * }</pre>
 *
 * <p>Instances are thread-safe and may be shared.
 *
 * @param <T> the generated record class
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

  /** Length of the single-object header: 2 marker bytes and an 8-byte fingerprint. */
  public static final int HEADER_LENGTH = 10;

  private final Class<T> type;
  private final Schema schema;
  private final SpecificData model;
  /** The single-object header of our schema: C3 01 and its CRC-64-AVRO fingerprint, little-endian. */
  private final byte[] header;
  private final SpecificDatumWriter<T> writer;
  private final SchemaStore writerSchemas;
  private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();
  private final Serializer<T> serializer = new Serializer<>() {
    @Override
    public byte[] serialize(String topic, T value) {
      return value == null ? null : encode(topic, value);
    }
  };
  private final Deserializer<T> deserializer = new Deserializer<>() {
    @Override
    public T deserialize(String topic, byte[] bytes) {
      return bytes == null ? null : decode(topic, bytes);
    }
  };

  /**
   * A serde for {@code type} that reads every writer schema in {@code writerSchemas} (the current
   * schema of {@code type} is always added).
   */
  public AvroSerde(Class<T> type, SchemaStore writerSchemas) {
    this.type = Objects.requireNonNull(type, "type");
    trust(type);
    this.model = SpecificData.getForClass(type); // the generated class's model, with its logical-type conversions
    this.schema = model.getSchema(type);
    this.header = header(SchemaNormalization.parsingFingerprint64(schema));
    this.writer = new SpecificDatumWriter<>(schema, model);
    this.writerSchemas = Objects.requireNonNull(writerSchemas, "writerSchemas");
  }

  /** A serde for {@code type} that reads every version in {@link SchemaHistory#shipped()}. */
  public static <T extends SpecificRecord> AvroSerde<T> forClass(Class<T> type) {
    return new AvroSerde<>(type, SchemaHistory.shipped());
  }

  /** Serde for {@link InferenceEvent} (topic {@code <prefix>requests}). */
  public static AvroSerde<InferenceEvent> inferenceEvent() {
    return forClass(InferenceEvent.class);
  }

  /** Serde for {@link Explanation} (topic {@code <prefix>explanations}). */
  public static AvroSerde<Explanation> explanation() {
    return forClass(Explanation.class);
  }

  /** Serde for {@link DeadLetter} (topic {@code <prefix>dead-letter}). */
  public static AvroSerde<DeadLetter> deadLetter() {
    return forClass(DeadLetter.class);
  }

  /** Serde for {@link ExplainTask} (topics {@code <prefix>tasks.<engine>}). */
  public static AvroSerde<ExplainTask> explainTask() {
    return forClass(ExplainTask.class);
  }

  /**
   * Makes Avro 1.12.2's {@link ClassSecurityValidator} trust every class in the package of
   * {@code type} (a no-op when it already does, e.g. through
   * {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES}). Called by every constructor; call it
   * yourself before using a generated class's own {@code fromByteBuffer}/{@code getDecoder()}
   * without a serde.
   */
  public static synchronized void trust(Class<?> type) {
    ClassSecurityValidator.ClassSecurityPredicate global = ClassSecurityValidator.getGlobal();
    if (global.isTrusted(type)) {
      return;
    }
    String pkg = type.getPackageName();
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(global, c -> c.getPackageName().equals(pkg)));
  }

  /** Trusts the package of the generated SignStream records, {@code io.signstream.schemas}; see {@link #trust(Class)}. */
  public static void trustSchemaPackage() {
    trust(InferenceEvent.class);
  }

  /** The record class. */
  public Class<T> type() {
    return type;
  }

  /** The schema this serde writes, and reads into. */
  public Schema schema() {
    return schema;
  }

  /** The single-object header every record this serde writes starts with (a copy). */
  public byte[] header() {
    return header.clone();
  }

  /** Encodes a record (header + body). */
  public byte[] encode(T value) {
    return encode(null, Objects.requireNonNull(value, "value"));
  }

  /**
   * Decodes a single-object encoded record.
   *
   * @throws SerializationException if the bytes are not a record this serde can read
   */
  public T decode(byte[] bytes) {
    return decode(null, Objects.requireNonNull(bytes, "bytes"));
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }

  /**
   * The same bytes as Avro's {@code BinaryMessageEncoder}, through a buffered encoder into the thread's
   * {@link EncodeBuffer}: the message encoder's direct one wrote every field into the (synchronized) stream
   * on its own, a visible share of the pipeline's CPU per record.
   */
  private byte[] encode(String topic, T value) {
    EncodeBuffer out = EncodeBuffer.acquire();
    try {
      out.write(header);
      BinaryEncoder body = out.encoder();
      writer.write(value, body);
      body.flush();
    } catch (IOException | RuntimeException e) {
      out.discard();
      throw new SerializationException("cannot encode " + type.getSimpleName()
          + (topic == null ? "" : " for topic '" + topic + "'") + ": " + e, e);
    }
    return out.release();
  }

  private static byte[] header(long fingerprint) {
    byte[] h = new byte[HEADER_LENGTH];
    h[0] = (byte) 0xC3;
    h[1] = (byte) 0x01;
    for (int i = 0; i < 8; i++) {
      h[2 + i] = (byte) (fingerprint >>> (8 * i));
    }
    return h;
  }

  /** The start of every decoding error's message; built only when one is thrown. */
  private String cannotDecode(String topic) {
    return "cannot decode " + type.getSimpleName() + (topic == null ? "" : " from topic '" + topic + "'") + ": ";
  }

  private T decode(String topic, byte[] bytes) {
    if (bytes.length < HEADER_LENGTH) {
      throw new SerializationException(cannotDecode(topic) + "only " + bytes.length
          + " bytes, but Avro single-object encoding starts with a " + HEADER_LENGTH
          + "-byte header (C3 01 + 8-byte schema fingerprint)");
    }
    if (bytes[0] != (byte) 0xC3 || bytes[1] != (byte) 0x01) {
      throw new SerializationException(cannotDecode(topic) + String.format(
          "not Avro single-object encoding: starts with %02X %02X instead of C3 01", bytes[0] & 0xFF, bytes[1] & 0xFF));
    }
    long fingerprint = fingerprintOf(bytes);
    DatumReader<T> reader = reader(fingerprint);
    if (reader == null) {
      throw new SerializationException(cannotDecode(topic) + String.format(
          "written with a %s schema this SignStream does not know (fingerprint %016x); encode records with the"
              + " schema classes of the SignStream release you send to (the signstream-schemas jar), or upgrade"
              + " the pipeline to the release whose schema you use",
          type.getSimpleName(), fingerprint));
    }
    // a byte-array decoder: every declared string/bytes length is checked against the bytes left before allocating
    BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, null);
    T value;
    int trailing;
    try {
      value = reader.read(null, in);
      trailing = in.isEnd() ? 0 : in.inputStream().available();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(cannotDecode(topic) + String.format(
          "corrupt Avro body (%d bytes, writer schema fingerprint %016x): %s", bytes.length, fingerprint, e), e);
    }
    if (trailing > 0) {
      throw new SerializationException(cannotDecode(topic) + String.format(
          "%d trailing bytes after the record (writer schema fingerprint %016x)", trailing, fingerprint));
    }
    return value;
  }

  /** The reader from writer schema {@code fingerprint} to ours, or null when the store does not know it. */
  private DatumReader<T> reader(long fingerprint) {
    DatumReader<T> known = readers.get(fingerprint);
    if (known != null) {
      return known;
    }
    Schema writer = writerSchemas.findByFingerprint(fingerprint);
    if (writer == null) {
      return null;
    }
    return readers.computeIfAbsent(fingerprint, f -> new SpecificDatumReader<>(writer, schema, model));
  }

  /** The writer-schema fingerprint in a single-object header (bytes 2..9, little-endian). */
  public static long fingerprintOf(byte[] bytes) {
    if (bytes.length < HEADER_LENGTH) {
      throw new IllegalArgumentException("need " + HEADER_LENGTH + " header bytes, got " + bytes.length);
    }
    long fp = 0;
    for (int i = HEADER_LENGTH - 1; i >= 2; i--) {
      fp = (fp << 8) | (bytes[i] & 0xFF);
    }
    return fp;
  }
}
