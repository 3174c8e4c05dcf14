package io.signstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * A v1 of InferenceEvent without {@code metadata} (test resource) against the current schema, which
 * has {@code metadata} with default {}: both directions work when the reader's schema store knows
 * the writer's schema.
 */
class SchemaEvolutionTest {

  private static Schema v1() throws IOException {
    try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/evolution/InferenceEvent.v1-without-metadata.avsc")) {
      return new Schema.Parser().parse(in);
    }
  }

  private static GenericRecord v1Event(Schema v1) {
    Schema tensorSchema = v1.getField("input").schema();
    Tensor image = SampleRecords.image();
    List<Long> shape = new ArrayList<>(image.getShape());
    GenericRecord tensor = new GenericRecordBuilder(tensorSchema)
        .set("dtype", new GenericData.EnumSymbol(tensorSchema.getField("dtype").schema(), "FLOAT32"))
        .set("shape", shape)
        .set("layout", new GenericData.EnumSymbol(tensorSchema.getField("layout").schema(), "NCHW"))
        .set("data", image.getData().duplicate())
        .build();
    return new GenericRecordBuilder(v1)
        .set("eventId", "old-1")
        .set("modelId", "digits_cnn")
        .set("eventTime", SampleRecords.EVENT_TIME.toEpochMilli()) // generic data: the raw long
        .set("input", tensor)
        .set("target", 3)
        .set("methods", List.of("gradient"))
        .set("params", Map.of("seed", "1"))
        .set("engine", "tensorflow")
        .build(); // modelVersion: default null
  }

  @Test
  void theTestV1DiffersFromTheCurrentSchemaOnlyByMetadata() throws IOException {
    Schema v1 = v1();
    assertNull(v1.getField("metadata"));
    assertNotEquals(SchemaHistory.fingerprint(v1), SchemaHistory.fingerprint(InferenceEvent.getClassSchema()));
    assertEquals(InferenceEvent.getClassSchema().getFields().size() - 1, v1.getFields().size());
  }

  @Test
  void currentSerdeReadsV1BytesAndFillsTheNewFieldsDefault() throws IOException {
    Schema v1 = v1();
    byte[] v1Bytes = toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(v1Event(v1)));

    AvroSerde<InferenceEvent> serde = new AvroSerde<>(InferenceEvent.class, SchemaHistory.shipped().with(List.of(v1)));
    InferenceEvent event = serde.deserializer().deserialize("signstream.requests", v1Bytes);

    assertEquals("old-1", event.getEventId());
    assertEquals("digits_cnn", event.getModelId());
    assertNull(event.getModelVersion());
    assertEquals(SampleRecords.EVENT_TIME, event.getEventTime());
    assertEquals(SampleRecords.image(), event.getInput());
    assertEquals(3, event.getTarget());
    assertEquals(List.of("gradient"), event.getMethods());
    assertEquals(Map.of("seed", "1"), event.getParams());
    assertEquals("tensorflow", event.getEngine());
    assertEquals(Map.of(), event.getMetadata()); // the new field's default
  }

  @Test
  void withoutV1InItsStoreTheCurrentSerdeRejectsV1BytesClearly() throws IOException {
    Schema v1 = v1();
    byte[] v1Bytes = toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(v1Event(v1)));
    SerializationException e = assertThrows(SerializationException.class, () -> AvroSerde.inferenceEvent().decode(v1Bytes));
    assertTrue(e.getMessage().contains(String.format("%016x", SchemaHistory.fingerprint(v1))), e.getMessage());
  }

  @Test
  void aV1GenericReaderReadsCurrentBytesAndIgnoresTheNewField() throws IOException {
    Schema v1 = v1();
    InferenceEvent current = SampleRecords.inferenceEvent(); // has metadata {camera=front}
    byte[] currentBytes = AvroSerde.inferenceEvent().encode(current);

    // an old reader whose store knows the current schema (shipped history contains it)
    BinaryMessageDecoder<GenericRecord> v1Reader = new BinaryMessageDecoder<>(GenericData.get(), v1, SchemaHistory.shipped());
    GenericRecord old = v1Reader.decode(currentBytes);

    assertEquals(v1, old.getSchema());
    assertNull(old.getSchema().getField("metadata"));
    assertEquals("ev-1", old.get("eventId").toString());
    assertEquals("digits_cnn", old.get("modelId").toString());
    assertEquals("3", old.get("modelVersion").toString());
    assertEquals(SampleRecords.EVENT_TIME.toEpochMilli(), old.get("eventTime"));
    assertEquals(7, old.get("target"));
    assertEquals("pytorch", old.get("engine").toString());
    GenericRecord tensor = (GenericRecord) old.get("input");
    assertEquals("NCHW", tensor.get("layout").toString());
    assertEquals(current.getInput().getData(), tensor.get("data"));
  }

  @Test
  void anUnknownErrorCodeSymbolFromANewerWriterReadsAsUnknown() {
    // a future DeadLetter whose ErrorCode has one more symbol
    String json = DeadLetter.getClassSchema().toString().replace("\"COMPUTE_FAILED\",", "\"COMPUTE_FAILED\",\"GPU_ON_FIRE\",");
    Schema newer = new Schema.Parser().parse(json);
    Schema errorCode = newer.getField("errorCode").schema();
    GenericRecord letter = new GenericRecordBuilder(newer)
        .set("sourceTopic", "t")
        .set("sourcePartition", 0)
        .set("sourceOffset", 1L)
        .set("errorCode", new GenericData.EnumSymbol(errorCode, "GPU_ON_FIRE"))
        .set("reason", "hot")
        .set("time", 5L)
        .build();
    byte[] bytes;
    try {
      bytes = toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), newer).encode(letter));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    DeadLetter read = new AvroSerde<>(DeadLetter.class, SchemaHistory.shipped().with(List.of(newer))).decode(bytes);
    assertEquals(ErrorCode.UNKNOWN, read.getErrorCode());
    assertEquals("hot", read.getReason());
  }

  private static byte[] toArray(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }
}
