package io.signstream.dashboard;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of a {@link DashboardVerticle}. Start from {@link #defaults()} and change what differs with the
 * {@code with…} methods.
 *
 * @param host               address to bind; {@code 127.0.0.1} by default. Any address that is not loopback
 *                           makes a token mandatory
 * @param port               port to bind; 0 picks a free one (see {@link DashboardVerticle#actualPort()})
 * @param token              access token, or {@code null}: then one is generated when {@code host} is not
 *                           loopback. A configured token is always required, loopback or not
 * @param sendBufferBytes    per-browser bound of bytes queued for sending; beyond it frames are dropped and
 *                           counted instead of queued
 * @param maxFramesPerSecond per-browser cap on explanation frames per second (0: no cap); frames above the
 *                           cap are skipped and counted: a page cannot show thousands of maps a second anyway
 * @param maxMapSide         larger image maps are block-averaged down to this many pixels per side before
 *                           they are sent
 * @param maxSeriesLength    longer time series are bucket-averaged down to this many points
 * @param healthWindowSeconds sliding window of the throughput figures
 * @param latencySamples     number of recent latencies per model and method that p50/p95 are taken over
 * @param recentDeadLetters  number of recent dead letters kept with their reasons
 * @param pendingComparisons number of maps kept while waiting for the other engine's map of the same event
 */
public record DashboardOptions(String host, int port, String token, int sendBufferBytes, int maxFramesPerSecond,
                               int maxMapSide, int maxSeriesLength, int healthWindowSeconds, int latencySamples,
                               int recentDeadLetters, int pendingComparisons) {

    /** Default HTTP port, the one DESIGN.md gives the demo. */
    public static final int DEFAULT_PORT = 8080;

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~-]{16,256}");

    /** Rejects values that would make the verticle misbehave rather than fail at start. */
    public DashboardOptions {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (token != null && !TOKEN.matcher(token).matches()) {
            // URL-safe so it can travel in ?token= unescaped; long enough not to be guessed.
            throw new IllegalArgumentException("token must be 16 to 256 characters of [A-Za-z0-9._~-]");
        }
        positive("sendBufferBytes", sendBufferBytes);
        if (maxFramesPerSecond < 0) {
            throw new IllegalArgumentException("maxFramesPerSecond must be >= 0 (0: no cap)");
        }
        positive("maxMapSide", maxMapSide);
        positive("maxSeriesLength", maxSeriesLength);
        positive("healthWindowSeconds", healthWindowSeconds);
        positive("latencySamples", latencySamples);
        positive("recentDeadLetters", recentDeadLetters);
        positive("pendingComparisons", pendingComparisons);
    }

    /** @return loopback on port 8080, no token, 512 KiB send buffer, 30 explanation frames/s per browser */
    public static DashboardOptions defaults() {
        return new DashboardOptions("127.0.0.1", DEFAULT_PORT, null, 512 * 1024, 30, 256, 1024, 10, 512, 50, 512);
    }

    /** @return a copy bound to {@code host} */
    public DashboardOptions withHost(String host) {
        return new DashboardOptions(host, port, token, sendBufferBytes, maxFramesPerSecond, maxMapSide,
                maxSeriesLength, healthWindowSeconds, latencySamples, recentDeadLetters, pendingComparisons);
    }

    /** @return a copy on {@code port} (0: any free port) */
    public DashboardOptions withPort(int port) {
        return new DashboardOptions(host, port, token, sendBufferBytes, maxFramesPerSecond, maxMapSide,
                maxSeriesLength, healthWindowSeconds, latencySamples, recentDeadLetters, pendingComparisons);
    }

    /** @return a copy requiring {@code token} (null: generated when the host is not loopback) */
    public DashboardOptions withToken(String token) {
        return new DashboardOptions(host, port, token, sendBufferBytes, maxFramesPerSecond, maxMapSide,
                maxSeriesLength, healthWindowSeconds, latencySamples, recentDeadLetters, pendingComparisons);
    }

    /** @return a copy with this per-browser send bound */
    public DashboardOptions withSendBufferBytes(int sendBufferBytes) {
        return new DashboardOptions(host, port, token, sendBufferBytes, maxFramesPerSecond, maxMapSide,
                maxSeriesLength, healthWindowSeconds, latencySamples, recentDeadLetters, pendingComparisons);
    }

    /** @return a copy with this per-browser explanation-frame cap (0: none) */
    public DashboardOptions withMaxFramesPerSecond(int maxFramesPerSecond) {
        return new DashboardOptions(host, port, token, sendBufferBytes, maxFramesPerSecond, maxMapSide,
                maxSeriesLength, healthWindowSeconds, latencySamples, recentDeadLetters, pendingComparisons);
    }

    /** @return a copy downsampling images beyond this side */
    public DashboardOptions withMaxMapSide(int maxMapSide) {
        return new DashboardOptions(host, port, token, sendBufferBytes, maxFramesPerSecond, maxMapSide,
                maxSeriesLength, healthWindowSeconds, latencySamples, recentDeadLetters, pendingComparisons);
    }

    /** @return whether {@link #host()} is a loopback name or address (decided without a DNS lookup) */
    public boolean loopbackOnly() {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!host.matches("[0-9.]+|[0-9A-Fa-f:.\\[\\]]*:[0-9A-Fa-f:.\\[\\]]*")) {
            return false; // a host name other than localhost may resolve anywhere: treat as exposed
        }
        try {
            return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }
}
