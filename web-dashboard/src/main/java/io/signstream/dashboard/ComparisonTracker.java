package io.signstream.dashboard;

import io.signstream.dashboard.messages.ExplanationMessage;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Pairs maps of the same model, event and method coming from two engines. A map waits here until the other
 * engine's map arrives; the waiting room is bounded in entries and in values held, oldest out first, because most
 * events are only ever explained by one engine. Event-loop use only.
 */
final class ComparisonTracker {

    /** Upper bound on relevance values held while waiting (16 MiB of floats). */
    static final long MAX_VALUES = 4L << 20;

    private final int maxEntries;
    private final Map<String, ExplanationMessage> waiting = new LinkedHashMap<>();
    private long values;

    ComparisonTracker(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** @return the comparison when {@code m} completes a pair, else empty (and {@code m} waits) */
    Optional<Comparison> offer(ExplanationMessage m) {
        String key = m.modelId() + '\u0000' + m.eventId() + '\u0000' + m.method();
        ExplanationMessage other = waiting.get(key);
        if (other != null && !other.engine().equals(m.engine())) {
            remove(key);
            return Optional.of(Comparison.of(other, m));
        }
        if (other != null) {
            remove(key); // the same engine again (a retry): the newer map waits instead
        }
        if (m.relevance().length > MAX_VALUES) {
            return Optional.empty();
        }
        waiting.put(key, m);
        values += m.relevance().length;
        Iterator<Map.Entry<String, ExplanationMessage>> oldest = waiting.entrySet().iterator();
        while (waiting.size() > maxEntries || values > MAX_VALUES) {
            values -= oldest.next().getValue().relevance().length;
            oldest.remove();
        }
        return Optional.empty();
    }

    int waiting() {
        return waiting.size();
    }

    private void remove(String key) {
        values -= waiting.remove(key).relevance().length;
    }
}
