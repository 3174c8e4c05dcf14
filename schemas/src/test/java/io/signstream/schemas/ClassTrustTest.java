package io.signstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.apache.avro.util.ClassSecurityValidator;
import org.junit.jupiter.api.Test;

/** Avro 1.12.2 refuses untrusted generated classes; the serde trusts this package itself. */
class ClassTrustTest {

  @Test
  void theSerdeWorksWithoutTheSerializablePackagesProperty() throws Exception {
    ClassSecurityValidator.ClassSecurityPredicate saved = ClassSecurityValidator.getGlobal();
    try {
      byte[] bytes = AvroSerde.inferenceEvent().encode(SampleRecords.inferenceEvent());
      // as if -Dorg.apache.avro.SERIALIZABLE_PACKAGES were not set (Surefire sets it)
      ClassSecurityValidator.setGlobal(ClassSecurityValidator.DEFAULT_TRUSTED_CLASSES);
      assertThrows(SecurityException.class, () -> InferenceEvent.fromByteBuffer(ByteBuffer.wrap(bytes)));

      assertEquals(SampleRecords.inferenceEvent(), AvroSerde.inferenceEvent().decode(bytes));
      assertEquals(SampleRecords.inferenceEvent(), InferenceEvent.fromByteBuffer(ByteBuffer.wrap(bytes)));

      AvroSerde.trustSchemaPackage(); // idempotent
      ClassSecurityValidator.ClassSecurityPredicate trusted = ClassSecurityValidator.getGlobal();
      AvroSerde.trustSchemaPackage();
      assertEquals(trusted, ClassSecurityValidator.getGlobal());
    } finally {
      ClassSecurityValidator.setGlobal(saved);
    }
  }
}
