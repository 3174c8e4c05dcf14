package io.signstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.junit.jupiter.api.Test;

class SchemaHistoryTest {

  private static final List<Schema> CURRENT = List.of(
      InferenceEvent.getClassSchema(),
      ExplainTask.getClassSchema(),
      Explanation.getClassSchema(),
      DeadLetter.getClassSchema(),
      ExplanationStats.getClassSchema(),
      ExplanationAlert.getClassSchema(),
      BaselinePin.getClassSchema());

  @Test
  void theLatestShippedVersionOfEveryRecordIsTheCurrentSchema() {
    for (Schema current : CURRENT) {
      List<Schema> versions = SchemaHistory.shipped().versionsOf(current.getFullName());
      assertFalse(versions.isEmpty(), "no version of " + current.getName() + " in " + SchemaHistory.INDEX_RESOURCE);
      Schema latest = versions.get(versions.size() - 1);
      assertEquals(SchemaHistory.fingerprint(current), SchemaHistory.fingerprint(latest),
          current.getName() + " changed: add its new version to src/main/resources/" + SchemaHistory.RESOURCE_DIR
              + " (e.g. " + current.getName() + ".v" + (versions.size() + 1) + ".avsc) and list it in index.txt");
    }
  }

  @Test
  void theCurrentSchemasCanReadEveryShippedVersion() {
    for (Schema current : CURRENT) {
      for (Schema writer : SchemaHistory.shipped().versionsOf(current.getFullName())) {
        SchemaCompatibility.SchemaPairCompatibility c = SchemaCompatibility.checkReaderWriterCompatibility(current, writer);
        assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE, c.getType(),
            current.getName() + " cannot read a shipped version: " + c.getDescription());
      }
    }
  }

  @Test
  void findsSchemasByFingerprint() {
    SchemaHistory history = SchemaHistory.shipped();
    assertSame(history, SchemaHistory.shipped());
    for (Schema current : CURRENT) {
      assertEquals(current, history.findByFingerprint(SchemaHistory.fingerprint(current)));
    }
    assertNull(history.findByFingerprint(42L));
  }

  @Test
  void withAddsSchemasOnceAndLeavesTheOriginalAlone() {
    SchemaHistory base = SchemaHistory.of(List.of(InferenceEvent.getClassSchema()));
    Schema other = Tensor.getClassSchema();
    SchemaHistory more = base.with(List.of(other, InferenceEvent.getClassSchema()));
    assertEquals(1, base.all().size());
    assertEquals(2, more.all().size());
    assertEquals(other, more.findByFingerprint(SchemaHistory.fingerprint(other)));
    assertNull(base.findByFingerprint(SchemaHistory.fingerprint(other)));
  }
}
