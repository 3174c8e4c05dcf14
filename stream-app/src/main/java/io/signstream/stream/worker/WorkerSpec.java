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
 */
public record WorkerSpec(StreamConfig config, String engine, ModelRegistry registry, PipelineMetrics metrics,
    Supplier<? extends ExplanationComputer> computers) {}
