package io.signstream.stream.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.Explanation;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ExplanationModelIdTest {

  private static final AvroSerde<Explanation> SERDE = AvroSerde.explanation();

  private static byte[] encoded(String eventId, String modelId) {
    return SERDE.encode(SyntheticMaps.explanation(eventId, modelId, "gradient", "pytorch", 3, new float[64], 0L));
  }

  @Test
  void readsTheModelIdOfAnEncodedExplanation() {
    assertEquals("digits_cnn", ExplanationModelId.of(encoded("ev-1", "digits_cnn")));
    assertEquals("modèle-π", ExplanationModelId.of(encoded("événement-1", "modèle-π")));
    // an event id long enough to need a multi-byte length
    assertEquals("m", ExplanationModelId.of(encoded("e".repeat(300), "m")));
    assertEquals("", ExplanationModelId.of(encoded("ev-2", "")));
  }

  @Test
  void aModelIdTooLongForTheShortcutIsReadByTheFullDecode() {
    String longId = "m".repeat(5000);
    assertEquals(longId, ExplanationModelId.of(encoded("ev-1", longId)));
  }

  @Test
  void bytesThatAreNoExplanationGiveTheEmptyId() {
    byte[] good = encoded("ev-1", "digits_cnn");
    assertEquals("", ExplanationModelId.of(new byte[0]));
    assertEquals("", ExplanationModelId.of("not avro at all".getBytes()));
    // cut inside the model id, and right after the header
    assertEquals("", ExplanationModelId.of(Arrays.copyOf(good, AvroSerde.HEADER_LENGTH + 6)));
    assertEquals("", ExplanationModelId.of(Arrays.copyOf(good, AvroSerde.HEADER_LENGTH)));
    // a negative string length (zig-zag 0x01 = -1) after a valid header
    byte[] negative = Arrays.copyOf(good, AvroSerde.HEADER_LENGTH + 1);
    negative[AvroSerde.HEADER_LENGTH] = 0x01;
    assertEquals("", ExplanationModelId.of(negative));
  }
}
