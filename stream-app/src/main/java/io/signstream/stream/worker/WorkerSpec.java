package io.signstream.stream.worker;

import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.metrics.PipelineMetrics;
import io.signstream.stream.registry.ModelRegistry;
import java.util.function.Supplier;

/**
 * What a worker instance needs.
 *
 * @param config the deployment's configuration
 * @param engine the engine whose task topic it consumes
 * @param registry the models
 * @param metrics where to count
 * @param computers makes one computer per worker instance
 * @param maxRecordBytes the largest record the worker may write: the producer's {@code max.request.size} or
 *     the output topics' {@code max.message.bytes}, whichever is smaller
 */
public record WorkerSpec(StreamConfig config, String engine, ModelRegistry registry, PipelineMetrics metrics,
    Supplier<? extends ExplanationComputer> computers, int maxRecordBytes) {

  /** A spec whose records are sized by the producer's limit only. */
  public WorkerSpec(StreamConfig config, String engine, ModelRegistry registry, PipelineMetrics metrics,
      Supplier<? extends ExplanationComputer> computers) {
    this(config, engine, registry, metrics, computers, io.signstream.stream.kafka.KafkaProps.maxRequestSize(config));
  }
}
