package io.signstream.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.dashboard.messages.ExplanationMessage;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page at 1,280 px in headless Chromium: no horizontal overflow in either view, latencies in plain
 * milliseconds, the overlay toggle and its legend, the throughput and latency charts, and the monitoring view
 * drawing what {@code GET /api/monitoring} and {@code /api/monitoring/alerts} answer (the contract the stream
 * app's endpoints serve, written out here; the stream app's end-to-end test drives the same view with real data).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardMonitoringBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private Vertx vertx;
  private int port;
  private WebDriver driver;
  private Path profile;

  static JsonObject monitoringDocument() {
    JsonArray keys = new JsonArray();
    JsonArray reference = new JsonArray();
    JsonArray current = new JsonArray();
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        reference.add(x >= 2 && x <= 4 && y >= 2 && y <= 4 ? 1 / 9.0 : 0.0);
        current.add(x >= 5 && y >= 5 ? 1 / 9.0 : 0.0);
      }
    }
    JsonArray history = new JsonArray();
    for (int i = 0; i < 12; i++) {
      history.add(new JsonObject().put("windowEnd", 1_700_000_000_000L + i * 10_000L).put("count", 40)
          .put("score", i < 9 ? 0.004 + 0.001 * (i % 3) : 0.62));
    }
    for (Integer cls : new Integer[] {null, 3}) {
      keys.add(new JsonObject().put("key", "digits_cnn/1/gradient/" + (cls == null ? "*" : cls))
          .put("model", "digits_cnn").put("modelVersion", "1").put("method", "gradient").put("targetClass", cls)
          .put("windowStart", 1_700_000_110_000L - 10_000).put("windowEnd", 1_700_000_110_000L).put("count", 40)
          .put("mapShape", new JsonArray(List.of(1, 8, 8))).put("meanMap", current).put("referenceMap", reference)
          .put("topK", new JsonArray(List.of(63, 62, 55))).put("sharePositiveMean", 0.7).put("sharePositiveStd", 0.1)
          .put("sumMean", 1.2).put("sumStd", 0.3).put("classHistogram", new JsonObject().put("3", 40)).put("lateDropped", 0)
          .put("history", history)
          .put("drift", new JsonObject().put("reference", "first-windows").put("referenceWindows", 5).put("score", 0.62)
              .put("threshold", 0.05).put("rankCorrelation", -0.4).put("pValue", 1e-9).put("alerting", true))
          .put("crossEngine", cls != null ? null : new JsonObject().put("pairs", 8).put("pearsonMin", 0.99998)
              .put("pearsonMean", 0.99999).put("maxAbsDelta", 3e-7).put("threshold", 0.999)));
    }
    return new JsonObject().put("keys", keys).put("alerts", 1);
  }

  static JsonArray alertsDocument() {
    return new JsonArray().add(new JsonObject().put("kind", "drift").put("model", "digits_cnn").put("modelVersion", "1")
        .put("method", "gradient").put("targetClass", 3).put("windowStart", 1_700_000_090_000L)
        .put("windowEnd", 1_700_000_100_000L).put("score", 0.62).put("threshold", 0.05)
        .put("reason", "relevance of digits_cnn/1/gradient/3 moved: 1 - cosine 0.6200 > 0.0500"));
  }

  @BeforeAll
  void start() throws Exception {
    assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Chromium is not installed: the dashboard tests need /usr/bin/chromium and /usr/bin/chromedriver");
    vertx = Vertx.vertx();
    DashboardVerticle v = new DashboardVerticle(DashboardOptions.defaults().withPort(0), req -> {
      String body = switch (req.path()) {
        case "/api/monitoring" -> monitoringDocument().encode();
        case "/api/monitoring/alerts" -> alertsDocument().encode();
        default -> null;
      };
      if (body == null) {
        req.response().setStatusCode(404).end();
      } else {
        req.response().putHeader("content-type", "application/json").end(body);
      }
    });
    vertx.deployVerticle(v).await(10, TimeUnit.SECONDS);
    port = v.actualPort();
    profile = Files.createTempDirectory("chrome-profile");
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toString());
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile);
    driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build(), o);
  }

  @AfterAll
  void stop() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    if (profile != null) { // null when start() failed before making it; that failure says why
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  private <T> T waitFor(String what, Function<WebDriver, T> condition) {
    // the page redraws as data arrives: an element found in one poll may be gone when it is read
    return new WebDriverWait(driver, Duration.ofSeconds(15))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class).withMessage(what).until(condition);
  }

  private Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  @SuppressWarnings("unchecked")
  private int[] pixel(WebElement canvas, int x, int y) {
    List<Number> rgb = (List<Number>) js("const d = arguments[0].getContext('2d').getImageData(arguments[1], arguments[2],"
        + " 1, 1).data; return [d[0], d[1], d[2]];", canvas, x, y);
    return rgb.stream().mapToInt(Number::intValue).toArray();
  }

  private void assertNoHorizontalOverflow(String view) {
    long scroll = ((Number) js("return document.documentElement.scrollWidth;")).longValue();
    long client = ((Number) js("return document.documentElement.clientWidth;")).longValue();
    assertTrue(scroll <= client, view + ": page is " + scroll + " px wide in a " + client + " px window");
  }

  private void publish(String model, String method, String engine, String id, double queuedMillis) {
    ExplanationMessage m = Samples.digit(model, method, engine, id, 16);
    JsonObject json = m.toJson().put("queuedMillis", queuedMillis);
    vertx.eventBus().publish(ExplanationMessage.ADDRESS, json);
  }

  @Test
  void liveAndMonitoringViewsAt1280Pixels() throws Exception {
    driver.get("http://127.0.0.1:" + port + "/");
    waitFor("connected", d -> "connected".equals(d.findElement(By.id("status")).getText()));
    String longModel = "a_rather_long_model_identifier_for_layout_checks";
    for (int i = 0; i < 6; i++) {
      publish(longModel, "lrp_sequential_composite_a", i % 2 == 0 ? "pytorch" : "tensorflow", "w" + i, 2530);
    }
    WebElement card = waitFor("card w5", d -> d.findElements(By.cssSelector("#grid .card[data-event-id='w5']")).stream()
        .findFirst().orElse(null));
    // the health push comes every second: the p95 of 2,530 ms queued + compute, in plain milliseconds
    WebElement p95 = waitFor("health row", d -> d.findElements(By.cssSelector("#health tbody tr td:nth-child(5)")).stream()
        .findFirst().orElse(null));
    waitFor("p95 figure", d -> !p95.getText().isEmpty());
    assertTrue(p95.getText().matches("\\d+"), "p95 in plain ms (the header says ms): " + p95.getText());
    assertTrue(driver.findElement(By.cssSelector("#health thead")).getText().contains("p95 ms"));
    assertFalse(driver.findElement(By.id("health")).getText().contains("e+"), "no exponents in the health table");
    assertNoHorizontalOverflow("live view");

    // overlay toggle: the same card redrawn as the relevance alone (the legend's colours)
    WebElement canvas = card.findElement(By.cssSelector("canvas"));
    int[] overlay = pixel(canvas, 8, 8);
    driver.findElement(By.id("overlay-toggle")).click();
    assertEquals("heat", canvas.getAttribute("data-mode"));
    int[] heat = pixel(canvas, 8, 8);
    assertFalse(java.util.Arrays.equals(overlay, heat), "the toggle redraws the tile");
    WebElement legend = driver.findElement(By.id("legend"));
    assertEquals(List.of(0, 0, 77), java.util.Arrays.stream(pixel(legend, 0, 5)).boxed().toList(), "seismic's dark blue end");
    driver.findElement(By.id("overlay-toggle")).click();
    assertEquals("overlay", canvas.getAttribute("data-mode"));

    // the charts have drawn a line (non-white pixels right of the axis)
    for (String chart : List.of("chart-throughput", "chart-latency")) {
      waitFor(chart + " line", d -> ((Number) js("const c = document.getElementById(arguments[0]);"
          + "const d = c.getContext('2d').getImageData(40, 0, c.width - 40, c.height - 13).data; let n = 0;"
          + "for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i+1] < 200) n++; return n;", chart)).intValue() > 10);
    }

    // monitoring view
    driver.findElement(By.id("tab-monitoring")).click();
    WebElement key = waitFor("monitoring keys", d -> d.findElements(By.cssSelector("#mon-keys .mon-key")).stream()
        .findFirst().orElse(null));
    assertEquals(2, driver.findElements(By.cssSelector("#mon-keys .mon-key")).size());
    assertEquals("true", key.getAttribute("data-alerting"));
    assertTrue(key.getText().contains("drift 0.620 / 0.050 · ALERT"), key.getText());
    WebElement ref = key.findElement(By.cssSelector("canvas.reference"));
    WebElement cur = key.findElement(By.cssSelector("canvas.current"));
    // reference relevance in the middle, current in the corner: dark red where the map is largest, white elsewhere
    assertTrue(pixel(ref, 3, 3)[0] > 100 && pixel(ref, 3, 3)[1] < 30, "reference hot spot");
    assertTrue(pixel(ref, 7, 7)[1] > 240, "reference corner is white: " + java.util.Arrays.toString(pixel(ref, 7, 7)));
    assertTrue(pixel(cur, 7, 7)[0] > 100 && pixel(cur, 7, 7)[1] < 30, "current corner is hot");
    WebElement alert = driver.findElement(By.cssSelector("#mon-alerts li.alert"));
    assertEquals("drift", alert.getAttribute("data-kind"));
    assertTrue(alert.getText().contains("1 - cosine 0.6200"), alert.getText());
    assertEquals("1", driver.findElement(By.id("tab-alerts")).getText());
    WebElement cross = driver.findElement(By.cssSelector("#mon-cross tbody tr"));
    assertEquals("true", cross.getAttribute("data-ok"));
    assertTrue(cross.getText().contains("0.99998"), cross.getText());
    assertNoHorizontalOverflow("monitoring view");
    Path target = Path.of("target");
    Files.createDirectories(target);
    File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Files.copy(png.toPath(), target.resolve("dashboard-monitoring.png"), StandardCopyOption.REPLACE_EXISTING);
    driver.findElement(By.id("tab-live")).click();
    png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Files.copy(png.toPath(), target.resolve("dashboard-1280.png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
