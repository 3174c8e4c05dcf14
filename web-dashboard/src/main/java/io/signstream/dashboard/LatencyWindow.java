package io.signstream.dashboard;

import java.util.Arrays;

/** The most recent latencies in a fixed ring: percentiles over a bounded window, whatever the event rate. */
final class LatencyWindow {

    private final double[] ring;
    private int next;
    private int size;

    LatencyWindow(int capacity) {
        this.ring = new double[capacity];
    }

    void record(double millis) {
        ring[next] = millis;
        next = (next + 1) % ring.length;
        size = Math.min(size + 1, ring.length);
    }

    /**
     * @param quantile in (0, 1]
     * @return the nearest-rank percentile of the recent values, or NaN when there are none
     */
    double percentile(double quantile) {
        if (size == 0) {
            return Double.NaN;
        }
        double[] sorted = Arrays.copyOf(ring, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(quantile * size);
        return sorted[Math.max(0, Math.min(size, rank) - 1)];
    }

    int size() {
        return size;
    }
}
