package io.signstream.dashboard;

import io.signstream.dashboard.messages.DeadLetterMessage;
import io.signstream.dashboard.messages.ExplanationMessage;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The verticle over real sockets, without a browser: access rules, health API, and slow clients. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardServerTest {

    private Vertx vertx;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> deployments = new ArrayList<>();
    // Vert.x 5 closes clients that are garbage collected: hold it in a field (STACK.md §d).
    private WebSocketClient wsClient;

    @BeforeAll
    void startVertx() {
        vertx = Vertx.vertx();
        wsClient = vertx.createWebSocketClient();
    }

    @AfterEach
    void undeploy() throws Exception {
        for (String id : deployments) {
            vertx.undeploy(id).await(10, TimeUnit.SECONDS);
        }
        deployments.clear();
    }

    @AfterAll
    void stopVertx() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private DashboardVerticle deploy(DashboardOptions options) throws Exception {
        DashboardVerticle v = new DashboardVerticle(options);
        deployments.add(vertx.deployVerticle(v).await(10, TimeUnit.SECONDS));
        return v;
    }

    private HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonObject health(int port) throws Exception {
        HttpResponse<String> r = get("http://127.0.0.1:" + port + DashboardVerticle.HEALTH_PATH);
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    static void await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void servesPageScriptsAndHealthOnLoopback() throws Exception {
        int port = deploy(DashboardOptions.defaults().withPort(0)).actualPort();
        HttpResponse<String> page = get("http://127.0.0.1:" + port + "/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("id=\"grid\""));
        assertEquals(200, get("http://localhost:" + port + "/app.js").statusCode());
        assertEquals(404, get("http://127.0.0.1:" + port + "/../pom.xml").statusCode());

        vertx.eventBus().publish(ExplanationMessage.ADDRESS, Samples.digit("digits", "gradient", "pytorch", "e1", 16).toJson());
        vertx.eventBus().publish(DeadLetterMessage.ADDRESS, Samples.deadLetter("BAD_SHAPE", "15 values for 16").toJson());
        vertx.eventBus().publish(ExplanationMessage.ADDRESS, new JsonObject().put("eventId", "broken"));
        await("health to count them", 5000, () -> {
            try {
                JsonObject h = health(port);
                return h.getLong("explanations") == 1 && h.getJsonObject("deadLetters").getLong("total") == 1
                        && h.getLong("invalidMessages") == 1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        JsonObject row = health(port).getJsonArray("models").getJsonObject(0);
        assertEquals("digits", row.getString("model"));
        assertEquals(1.5, row.getDouble("p50Millis"), 1e-9);   // queued 0.4 + compute 1.1
    }

    @Test
    void loopbackServerRefusesForeignHostAndOriginHeaders() throws Exception {
        int port = deploy(DashboardOptions.defaults().withPort(0)).actualPort();
        assertTrue(RawHttp.get(port, "127.0.0.1:" + port, "/").startsWith("HTTP/1.1 200"));
        assertTrue(RawHttp.get(port, "rebound.example:" + port, "/").startsWith("HTTP/1.1 403"));
        try (Socket ws = RawHttp.openWebSocket(port, "/ws", "Origin: http://evil.example\r\n", 0)) {
            assertTrue(RawHttp.head(ws).startsWith("HTTP/1.1 403"));
        }
        try (Socket ws = RawHttp.openWebSocket(port, "/ws", "Origin: http://127.0.0.1:" + port + "\r\n", 0)) {
            assertTrue(RawHttp.head(ws).startsWith("HTTP/1.1 101"));
        }
    }

    @Test
    void nonLoopbackBindingRequiresTheToken() throws Exception {
        DashboardVerticle v = deploy(DashboardOptions.defaults().withHost("0.0.0.0").withPort(0));
        int port = v.actualPort();
        String token = v.token();
        assertNotNull(token, "a token is generated for a non-loopback address");
        assertTrue(v.url().endsWith("/?token=" + token), v.url());
        String base = "http://127.0.0.1:" + port;

        assertEquals(401, get(base + "/").statusCode());
        assertEquals(401, get(base + "/app.js").statusCode());
        assertEquals(401, get(base + DashboardVerticle.HEALTH_PATH).statusCode());
        assertEquals(401, get(base + "/?token=wrong-token-0123456789").statusCode());

        HttpResponse<String> page = get(base + "/?token=" + token);
        assertEquals(200, page.statusCode());
        String cookie = page.headers().firstValue("set-cookie").orElseThrow();
        assertTrue(cookie.startsWith(AccessGuard.cookieName(port) + "=" + token) && cookie.toLowerCase(java.util.Locale.ROOT).contains("httponly"), cookie);
        // the page's scripts and websocket go with the cookie the page request set
        assertEquals(200, get(base + "/app.js", "Cookie", AccessGuard.cookieName(port) + "=" + token).statusCode());
        assertEquals(200, get(base + DashboardVerticle.HEALTH_PATH + "?token=" + token).statusCode());

        try (Socket ws = RawHttp.openWebSocket(port, "/ws", "", 0)) {
            assertTrue(RawHttp.head(ws).startsWith("HTTP/1.1 401"));
        }
        try (Socket ws = RawHttp.openWebSocket(port, "/ws?token=" + token, "", 0)) {
            assertTrue(RawHttp.head(ws).startsWith("HTTP/1.1 101"));
        }
        try (Socket ws = RawHttp.openWebSocket(port, "/ws", "Cookie: " + AccessGuard.cookieName(port) + "=" + token + "\r\n", 0)) {
            assertTrue(RawHttp.head(ws).startsWith("HTTP/1.1 101"));
        }
    }

    @Test
    void configuredTokenIsRequiredEvenOnLoopback() throws Exception {
        String token = "configured-token-0123456789";
        int port = deploy(DashboardOptions.defaults().withPort(0).withToken(token)).actualPort();
        assertEquals(401, get("http://127.0.0.1:" + port + "/").statusCode());
        assertEquals(200, get("http://127.0.0.1:" + port + "/?token=" + token).statusCode());
    }

    @Test
    void serverSideFilterSendsOnlyMatchingMaps() throws Exception {
        int port = deploy(DashboardOptions.defaults().withPort(0)).actualPort();
        List<JsonObject> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
        WebSocket ws = wsClient.connect(port, "127.0.0.1", "/ws")
                .onSuccess(s -> s.textMessageHandler(t -> frames.add(new JsonObject(t))))
                .await(10, TimeUnit.SECONDS);
        ws.writeTextMessage(new JsonObject().put("type", "filter").put("model", "a").put("engine", "tensorflow").encode());
        await("filter ack", 5000, () -> frames.stream().anyMatch(f -> "ack".equals(f.getString("type"))));
        for (String[] p : new String[][]{{"b", "tensorflow"}, {"a", "pytorch"}, {"a", "tensorflow"}}) {
            vertx.eventBus().publish(ExplanationMessage.ADDRESS, Samples.tabular(p[0], "gradient", p[1], "e").toJson());
        }
        await("the matching map", 5000, () -> frames.stream().anyMatch(f -> "explanation".equals(f.getString("type"))));
        List<JsonObject> maps = frames.stream().filter(f -> "explanation".equals(f.getString("type"))).toList();
        assertEquals(1, maps.size());
        assertEquals("a", maps.get(0).getString("modelId"));
        assertEquals("tensorflow", maps.get(0).getString("engine"));
        ws.close().await(5, TimeUnit.SECONDS);
    }

    @Test
    void oversizedClientMessageClosesOnlyThatSocket() throws Exception {
        int port = deploy(DashboardOptions.defaults().withPort(0)).actualPort();
        java.util.concurrent.CompletableFuture<Short> closed = new java.util.concurrent.CompletableFuture<>();
        WebSocket ws = wsClient.connect(port, "127.0.0.1", "/ws")
                .onSuccess(s -> s.closeHandler(v -> closed.complete(s.closeStatusCode())))
                .await(10, TimeUnit.SECONDS);
        ws.writeTextMessage("{\"type\":\"filter\",\"model\":\"" + "x".repeat(8000) + "\"}");
        assertEquals((short) 1008, closed.get(10, TimeUnit.SECONDS), "1008: policy violation");
        await("the session is gone", 5000, () -> clients(port).isEmpty());
    }

    /**
     * A client that never reads must not hold anything up: its frames are dropped and counted, the event loop
     * keeps going, and another client keeps receiving. Asserted through counts, not timings (the time is printed).
     */
    @Test
    void stalledClientGetsDropsInsteadOfSlowingThePipeline() throws Exception {
        int port = deploy(DashboardOptions.defaults().withPort(0).withMaxFramesPerSecond(0)
                .withSendBufferBytes(64 * 1024)).actualPort();
        try (Socket stalled = RawHttp.openWebSocket(port, "/ws", "", 4096)) {
            assertTrue(RawHttp.head(stalled).startsWith("HTTP/1.1 101"));
            AtomicInteger healthyMaps = new AtomicInteger();
            WebSocket healthy = wsClient.connect(port, "127.0.0.1", "/ws")
                    .onSuccess(s -> s.textMessageHandler(t -> {
                        if (t.startsWith("{\"type\":\"explanation\"") || t.contains("\"type\":\"explanation\"")) {
                            healthyMaps.incrementAndGet();
                        }
                    }))
                    .await(10, TimeUnit.SECONDS);
            await("both clients", 5000, () -> clients(port).size() == 2);

            int n = 5000;
            JsonObject big = Samples.digit("digits", "gradient", "pytorch", "e", 64).toJson(); // ~11 kB frames
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                vertx.eventBus().publish(ExplanationMessage.ADDRESS, big);
            }
            long published = System.nanoTime();
            await("all maps processed", 60_000, () -> {
                try {
                    return health(port).getLong("explanations") == n;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            long processed = System.nanoTime();
            System.out.printf("stalled client: published %d maps in %.1f ms, all processed after %.1f ms%n",
                    n, (published - t0) / 1e6, (processed - t0) / 1e6);

            JsonObject stalledCounters = clients(port).stream().map(JsonObject.class::cast)
                    .filter(c -> c.getString("remote").endsWith(":" + stalled.getLocalPort()))
                    .findFirst().orElseThrow();
            long dropped = stalledCounters.getLong("dropped");
            long sent = stalledCounters.getLong("sent");
            System.out.println("stalled client counters: " + stalledCounters.encode() + "; healthy client got "
                    + healthyMaps.get() + " maps");
            assertTrue(dropped > 0, "frames for the stalled client are dropped and counted");
            assertTrue(sent + dropped >= n, "every frame is either written or counted: " + stalledCounters);
            assertTrue(healthyMaps.get() > 0, "the healthy client still receives maps");
            healthy.close().await(5, TimeUnit.SECONDS);
        }
    }

    private JsonArray clients(int port) {
        try {
            return health(port).getJsonArray("clients");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
