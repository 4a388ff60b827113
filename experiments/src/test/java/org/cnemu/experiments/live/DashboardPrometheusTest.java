package org.cnemu.experiments.live;

import org.cnemu.experiments.cluster.TestPorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;
import org.cnemu.experiments.Cli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard against a real Prometheus server (Debian's {@code prometheus}) scraping a live
 * run: every PromQL expression of every panel returns data, and the final values equal results.json.
 * Scrapes every second (Kamon's tick is 250 ms through the experiment file's {@code kamon} block, so
 * every scrape is fresh); one partition leaves a core to the endpoint, whose scrapes take up to 0.7 s
 * on a loaded 2-core machine; 3 s of virtual time last 4-5 s of wall time even after the JIT warmed up. Skipped when the binary is absent, unless {@code CNEMU_REQUIRE_PROMETHEUS=1} (CI sets it).
 */
class DashboardPrometheusTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DASHBOARD = Path.of("../docs/dashboards/cnemu.json");
  private Process runJvm; // the run's own JVM, killed with Prometheus if the test fails early
  private static final long DURATION_NANOS = 16_000_000_000L;

  @TempDir
  Path tmp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static Path prometheusBinary() {
    String override = System.getenv("CNEMU_PROMETHEUS");
    if (override != null && !override.isBlank()) return Path.of(override);
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, "prometheus");
      if (Files.isExecutable(p)) return p;
    }
    return null;
  }


  @Test
  void everyPanelReturnsDataAndTheFinalValuesMatchResults() throws Exception {
    Path binary = prometheusBinary();
    if (binary == null) {
      if ("1".equals(System.getenv("CNEMU_REQUIRE_PROMETHEUS"))) {
        fail("CNEMU_REQUIRE_PROMETHEUS=1 but no prometheus binary on PATH (apt-get install prometheus)");
      }
      Assumptions.abort("no prometheus binary on PATH: dashboard test skipped (apt-get install prometheus; "
          + "CI sets CNEMU_REQUIRE_PROMETHEUS=1 so that it runs there)");
    }
    int cnemuPort = TestPorts.free();
    int promPort = TestPorts.free();
    Files.writeString(tmp.resolve("prometheus.yml"), """
        global:
          scrape_interval: 2s
          scrape_timeout: 2s
          evaluation_interval: 2s
        scrape_configs:
          - job_name: cnemu
            static_configs:
              - targets: ["127.0.0.1:%d"]
        """.formatted(cnemuPort));
    Process prom = new ProcessBuilder(binary.toString(), "--config.file=" + tmp.resolve("prometheus.yml"),
        "--storage.tsdb.path=" + tmp.resolve("data"), "--web.listen-address=127.0.0.1:" + promPort, "--log.level=warn")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
    Thread killer = new Thread(prom::destroyForcibly);
    Runtime.getRuntime().addShutdownHook(killer);
    try {
      runAndCheck(promPort, cnemuPort, prom);
    } finally {
      if (runJvm != null) runJvm.destroyForcibly();
      prom.destroy();
      if (!prom.waitFor(10, TimeUnit.SECONDS)) prom.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      Runtime.getRuntime().removeShutdownHook(killer);
    }
  }

  private void runAndCheck(int promPort, int cnemuPort, Process prom) throws Exception {
    String api = "http://127.0.0.1:" + promPort;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!ready(api)) {
      assertTrue(prom.isAlive(), () -> "prometheus exited: " + log());
      assertTrue(System.nanoTime() < deadline, () -> "prometheus not ready after 30 s: " + log());
      Thread.sleep(200);
    }
    // an overlay star of 3 hosts: request-response (latency histogram) between h1 and h3 beside two bulk
    // flows into h2 through a shallow switch queue (drops), long enough for several scrapes. The
    // request-response pair stays off h2's congested port: a lost lone segment costs Linux's TCP a loss
    // probe of at least 200 ms, which would leave it a throughput below results.json's resolution.
    Path file = tmp.resolve("live.conf");
    Files.writeString(file, """
        kamon.metric.tick-interval = 250ms
        # a lighter endpoint: JVM and process series are not on the dashboard
        kamon.modules { jvm-metrics.enabled = no, process-metrics.enabled = no }
        experiment {
          name = "live-dashboard"
          seed = 7
          duration = %dns
          warmup = 0ms
          model = "kernel"
          profile = "hotcloud19"
          steering = "vanilla"
          engine.partitions = 1
          topology {
            stack = "docker-overlay", host-count = 3, link { delay = 5us, queue = 48KiB }
            hosts { h1 { containers = [c1, c2] }, h2 { containers = [c1, c2, c3] } }
          }
          workloads = [
            { id = "rr", kind = "request-response", src = "h1/c1", dst = "h3/c1", streams = 2,
              key-size = 32B, value-size = 1KB, think-time = 10us }
            { id = "bulk-a", protocol = "tcp", src = "h1/c2", dst = "h2/c2" }
            { id = "bulk-b", protocol = "tcp", src = "h3/c1", dst = "h2/c3" }
          ]
        }
        """.formatted(DURATION_NANOS));
    Path out = tmp.resolve("out");
    // the run in its own JVM, as a user starts it: a warm test JVM (Kamon already started and stopped by
    // another test) would neither time nor report the run as bin/cnemu does
    Path runLog = tmp.resolve("run.log");
    runJvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Cli.class.getName(), "run", file.toString(), "--out",
        out.toString(), "--quiet", "--no-report", "--prometheus", Integer.toString(cnemuPort))
        .redirectErrorStream(true).redirectOutput(runLog.toFile()).start();
    Supplier<String> err = () -> {
      try {
        return Files.readString(runLog);
      } catch (IOException e) {
        return e.toString();
      }
    };
    CompletableFuture<Integer> run = runJvm.onExit().thenApply(Process::exitValue);

    // The final values are published at the run's end and served from the next Kamon tick; the endpoint
    // lingers after the run. Wait until Prometheus has them, then evaluate everything at that instant.
    double at = Double.NaN;
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      JsonNode r = query(api, "cnemu_engine_virtual_time_seconds{experiment=\"live-dashboard\"}", Double.NaN);
      if (r.size() > 0 && Math.abs(value(r.get(0)) - DURATION_NANOS / 1e9) < 1e-9) {
        at = r.get(0).get("value").get(0).asDouble();
        break;
      }
      if (run.isDone()) {
        if (run.get() != 0) fail("run failed: " + err.get());
        // the endpoint lingered and is gone: a last look, then give up
        deadline = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(3));
      }
      Thread.sleep(250);
    }
    assertFalse(Double.isNaN(at), () -> "Prometheus never scraped the run's final virtual time; log: " + log());
    assertEquals(0, run.get(60, TimeUnit.SECONDS), err);
    JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
    assertTrue(results.get("complete").asBoolean());

    // every expression of every panel and every variable returns data
    JsonNode dash = JSON.readTree(DASHBOARD.toFile());
    List<String> exprs = new ArrayList<>();
    collectExprs(dash.get("panels"), exprs);
    assertTrue(exprs.size() >= 20, "panels' expressions found: " + exprs.size());
    List<String> empty = new ArrayList<>();
    for (String e : exprs) {
      // Grafana's $__rate_interval (4 s at a 1 s scrape interval) widened to 30 s: a warm JVM runs the
      // experiment in 2-3 s of wall time, so a 4 s window may hold fewer than two scrapes of the run
      String q = e.replace("$__rate_interval", "30s").replaceAll("\\$(experiment|run|policy|host|flow)\\b", ".*");
      JsonNode r = get(api + "/api/v1/query_range?query=" + enc(q) + "&start=" + (at - 120) + "&end=" + at + "&step=1");
      assertEquals("success", r.path("status").asText(), () -> q + ": " + r);
      boolean finite = false;
      for (JsonNode s : r.get("data").get("result")) {
        for (JsonNode p : s.get("values")) finite |= Double.isFinite(number(p.get(1).asText()));
      }
      if (!finite) empty.add(e);
    }
    assertTrue(empty.isEmpty(), () -> "panels without data at the run's end:\n" + String.join("\n", empty));
    for (JsonNode v : dash.get("templating").get("list")) {
      if (!v.has("definition")) continue;
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("label_values\\((.+), *(\\w+)\\)")
          .matcher(v.get("definition").asText());
      assertTrue(m.matches(), v.toString());
      String series = m.group(1).replaceAll("\\$\\w+", ".*");
      JsonNode values = get(api + "/api/v1/label/" + m.group(2) + "/values?match[]=" + enc(series)).get("data");
      assertTrue(values.size() > 0, "variable " + v.get("name") + " has no values");
    }

    // the final values are results.json's (the counters are exact; 5 % leaves room for rounding)
    Map<String, Double> bytesByFlow = byLabel(query(api, "cnemu_flow_bytes_total", at), "flow");
    for (JsonNode f : results.get("flows")) {
      double gbps = 8 * bytesByFlow.getOrDefault(f.get("id").asText(), 0.0) / (DURATION_NANOS / 1e9) / 1e9;
      // results.json gives Gbps to 3 decimals: a starved flow's 0.004 is anything in [0.0035, 0.0045)
      near(f.get("throughput_gbps").asDouble(), gbps, 0.05, 0.0005, "throughput of " + f.get("id"));
    }
    Map<String, Double> irqs = byLabel(query(api, "cnemu_irqs_total", at), "host");
    Map<String, Double> rx = byLabel(query(api, "cnemu_softirqs_total{kind=\"NET_RX\"}", at), "host");
    for (JsonNode h : results.get("hosts")) {
      String id = h.get("id").asText();
      near(h.get("irqs").asDouble(), irqs.getOrDefault(id, -1.0), 0.05, "IRQs of " + id);
      near(h.get("softirqs").get("NET_RX").asDouble(), rx.getOrDefault(id, -1.0), 0.05, "NET_RX of " + id);
    }
    assertTrue(results.get("drops").size() > 0, "the shallow switch queue must drop: " + results.get("drops"));
    Map<String, Double> drops = byLabel(query(api, "cnemu_drops_total", at), "place");
    for (JsonNode d : results.get("drops")) {
      near(d.get("packets").asDouble(), drops.getOrDefault(d.get("place").asText(), -1.0), 0.05,
          "drops at " + d.get("place"));
    }
    // the latency buckets resolve the percentiles within 10 % (from 1 us up; p99.9 here is milliseconds)
    for (String[] pq : new String[][] {{"p50", "0.5"}, {"p99", "0.99"}, {"p999", "0.999"}}) {
      Map<String, Double> q = byLabel(query(api, "histogram_quantile(" + pq[1]
          + ", sum by (le, flow) (cnemu_flow_latency_seconds_bucket))", at), "flow");
      for (JsonNode f : results.get("flows")) {
        if (!f.has("latency_us")) continue;
        near(f.get("latency_us").get(pq[0]).asDouble(), q.getOrDefault(f.get("id").asText(), -1.0) * 1e6, 0.10,
            pq[0] + " latency of " + f.get("id"));
      }
    }
    // no spikes: the engine's rates come from counters, so no 5 s window is far above the run's mean
    // events per wall second (the old gauge, divided by the gap between two queued progress reports,
    // showed 10-1000x for one scrape)
    JsonNode rates = get(api + "/api/v1/query_range?query="
        + enc("rate(cnemu_engine_events_total{experiment=\"live-dashboard\"}[5s])") + "&start=" + (at - 120) + "&end="
        + at + "&step=1").get("data").get("result");
    List<Double> vs = new ArrayList<>();
    for (JsonNode s : rates) for (JsonNode p : s.get("values")) vs.add(p.get(1).asDouble());
    vs.removeIf(x -> !(x > 0));
    assertFalse(vs.isEmpty(), "no events rate while the run went on");
    double meanRate = results.get("engine").get("events").asDouble() / results.get("wall").get("seconds").asDouble();
    for (double v : vs) assertTrue(v < 10 * meanRate, "events/s spike: " + vs + " (run mean " + meanRate + ")");
  }

  private static void near(double expected, double actual, double rel, String what) {
    near(expected, actual, rel, 1e-9, what);
  }

  /** Within {@code rel} of results.json's value, plus {@code rounding}: half the last digit it prints. */
  private static void near(double expected, double actual, double rel, double rounding, String what) {
    assertTrue(Math.abs(actual - expected) <= rel * Math.abs(expected) + rounding,
        what + ": results.json " + expected + ", Prometheus " + actual);
  }

  private static Map<String, Double> byLabel(JsonNode result, String label) {
    Map<String, Double> m = new HashMap<>();
    for (JsonNode s : result) m.merge(s.get("metric").path(label).asText(), value(s), Double::sum);
    return m;
  }

  private static double value(JsonNode sample) {
    return number(sample.get("value").get(1).asText());
  }

  private static double number(String v) {
    return switch (v) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(v);
    };
  }

  private static void collectExprs(JsonNode panels, List<String> into) {
    if (panels == null) return;
    for (JsonNode p : panels) {
      for (JsonNode t : p.path("targets")) {
        if (t.has("expr")) into.add(t.get("expr").asText());
      }
      collectExprs(p.get("panels"), into);
    }
  }

  private JsonNode query(String api, String promql, double at) throws Exception {
    JsonNode r = get(api + "/api/v1/query?query=" + enc(promql) + (Double.isNaN(at) ? "" : "&time=" + at));
    assertEquals("success", r.path("status").asText(), () -> promql + ": " + r);
    return r.get("data").get("result");
  }

  private JsonNode get(String url) throws Exception {
    HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(resp.body());
  }

  private boolean ready(String api) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(api + "/-/ready")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private String log() {
    try {
      return Files.readString(tmp.resolve("prometheus.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
