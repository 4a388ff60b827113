package org.cnemu.experiments.live;

import org.cnemu.experiments.cluster.TestPorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.cnemu.experiments.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scrapes the real Prometheus endpoint while a run goes on and finds cnemu's series. */
class PrometheusEndpointTest {
  @TempDir
  Path tmp;

  /** Runs {@code file} with --prometheus and returns the first scrape, taken during the run, holding every name. */
  private String scrapeDuringRun(Path file, String... names) throws Exception {
    int port = TestPorts.free();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Cli.execute(new String[] {"run",
        file.toString(), "--out", tmp.resolve("out-" + port).toString(), "--quiet", "--no-report", "--prometheus",
        Integer.toString(port)}, new PrintWriter(out, true), new PrintWriter(err, true)));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build();
    String body = "";
    String seen = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline && !run.isDone() && seen == null) {
      try {
        body = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
        String b = body;
        if (java.util.Arrays.stream(names).allMatch(b::contains) && !run.isDone()) seen = body;
      } catch (java.io.IOException notYet) {
        // the endpoint starts with the run
      }
      Thread.sleep(200);
    }
    assertEquals(0, run.get(300, TimeUnit.SECONDS), err.toString());
    assertTrue(seen != null, "not all of " + java.util.List.of(names) + " scraped during the run; last body:\n" + body);
    return seen;
  }

  @Test
  void kernelModelSeriesAppearDuringARun() throws Exception {
    Path file = tmp.resolve("rr.conf");
    Files.writeString(file, "include required(file(\"" + Path.of("examples/rr-docker-overlay.conf").toAbsolutePath()
        + "\"))\nexperiment.duration = 1500ms\nexperiment.engine.partitions = 2\n");
    String body = scrapeDuringRun(file, "cnemu_core_busy_ratio{", "cnemu_flow_bytes_total{", "cnemu_irqs_total{",
        "cnemu_softirqs_total{", "cnemu_flow_latency_seconds_bucket{", "cnemu_engine_window_length_seconds");
    assertTrue(body.contains("category=\"soft\""), body);
    // base units, counters end in _total, and every series says what it is
    assertTrue(body.contains("# TYPE cnemu_flow_latency_seconds histogram"), body);
    assertTrue(body.contains("le=\"1.0E-6\""), "latency buckets start at 1 us:\n" + body);
    assertTrue(body.contains("# TYPE cnemu_engine_virtual_seconds_total counter"), body);
    for (String line : body.split("\n")) {
      if (line.startsWith("# TYPE cnemu_")) {
        String name = line.split(" ")[2];
        assertTrue(body.contains("# HELP " + name + " "), name + " has no HELP line");
        if (line.endsWith(" counter")) assertTrue(name.endsWith("_total"), name);
        assertTrue(!name.endsWith("_ns") && !name.contains("_ns_"), name + ": not a base unit");
      }
    }
    assertTrue(body.contains("experiment=\"rr-docker-overlay\""), body);
    // the model's tag: the steering policy the file selects
    assertTrue(body.contains("policy=\"vanilla\""), body);
  }

  @Test
  void liveSeriesAppearDuringARunOnLoopback() throws Exception {
    int port = TestPorts.free();
    Path file = tmp.resolve("long.conf");
    // Long enough (tens of seconds of wall time at most) to be scraped while it runs.
    Files.writeString(file, "include required(file(\"" + Path.of("engine", "phold.conf").toAbsolutePath()
        + "\"))\nexperiment.duration = 60ms\nexperiment.engine.partitions = 2\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Cli.execute(new String[] {"run",
        file.toString(), "--out", tmp.resolve("out").toString(), "--quiet", "--no-report", "--prometheus",
        Integer.toString(port)}, new PrintWriter(out, true), new PrintWriter(err, true)));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build();
    String body = "";
    boolean seenWhileRunning = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline && !run.isDone()) {
      try {
        body = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
        if (body.contains("cnemu_engine_virtual_time_seconds") && body.contains("cnemu_engine_events_total")) {
          seenWhileRunning = !run.isDone();
          break;
        }
      } catch (java.io.IOException notYet) {
        // the endpoint starts with the run
      }
      Thread.sleep(200);
    }
    assertEquals(0, run.get(180, TimeUnit.SECONDS), err.toString());
    assertTrue(seenWhileRunning, "no cnemu series scraped during the run; last body:\n" + body);
    assertTrue(body.contains("experiment=\"phold\""), "series carry the experiment tag:\n" + body);
    assertFalse(body.contains("policy="), "PHOLD has no steering policy to tag:\n" + body);
    assertTrue(body.contains("cnemu_engine_virtual_seconds_total"), body);
  }
}
