package io.signstream.dashboard;

/**
 * Events per second over a sliding window of whole seconds: one counter per second in a ring, so recording and
 * reading cost the same however busy the stream is.
 */
final class RateWindow {

    private final int seconds;
    private final long[] bucketSecond;
    private final long[] bucketCount;
    private long firstMillis = -1;

    RateWindow(int seconds) {
        this.seconds = seconds;
        this.bucketSecond = new long[seconds + 1];
        this.bucketCount = new long[seconds + 1];
        java.util.Arrays.fill(bucketSecond, Long.MIN_VALUE);
    }

    void record(long nowMillis) {
        if (firstMillis < 0) {
            firstMillis = nowMillis;
        }
        long second = Math.floorDiv(nowMillis, 1000);
        int i = (int) Math.floorMod(second, bucketSecond.length);
        if (bucketSecond[i] != second) {
            bucketSecond[i] = second;
            bucketCount[i] = 0;
        }
        bucketCount[i]++;
    }

    /**
     * @return events per second over the last {@code seconds} seconds (the current, partial one included); a
     *         stream younger than the window is divided by its age (at least one second), not by the window
     */
    double perSecond(long nowMillis) {
        if (firstMillis < 0) {
            return 0;
        }
        long now = Math.floorDiv(nowMillis, 1000);
        long count = 0;
        for (int i = 0; i < bucketSecond.length; i++) {
            if (bucketSecond[i] > now - seconds && bucketSecond[i] <= now) {
                count += bucketCount[i];
            }
        }
        double span = Math.min(seconds, Math.max(1.0, (nowMillis - firstMillis) / 1000.0));
        return count / span;
    }
}
