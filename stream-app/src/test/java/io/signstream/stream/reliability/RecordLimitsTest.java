package io.signstream.stream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.InferenceEvent;
import io.signstream.stream.Pipeline;
import io.signstream.stream.TestEvents;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.config.ValidationLimits;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.kafka.KafkaProps;
import io.signstream.stream.worker.ComputerFactory;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.DefaultRecord;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Records at, just under and over the producer's ({@code max.request.size}, 1,048,576) and the broker's
 * ({@code message.max.bytes}, 1,048,588) default limits, on a real broker: every record the broker
 * takes ends in exactly one dead letter that itself fits a record (original bytes kept when they fit,
 * else prefix, length and SHA-256 with {@code truncated=true}); records refused before the broker
 * leave nothing; valid events sent after all of them are explained and {@code /health} stays UP.
 */
@Tag("reliability")
class RecordLimitsTest {

  private static final int PRODUCER_LIMIT = KafkaProps.DEFAULT_MAX_REQUEST_SIZE;
  private static final int BROKER_LIMIT = ValidationLimits.BROKER_DEFAULT_MAX_MESSAGE_BYTES;
  private static final int MAX_REQUEST_BYTES = 1_048_500;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void nearLimitRecordsAreDeadLetteredAndTheEventsAfterThemExplained() throws Exception {
    Ledger ledger = new Ledger();
    List<String> methods = List.of("gradient", "lrp_epsilon_0_1");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      // requests over 1,048,500 bytes are refused before decoding: the records around the broker's limit test that bound
      StreamConfig config = Scenario.config(kafka.bootstrapServers(), "lim.", 1)
          .withLimits(Scenario.LIMITS.withMaxRequestBytes(MAX_REQUEST_BYTES));
      Map<String, Object> big = new HashMap<>(Scenario.clients(config));
      big.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * PRODUCER_LIMIT);
      big.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 16L * PRODUCER_LIMIT);
      try (Pipeline pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
          KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(Scenario.clients(config), new ByteArraySerializer(),
              new ByteArraySerializer());
          KafkaProducer<byte[], byte[]> large = new KafkaProducer<>(big, new ByteArraySerializer(),
              new ByteArraySerializer());
          CommittedReader reader = new CommittedReader(Scenario.clients(config), config.topics())) {
        String topic = config.topics().requests();
        sendValid(plain, topic, ledger, "before", methods);

        // the record: accepted by a default producer and the broker, its dead letter used to be over the limit
        accepted(large, topic, ledger, "issue-1048480", filler(1_048_480));
        // the largest record a default producer sends, and one byte more (refused before the broker)
        int atProducer = largestSendable(plain, topic, "at-producer");
        accepted(plain, topic, ledger, "at-producer", filler(atProducer));
        accepted(plain, topic, ledger, "un-producer", filler(atProducer - 1));
        ExecutionException overProducer = assertThrows(ExecutionException.class,
            () -> plain.send(record(topic, "ov-producer", filler(atProducer + 1))).get());
        assertInstanceOf(RecordTooLargeException.class, overProducer.getCause());
        // the broker's limit, through a producer allowed bigger requests: at and under it taken, over it refused
        int atBroker = valueSizeForBatch(BROKER_LIMIT, "at-broker".length());
        accepted(large, topic, ledger, "at-broker", filler(atBroker));
        accepted(large, topic, ledger, "un-broker", filler(atBroker - 1));
        ExecutionException overBroker = assertThrows(ExecutionException.class,
            () -> large.send(record(topic, "ov-broker", filler(atBroker + 1))).get());
        assertInstanceOf(RecordTooLargeException.class, overBroker.getCause());
        // a well-formed request just under the broker's limit, too big in its metadata
        InferenceEvent fat = TestEvents.digitsEvent("fat-metadata", 1, methods)
            .setMetadata(new HashMap<>(Map.of("blob", "m".repeat(BROKER_LIMIT - 2_000)))).build();
        byte[] fatBytes = TestEvents.bytes(fat);
        large.send(record(topic, "fat-metadata", fatBytes)).get();
        ledger.expectDeadLetter(Ledger.deadLetterKey("fat-metadata", fatBytes, null), ErrorCode.METADATA_TOO_LARGE,
            fatBytes, null, "fat-metadata");

        sendValid(plain, topic, ledger, "after", methods);
        reader.readAll(ledger.expectedMaps(), ledger.expectedDeadLetters(), Duration.ofSeconds(120),
            Duration.ofSeconds(2));
        Ledger.Reconciliation r = ledger.reconcile(reader.explanations, reader.deadLetters);
        System.out.printf("RELIABILITY record limits (producer limit %d: at %d; broker limit %d: at %d): %s%n",
            PRODUCER_LIMIT, atProducer, BROKER_LIMIT, atBroker, r);
        assertTrue(r.exact(), r.toString());
        int largest = 0;
        for (DeadLetter d : reader.deadLetters) {
          int size = AvroSerde.deadLetter().encode(d).length;
          largest = Math.max(largest, size);
          assertTrue(size + 1024 < PRODUCER_LIMIT, "a dead letter of " + size + " bytes");
          assertTrue(d.getTruncated(), "every near-limit letter is truncated: " + d.getReason());
        }
        System.out.printf("RELIABILITY record limits: largest dead letter %d bytes%n", largest);
        JsonObject health = pipeline.health();
        assertEquals("UP", health.getString("status"), health.encode());
      }
    }
  }

  /**
   * A broker whose record limit is below the producer's: records are sized against the smaller one, so the dead
   * letter of a record that fits the broker but leaves no room for the letter's own fields is truncated instead
   * of being refused by the broker (which would abort the transaction, again and again).
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void recordsAreSizedAgainstTheBrokersLimitWhenItIsTheSmaller() throws Exception {
    int brokerLimit = 300_000;
    Ledger ledger = new Ledger();
    List<String> methods = List.of("gradient");
    try (EmbeddedKafka kafka = EmbeddedKafka.start(Map.of("message.max.bytes", String.valueOf(brokerLimit)))) {
      StreamConfig config = Scenario.config(kafka.bootstrapServers(), "small.", 1);
      try (Pipeline pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
          KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(Scenario.clients(config), new ByteArraySerializer(),
              new ByteArraySerializer());
          CommittedReader reader = new CommittedReader(Scenario.clients(config), config.topics())) {
        String topic = config.topics().requests();
        int atBroker = valueSizeForBatch(brokerLimit, "at-broker".length());
        accepted(plain, topic, ledger, "at-broker", filler(atBroker));
        sendValid(plain, topic, ledger, "after", methods);
        reader.readAll(ledger.expectedMaps(), ledger.expectedDeadLetters(), Duration.ofSeconds(90),
            Duration.ofSeconds(2));
        Ledger.Reconciliation r = ledger.reconcile(reader.explanations, reader.deadLetters);
        System.out.printf("RELIABILITY record limits, broker limit %d below the producer's: %s%n", brokerLimit, r);
        assertTrue(r.exact(), r.toString());
        DeadLetter d = reader.deadLetters.get(0);
        assertTrue(d.getTruncated(), d.toString().substring(0, 200));
        assertTrue(AvroSerde.deadLetter().encode(d).length < brokerLimit - 1024);
        assertEquals("UP", pipeline.health().getString("status"));
      }
    }
  }

  private static void sendValid(KafkaProducer<byte[], byte[]> p, String topic, Ledger ledger, String tag,
      List<String> methods) throws Exception {
    for (int i = 0; i < 3; i++) {
      InferenceEvent e = TestEvents.digitsEvent(tag + "-" + i, i, methods).build();
      ledger.expectExplanations(e.getEventId(), methods);
      p.send(record(topic, e.getEventId(), TestEvents.bytes(e))).get();
    }
  }

  /** Sends a record the broker must take; it is expected back as one dead letter. */
  private static void accepted(KafkaProducer<byte[], byte[]> p, String topic, Ledger ledger, String key, byte[] value)
      throws Exception {
    p.send(record(topic, key, value)).get();
    ledger.expectDeadLetter(Ledger.deadLetterKey(null, value, null),
        value.length > MAX_REQUEST_BYTES ? ErrorCode.TOO_LARGE : ErrorCode.UNDECODABLE, value, null, key);
  }

  /** The largest value a producer with this configuration sends (it refuses bigger ones itself, without a request). */
  private static int largestSendable(KafkaProducer<byte[], byte[]> p, String topic, String key) {
    int low = PRODUCER_LIMIT - 4096;
    int high = PRODUCER_LIMIT;
    while (low < high) { // invariant: low is sendable, high + 1 is not
      int mid = (low + high + 1) / 2;
      if (refusedLocally(p, record(topic, key, filler(mid)))) {
        high = mid - 1;
      } else {
        low = mid;
      }
    }
    return low;
  }

  /** The producer's own size check (KafkaProducer: the batch estimate against max.request.size), without sending. */
  private static boolean refusedLocally(KafkaProducer<byte[], byte[]> p, ProducerRecord<byte[], byte[]> r) {
    int estimate = org.apache.kafka.common.record.internal.AbstractRecords.estimateSizeInBytesUpperBound(
        org.apache.kafka.common.record.internal.RecordBatch.CURRENT_MAGIC_VALUE,
        org.apache.kafka.common.record.internal.CompressionType.NONE, r.key(), r.value(), new Header[0]);
    return estimate > PRODUCER_LIMIT;
  }

  /** The value size that makes a one-record batch (no headers) exactly {@code batchBytes} on the broker. */
  private static int valueSizeForBatch(int batchBytes, int keyLength) {
    int value = batchBytes - DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
    while (DefaultRecordBatch.RECORD_BATCH_OVERHEAD + DefaultRecord.sizeInBytes(0, 0L, keyLength, value,
        new Header[0]) > batchBytes) {
      value--;
    }
    assertEquals(batchBytes, DefaultRecordBatch.RECORD_BATCH_OVERHEAD + DefaultRecord.sizeInBytes(0, 0L, keyLength,
        value, new Header[0]), "no value size gives a batch of exactly " + batchBytes + " bytes");
    return value;
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
    return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
  }

  /** Bytes that are not Avro single-object encoding, distinct per length. */
  private static byte[] filler(int length) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) 'x');
    byte[] tag = Integer.toString(length).getBytes(StandardCharsets.UTF_8);
    System.arraycopy(tag, 0, b, 0, Math.min(tag.length, length));
    return b;
  }
}
