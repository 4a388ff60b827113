package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ModelMetric;
import org.junit.jupiter.api.Test;

/** Journeys in comparisons: per flow its end-to-end mean and p99 and its largest stages' shares, with words. */
class JourneyMetricsTest {
  private static Map<String, Object> stage(String name, double share) {
    return Map.of("stage", name, "share", share);
  }

  private static Map<String, Double> byName(List<ModelMetric> l) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (ModelMetric x : l) m.put(x.name(), x.value());
    return m;
  }

  @Test
  void theLargestStagesOfEachFlowGiveItsShareMetricsTiesInPathOrder() {
    Map<String, Object> flow = Map.of("flow", "f1", "packets", 24, "e2e_mean_ns", 37012, "e2e_p99_ns", 61951,
        "stages", List.of(stage("socket_send", 0.05), stage("irq", 0.3), stage("napi_poll", 0.2), stage("gro", 0.2),
            stage("app_read", 0.25)));
    Map<String, Object> none = Map.of("flow", "f2", "packets", 0, "stages", List.of());
    Map<String, Double> m = byName(JourneyMetrics.of(Map.of("journeys", Map.of("flows", List.of(flow, none)))));
    Map<String, Double> want = new LinkedHashMap<>();
    want.put("flow[f1].journey_e2e_mean_us", 37.012);
    want.put("flow[f1].journey_e2e_p99_us", 61.951);
    want.put("flow[f1].journey_share_irq_pct", 30.0);
    want.put("flow[f1].journey_share_app_read_pct", 25.0);
    want.put("flow[f1].journey_share_napi_poll_pct", 20.0); // before gro: path order breaks the tie
    assertEquals(want.keySet().toString(), m.keySet().toString());
    want.forEach((k, v) -> assertEquals(v, m.get(k), 1e-9, k));
    assertTrue(JourneyMetrics.of(Map.of()).isEmpty(), "no journeys section, no metrics");
  }

  @Test
  void everyJourneyMetricHasWords() {
    assertEquals("mean end-to-end latency of flow lo-s1's sampled packets",
        new KernelModelProvider().metricWords("flow[lo-s1].journey_e2e_mean_us"));
    assertEquals("p99 end-to-end latency of flow hi's sampled packets",
        new KernelModelProvider().metricWords("flow[hi].journey_e2e_p99_us"));
    assertEquals("share of flow hi's end-to-end latency in napi poll",
        new KernelModelProvider().metricWords("flow[hi].journey_share_napi_poll_pct"));
    assertEquals(null, JourneyMetrics.words("flow[hi].latency_p99_us"));
  }

  /** A run's metrics, as summaries and comparisons read them, carry its flows' journeys. */
  @Test
  void theModelsMetricsCarryTheJourneys() {
    Config e = Calib.load("udp-1flow-native").getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("6ms")).withValue("warmup", ConfigValueFactory.fromAnyRef("2ms"))
        .withValue("journeys.sample-every", ConfigValueFactory.fromAnyRef(10));
    Map<String, Object> r = Calib.run(e, 1, 1).results();
    Map<String, Object> f = JourneyTest.list(JourneyTest.journeys(r).get("flows")).get(0);
    String id = (String) f.get("flow");
    Map<String, Double> m = byName(new KernelModelProvider().metrics(r));
    assertEquals(JourneyTest.num(f, "e2e_mean_ns") / 1000.0, m.get("flow[" + id + "].journey_e2e_mean_us"), 1e-9);
    assertEquals(JourneyTest.num(f, "e2e_p99_ns") / 1000.0, m.get("flow[" + id + "].journey_e2e_p99_us"), 1e-9);
    long shares = m.keySet().stream().filter(k -> k.startsWith("flow[" + id + "].journey_share_")).count();
    assertEquals(JourneyMetrics.TOP_STAGES, shares, m.keySet().toString());
  }
}
