package io.signstream.stream.monitoring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The one-buffer encoding of window moments writes the bytes of the stream encoding, so stored windows stay readable. */
class MapMomentsBytesTest {

  private static MapMoments sample() {
    MapMoments m = new MapMoments();
    m.addMap(new float[] {1f, -2f, 0.5f, 3f, 0f, -1f}, new long[] {1, 2, 3}, 4);
    m.addMap(new float[] {0.25f, 2f, -0.5f, 1f, 7f, 1f}, new long[] {1, 2, 3}, 9);
    m.addPair(0.97, 0.125);
    return m;
  }

  private static byte[] streamBytes(MapMoments m) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      m.write(out);
    }
    return bytes.toByteArray();
  }

  @Test
  void sameBytesAsTheStreamEncodingBothWays() throws IOException {
    MapMoments m = sample();
    byte[] stream = streamBytes(m);
    assertArrayEquals(stream, m.toBytes());
    MapMoments back = MapMoments.fromBytes(stream);
    assertArrayEquals(stream, streamBytes(back));
    assertEquals(2, back.count());
    assertArrayEquals(new long[] {1, 2, 3}, back.shape());
    assertEquals(m.classes(), back.classes());
    assertEquals(1, back.pairs());
    assertArrayEquals(m.meanMap(), back.meanMap(), 0.0);
  }

  @Test
  void cutShortOrHugeLengthsAreRefusedWithoutAllocating() throws IOException {
    byte[] whole = sample().toBytes();
    assertThrows(IOException.class, () -> MapMoments.fromBytes(Arrays.copyOf(whole, whole.length - 3)));
    byte[] huge = whole.clone();
    // the shape length field follows the format byte and the count
    huge[9] = 0x7f;
    assertThrows(IOException.class, () -> MapMoments.fromBytes(huge));
  }
}
