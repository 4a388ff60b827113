package org.cnemu.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ModelMetric;
import org.junit.jupiter.api.Test;

/**
 * summary.json's figures of a metric the kernel model describes: a percentile with its samples (and none where
 * they cannot resolve it), an interval and a ratio's interval within the values the metric can take.
 */
class SummariesTest {
  /** A kernel-model results document: one request-response flow of {@code transactions}, one core {@code busy} %. */
  /** A run whose flow's latency percentiles were taken from {@code samples} transactions (one more counted). */
  private static Map<String, Object> run(long samples, double busy, double retransmits) {
    return Map.of("complete", true, "config", Map.of("model", "kernel"),
        "flows", List.of(Map.of("id", "rr", "dst", "h2/c1", "throughput_gbps", 1.0, "retransmits", retransmits,
            "transactions", samples + 1, "latency_us", Map.of("p50", 10.0, "p99", 20.0, "p999", 20.0),
            "latency_samples", samples)),
        "cores", List.of(Map.of("host", "h2", "core", 0, "idle", 100 - busy)));
  }

  private static Summaries.Values values(List<Map<String, Object>> docs) {
    List<PlanRunner.JobOutcome> runs = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      runs.add(new PlanRunner.JobOutcome(new Plan.Job(i, 0, 0, i, i, null), null, true, null, docs.get(i), null));
    }
    return Summaries.values(runs);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> stat(Map<String, Object> stats, String metric) {
    return (Map<String, Object>) stats.get(metric);
  }

  /**
   * 274 samples resolve p99 (>= 100) but not p999 (>= 1,000): p999 of 274 is their largest sample, which the
   * summary gave as a mean equal to p99's. It is null now, with the samples it had and needed.
   */
  @Test
  void aPercentileItsSamplesCannotResolveHasNoMean() {
    Map<String, Object> stats = Summaries.stats(values(List.of(run(274, 50, 0), run(300, 50, 0))));
    Map<String, Object> p999 = stat(stats, "worst_flow.latency_p999_us");
    assertNull(p999.get("mean"), p999::toString);
    assertNull(p999.get("ci95_low"), p999::toString);
    assertEquals(274L, p999.get("samples"), "the fewest of a run's");
    assertEquals(1000L, p999.get("samples_to_resolve"));
    assertEquals(2, p999.get("n"));
    Map<String, Object> p99 = stat(stats, "worst_flow.latency_p99_us");
    assertEquals(20.0, p99.get("mean"));
    assertEquals(274L, p99.get("samples"));
    assertFalse(p99.containsKey("samples_to_resolve"));
    assertFalse(stat(stats, "total.throughput_gbps").containsKey("samples"), "not a percentile");
    // the bound is exact: n (1 - q) < 1 makes the rank ceil(q n) the largest, n
    assertEquals(100, ModelMetric.samplesToResolve(0.99));
    assertEquals(1000, ModelMetric.samplesToResolve(0.999));
    assertEquals(2, ModelMetric.samplesToResolve(0.5));
    assertNull(stat(Summaries.stats(values(List.of(run(999, 50, 0)))), "flow[rr].latency_p999_us").get("mean"));
    assertEquals(20.0, stat(Summaries.stats(values(List.of(run(1000, 50, 0)))), "flow[rr].latency_p999_us").get("mean"));
  }

  /** Busy shares of 99, 99.5 and 96 %: Student's t reaches past 100 %; the interval stops at 100. */
  @Test
  void anIntervalStaysWithinTheMetricsRange() {
    List<Double> busy = List.of(99.0, 99.5, 96.0);
    assertTrue((Double) Stats.summarize(busy).get("ci95_high") > 100, "the unclipped interval passes the bound");
    Map<String, Object> stats = Summaries.stats(values(busy.stream().map(b -> run(5000, b, 0)).toList()));
    Map<String, Object> s = stat(stats, "busiest_core.busy_pct");
    assertEquals(100.0, s.get("ci95_high"), s::toString);
    assertEquals(Stats.summarize(busy).get("ci95_low"), s.get("ci95_low"), "the other end as Student's t gives it");
    assertEquals(Stats.summarize(busy).get("mean"), s.get("mean"));
  }

  /** Per-run ratios 0, 0 and 3 of a count: the interval of their mean reached below 0; a ratio of counts cannot. */
  @Test
  void aRatiosIntervalOfNonNegativeMetricsStaysAtOrAboveZero() {
    Summaries.Values base = values(List.of(run(5000, 50, 10), run(5000, 50, 10), run(5000, 50, 10)));
    Summaries.Values arm = values(List.of(run(5000, 50, 0), run(5000, 50, 0), run(5000, 50, 30)));
    assertTrue((Double) Stats.pairedRatio(List.of(10.0, 10.0, 10.0), List.of(0.0, 0.0, 30.0)).get("ci95_low") < 0);
    @SuppressWarnings("unchecked")
    Map<String, Object> r = (Map<String, Object>) Summaries.ratios(base, arm).get("total.retransmits");
    assertEquals(0.0, r.get("ci95_low"), r::toString);
    assertEquals(1.0, (Double) r.get("ratio"), 1e-12);
    // a percentile that either arm cannot resolve has no ratio
    Summaries.Values few = values(List.of(run(274, 50, 10), run(274, 50, 10), run(274, 50, 10)));
    @SuppressWarnings("unchecked")
    Map<String, Object> p999 = (Map<String, Object>) Summaries.ratios(base, few).get("worst_flow.latency_p999_us");
    assertNull(p999.get("ratio"), p999::toString);
    assertEquals(274L, p999.get("samples"));
  }
}
