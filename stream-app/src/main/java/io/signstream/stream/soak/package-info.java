/**
 * Soak and load tests of the embedded pipeline: {@code signstream soak} runs it at a fixed rate and
 * watches heap and end-to-end latency over time; {@code signstream loadtest} measures its capacity,
 * latency at a fraction of it, and the bare engine on the same maps to show the pipeline's overhead.
 *
 * <p>Both are measurements printed as data; nothing here decides pass or fail except the soak test,
 * which checks that heap stays bounded.
 */
package io.signstream.stream.soak;
