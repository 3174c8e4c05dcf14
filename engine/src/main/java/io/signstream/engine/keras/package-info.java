/**
 * Importers for the TensorFlow-side model formats: Keras HDF5 ({@link io.signstream.engine.keras.KerasH5Importer}:
 * legacy full models and weights-only files with their JSON config), Keras 3 archives
 * ({@link io.signstream.engine.keras.KerasArchiveImporter}) and TensorFlow.js layers models
 * ({@link io.signstream.engine.keras.TfjsImporter}). All three read a Keras model config and hand it, with a
 * source of stored variables, to one translator that builds the engine's {@link io.signstream.engine.graph.Graph}.
 *
 * <p>Layout: Keras models are channels-last, the graph computes channels-first. An imported graph keeps the Keras
 * input (NHWC / NTC / NC, sample shape = the Keras input shape, so inputs and relevance maps are in the Keras
 * layout), transposes to channels-first right where the first convolution-like layer needs it, converts kernels
 * (HWIO → OIHW, (K, in, out) → (out, in, K), Dense (in, out) → (out, in)), and transposes back to channels-last
 * before a Flatten, so that the flattened order is Keras' own (METHODS.md §2.2). The Transpose nodes pass
 * gradients and relevance back exactly.
 *
 * <pre>{@code
 * Graph graph = KerasH5Importer.read(Path.of("keras_mnist_lenet.h5"));       // input (28, 28), layout NTC
 * try (Explainer ex = Explainer.open(Path.of("keras_mnist_lenet.h5"))) {   // TensorFlow engine by default
 *     RelevanceMap r = ex.explain(NpyFile.read(Path.of("digit.npy")), null, "gradient", Map.of());
 * }
 * }</pre>
 */
package io.signstream.engine.keras;
