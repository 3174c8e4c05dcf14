package io.signstream.dashboard.messages;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * Lets a message record travel the event bus as itself: within one process the dashboard receives the
 * very record the pipeline published (no JSON built and parsed again for every map, which cost the
 * pipeline about a twentieth of its CPU under load); across a clustered bus it goes as its JSON.
 *
 * <pre>{@code
 * LocalMessageCodec.registerAll(vertx.eventBus()); // once per Vertx, by publisher or consumer (idempotent)
 * vertx.eventBus().publish(ExplanationMessage.ADDRESS, message);
 * }</pre>
 *
 * @param <T> the message record
 */
public final class LocalMessageCodec<T> implements MessageCodec<T, T> {

    private final Class<T> type;
    private final Function<T, JsonObject> toJson;
    private final Function<JsonObject, T> fromJson;

    private LocalMessageCodec(Class<T> type, Function<T, JsonObject> toJson, Function<JsonObject, T> fromJson) {
        this.type = type;
        this.toJson = toJson;
        this.fromJson = fromJson;
    }

    /** The codec of {@link ExplanationMessage}. */
    public static LocalMessageCodec<ExplanationMessage> explanations() {
        return new LocalMessageCodec<>(ExplanationMessage.class, ExplanationMessage::toJson, ExplanationMessage::fromJson);
    }

    /** The codec of {@link DeadLetterMessage}. */
    public static LocalMessageCodec<DeadLetterMessage> deadLetters() {
        return new LocalMessageCodec<>(DeadLetterMessage.class, DeadLetterMessage::toJson, DeadLetterMessage::fromJson);
    }

    /** Registers the codecs of {@link ExplanationMessage} and {@link DeadLetterMessage} unless they are already. */
    public static synchronized void registerAll(EventBus bus) {
        register(bus, explanations());
        register(bus, deadLetters());
    }

    private static <T> void register(EventBus bus, LocalMessageCodec<T> codec) {
        try {
            bus.registerDefaultCodec(codec.type, codec);
        } catch (IllegalStateException alreadyRegistered) {
            // another verticle of this Vertx registered it first
        }
    }

    @Override
    public void encodeToWire(Buffer buffer, T message) {
        Buffer json = toJson.apply(message).toBuffer();
        buffer.appendInt(json.length()).appendBuffer(json);
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
        int length = buffer.getInt(pos);
        return fromJson.apply(new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length)));
    }

    @Override
    public T transform(T message) {
        return message; // records; their arrays are documented as not to be changed after publishing
    }

    @Override
    public String name() {
        return "signstream-" + type.getSimpleName();
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }
}
