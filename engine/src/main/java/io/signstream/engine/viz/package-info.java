/**
 * Visualisation of relevance maps: the normalisation and colouring utilities of SignXAI (METHODS.md §4),
 * reproduced bit for bit where the Python original is deterministic, and PNG output (overlays, comparison
 * grids, series plots) written with {@code javax.imageio} in headless AWT.
 *
 * <p>The numeric classes ({@link io.signstream.engine.viz.HeatmapNormalization},
 * {@link io.signstream.engine.viz.ChannelAggregation}, {@link io.signstream.engine.viz.Colormap},
 * {@link io.signstream.engine.viz.RelevanceColoring}, {@link io.signstream.engine.viz.Overlay}) never touch AWT.
 * {@link io.signstream.engine.viz.Visualizer} is the one-call entry point:
 *
 * <pre>{@code
 * NpyArray x = NpyFile.read(Path.of("input.npy"));      // (1, 3, 224, 224)
 * NpyArray r = NpyFile.read(Path.of("relevance.npy"));  // same shape
 * Visualizer.writeOverlay(x, r, true, Path.of("overlay.png"));
 * }</pre>
 */
package io.signstream.engine.viz;
