package io.signstream.stream.config;

/**
 * Size bounds the topology enforces on every request before it fans it out; anything over a bound
 * becomes a dead letter instead of a task.
 *
 * <p>Why bounds at all: a task copies the request's input once per method, and Kafka refuses a record
 * over the broker's {@code message.max.bytes} (1 MiB by default). A request that passed validation
 * but produced an oversized task would stop the Streams thread; these bounds keep every task under
 * that limit, so a bad request costs one dead letter and never the pipeline.
 *
 * @param maxTensorBytes largest input tensor data, in bytes (default 960 KiB: fits the default 1 MiB
 *     record limit with room for metadata)
 * @param maxBatch largest batch axis of an input
 * @param maxMethods most methods in one request
 * @param maxMetadataEntries most entries in the request's metadata map, and separately in its params map
 * @param maxMetadataBytes most UTF-8 bytes of keys plus values in the metadata map, and separately in params
 * @param maxIdLength longest event id, model id, model version or method name, in characters
 * @param maxRequestBytes largest request record value, in bytes, checked before it is decoded (default
 *     1,048,588: the broker's default {@code message.max.bytes}, so every record a default broker takes
 *     is looked at; a broker configured for bigger records cannot make the topology decode them)
 */
public record ValidationLimits(
    long maxTensorBytes, int maxBatch, int maxMethods, int maxMetadataEntries, int maxMetadataBytes, int maxIdLength,
    int maxRequestBytes) {

  /** Kafka's default broker {@code message.max.bytes}. */
  public static final int BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

  /** Bounds with the default request record limit. */
  public ValidationLimits(long maxTensorBytes, int maxBatch, int maxMethods, int maxMetadataEntries,
      int maxMetadataBytes, int maxIdLength) {
    this(maxTensorBytes, maxBatch, maxMethods, maxMetadataEntries, maxMetadataBytes, maxIdLength,
        BROKER_DEFAULT_MAX_MESSAGE_BYTES);
  }

  /** Checks that every bound is positive. */
  public ValidationLimits {
    requirePositive("maxTensorBytes", maxTensorBytes);
    requirePositive("maxBatch", maxBatch);
    requirePositive("maxMethods", maxMethods);
    requirePositive("maxMetadataEntries", maxMetadataEntries);
    requirePositive("maxMetadataBytes", maxMetadataBytes);
    requirePositive("maxIdLength", maxIdLength);
    requirePositive("maxRequestBytes", maxRequestBytes);
  }

  /** The defaults described on each component. */
  public static ValidationLimits defaults() {
    return new ValidationLimits(960 * 1024, 256, 32, 64, 16 * 1024, 256);
  }

  /** A copy with another tensor byte bound. */
  public ValidationLimits withMaxTensorBytes(long bytes) {
    return new ValidationLimits(bytes, maxBatch, maxMethods, maxMetadataEntries, maxMetadataBytes, maxIdLength, maxRequestBytes);
  }

  /** A copy with another batch bound. */
  public ValidationLimits withMaxBatch(int batch) {
    return new ValidationLimits(maxTensorBytes, batch, maxMethods, maxMetadataEntries, maxMetadataBytes, maxIdLength, maxRequestBytes);
  }

  /** A copy with other metadata bounds. */
  public ValidationLimits withMetadata(int entries, int bytes) {
    return new ValidationLimits(maxTensorBytes, maxBatch, maxMethods, entries, bytes, maxIdLength, maxRequestBytes);
  }

  /** A copy with another request record bound. */
  public ValidationLimits withMaxRequestBytes(int bytes) {
    return new ValidationLimits(maxTensorBytes, maxBatch, maxMethods, maxMetadataEntries, maxMetadataBytes,
        maxIdLength, bytes);
  }

  private static void requirePositive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
