package io.signstream.stream.monitoring;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.BaselinePin;
import io.signstream.schemas.ExplanationAlert;
import io.signstream.schemas.ExplanationStats;
import io.signstream.schemas.TopicNames;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The monitoring topology, run as its own Streams application ({@code <application.id>-monitor}, exactly-once
 * like the request topology):
 *
 * <pre>
 * explanations ─► key by model id ─► repartition ─► ExplanationMonitor ─┬─ stats ──► explanation-stats
 *                                                        │  ▲            └─ alerts ─► alerts
 *         stores: monitor-windows, monitor-drift, monitor-pairs (RocksDB + changelog)
 * baselines (compacted) ─► global table monitor-baselines ┘
 * </pre>
 *
 * Re-keying by model id puts every aggregate of a model, and both engines' halves of a cross-check,
 * in one task, so the processor needs no further repartition. The model id is read from the record's bytes
 * ({@link ExplanationModelId}), the repartition topic carries those bytes unchanged, and the monitor decodes each
 * record once; a record that is no explanation is refused there and counted
 * ({@code signstream.monitor.refused{reason=undecodable}}) instead of stopping the thread. When the explanations
 * topic has one partition, its one task sees every model already, and the explanations go to the monitor directly
 * ({@link ExplanationRouting#DIRECT}).
 */
public final class MonitoringTopology {

  private MonitoringTopology() {}

  /** Builds the topology for an explanations topic of any number of partitions ({@link ExplanationRouting#BY_MODEL}). */
  public static Topology build(TopicNames topicNames, MonitorSettings settings, CrossCheck crossCheck,
      MonitorMetrics metrics) {
    return build(topicNames, settings, crossCheck, metrics, ExplanationRouting.BY_MODEL);
  }

  /** Builds the topology, bringing each model's explanations to one task as {@code routing} says. */
  public static Topology build(TopicNames topicNames, MonitorSettings settings, CrossCheck crossCheck,
      MonitorMetrics metrics, ExplanationRouting routing) {
    MonitoringTopics topics = MonitoringTopics.of(topicNames);
    StreamsBuilder builder = new StreamsBuilder();
    builder.globalTable(topics.baselines(), Consumed.with(Serdes.String(), AvroSerde.forClass(BaselinePin.class))
            .withName("read-baselines"),
        Materialized.<String, BaselinePin, KeyValueStore<Bytes, byte[]>>as(ExplanationMonitor.BASELINES)
            .withKeySerde(Serdes.String()).withValueSerde(AvroSerde.forClass(BaselinePin.class)));
    for (String store : new String[] {ExplanationMonitor.WINDOWS, ExplanationMonitor.DRIFT, ExplanationMonitor.PAIRS}) {
      // cached: a window is read and rewritten for every map, and without a cache each write went to RocksDB
      // and to the changelog (a record of the whole window's moments per map); the cache is flushed before
      // every commit, so what the changelog holds at a commit is the same
      builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.String(),
          Serdes.ByteArray()).withCachingEnabled());
    }
    KStream<String, byte[]> explanations = builder.stream(topicNames.explanations(),
            Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("read-explanations"))
        .filter((k, bytes) -> bytes != null, Named.as("skip-tombstones"));
    if (routing == ExplanationRouting.BY_MODEL) {
      // keyed by model id straight from the bytes, which the repartition carries unchanged (ExplanationModelId)
      explanations = explanations
          .selectKey((k, bytes) -> ExplanationModelId.of(bytes), Named.as("key-by-model"))
          .repartition(Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName("by-model"));
    }
    explanations
        .process(() -> new ExplanationMonitor(settings, crossCheck, metrics), Named.as("monitor"),
            ExplanationMonitor.WINDOWS, ExplanationMonitor.DRIFT, ExplanationMonitor.PAIRS)
        .split(Named.as("monitor-"))
        .branch((k, out) -> out instanceof MonitorOutput.Stats, Branched.withConsumer(s -> s
            .mapValues(out -> ((MonitorOutput.Stats) out).stats(), Named.as("stats-record"))
            .to(topics.stats(), Produced.with(Serdes.String(), AvroSerde.forClass(ExplanationStats.class))
                .withName("write-stats")), "stats"))
        .defaultBranch(Branched.withConsumer(a -> a
            .mapValues(out -> ((MonitorOutput.Alert) out).alert(), Named.as("alert-record"))
            .to(topics.alerts(), Produced.with(Serdes.String(), AvroSerde.forClass(ExplanationAlert.class))
                .withName("write-alerts")), "alerts"));
    return builder.build();
  }
}
