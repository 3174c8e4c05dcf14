package io.signstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/**
 * DeadLetter v2 (the {@code truncated}, {@code originalLength} and {@code originalSha256} fields and three
 * more error codes) against the shipped v1: records written by either version read with the other; v3's one
 * more code ({@code MODEL_LOAD_FAILED}) reads as {@code UNKNOWN} with v2.
 */
class DeadLetterEvolutionTest {

  private static Schema v1() {
    List<Schema> versions = SchemaHistory.shipped().versionsOf(DeadLetter.getClassSchema().getFullName());
    Schema v1 = versions.get(0);
    // the v1 of the history is the schema without the truncation fields
    assertNull(v1.getField("truncated"));
    return v1;
  }

  @Test
  void theCurrentReaderReadsV1BytesAsNotTruncated() throws IOException {
    Schema v1 = v1();
    Schema code = v1.getField("errorCode").schema();
    GenericRecord old = new GenericRecordBuilder(v1)
        .set("sourceTopic", "signstream.requests")
        .set("sourcePartition", 2)
        .set("sourceOffset", 41L)
        .set("originalValue", ByteBuffer.wrap(new byte[] {1, 2, 3}))
        .set("errorCode", new GenericData.EnumSymbol(code, "NON_FINITE"))
        .set("reason", "input element 3 is NaN")
        .set("time", 7L)
        .build();
    byte[] bytes = toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old));

    DeadLetter read = AvroSerde.deadLetter().decode(bytes);

    assertEquals(ErrorCode.NON_FINITE, read.getErrorCode());
    assertEquals(41L, read.getSourceOffset());
    assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), read.getOriginalValue());
    assertFalse(read.getTruncated());
    assertNull(read.getOriginalLength());
    assertNull(read.getOriginalSha256());
  }

  @Test
  void aV1ReaderReadsATruncatedV2LetterAndANewCodeAsUnknown() throws IOException {
    DeadLetter letter = DeadLetter.newBuilder()
        .setSourceTopic("signstream.requests")
        .setSourcePartition(0)
        .setSourceOffset(9L)
        .setOriginalValue(ByteBuffer.wrap("prefix".getBytes(StandardCharsets.UTF_8)))
        .setErrorCode(ErrorCode.BAD_PARAMETER)
        .setReason("steps=-3")
        .setTime(Instant.ofEpochMilli(5))
        .setTruncated(true)
        .setOriginalLength(1_048_480L)
        .setOriginalSha256("ab".repeat(32))
        .build();
    byte[] bytes = AvroSerde.deadLetter().encode(letter);

    // an old reader whose store holds the shipped history (v2 included)
    GenericRecord old = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), v1(), SchemaHistory.shipped())
        .decode(bytes);

    assertEquals("UNKNOWN", old.get("errorCode").toString());
    assertEquals("steps=-3", old.get("reason").toString());
    assertArrayEquals("prefix".getBytes(StandardCharsets.UTF_8), toArray((ByteBuffer) old.get("originalValue")));
    assertNull(old.getSchema().getField("truncated"));
  }

  @Test
  void aV2ReaderReadsTheV3CodeModelLoadFailedAsUnknown() throws IOException {
    List<Schema> versions = SchemaHistory.shipped().versionsOf(DeadLetter.getClassSchema().getFullName());
    Schema v2 = versions.get(1);
    assertFalse(v2.getField("errorCode").schema().getEnumSymbols().contains("MODEL_LOAD_FAILED"));
    DeadLetter letter = DeadLetter.newBuilder()
        .setSourceTopic("signstream.tasks.pytorch")
        .setSourcePartition(0)
        .setSourceOffset(3L)
        .setErrorCode(ErrorCode.MODEL_LOAD_FAILED)
        .setReason("cannot load model 'm' on pytorch: unsupported ONNX op 'LRN' in node 'norm'")
        .setTime(Instant.ofEpochMilli(5))
        .build();
    byte[] bytes = AvroSerde.deadLetter().encode(letter);

    GenericRecord old = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), v2, SchemaHistory.shipped())
        .decode(bytes);

    assertEquals("UNKNOWN", old.get("errorCode").toString());
    assertEquals(letter.getReason(), old.get("reason").toString());
    assertEquals(ErrorCode.MODEL_LOAD_FAILED, AvroSerde.deadLetter().decode(bytes).getErrorCode());
  }

  private static byte[] toArray(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] a = new byte[d.remaining()];
    d.get(a);
    return a;
  }
}
