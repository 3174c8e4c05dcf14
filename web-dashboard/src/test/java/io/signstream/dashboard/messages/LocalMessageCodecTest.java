package io.signstream.dashboard.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalMessageCodecTest {

    private static ExplanationMessage sample() {
        float[] input = new float[16];
        float[] rel = new float[16];
        for (int i = 0; i < 16; i++) {
            input[i] = i * 0.25f;
            rel[i] = (i % 3 - 1) * 0.125f;
        }
        return new ExplanationMessage("ev-1", "digits_cnn", "3", "gradient", "pytorch", "cpu", 7, "seven", 12.5,
                new long[]{1, 1, 4, 4}, "NCHW", input, rel, -0.125, 0.125, 0.0, 0.5, 0.75, 1.5, 1_700_000_000_000L);
    }

    @Test
    void aLocalConsumerReceivesThePublishedRecordItself() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            LocalMessageCodec.registerAll(vertx.eventBus());
            LocalMessageCodec.registerAll(vertx.eventBus()); // a second verticle registering again is fine
            CompletableFuture<Object> got = new CompletableFuture<>();
            vertx.eventBus().consumer(ExplanationMessage.ADDRESS, m -> got.complete(m.body()))
                    .completion().await();
            ExplanationMessage sent = sample();
            vertx.eventBus().publish(ExplanationMessage.ADDRESS, sent);
            assertSame(sent, got.get(10, TimeUnit.SECONDS));
        } finally {
            vertx.close().await();
        }
    }

    @Test
    void onTheWireARecordTravelsAsItsJson() {
        ExplanationMessage m = sample();
        DeadLetterMessage d = new DeadLetterMessage("BAD_SHAPE", "15 values for 16", "requests", 0, 42L, "ev-2",
                null, "gradient", 1_700_000_000_000L);
        Buffer wire = Buffer.buffer().appendString("prefix");
        LocalMessageCodec.explanations().encodeToWire(wire, m);
        assertEquals(m, LocalMessageCodec.explanations().decodeFromWire(6, wire));
        wire = Buffer.buffer().appendString("prefix");
        LocalMessageCodec.deadLetters().encodeToWire(wire, d);
        assertEquals(d, LocalMessageCodec.deadLetters().decodeFromWire(6, wire));
    }
}
