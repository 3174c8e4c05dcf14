package io.signstream.dashboard;

/** A token bucket: up to {@code perSecond} takes per second, with a burst of one second's worth. */
final class TokenBucket {

    private final double perSecond;
    private double tokens;
    private long lastNanos;

    TokenBucket(int perSecond, long nowNanos) {
        this.perSecond = perSecond;
        this.tokens = perSecond;
        this.lastNanos = nowNanos;
    }

    boolean tryTake(long nowNanos) {
        tokens = Math.min(perSecond, tokens + (nowNanos - lastNanos) * perSecond / 1e9);
        lastNanos = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
