package io.signstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/**
 * The monitoring records (ExplanationStats, ExplanationAlert, BaselinePin) evolve like the others:
 * an older writer without the optional fields is read with their defaults, an older reader skips the
 * new fields, a newer alert kind reads as UNKNOWN. The "older" schema is the current one with the
 * defaulted fields removed (the shape a v1 without them would have had).
 */
class MonitoringSchemaEvolutionTest {

  private static final Instant START = Instant.ofEpochMilli(1_700_000_000_000L);

  static ExplanationStats stats() {
    return ExplanationStats.newBuilder()
        .setModelId("digits_cnn").setModelVersion("1").setMethod("gradient").setTargetClass(null)
        .setWindowStart(START).setWindowEnd(START.plusSeconds(60)).setCount(12)
        .setMapShape(List.of(1L, 2L, 2L)).setMeanMap(List.of(0.1f, 0.2f, 0.3f, 0.4f)).setTopK(List.of(3, 2))
        .setSharePositiveMean(0.6).setSharePositiveStd(0.05).setSumMean(1.5).setSumStd(0.2)
        .setClassHistogram(Map.of("3", 7L, "5", 5L)).setLateDropped(1)
        .setDrift(DriftScore.newBuilder().setReference("first-windows").setReferenceWindows(5).setReferenceMap(List.of(0.25f, 0.25f, 0.25f, 0.25f)).setScore(0.01)
            .setThreshold(0.05).setRankCorrelation(0.9).setPValue(0.4).setAlerting(false).build())
        .setCrossEngine(CrossEngineStats.newBuilder().setPairs(2).setPearsonMin(0.9999).setPearsonMean(0.99995)
            .setMaxAbsDelta(1e-6).setThreshold(0.999).build())
        .build();
  }

  private static Schema withoutFields(Schema current, String... names) {
    Schema.Parser parser = new Schema.Parser();
    org.apache.avro.Schema copy = parser.parse(current.toString());
    List<Schema.Field> kept = new java.util.ArrayList<>();
    for (Schema.Field f : copy.getFields()) {
      if (!List.of(names).contains(f.name())) {
        kept.add(new Schema.Field(f, f.schema()));
      }
    }
    return Schema.createRecord(copy.getName(), copy.getDoc(), copy.getNamespace(), false, kept);
  }

  @Test
  void statsRoundTrip() {
    AvroSerde<ExplanationStats> serde = AvroSerde.forClass(ExplanationStats.class);
    assertEquals(stats(), serde.decode(serde.encode(stats())));
  }

  @Test
  void anOlderStatsWriterWithoutTheOptionalFieldsIsReadWithTheirDefaults() throws IOException {
    Schema old = withoutFields(ExplanationStats.getClassSchema(), "classHistogram", "lateDropped", "drift", "crossEngine");
    ExplanationStats s = stats();
    GenericRecord record = new GenericRecordBuilder(old)
        .set("modelId", "m").set("modelVersion", null).set("method", "gradient").set("targetClass", 4)
        .set("windowStart", START.toEpochMilli()).set("windowEnd", START.toEpochMilli() + 1000).set("count", 3L)
        .set("mapShape", s.getMapShape()).set("meanMap", s.getMeanMap()).set("topK", s.getTopK())
        .set("sharePositiveMean", 0.5).set("sharePositiveStd", 0.0).set("sumMean", 1.0).set("sumStd", 0.0)
        .build();
    byte[] bytes = toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), old).encode(record));
    ExplanationStats read = new AvroSerde<>(ExplanationStats.class, SchemaHistory.shipped().with(List.of(old))).decode(bytes);
    assertEquals(4, read.getTargetClass());
    assertEquals(3L, read.getCount());
    assertEquals(Map.of(), read.getClassHistogram());
    assertEquals(0L, read.getLateDropped());
    assertNull(read.getDrift());
    assertNull(read.getCrossEngine());
  }

  @Test
  void anOlderStatsReaderSkipsTheNewFields() throws IOException {
    Schema old = withoutFields(ExplanationStats.getClassSchema(), "classHistogram", "lateDropped", "drift", "crossEngine");
    byte[] current = AvroSerde.forClass(ExplanationStats.class).encode(stats());
    GenericRecord read = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), old, SchemaHistory.shipped()).decode(current);
    assertEquals("digits_cnn", read.get("modelId").toString());
    assertEquals(12L, read.get("count"));
    assertNull(read.getSchema().getField("drift"));
  }

  @Test
  void alertAndPinRoundTrip() {
    ExplanationAlert alert = ExplanationAlert.newBuilder().setKind(AlertKind.DRIFT).setModelId("m").setModelVersion(null)
        .setMethod("gradient").setTargetClass(3).setWindowStart(START).setWindowEnd(START.plusSeconds(10))
        .setScore(0.4).setThreshold(0.05).setReason("moved").build();
    AvroSerde<ExplanationAlert> a = AvroSerde.forClass(ExplanationAlert.class);
    assertEquals(alert, a.decode(a.encode(alert)));
    BaselinePin pin = BaselinePin.newBuilder().setModelId("m").setModelVersion("2").setPinnedAt(START).setRequestedBy("cli").build();
    AvroSerde<BaselinePin> p = AvroSerde.forClass(BaselinePin.class);
    assertEquals(pin, p.decode(p.encode(pin)));
  }

  @Test
  void anUnknownAlertKindFromANewerWriterReadsAsUnknown() throws IOException {
    String json = ExplanationAlert.getClassSchema().toString()
        .replace("\"ENGINE_DISAGREEMENT\",", "\"ENGINE_DISAGREEMENT\",\"LABEL_SHIFT\",");
    Schema newer = new Schema.Parser().parse(json);
    GenericRecord alert = new GenericRecordBuilder(newer)
        .set("kind", new GenericData.EnumSymbol(newer.getField("kind").schema(), "LABEL_SHIFT"))
        .set("modelId", "m").set("method", "gradient")
        .set("windowStart", 1L).set("windowEnd", 2L).set("score", 1.0).set("threshold", 0.5).set("reason", "new")
        .build();
    byte[] bytes = toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), newer).encode(alert));
    ExplanationAlert read = new AvroSerde<>(ExplanationAlert.class, SchemaHistory.shipped().with(List.of(newer))).decode(bytes);
    assertEquals(AlertKind.UNKNOWN, read.getKind());
    assertTrue(read.getReason().equals("new"));
  }

  private static byte[] toArray(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }
}
