package io.signstream.dashboard;

import io.signstream.dashboard.messages.DeadLetterMessage;
import io.signstream.dashboard.messages.ExplanationMessage;
import io.signstream.dashboard.messages.LocalMessageCodec;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The live dashboard: serves the page ({@code /}), a websocket ({@code /ws}) and {@code GET /api/dashboard/health},
 * and feeds browsers from the event-bus addresses {@link ExplanationMessage#ADDRESS} and
 * {@link DeadLetterMessage#ADDRESS}.
 *
 * <p>Everything runs on this verticle's event loop; nothing in it waits for a browser. Each browser has a
 * server-side filter (model, method, engine, sent by the page), an optional frames-per-second cap and a bounded
 * send buffer: frames that do not fit are dropped and counted, and the counts are shown on the page. Maps larger
 * than {@link DashboardOptions#maxMapSide()} are downsampled before they are sent. Health figures are pushed every
 * second; maps of the same event and method from both engines are compared (Pearson r, max |Δ|).
 *
 * <p>Binds to 127.0.0.1 by default. Bound to any other address it requires a token (configured, or generated and
 * logged at start): open {@link #url()}.
 *
 * <pre>{@code
 * DashboardVerticle dashboard = new DashboardVerticle(DashboardOptions.defaults().withPort(8080));
 * vertx.deployVerticle(dashboard).await();
 * }</pre>
 */
public final class DashboardVerticle extends VerticleBase {

    /** Path of the health snapshot. */
    public static final String HEALTH_PATH = "/api/dashboard/health";

    private static final System.Logger LOG = System.getLogger(DashboardVerticle.class.getName());
    private static final int MAX_CLIENT_MESSAGE = 4096;

    private final DashboardOptions options;
    private final Handler<HttpServerRequest> fallback;
    private final String token;
    private final AccessGuard guard;
    private final Set<ClientSession> sessions = new LinkedHashSet<>();
    private HealthAggregator health;
    private ComparisonTracker comparisons;
    private WebResources web;
    private HttpServer server;
    private volatile int actualPort = -1;
    private long nextSessionId;

    /** @param options where to listen and the limits; see {@link DashboardOptions#defaults()} */
    public DashboardVerticle(DashboardOptions options) {
        this(options, null);
    }

    /**
     * @param options  where to listen and the limits
     * @param fallback handles requests for other paths (e.g. an application's {@code /metrics}), after the same
     *                 access check; {@code null} answers them 404
     */
    public DashboardVerticle(DashboardOptions options, Handler<HttpServerRequest> fallback) {
        this.options = options;
        this.fallback = fallback;
        this.token = options.token() != null || options.loopbackOnly() ? options.token() : generateToken();
        this.guard = new AccessGuard(token);
    }

    @Override
    public Future<?> start() {
        health = new HealthAggregator(options.healthWindowSeconds(), options.latencySamples(),
                options.recentDeadLetters());
        comparisons = new ComparisonTracker(options.pendingComparisons());
        return vertx.executeBlocking(WebResources::load).compose(resources -> {
            web = resources;
            LocalMessageCodec.registerAll(vertx.eventBus());
            var explanations = vertx.eventBus().consumer(ExplanationMessage.ADDRESS, this::onExplanation);
            var deadLetters = vertx.eventBus().consumer(DeadLetterMessage.ADDRESS, this::onDeadLetter);
            vertx.setPeriodic(1000, id -> pushHealth());
            // Pages only send small filter/pause messages. The frame size stays at its default: Vert.x also splits
            // outgoing messages at that size, and maps are larger than anything a page sends.
            server = vertx.createHttpServer(new HttpServerOptions().setMaxWebSocketMessageSize(MAX_CLIENT_MESSAGE))
                    .webSocketHandshakeHandler(this::onHandshake)
                    .webSocketHandler(this::onWebSocket)
                    .requestHandler(this::onRequest);
            return Future.all(explanations.completion(), deadLetters.completion())
                    .compose(v -> server.listen(options.port(), options.host()));
        }).onSuccess(s -> {
            actualPort = s.actualPort();
            LOG.log(System.Logger.Level.INFO, "SignStream dashboard at {0}", url());
        });
    }

    @Override
    public Future<?> stop() {
        // Closing the server closes the websockets, so pages see the restart and reconnect by themselves.
        return server == null ? Future.succeededFuture() : server.close();
    }

    /** @return the bound port (useful with port 0), or -1 before the server listens */
    public int actualPort() {
        return actualPort;
    }

    /** @return the token browsers must present, or {@code null} when none is needed (loopback, none configured) */
    public String token() {
        return token;
    }

    /** @return the address to open in a browser, token included */
    public String url() {
        String host = options.host().equals("0.0.0.0") || options.host().equals("::") ? "localhost" : options.host();
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + actualPort + "/" + (token == null ? "" : "?token=" + token);
    }

    private void onExplanation(Message<Object> message) {
        ExplanationMessage m;
        try {
            m = message.body() instanceof ExplanationMessage e ? e : ExplanationMessage.fromJson(json(message.body()));
        } catch (RuntimeException e) {
            invalid(e);
            return;
        }
        health.record(m, System.currentTimeMillis());
        String frame = null;
        long now = System.nanoTime();
        for (ClientSession s : sessions) {
            if (s.admits(m, now)) {
                if (frame == null) { // built only when some browser takes it
                    frame = Frames.explanation(m, view(m));
                }
                s.write(frame);
            }
        }
        comparisons.offer(m).ifPresent(this::onComparison);
    }

    private void onComparison(Comparison c) {
        health.comparison();
        String frame = null;
        for (ClientSession s : sessions) {
            if (s.admits(c)) {
                if (frame == null) {
                    frame = Frames.comparison(c, view(c.left()), view(c.right()));
                }
                s.write(frame);
            }
        }
    }

    private void onDeadLetter(Message<Object> message) {
        DeadLetterMessage d;
        try {
            d = message.body() instanceof DeadLetterMessage l ? l : DeadLetterMessage.fromJson(json(message.body()));
        } catch (RuntimeException e) {
            invalid(e);
            return;
        }
        health.record(d);
        String frame = Frames.deadLetter(d);
        sessions.forEach(s -> s.send(frame));
    }

    private void pushHealth() {
        if (sessions.isEmpty()) {
            return;
        }
        String frame = Frames.health(snapshot());
        for (ClientSession s : sessions) {
            s.send(frame);
            s.send(Frames.stats(s.counters()));
        }
    }

    private JsonObject snapshot() {
        JsonArray clients = new JsonArray();
        sessions.forEach(s -> clients.add(s.describe()));
        return health.snapshot(System.currentTimeMillis())
                .put("clients", clients).put("pendingComparisons", comparisons.waiting());
    }

    private JsonObject view(ExplanationMessage m) {
        return MapView.of(m, options.maxMapSide(), options.maxSeriesLength());
    }

    private void onHandshake(ServerWebSocketHandshake hs) {
        if (!"/ws".equals(hs.path())) {
            hs.reject(404);
            return;
        }
        AccessGuard.Verdict verdict = guard.check(hs.query(), hs.headers().get(HttpHeaders.COOKIE), hs.authority());
        if (!verdict.allowed()) {
            hs.reject(verdict.status);
        } else if (!AccessGuard.sameOrigin(hs.headers().get(HttpHeaders.ORIGIN), hs.authority())) {
            hs.reject(403);
        } else {
            hs.accept();
        }
    }

    private void onWebSocket(ServerWebSocket ws) {
        ws.setWriteQueueMaxSize(options.sendBufferBytes());
        TokenBucket cap = options.maxFramesPerSecond() > 0
                ? new TokenBucket(options.maxFramesPerSecond(), System.nanoTime()) : null;
        ClientSession session = new ClientSession(++nextSessionId, ws, cap);
        sessions.add(session);
        // Handlers are set before this callback returns, so no message from the page can be missed.
        ws.closeHandler(v -> sessions.remove(session));
        // Vert.x reports an oversized message here and would keep the socket open; a page never sends one.
        ws.exceptionHandler(e -> {
            LOG.log(System.Logger.Level.DEBUG, "closing a dashboard websocket", e);
            ws.close((short) 1008, "bad message");
        });
        ws.textMessageHandler(text -> onClientMessage(session, text));
        session.send(Frames.hello(snapshot(), options));
    }

    private void onClientMessage(ClientSession session, String text) {
        JsonObject msg;
        try {
            msg = new JsonObject(text);
        } catch (RuntimeException e) {
            return; // not ours to fix: the page only sends JSON
        }
        switch (String.valueOf(msg.getValue("type"))) {
            case "filter" -> {
                session.filter(ClientFilter.fromJson(msg));
                session.send(Frames.ack("filter", session.filter().toJson()));
            }
            case "pause" -> {
                session.paused(Boolean.TRUE.equals(msg.getValue("paused")));
                session.send(Frames.ack("pause", session.paused()));
            }
            default -> {
            }
        }
    }

    private void onRequest(HttpServerRequest req) {
        AccessGuard.Verdict verdict = guard.check(req.query(), req.getHeader(HttpHeaders.COOKIE), req.authority());
        if (!verdict.allowed()) {
            req.response().setStatusCode(verdict.status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .end(verdict.status == 401
                            ? "token required: open the dashboard address printed at start-up (…/?token=…)\n"
                            : "forbidden: use a loopback address (localhost, 127.0.0.1)\n");
            return;
        }
        if (verdict == AccessGuard.Verdict.ALLOW_SET_COOKIE) {
            req.response().addCookie(Cookie.cookie(AccessGuard.cookieName(actualPort), token).setPath("/").setHttpOnly(true)
                    .setSameSite(CookieSameSite.STRICT));
        }
        String path = req.path();
        if (HEALTH_PATH.equals(path)) {
            if (getOrHead(req)) {
                req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(snapshot().encode());
            }
            return;
        }
        WebResources.Resource resource = web.get(path);
        if (resource != null) {
            if (getOrHead(req)) {
                serve(req, resource);
            }
        } else if (fallback != null) {
            fallback.handle(req);
        } else {
            req.response().setStatusCode(404).end();
        }
    }

    private static boolean getOrHead(HttpServerRequest req) {
        if (req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD) {
            return true;
        }
        req.response().setStatusCode(405).putHeader(HttpHeaders.ALLOW, "GET, HEAD").end();
        return false;
    }

    private static void serve(HttpServerRequest req, WebResources.Resource resource) {
        req.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, resource.contentType())
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .putHeader("X-Content-Type-Options", "nosniff")
                // Only our own files and our own websocket: no CDN, no inline script.
                .putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                        + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'")
                .end(resource.body());
    }

    private static JsonObject json(Object body) {
        if (body instanceof JsonObject j) {
            return j;
        }
        if (body instanceof String s) {
            return new JsonObject(s);
        }
        if (body instanceof Buffer b) {
            return new JsonObject(b);
        }
        throw new IllegalArgumentException("expected a JsonObject, got " + (body == null ? "null" : body.getClass()));
    }

    private void invalid(RuntimeException e) {
        health.invalidMessage();
        long n = health.invalidCount();
        if (n <= 10 || n % 1000 == 0) { // a broken producer must not flood the log
            LOG.log(System.Logger.Level.WARNING, "dashboard ignored an invalid message (" + n + " so far): " + e.getMessage());
        }
    }

    private static String generateToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
