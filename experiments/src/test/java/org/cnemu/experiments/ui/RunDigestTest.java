package org.cnemu.experiments.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.cnemu.experiments.report.Metrics;
import org.junit.jupiter.api.Test;

/** The terminal summary's words for latency: which figure is one way, which a round trip, which half of one. */
class RunDigestTest {
  private static String digest(Map<String, Object> doc) {
    StringWriter s = new StringWriter();
    PrintWriter w = new PrintWriter(s);
    RunDigest.print(w, doc);
    w.flush();
    return s.toString();
  }

  private static Map<String, Object> journey(String flow, long p99) {
    return journey(flow, p99, 17);
  }

  private static Map<String, Object> journey(String flow, long p99, int packets) {
    return Map.of("flow", flow, "packets", packets, "e2e_p99_ns", p99, "stages",
        List.of(Map.of("stage", "app_read", "share", 0.37, "wait_p99_ns", 4200, "where", "h2/19")));
  }

  /**
   * A ping-pong connection: the journeys (send to read) are one way, 14.4us, while its latency_us is the round
   * trip, 31.1us, of which sockperf reports half. The line named the one-way p99 only "the highest p99", beside
   * the headline worst_flow.latency_p99_us of 31.1us.
   */
  @Test
  void theLatencyLineSaysOneWayAndGivesTheConnectionsRoundTrip() {
    Map<String, Object> doc = Map.of(
        "journeys", Map.of("flows", List.of(journey("ping", 14_391), journey("ping.resp", 14_500))),
        "flows", List.of(Map.of("id", "ping", "latency_us", Map.of("p50", 31.1, "p99", 31.1),
            "half_round_trip_us", Map.of("p50", 15.55, "p99", 15.55))));
    String line = digest(doc).lines().filter(l -> l.startsWith("where the latency goes")).findFirst().orElse("");
    assertEquals("where the latency goes: flow ping.resp has the slowest sampled packet, 14.5us from send to the receiver's"
        + " read (the largest of 17 sampled packets, too few for a p99: needs 100; its connection's round trip p99 is"
        + " 31.1us, half of it 15.6us as sockperf reports); 37% of the one-way time in app_read (queueing p99 4.20us, on"
        + " h2/19).", line);
    // an iperf flow has no round trip: the one-way figure alone
    String bulk = digest(Map.of("journeys", Map.of("flows", List.of(journey("f1", 61_951))),
        "flows", List.of(Map.of("id", "f1"))));
    assertTrue(bulk.contains("flow f1 has the slowest sampled packet, 62.0us from send to the receiver's read (the largest"
        + " of 17 sampled packets, too few for a p99: needs 100); "), bulk);
    // 100 journeys resolve a p99
    String many = digest(Map.of("journeys", Map.of("flows", List.of(journey("f1", 61_951, 100))),
        "flows", List.of(Map.of("id", "f1"))));
    assertTrue(many.contains("flow f1 has the highest one-way p99, 62.0us from send to the receiver's read (100 sampled"
        + " packets); "), many);
  }

  /**
   * A round trip of 85 samples: its p99 is their largest, which the tables show as "-"; the latency line quoted it
   * as "round trip p99 is 58.9us" beneath them.
   */
  @Test
  void theLatencyLineDoesNotCallTheLargestOfTooFewSamplesAP99() {
    Map<String, Object> doc = Map.of(
        "journeys", Map.of("flows", List.of(journey("crr", 35_700))),
        "flows", List.of(Map.of("id", "crr", "latency_us", Map.of("p50", 43.4, "p99", 58.9), "latency_samples", 85,
            "half_round_trip_us", Map.of("p50", 21.7, "p99", 29.45))));
    String line = digest(doc).lines().filter(l -> l.startsWith("where the latency goes")).findFirst().orElse("");
    assertTrue(line.contains("(the largest of 17 sampled packets, too few for a p99: needs 100; its connection's round"
        + " trip has 85 samples, too few for a p99"
        + " (needs 100): their largest is 58.9us); "), line);
    Map<String, Object> enough = Map.of("journeys", doc.get("journeys"), "flows", List.of(Map.of("id", "crr",
        "latency_us", Map.of("p99", 58.9), "latency_samples", 100)));
    assertTrue(digest(enough).contains("its connection's round trip p99 is 58.9us"), digest(enough));
  }

  /** A host whose app threads outnumber its cores (app_threads, present only then) is named with both counts. */
  @Test
  void aHostWithMoreAppThreadsThanCoresIsNamed() {
    List<Object> cores = new java.util.ArrayList<>();
    for (String h : List.of("h1", "h2")) {
      for (int core = 0; core < 2; core++) {
        cores.add(Map.of("host", h, "core", core, "usr", 0.0, "sys", 50.0, "irq", 0.0, "soft", 0.0, "idle", 50.0));
      }
    }
    String text = digest(Map.of("cores", cores, "hosts", List.of(Map.of("id", "h1", "app_threads", 3),
        Map.of("id", "h2"))));
    assertTrue(text.contains("1 host has more app threads than cores (h1 3 on 2): each thread stays on the core it was"
        + " placed on (src-cpu / dst-cpu, or round-robin from the highest), threads do not migrate, so cores run"
        + " several while others may idle."), text);
    assertTrue(!digest(Map.of("cores", cores, "hosts", List.of(Map.of("id", "h1")))).contains("app threads"));
    // several: in natural order (h2 before h10), the first three named
    List<Object> hosts = new java.util.ArrayList<>();
    for (String h : List.of("h1", "h10", "h11", "h2")) hosts.add(Map.of("id", h, "app_threads", 30));
    assertTrue(digest(Map.of("cores", cores, "hosts", hosts)).contains("4 hosts have more app threads than cores (h1 30"
        + " on 2, h2 30 on 2, h10 30 on 0, ...)"), digest(Map.of("cores", cores, "hosts", hosts)));
  }

  /** Equally busy cores in natural host order (h2 before h10), then by core; text order gave h1, h10, h100, h2. */
  @Test
  void busiestCoreTiesSortByHostInNaturalOrder() {
    List<Object> cores = new java.util.ArrayList<>();
    for (String h : List.of("h100", "h10", "h2", "h1")) {
      for (int core : List.of(3, 1)) {
        cores.add(Map.of("host", h, "core", core, "usr", 0.0, "sys", 0.0, "irq", 0.0, "soft", 50.0, "idle", 50.0));
      }
    }
    List<String> names = digest(Map.of("cores", cores)).lines().map(String::strip)
        .filter(l -> l.matches("h\\d+/\\d+ .*")).map(l -> l.substring(0, l.indexOf(' '))).toList();
    assertEquals(List.of("h1/1", "h1/3", "h2/1", "h2/3", "h10/1", "h10/3", "h100/1", "h100/3"), names);
    assertTrue(Format.NATURAL.compare("h01", "h1") != 0, "a total order: h01 and h1 differ");
    assertTrue(Format.NATURAL.compare("rack2-h9", "rack10-h1") < 0);
    assertTrue(Format.NATURAL.compare("h99999999999999999999", "h100000000000000000000") < 0, "numbers of any length");
  }

  @Test
  void tablesWithLatencyMetricsSayWhichIsARoundTrip() {
    assertEquals("note: latency_*: round trip, request sent to response read (sockperf prints half of it:"
        + " half_round_trip_us in results.json); one_way_*: one way, send to the receiver's read",
        RunDigest.latencyLegend(List.of("worst_flow.latency_p99_us", "flow[ping].one_way_p99_us")));
    assertNull(RunDigest.latencyLegend(List.of("total.throughput_gbps")));
    assertEquals("note: journey_e2e_* (sampled packets): one way, send to the receiver's read",
        RunDigest.latencyLegend(List.of("flow[w1].journey_e2e_p99_us")));
    // the reports' words say so too
    assertEquals("p99 round-trip latency of the slowest flow", Metrics.words("worst_flow.latency_p99_us"));
    assertEquals("p99 one-way latency of flow ping", Metrics.words("flow[ping].one_way_p99_us"));
  }
}
