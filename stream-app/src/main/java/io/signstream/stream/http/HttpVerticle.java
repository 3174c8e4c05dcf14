package io.signstream.stream.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.signstream.stream.registry.ModelDescriptor;
import io.signstream.stream.registry.ModelLoadStatus;
import io.signstream.stream.registry.ModelRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.signstream.dashboard.DashboardOptions;
import io.signstream.dashboard.DashboardVerticle;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The pipeline's HTTP endpoints: the live dashboard at {@code /} (the web-dashboard module's
 * verticle owns the port and hands every other path to this router), {@code GET /health},
 * {@code GET /metrics} (Prometheus text format) and {@code GET /api/models}. Other routes can be
 * added through {@code extraRoutes}.
 * Binds to loopback unless configured otherwise: the metrics and model list are not meant for the
 * whole network by default.
 */
public final class HttpVerticle extends VerticleBase {

  private final String host;
  private final int port;
  private final ModelRegistry registry;
  private final ModelLoadStatus loads;
  private final PrometheusMeterRegistry prometheus;
  private final Supplier<JsonObject> health;
  private final Consumer<Router> extraRoutes;
  private DashboardVerticle dashboard;

  /**
   * @param port 0 for any free port (see {@link #actualPort()})
   * @param loads whether this process's workers could load each model (the {@code load} field of {@code /api/models})
   * @param health returns the health JSON; {@code "status": "UP"} answers 200, anything else 503
   * @param extraRoutes adds routes to the router, or null
   */
  public HttpVerticle(String host, int port, ModelRegistry registry, ModelLoadStatus loads,
      PrometheusMeterRegistry prometheus, Supplier<JsonObject> health, Consumer<Router> extraRoutes) {
    this.host = host;
    this.port = port;
    this.registry = registry;
    this.loads = loads;
    this.prometheus = prometheus;
    this.health = health;
    this.extraRoutes = extraRoutes;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/health").handler(this::health);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(prometheus.scrape()));
    router.get("/api/models").handler(ctx -> json(ctx, 200, models().encodePrettily()));
    if (extraRoutes != null) {
      extraRoutes.accept(router);
    }
    dashboard = new DashboardVerticle(DashboardOptions.defaults().withHost(host).withPort(port), router);
    return vertx.deployVerticle(dashboard).recover(e -> Future.failedFuture(portTaken(e)
        ? new IllegalStateException("HTTP port " + port + " on " + host + " is already in use (another SignStream"
            + " process, or its topology, on this host?); set http.port (or --http-port, SIGNSTREAM_HTTP_PORT) to a"
            + " free port, or to 0 for any free port", e)
        : e));
  }

  private static boolean portTaken(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }

  /** The port the server listens on. */
  public int actualPort() {
    return dashboard.actualPort();
  }

  /** The dashboard's address (with its access token when one is needed). */
  public String dashboardUrl() {
    return dashboard.url();
  }

  private void health(RoutingContext ctx) {
    JsonObject h = health.get();
    json(ctx, "UP".equals(h.getString("status")) ? 200 : 503, h.encode());
  }

  private JsonArray models() {
    JsonArray all = new JsonArray();
    Path dir = registry.dir();
    for (ModelDescriptor d : registry.all()) {
      JsonArray shape = new JsonArray();
      for (long s : d.inputShape()) {
        shape.add(s);
      }
      all.add(new JsonObject()
          .put("id", d.id())
          .put("version", d.version())
          .put("format", d.format())
          // relative to the models folder: the server's file system layout is nobody's business
          .put("file", dir == null ? d.file().getFileName().toString() : dir.relativize(d.file()).toString())
          .put("inputShape", shape)
          .put("layout", d.layout().name())
          .put("classLabels", new JsonArray(d.classLabels()))
          .put("defaultMethods", new JsonArray(d.defaultMethods()))
          .put("engine", d.engine())
          .put("load", load(d.id())));
    }
    return all;
  }

  /** {@code {"pytorch": {"status": "FAILED", "reason": "..."}}}: the engines this process has tried, else {}. */
  private JsonObject load(String modelId) {
    JsonObject byEngine = new JsonObject();
    loads.of(modelId).forEach((engine, outcome) -> {
      JsonObject o = new JsonObject().put("status", outcome.state().name());
      if (outcome.reason() != null) {
        o.put("reason", outcome.reason());
      }
      byEngine.put(engine, o);
    });
    return byEngine;
  }

  private static void json(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
  }

  @Override
  public Future<?> stop() {
    return Future.succeededFuture(); // the dashboard verticle owns the server and is undeployed with this one
  }
}
