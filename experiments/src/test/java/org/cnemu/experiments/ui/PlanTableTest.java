package org.cnemu.experiments.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnemu.experiments.config.ExperimentSpec;
import org.cnemu.experiments.run.Plan;
import org.cnemu.experiments.run.PlanRunner;
import org.junit.jupiter.api.Test;

/** The terminal's end table of a comparison. */
class PlanTableTest {
  /**
   * A kernel-model run: flow {@code lat} paced (its throughput cannot move) with a one-way latency measured at h1,
   * and flow {@code rr} a request-response flow with a round trip.
   */
  private static Map<String, Object> run(double oneWayP50Ns, double busy) {
    return Map.of("complete", true, "config", Map.of("model", "kernel"),
        "flows", List.of(Map.of("id", "lat", "dst", "h1/c1", "throughput_gbps", 0.5),
            Map.of("id", "rr", "dst", "h1/c2", "throughput_gbps", 0.1, "transactions", 1001,
                "latency_us", Map.of("p50", 30.0, "p99", 40.0, "p999", 50.0), "latency_samples", 1000)),
        "hosts", List.of(Map.of("id", "h1", "steering", Map.of("owd_count.lat", 1000,
            "owd_p50_ns.lat", oneWayP50Ns, "owd_p99_ns.lat", 2 * oneWayP50Ns, "owd_p999_ns.lat", 3 * oneWayP50Ns))),
        "cores", List.of(Map.of("host", "h1", "core", 0, "idle", 100 - busy)));
  }

  private static PlanRunner.GroupOutcome comparison(List<Map<String, Object>> base, List<Map<String, Object>> arm) {
    List<Plan.Point> points = new ArrayList<>();
    List<List<Map<String, Object>>> docs = List.of(base, arm);
    for (int i = 0; i < 2; i++) {
      ExperimentSpec.Point spec = new ExperimentSpec.Point(i, Map.of("steering", i == 0 ? "vanilla" : "freeflow"), 0,
          null, null, null);
      points.add(new Plan.Point(i, Plan.pointDir(i, 2), null, spec, List.of()));
    }
    Plan.Group g = new Plan.Group(0, "freeflow-latency.conf", null, ".", Plan.Kind.SWEEP, List.of("steering"),
        "steering", null, null, null, null, points, List.of());
    List<PlanRunner.PointOutcome> outcomes = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      List<PlanRunner.JobOutcome> runs = new ArrayList<>();
      for (int r = 0; r < docs.get(i).size(); r++) {
        runs.add(new PlanRunner.JobOutcome(new Plan.Job(r, 0, i, r, r, null), null, true, null, docs.get(i).get(r), null));
      }
      outcomes.add(new PlanRunner.PointOutcome(g, points.get(i), runs, null));
    }
    return new PlanRunner.GroupOutcome(g, outcomes, null, 0);
  }

  /**
   * freeflow-latency compares flow[lat]'s one-way p50 (22x lower with shared memory), which the kernel model does
   * not call a headline metric: the table showed throughput and busy shares only, equal in both arms. The flows'
   * latency p50/p99 are rows now: one-way for a flow that reports only that, round trip for a request-response flow.
   */
  @Test
  void aComparisonShowsTheFlowsLatency() {
    String t = PlanTable.render(comparison(List.of(run(10_000, 50), run(10_400, 50)),
        List.of(run(450, 50), run(470, 50))));
    List<String> lines = t.lines().toList();
    String p50 = lines.stream().filter(l -> l.contains("flow[lat].one_way_p50_us") && !l.contains("baseline")).findFirst().orElseThrow(() -> new AssertionError(t));
    assertTrue(p50.contains("0.045"), "the arm's ratio to vanilla, 460 / 10,200: " + p50 + "\n" + t);
    assertTrue(t.contains("flow[lat].one_way_p99_us"), t);
    assertTrue(t.contains("flow[rr].latency_p50_us") && t.contains("flow[rr].latency_p99_us"), "a round trip: " + t);
    assertFalse(t.contains("flow[rr].one_way") || t.contains("flow[lat].one_way_p999_us"), "p50 and p99 only, one kind per flow: " + t);
    assertTrue(t.contains("total.throughput_gbps"), "the headline metrics stay: " + t);
    assertEquals(List.of("flow[lat].one_way_p50_us", "flow[lat].one_way_p99_us", "flow[rr].latency_p50_us",
        "flow[rr].latency_p99_us"), org.cnemu.experiments.report.Metrics.flowLatencies(List.of("flow[lat].one_way_p50_us",
        "flow[lat].one_way_p99_us", "flow[lat].one_way_p999_us", "flow[rr].one_way_p50_us", "flow[rr].latency_p50_us",
        "flow[rr].latency_p99_us", "flow[rr].connection_latency_p50_us", "total.throughput_gbps")));
  }
}
