package io.signstream.stream.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Dead letters keep the original bytes while they fit a record and are bounded when they do not. */
class DeadLettersTest {

  private static final int LIMIT = 1_048_576;
  private static final DeadLetters LETTERS = new DeadLetters(LIMIT);
  private static final int ROOM = LIMIT - DeadLetters.HEADROOM_BYTES;

  @Test
  void originalBytesAreKeptUpToTheRoomAndTruncatedOneByteOver() throws Exception {
    byte[] key = {7, 7};
    byte[] fits = value(ROOM - key.length);
    DeadLetter kept = letter(key, fits, "r", "id");
    assertFalse(kept.getTruncated());
    assertArrayEquals(fits, bytes(kept.getOriginalValue()));
    assertArrayEquals(key, bytes(kept.getSourceKey()));
    assertNull(kept.getOriginalLength());

    byte[] over = value(ROOM - key.length + 1);
    DeadLetter cut = letter(key, over, "r", "id");
    assertTrue(cut.getTruncated());
    assertArrayEquals(Arrays.copyOf(over, DeadLetters.PREFIX_BYTES), bytes(cut.getOriginalValue()));
    assertEquals(over.length, cut.getOriginalLength());
    // the reference digest is the JDK's, over the whole value
    assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(over)), cut.getOriginalSha256());
  }

  @Test
  void everyFieldFromOutsideIsBoundedSoTheLetterFitsARecord() {
    String hugeText = "é".repeat(2_000_000);
    DeadLetter d = letter(value(3_000_000), value(5_000_000), hugeText, hugeText);
    int size = AvroSerde.deadLetter().encode(d).length;
    assertTrue(size < LIMIT - 4096, size + " bytes");
    assertTrue(d.getTruncated());
    assertEquals(DeadLetters.KEY_PREFIX_BYTES, d.getSourceKey().remaining());
    assertEquals(5_000_000L, d.getOriginalLength());
  }

  @Test
  void aLimitWithNoRoomForALetterIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new DeadLetters(64 * 1024));
  }

  private static DeadLetter letter(byte[] key, byte[] value, String reason, String eventId) {
    return LETTERS.letter("signstream.requests", 0, 1L, key, value, ErrorCode.UNDECODABLE, reason, eventId, null, 0L);
  }

  private static byte[] value(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31);
    }
    return b;
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
