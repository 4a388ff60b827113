package org.cnemu.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareTest {
  @TempDir Path tmp;

  @Test
  void runsGiveRatiosPerFlowHostAndTotals() throws IOException {
    Compare.Table t = Compare.compare(Fixtures.resource("run-a"), Fixtures.resource("run-b"));
    ratio(t, "flow[f1].throughput_gbps", 6.25, 12.5, 2.0);
    ratio(t, "flow[f2].throughput_gbps", 3.16, 3.16, 1.0);
    ratio(t, "flow[f2].latency_p50_us", 12, 6, 0.5);
    ratio(t, "flow[f2].latency_p99_us", 30, 15, 0.5);
    ratio(t, "total.throughput_gbps", 9.41, 15.66, 15.66 / 9.41);
    ratio(t, "host[h2].irqs", 1234, 2468, 2.0);
    ratio(t, "host[h2].softirq_net_rx", 3702, 1851, 0.5);
    ratio(t, "host[h1].cpu_busy_pct", 45, 45, 1.0);
    ratio(t, "host[h2].cpu_busy_pct", 60, 60, 1.0);
    ratio(t, "receivers.cpu_busy_pct", 60, 60, 1.0);
    ratio(t, "drops.total", 17, 0, 0.0);
    ratio(t, "engine.events", 123456, 246912, 2.0);
    Compare.Row onlyA = t.row("drops[netdev_max_backlog]");
    assertEquals(17.0, onlyA.a());
    assertNull(onlyA.b());
    assertNull(onlyA.ratio());
    assertEquals("total.throughput_gbps", t.rows().get(0).metric(), "A's order: the model's headline metrics first");

    String text = Compare.format(t);
    assertTrue(text.startsWith("A: "), text);
    List<String> lines = text.lines().toList();
    String header = lines.get(3);
    assertTrue(header.startsWith("metric ") && header.endsWith("B/A"), header);
    int width = header.length();
    assertTrue(lines.stream().skip(3).filter(l -> l.contains("throughput")).allMatch(l -> l.length() == width),
        "right-aligned ratio column:\n" + text);
    assertTrue(text.contains("flow[f1].throughput_gbps"));
    assertTrue(lines.stream().anyMatch(l -> l.matches("engine\\.events +events +123456 +246912 +2\\.000")), text);
    assertTrue(lines.stream().anyMatch(l -> l.matches("drops\\[netdev_max_backlog\\] +packets +17 +- +-")), text);
    // A and B as the run and sweep tables print them (4 significant digits), not to 3 decimals (0.077)
    assertTrue(lines.stream().anyMatch(l -> l.matches("receivers\\.busy_cores_per_gbps +cores/Gbps +0\\.1275 +0\\.07663"
        + " +0\\.601")), text);
  }

  /**
   * Each row carries its unit from the model's metric metadata (the same the summaries' metric_info holds), in a
   * column of the one table writer between the metric and its values.
   */
  @Test
  void everyRowHasItsUnitFromTheModelsMetadata() throws IOException {
    Compare.Table t = Compare.compare(Fixtures.resource("run-a"), Fixtures.resource("run-b"));
    assertEquals("Gbps", t.row("flow[f1].throughput_gbps").unit());
    assertEquals("us", t.row("flow[f2].latency_p99_us").unit());
    assertEquals("%", t.row("host[h2].cpu_busy_pct").unit());
    assertEquals("events", t.row("engine.events").unit());
    assertEquals("packets", t.row("drops[netdev_max_backlog]").unit(), "a row only A has: A's unit");
    String text = Compare.format(t);
    List<String> lines = text.lines().toList();
    assertTrue(lines.get(3).matches("metric +unit +A +B +B/A"), lines.get(3));
    assertTrue(lines.stream().anyMatch(l -> l.matches("flow\\[f1\\]\\.throughput_gbps +Gbps +6\\.250 +12\\.50 +2\\.000")), text);

    // a summary's units come from its metric_info
    Path a = Files.createDirectories(tmp.resolve("a"));
    Files.writeString(a.resolve("summary.json"), """
        {"experiment": "x", "kind": "repeat", "keys": [], "runs": 2, "complete": true,
         "points": [{"dir": ".", "values": {}, "runs": 2, "complete": true,
           "metrics": {"total.retransmits": {"mean": 4, "ci95_low": 3, "ci95_high": 5, "stddev": 0.4, "n": 2}}}],
         "metric_info": {"total.retransmits": {"unit": "segments", "better": "lower", "headline": true}}}
        """);
    Compare.Row r = Compare.compare(a, a).row("total.retransmits");
    assertEquals("segments", r.unit());
    assertEquals(4.0, r.a());
  }

  @Test
  void sweepsAreComparedPointByPointOnMeans() throws IOException {
    Compare.Table t = Compare.compare(Fixtures.resource("sweep-a"), Fixtures.resource("sweep-b"));
    ratio(t, "[nic.rate=10Gbps, policy.name=rss] total.throughput_gbps", 9.4, 18.8, 2.0);
    ratio(t, "[nic.rate=40Gbps, policy.name=rps] total.throughput_gbps", 20, 40, 2.0);
    ratio(t, "[nic.rate=10Gbps, policy.name=rss] drops.total", 0, 0, 1.0);
    ratio(t, "[nic.rate=25Gbps, policy.name=rss] drops.total", 17, 34, 2.0);
    assertEquals(6 * 5, t.rows().size());
    // summary.json given as a file works the same
    Compare.Table f = Compare.compare(Fixtures.resource("sweep-a").resolve("summary.json"), Fixtures.resource("sweep-b"));
    assertEquals(t.rows(), f.rows());
  }

  @Test
  void pholdRunsCompareEngineAndModelFigures() throws IOException {
    Compare.Table t = Compare.compare(Fixtures.resource("phold"), Fixtures.resource("phold"));
    ratio(t, "engine.events", 98765, 98765, 1.0);
    ratio(t, "phold.events", 98765, 98765, 1.0);
    assertNull(t.row("total.throughput_gbps"), "the PHOLD model has no flows");
  }

  @Test
  void missingFolderIsANoSuchFile() {
    assertThrows(NoSuchFileException.class, () -> Compare.compare(tmp, Fixtures.resource("run-a")));
  }

  @Test
  void metricsFromAnInMemoryDocument() throws IOException {
    // the model named by config.model computes them: the report layer knows no model's words
    Files.writeString(tmp.resolve("results.json"),
        "{\"config\": {\"model\": \"kernel\"}, \"flows\": [{\"id\": \"x\", \"throughput_gbps\": 1.5}]}");
    Map<String, Double> m = Metrics.ofDocument(Map.of("config", Map.of("model", "kernel"),
        "flows", List.of(Map.of("id", "x", "throughput_gbps", 1.5))));
    assertEquals(Map.of("flow[x].throughput_gbps", 1.5, "total.throughput_gbps", 1.5), m);
    assertEquals(Map.of(), Metrics.ofDocument(Map.of("flows", List.of(Map.of("id", "x", "throughput_gbps", 1.5)))),
        "no model, no model metrics");
    assertEquals(m, Metrics.of(Json.read(tmp.resolve("results.json"))));
  }

  private static void ratio(Compare.Table t, String metric, double a, double b, double ratio) {
    Compare.Row r = t.row(metric);
    assertTrue(r != null, "row " + metric + " in " + t.rows());
    assertEquals(a, r.a(), 1e-9, metric + " A");
    assertEquals(b, r.b(), 1e-9, metric + " B");
    assertEquals(ratio, r.ratio(), 1e-9, metric + " B/A");
  }

  /**
   * A percentile its samples cannot resolve shows "-", with the run table's note, as in every other table: the p999
   * of 150 one-way samples is their largest, and compare printed it and a ratio as if it were a p999.
   */
  @Test
  void aPercentileOfTooFewSamplesIsADash() throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode doc =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(Fixtures.resource("run-a").resolve("results.json").toFile());
    for (com.fasterxml.jackson.databind.JsonNode f : doc.get("flows")) {
      if (f.path("id").asText().equals("f2")) ((com.fasterxml.jackson.databind.node.ObjectNode) f).put("latency_samples", 150);
    }
    Path a = Files.createDirectories(tmp.resolve("few"));
    json.writeValue(a.resolve("results.json").toFile(), doc);
    Compare.Table t = Compare.compare(a, Fixtures.resource("run-b"));
    assertEquals(null, t.row("flow[f2].latency_p999_us").a(), "150 samples: no p999");
    assertEquals(null, t.row("flow[f2].latency_p999_us").ratio());
    assertTrue(t.row("flow[f2].latency_p99_us").a() != null, "150 samples resolve a p99");
    String text = Compare.format(t);
    assertTrue(text.lines().anyMatch(l -> l.matches("flow\\[f2\\]\\.latency_p999_us +us +- +\\S+ +-")), text);
    assertTrue(text.contains("note: -: a percentile from fewer samples than it needs"), text);
    assertFalse(Compare.format(Compare.compare(Fixtures.resource("run-a"), Fixtures.resource("run-b"))).contains("note:"),
        "no samples given: every percentile stands");
  }
}
