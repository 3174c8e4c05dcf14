package io.signstream.schemas;

import java.io.OutputStream;
import java.util.Arrays;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * A thread's reusable target for {@link AvroSerde}'s encoder: a growable byte array (unsynchronized, unlike
 * {@code ByteArrayOutputStream}) and the buffered Avro encoder that writes into it.
 *
 * <p>Why: a fresh 256-byte stream per record grew four times for a 3 KB map (each growth a copy) and a fresh
 * encoder allocated its 2 KB buffer again; together they were most of the encoding cost in the worker under load.
 * Reused, a record costs its body's writes and one final copy. A buffer that grew past {@link #KEEP_BYTES} for an
 * unusually large record is not kept, so no thread holds on to it.
 */
final class EncodeBuffer extends OutputStream {

  /** Largest buffer kept for the next record. */
  static final int KEEP_BYTES = 1 << 20;

  private static final ThreadLocal<EncodeBuffer> PER_THREAD = ThreadLocal.withInitial(EncodeBuffer::new);

  private byte[] bytes = new byte[4096];
  private int count;
  private final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(this, null);

  private EncodeBuffer() {}

  /** The calling thread's buffer, emptied. */
  static EncodeBuffer acquire() {
    EncodeBuffer b = PER_THREAD.get();
    b.count = 0;
    return b;
  }

  /** The encoder writing into this buffer; flush it before {@link #release()}. */
  BinaryEncoder encoder() {
    return encoder;
  }

  /** A copy of what was written, after which the buffer may be reused (or, if it grew too large, is dropped). */
  byte[] release() {
    byte[] out = Arrays.copyOf(bytes, count);
    if (bytes.length > KEEP_BYTES) {
      PER_THREAD.remove();
    }
    return out;
  }

  /**
   * Drops this thread's buffer after a failed encoding: the encoder may still hold part of the failed record in its
   * own buffer, so the next record starts with a new buffer and encoder.
   */
  void discard() {
    PER_THREAD.remove();
  }

  @Override
  public void write(int b) {
    ensure(1);
    bytes[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, bytes, count, len);
    count += len;
  }

  private void ensure(int more) {
    int need = count + more;
    if (need < 0) {
      throw new OutOfMemoryError("an Avro record over 2 GiB");
    }
    if (need > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(need, bytes.length * 2));
    }
  }
}
