package io.signstream.stream.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.TopicNames;
import io.signstream.stream.Pipeline;
import io.signstream.stream.TestEvents;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.config.WorkerSettings;
import io.signstream.stream.demo.DemoReplayer;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.kafka.KafkaProps;
import io.signstream.stream.worker.ComputerFactory;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo's shift end to end on the embedded broker: both engines with 20 % cross-checks, the demo replayer
 * switching to the bright-patch inputs after {@value #SHIFT_S} s, 4-second windows. No drift alert before the
 * shift, a drift alert within two windows after it, in {@code GET /api/monitoring/alerts} with every named field;
 * the sampled pairs agree (r >= 0.999, no engine-disagreement alert); the gauges are on {@code /metrics}; and the
 * dashboard's monitoring view shows the alert in headless Chromium (screenshots in target/).
 */
class MonitoringEndToEndTest {

  private static final long SHIFT_S = 24;
  private static final long RUN_S = 44;
  private static final Duration WINDOW = Duration.ofSeconds(4);

  @Test
  void theDemosShiftRaisesADriftAlertWithinTwoWindowsAndTheEnginesAgree() throws Exception {
    MonitorSettings d = MonitorSettings.defaults();
    MonitorSettings settings = new MonitorSettings(WINDOW, Duration.ofSeconds(1), 2, d.topK(), d.driftThreshold(),
        d.minCount(), d.clearWindows(), 0.2, d.disagreementThreshold(), d.maxKeys(), d.maxMapElements(),
        d.maxPendingPairs());
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      StreamConfig config = StreamConfig.defaults(kafka.bootstrapServers(), TestEvents.modelsDir())
          .withTopics(new TopicNames("e2e."), "e2e.topology")
          .withTopicLayout(1, (short) 1)
          .withHttp("127.0.0.1", 0)
          .withWorker(WorkerSettings.defaults().withEngines(List.of("pytorch", "tensorflow"), 1));
      try (Pipeline pipeline = Pipeline.start(config, settings, ComputerFactory.engine(), null);
          DemoReplayer replayer = new DemoReplayer(KafkaProps.common(config), config.topics(), TestEvents.modelsDir(),
              pipeline.registry(), List.of(), 0)) {
        WebDriver browser = openBrowser(pipeline.dashboardUrl()); // watching from the start, as a person would
        try {
        replayer.shiftAt(Duration.ofSeconds(SHIFT_S));
        long runStart = System.currentTimeMillis();
        replayer.run(20, Duration.ofSeconds(RUN_S), () -> true);
        long shiftTime = runStart + SHIFT_S * 1000;
        String base = "http://127.0.0.1:" + pipeline.httpPort();
        HttpClient http = HttpClient.newHttpClient();

        // the last windows close once stream time passes their end plus grace: keep a trickle going
        long deadline = System.currentTimeMillis() + 30_000;
        JsonArray alerts = new JsonArray();
        while (System.currentTimeMillis() < deadline) {
          replayer.run(20, Duration.ofSeconds(1), () -> true);
          alerts = new JsonArray(get(http, base + "/api/monitoring/alerts"));
          if (alerts.stream().anyMatch(a -> "drift".equals(((JsonObject) a).getString("kind")))) {
            break;
          }
        }
        System.out.printf(Locale.ROOT, "end-to-end: %d requests (%d shifted), alerts: %s%n", replayer.sent(),
            replayer.shiftedSent(), alerts.encode());
        assertFalse(alerts.isEmpty(), "no alert after the shift");
        long firstDriftEnd = Long.MAX_VALUE;
        for (Object o : alerts) {
          JsonObject a = (JsonObject) o;
          assertTrue(a.fieldNames().containsAll(Set.of("kind", "model", "modelVersion", "method", "targetClass",
              "windowStart", "windowEnd", "score", "threshold", "reason")), a.encode());
          assertEquals("drift", a.getString("kind"), "the engines agree: " + a.encode());
          assertTrue(a.getLong("windowEnd") > shiftTime, "an alert before the shift: " + a.encode());
          assertTrue(a.getDouble("score") > a.getDouble("threshold"));
          firstDriftEnd = Math.min(firstDriftEnd, a.getLong("windowEnd"));
        }
        long delayWindows = (firstDriftEnd - shiftTime + WINDOW.toMillis() - 1) / WINDOW.toMillis();
        System.out.printf(Locale.ROOT, "end-to-end: first drift alert in the window ending %d ms after the shift (%d"
            + " window(s) of %d s)%n", firstDriftEnd - shiftTime, delayWindows, WINDOW.toSeconds());
        assertTrue(delayWindows <= 2, "first drift alert " + delayWindows + " windows after the shift");
        // newest first
        for (int i = 1; i < alerts.size(); i++) {
          assertTrue(alerts.getJsonObject(i - 1).getLong("windowEnd") >= alerts.getJsonObject(i).getLong("windowEnd"));
        }

        JsonObject monitoring = new JsonObject(get(http, base + "/api/monitoring"));
        long pairs = 0;
        for (Object o : monitoring.getJsonArray("keys")) {
          JsonObject k = (JsonObject) o;
          JsonObject c = k.getJsonObject("crossEngine");
          if (c != null) {
            pairs += c.getLong("pairs");
            assertTrue(c.getDouble("pearsonMin") >= 0.999, "engines disagree: " + c.encode());
          }
        }
        assertTrue(pairs > 0, "no cross-checked pair in the latest windows: " + monitoring.encode());
        String metrics = get(http, base + "/metrics");
        for (String gauge : List.of("signstream_monitor_drift_score", "signstream_monitor_alerts_total",
            "signstream_monitor_crossengine_r")) {
          assertTrue(metrics.contains(gauge), gauge + " missing from /metrics");
        }
        checkBrowser(browser);
        } finally {
          browser.quit();
        }
      }
    }
  }

  private static String get(HttpClient http, String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    return r.body();
  }

  private static WebDriver openBrowser(String url) throws Exception {
    Path chromium = Path.of("/usr/bin/chromium");
    Path chromedriver = Path.of("/usr/bin/chromedriver");
    assertTrue(Files.isExecutable(chromium) && Files.isExecutable(chromedriver), "Chromium is not installed");
    ChromeOptions o = new ChromeOptions();
    o.setBinary(chromium.toString());
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,1000",
        "--user-data-dir=" + Files.createTempDirectory("chrome-profile"));
    WebDriver driver = new ChromeDriver(new ChromeDriverService.Builder()
        .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build(), o);
    driver.get(url);
    new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> "connected".equals(d.findElement(By.id("status")).getText()));
    return driver;
  }

  private static void checkBrowser(WebDriver driver) throws Exception {
    {
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
      // the view redraws its lists as maps arrive: an element found in one poll may be gone when it is read
      wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
      wait.withMessage("a live comparison of both engines")
          .until(d -> !d.findElements(By.cssSelector("#comparisons .comparison")).isEmpty());
      Path target = Path.of("target");
      Files.createDirectories(target);
      File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.copy(png.toPath(), target.resolve("monitoring-e2e-live.png"), StandardCopyOption.REPLACE_EXISTING);
      driver.findElement(By.id("tab-monitoring")).click();
      wait.withMessage("the drift alert in the monitoring view")
          .until(d -> d.findElements(By.cssSelector("#mon-alerts li.alert")).stream()
              .anyMatch(e -> "drift".equals(e.getAttribute("data-kind"))));
      wait.withMessage("an alerting key").until(d -> !d.findElements(By.cssSelector(".mon-key[data-alerting='true']"))
          .isEmpty() || selectAlertingModel(d));
      png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.copy(png.toPath(), target.resolve("monitoring-e2e.png"), StandardCopyOption.REPLACE_EXISTING);
      long scroll = ((Number) ((org.openqa.selenium.JavascriptExecutor) driver)
          .executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")).longValue();
      assertTrue(scroll <= 0, "horizontal overflow of " + scroll + " px at 1,280 px");
    }
  }

  /** Picks, in the model selector, the model of the newest alert (the view shows one model at a time). */
  private static boolean selectAlertingModel(WebDriver d) {
    String text = d.findElement(By.cssSelector("#mon-alerts li.alert")).getText();
    for (org.openqa.selenium.WebElement option : d.findElements(By.cssSelector("#mon-model option"))) {
      if (text.contains(option.getAttribute("value") + ":")) {
        option.click();
        return false; // let the next poll of the condition see the redrawn keys
      }
    }
    return false;
  }
}
