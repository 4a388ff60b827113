package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ModelMetric;
import org.junit.jupiter.api.Test;

/**
 * The samples a percentile metric is marked by are those its percentiles were computed from, as results.json
 * carries them beside each latency group: a flow's {@code latency_samples} (not its {@code transactions}),
 * {@code connection_latency_samples}, and the receiver's {@code owd_count.<flow>} for one-way latency.
 */
class PercentileSamplesTest {
  @SuppressWarnings("unchecked")
  private static Map<String, Object> flow(Map<String, Object> r) {
    return ((List<Map<String, Object>>) r.get("flows")).get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> steering(Map<String, Object> r, String host) {
    for (Map<String, Object> h : (List<Map<String, Object>>) r.get("hosts")) {
      if (h.get("id").equals(host)) return (Map<String, Object>) h.get("steering");
    }
    throw new AssertionError("no host " + host);
  }

  private static long num(Map<String, Object> m, String key) {
    return ((Number) m.get(key)).longValue();
  }

  private static ModelMetric metric(Map<String, Object> r, String name) {
    for (ModelMetric m : new KernelModelProvider().metrics(r)) if (m.name().equals(name)) return m;
    throw new AssertionError("no metric " + name);
  }

  private static String pair(String body) {
    return "topology { stack = native, host-count = 2, link { delay = 5us } }, workloads = [ { id = c, "
        + "src = h1, dst = h2, start-jitter = 0us, " + body + " } ]";
  }

  /**
   * A closed loop with no think time always has a request in flight: the one at the warm-up's end is counted when
   * its response is read but gives no latency sample, so the flow has exactly one transaction more than samples,
   * and its percentiles (and the worst flow's) carry the samples.
   */
  @Test
  void aClosedLoopAcrossTheWarmUpHasOneTransactionMoreThanLatencySamples() {
    Map<String, Object> r = Calib.results(Calib.experiment("duration = 3ms, "
        + pair("kind = request-response, get-ratio = 1.0, think-time = 0us")));
    Map<String, Object> f = flow(r);
    long transactions = num(f, "transactions");
    long samples = num(f, "latency_samples");
    assertTrue(samples > 0, "samples: " + f);
    assertEquals(transactions - 1, samples, "one request in flight at the warm-up's end: " + f);
    for (String p : List.of("p50", "p99", "p999")) {
      assertEquals(samples, metric(r, "flow[c].latency_" + p + "_us").samples(), p);
      assertEquals(samples, metric(r, "worst_flow.latency_" + p + "_us").samples(), p);
    }
  }

  /** Connection churn: connection latency's percentiles carry the connections they were taken from. */
  @Test
  void connectionLatencyPercentilesCarryTheirSamples() {
    Map<String, Object> r = Calib.results(Calib.experiment("duration = 6ms, "
        + pair("kind = request-response, get-ratio = 1.0, connection = per-request, think-time = 200us")));
    Map<String, Object> f = flow(r);
    long samples = num(f, "connection_latency_samples");
    assertTrue(samples > 0 && samples <= num(f, "connections"), "samples: " + f);
    assertEquals(samples, metric(r, "flow[c].connection_latency_p50_us").samples());
    assertEquals(samples, metric(r, "flow[c].connection_latency_p99_us").samples());
    assertFalse(metric(r, "flow[c].connection_latency_p99_us").resolved(), "p99 of " + samples + " connections");
  }

  /** One-way latency of a few hundred reads: p99.9 is their largest, marked unresolved with its exact count. */
  @Test
  void aOneWayP999OfAFewHundredSamplesIsUnresolved() {
    Map<String, Object> r = Calib.results(Calib.experiment("duration = 26ms, "
        + pair("kind = ping-pong, think-time = 0us")));
    long samples = num(steering(r, "h2"), "owd_count.c");
    assertTrue(samples >= 100 && samples < 1000, "a few hundred samples: " + samples);
    ModelMetric p999 = metric(r, "flow[c].one_way_p999_us");
    assertEquals(samples, p999.samples());
    assertFalse(p999.resolved(), "p99.9 of " + samples);
    assertTrue(metric(r, "flow[c].one_way_p99_us").resolved(), "p99 of " + samples);
    assertEquals("p99.9 one-way latency of flow c", new KernelModelProvider().metricWords("flow[c].one_way_p999_us"));
  }
}
