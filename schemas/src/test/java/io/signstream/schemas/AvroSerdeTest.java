package io.signstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

  private static final String TOPIC = "signstream.requests";

  private static <T extends SpecificRecord> T roundTrip(AvroSerde<T> serde, T value) {
    byte[] bytes = serde.serializer().serialize(TOPIC, value);
    return serde.deserializer().deserialize(TOPIC, bytes);
  }

  @Test
  void inferenceEventRoundTrips() {
    InferenceEvent event = SampleRecords.inferenceEvent();
    InferenceEvent back = roundTrip(AvroSerde.inferenceEvent(), event);
    assertEquals(event, back);
    assertEquals(SampleRecords.EVENT_TIME, back.getEventTime());
    assertArrayEquals(TensorCodec.toFloatArray(event.getInput()), TensorCodec.toFloatArray(back.getInput()));
  }

  @Test
  void inferenceEventWithOnlyRequiredFieldsRoundTripsWithDefaults() {
    InferenceEvent minimal = InferenceEvent.newBuilder()
        .setEventId("e")
        .setModelId("m")
        .setEventTime(SampleRecords.EVENT_TIME)
        .setInput(SampleRecords.image())
        .setMethods(List.of("gradient"))
        .build();
    InferenceEvent back = roundTrip(AvroSerde.inferenceEvent(), minimal);
    assertEquals(minimal, back);
    assertNull(back.getModelVersion());
    assertNull(back.getTarget());
    assertNull(back.getEngine());
    assertEquals(Map.of(), back.getParams());
    assertEquals(Map.of(), back.getMetadata());
  }

  @Test
  void explainTaskRoundTrips() {
    ExplainTask task = SampleRecords.explainTask();
    assertEquals(task, roundTrip(AvroSerde.explainTask(), task));
  }

  @Test
  void explanationRoundTrips() {
    Explanation explanation = SampleRecords.explanation();
    assertEquals(explanation, roundTrip(AvroSerde.explanation(), explanation));
  }

  @Test
  void deadLetterRoundTrips() {
    DeadLetter deadLetter = SampleRecords.deadLetter();
    assertEquals(deadLetter, roundTrip(AvroSerde.deadLetter(), deadLetter));
  }

  @Test
  void oneSerdeIsSafeToShareBetweenThreads() throws Exception {
    AvroSerde<Explanation> serde = AvroSerde.explanation();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          for (int i = 0; i < 300; i++) {
            Explanation e = SampleRecords.explanation();
            e.setEventId("ev-" + thread + "-" + i);
            if (!e.equals(serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, e)))) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> r : results) {
        assertTrue(r.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void nullIsATombstoneBothWays() {
    AvroSerde<InferenceEvent> serde = AvroSerde.inferenceEvent();
    assertNull(serde.serializer().serialize(TOPIC, null));
    assertNull(serde.deserializer().deserialize(TOPIC, null));
  }

  @Test
  void headerIsSingleObjectMarkerAndLittleEndianFingerprint() throws Exception {
    AvroSerde<InferenceEvent> serde = AvroSerde.inferenceEvent();
    byte[] bytes = serde.encode(SampleRecords.inferenceEvent());
    assertEquals((byte) 0xC3, bytes[0]);
    assertEquals((byte) 0x01, bytes[1]);
    long expected = SchemaNormalization.parsingFingerprint64(InferenceEvent.getClassSchema());
    long actual = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(expected, actual);
    assertEquals(expected, AvroSerde.fingerprintOf(bytes));
    assertEquals(expected, SchemaHistory.fingerprint(serde.schema()));
    // same bytes as Avro's own generated encoder
    assertArrayEquals(bytes, toArray(SampleRecords.inferenceEvent().toByteBuffer()));
  }

  @Test
  void everyRecordEncodesToTheBytesOfAvrosOwnMessageEncoder() throws Exception {
    // the serde writes through a buffered encoder; the generated classes' toByteBuffer() is Avro's reference
    assertArrayEquals(toArray(SampleRecords.explainTask().toByteBuffer()),
        AvroSerde.explainTask().encode(SampleRecords.explainTask()));
    assertArrayEquals(toArray(SampleRecords.explanation().toByteBuffer()),
        AvroSerde.explanation().encode(SampleRecords.explanation()));
    assertArrayEquals(toArray(SampleRecords.deadLetter().toByteBuffer()),
        AvroSerde.deadLetter().encode(SampleRecords.deadLetter()));
  }

  @Test
  void aThreadsReusedBufferGivesEachRecordItsOwnBytes() throws Exception {
    // the serde reuses one buffer and encoder per thread: after a record larger than the buffer it keeps, and
    // after a record that failed half way, the next records must still be exactly Avro's bytes
    AvroSerde<Explanation> serde = AvroSerde.explanation();
    Explanation large = SampleRecords.explanation();
    large.setRelevance(TensorCodec.fromFloats(new float[EncodeBuffer.KEEP_BYTES / 4 + 1000],
        new long[] {1, EncodeBuffer.KEEP_BYTES / 4 + 1000}, Layout.NC));
    Explanation broken = SampleRecords.explanation();
    broken.setMethod(null); // required string: fails after eventId and modelId were written
    Explanation small = SampleRecords.explanation();
    assertArrayEquals(toArray(small.toByteBuffer()), serde.encode(small));
    assertArrayEquals(toArray(large.toByteBuffer()), serde.encode(large));
    assertArrayEquals(toArray(small.toByteBuffer()), serde.encode(small));
    assertThrows(SerializationException.class, () -> serde.encode(broken));
    assertArrayEquals(toArray(small.toByteBuffer()), serde.encode(small));
    assertArrayEquals(toArray(large.toByteBuffer()), serde.encode(large));
  }

  private static byte[] toArray(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }

  @Test
  void junkBytesAreASerializationException() {
    AvroSerde<InferenceEvent> serde = AvroSerde.inferenceEvent();
    SerializationException e =
        assertThrows(SerializationException.class, () -> serde.deserializer().deserialize(TOPIC, new byte[] {1, 2, 3}));
    assertTrue(e.getMessage().contains("InferenceEvent"), e.getMessage());
    assertTrue(e.getMessage().contains(TOPIC), e.getMessage());
    assertTrue(e.getMessage().contains("header"), e.getMessage());

    byte[] wrongMarker = new byte[32];
    Arrays.fill(wrongMarker, (byte) 7);
    e = assertThrows(SerializationException.class, () -> serde.deserializer().deserialize(TOPIC, wrongMarker));
    assertTrue(e.getMessage().contains("07 07 instead of C3 01"), e.getMessage());

    assertThrows(SerializationException.class, () -> serde.deserializer().deserialize(TOPIC, new byte[0]));
  }

  @Test
  void unknownFingerprintIsASerializationExceptionNamingIt() {
    byte[] bytes = AvroSerde.inferenceEvent().encode(SampleRecords.inferenceEvent());
    bytes[5] ^= 0x55;
    long fingerprint = AvroSerde.fingerprintOf(bytes);
    SerializationException e =
        assertThrows(SerializationException.class, () -> AvroSerde.inferenceEvent().decode(bytes));
    assertTrue(e.getMessage().contains(String.format("%016x", fingerprint)), e.getMessage());
    assertTrue(e.getMessage().contains("schema this SignStream does not know"), e.getMessage());
  }

  @Test
  void aRecordOfAnotherTypeIsASerializationException() {
    byte[] explanation = AvroSerde.explanation().encode(SampleRecords.explanation());
    assertThrows(SerializationException.class, () -> AvroSerde.inferenceEvent().decode(explanation));
  }

  @Test
  void truncatedOrPaddedBodyIsASerializationException() {
    AvroSerde<InferenceEvent> serde = AvroSerde.inferenceEvent();
    byte[] bytes = serde.encode(SampleRecords.inferenceEvent());
    for (int cut : new int[] {AvroSerde.HEADER_LENGTH, AvroSerde.HEADER_LENGTH + 3, bytes.length / 2, bytes.length - 1}) {
      byte[] truncated = Arrays.copyOf(bytes, cut);
      assertThrows(SerializationException.class, () -> serde.decode(truncated), "cut at " + cut);
    }
    byte[] padded = Arrays.copyOf(bytes, bytes.length + 2);
    SerializationException e = assertThrows(SerializationException.class, () -> serde.decode(padded));
    assertTrue(e.getMessage().contains("2 trailing bytes"), e.getMessage());
  }

  @Test
  void anInvalidRecordIsASerializationExceptionWhenEncoding() {
    InferenceEvent event = SampleRecords.inferenceEvent();
    event.setEventId(null); // required string
    SerializationException e = assertThrows(SerializationException.class,
        () -> AvroSerde.inferenceEvent().serializer().serialize(TOPIC, event));
    assertTrue(e.getMessage().contains("cannot encode InferenceEvent for topic"), e.getMessage());
  }
}
