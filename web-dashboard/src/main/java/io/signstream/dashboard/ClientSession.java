package io.signstream.dashboard;

import io.signstream.dashboard.messages.ExplanationMessage;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

/**
 * One connected browser: its filter, its pause state and its send accounting. Every frame meant for it is either
 * written, or counted as {@code dropped} (its send buffer is full: a slow or stalled browser) or {@code skipped}
 * (over the frames-per-second cap). Nothing ever waits for a browser. Event-loop use only.
 */
final class ClientSession {

    private final long id;
    private final ServerWebSocket ws;
    private final TokenBucket rate;
    private ClientFilter filter = ClientFilter.ALL;
    private boolean paused;
    private long sent;
    private long dropped;
    private long skipped;

    /** @param rate explanation-frame cap, or {@code null} for none */
    ClientSession(long id, ServerWebSocket ws, TokenBucket rate) {
        this.id = id;
        this.ws = ws;
        this.rate = rate;
    }

    /**
     * Decides before the frame is built (building costs more than checking) whether an explanation goes out.
     * A refusal because of the cap or a full buffer is counted; one because of the filter or pause is not,
     * since the browser asked for it.
     */
    boolean admits(ExplanationMessage m, long nowNanos) {
        if (paused || !filter.matches(m)) {
            return false;
        }
        if (rate != null && !rate.tryTake(nowNanos)) {
            skipped++;
            return false;
        }
        return hasRoom();
    }

    /** @return whether the comparison matches this browser's filter and it can take a frame now */
    boolean admits(Comparison c) {
        return !paused && filter.matches(c) && hasRoom();
    }

    /** Writes the frame, or counts it as dropped when the send buffer is full. */
    void send(String frame) {
        if (hasRoom()) {
            write(frame);
        }
    }

    /** Writes a frame already admitted. */
    void write(String frame) {
        ws.writeTextMessage(frame); // the future only reports a closed socket, which closeHandler handles
        sent++;
    }

    private boolean hasRoom() {
        if (ws.writeQueueFull()) {
            dropped++;
            return false;
        }
        return true;
    }

    void filter(ClientFilter filter) {
        this.filter = filter;
    }

    ClientFilter filter() {
        return filter;
    }

    void paused(boolean paused) {
        this.paused = paused;
    }

    boolean paused() {
        return paused;
    }

    JsonObject counters() {
        return new JsonObject().put("sent", sent).put("dropped", dropped).put("skipped", skipped);
    }

    JsonObject describe() {
        return counters().put("id", id).put("remote", String.valueOf(ws.remoteAddress()))
                .put("paused", paused).put("filter", filter.toJson());
    }
}
