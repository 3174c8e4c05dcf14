package io.signstream.stream.monitoring;

import io.signstream.schemas.BaselinePin;
import io.signstream.stream.registry.ModelRegistry;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;

/**
 * The monitoring HTTP endpoints: {@code GET /api/monitoring}, {@code GET /api/monitoring/alerts} and
 * {@code POST /api/monitoring/baseline} ({@code {"model": ID, "version": V}}, version optional: pins
 * the model's recent windows as its drift reference).
 */
public final class MonitoringRoutes {

  /** Largest accepted pin request body. */
  public static final int MAX_BODY_BYTES = 4096;

  private final MonitoringView view;
  private final ModelRegistry registry;
  private final Map<String, Object> clientProps;
  private final MonitoringTopics topics;

  /** Routes over {@code view}; pins are checked against {@code registry} and written with {@code clientProps}. */
  public MonitoringRoutes(MonitoringView view, ModelRegistry registry, Map<String, Object> clientProps,
      MonitoringTopics topics) {
    this.view = view;
    this.registry = registry;
    this.clientProps = clientProps;
    this.topics = topics;
  }

  /** Adds the routes. */
  public void addTo(Router router) {
    router.get("/api/monitoring").handler(ctx -> json(ctx, 200, view.current().encode()));
    router.get("/api/monitoring/alerts").handler(ctx -> json(ctx, 200, view.alerts().encode()));
    router.post("/api/monitoring/baseline").handler(BodyHandler.create().setBodyLimit(MAX_BODY_BYTES))
        .blockingHandler(this::pin);
  }

  private void pin(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      json(ctx, 400, error("the body must be a JSON object like {\"model\": \"digits_cnn\", \"version\": \"1\"}"));
      return;
    }
    String model = body == null ? null : body.getString("model");
    String version = body == null ? null : body.getString("version");
    if (model == null || model.isBlank()) {
      json(ctx, 400, error("\"model\" is required"));
      return;
    }
    if (registry.find(model).isEmpty()) {
      json(ctx, 404, error("unknown model '" + model + "'"));
      return;
    }
    try {
      BaselinePin pin = BaselinePins.pin(clientProps, topics, model, version, "http");
      json(ctx, 202, new JsonObject().put("model", pin.getModelId()).put("version", pin.getModelVersion())
          .put("pinnedAt", pin.getPinnedAt().toEpochMilli()).encode());
    } catch (Exception e) {
      json(ctx, 503, error("cannot write the pin: " + e.getMessage()));
    }
  }

  private static String error(String message) {
    return new JsonObject().put("error", message).encode();
  }

  private static void json(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
  }
}
