package org.cnemu.experiments.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.cnemu.emulator.model.ModelMetric;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.report.Metrics;

/**
 * summary.json of a point (over its repetitions) and of a sweep or comparison (over its points): per
 * metric the mean and 95% interval (Student's t) over the complete runs, and for a comparison each arm's
 * ratio to its baseline arm, paired by seed, with its interval. Metric names, units and directions come
 * from the model ({@link Metrics#described}); nothing here knows what a metric means. Only outcomes
 * enter, in plan order, never the wall clock: the same plan gives the same bytes however it was run.
 */
public final class Summaries {
  private Summaries() {}

  /**
   * Per metric, the values of each run by run index (null where the run failed or lacks it), and for a
   * percentile the samples of each run's (-1 where unknown).
   */
  record Values(Map<String, ModelMetric> info, Map<String, Double[]> byRun, Map<String, long[]> samplesByRun) {
    /** The fewest samples of a percentile over the runs that have it; -1 when unknown or not a percentile. */
    long fewestSamples(String metric) {
      long[] s = samplesByRun.get(metric);
      Double[] values = byRun.get(metric);
      long fewest = -1;
      for (int i = 0; s != null && i < s.length; i++) {
        if (values[i] == null) continue;
        if (s[i] < 0) return -1; // one run of unknown count: the fewest is unknown
        fewest = fewest < 0 ? s[i] : Math.min(fewest, s[i]);
      }
      return fewest;
    }

    /** Whether every run's value of a percentile is the percentile it names (see {@link ModelMetric#resolved}). */
    boolean resolved(String metric) {
      ModelMetric m = info.get(metric);
      return m == null || m.percentile(m.quantile(), fewestSamples(metric)).resolved();
    }
  }

  static Values values(List<PlanRunner.JobOutcome> runs) {
    Map<String, ModelMetric> info = new LinkedHashMap<>();
    Map<String, Double[]> byRun = new LinkedHashMap<>();
    Map<String, long[]> samples = new LinkedHashMap<>();
    for (int i = 0; i < runs.size(); i++) {
      PlanRunner.JobOutcome o = runs.get(i);
      if (o == null || !o.complete() || o.document() == null) continue;
      for (ModelMetric m : Metrics.described(o.document())) {
        info.putIfAbsent(m.name(), m);
        byRun.computeIfAbsent(m.name(), k -> new Double[runs.size()])[i] = m.value();
        if (m.isPercentile()) {
          samples.computeIfAbsent(m.name(), k -> {
            long[] a = new long[runs.size()];
            java.util.Arrays.fill(a, -1);
            return a;
          })[i] = m.samples();
        }
      }
    }
    return new Values(info, byRun, samples);
  }

  /**
   * Mean and interval of every metric over the runs that have it; the interval clipped to the values the metric
   * can take. A percentile gets the fewest samples of a run's ({@code samples}), and one that a run's samples
   * cannot resolve has no mean or interval (null), with the samples it needs ({@code samples_to_resolve}).
   */
  static Map<String, Object> stats(Values v) {
    Map<String, Object> out = new LinkedHashMap<>();
    v.byRun().forEach((k, arr) -> {
      List<Double> xs = new ArrayList<>();
      for (Double d : arr) if (d != null) xs.add(d);
      if (xs.isEmpty()) return;
      Map<String, Object> s = Stats.summarize(xs);
      ModelMetric m = v.info().get(k);
      if (m != null) Stats.clip(s, m.lowest(), m.highest());
      long n = v.fewestSamples(k);
      if (m != null && m.isPercentile() && n >= 0) {
        percentile(s, n, v.resolved(k), m.quantile(), "mean", "ci95_low", "ci95_high", "stddev");
      }
      out.put(k, s);
    });
    return out;
  }

  /**
   * A percentile's fewest samples {@code n}, and its {@code figures} nulled, with the samples its {@code quantile}
   * needs, when they cannot resolve it.
   */
  private static void percentile(Map<String, Object> s, long n, boolean resolved, double quantile,
      String... figures) {
    s.put("samples", n);
    if (resolved) return;
    for (String f : figures) s.put(f, null);
    s.put("samples_to_resolve", ModelMetric.samplesToResolve(quantile));
  }

  /** Unit and direction of each metric (for tables and plots). */
  static Map<String, Object> info(Values v) {
    Map<String, Object> out = new LinkedHashMap<>();
    v.info().forEach((k, m) -> {
      Map<String, Object> i = new LinkedHashMap<>();
      i.put("unit", m.unit());
      i.put("better", m.better().name().toLowerCase(Locale.ROOT));
      i.put("headline", m.headline());
      out.put(k, i);
    });
    return out;
  }

  /** Ratio arm/baseline of every metric both have, over runs paired by index (same seeds). */
  static Map<String, Object> ratios(Values baseline, Values arm) {
    Map<String, Object> out = new LinkedHashMap<>();
    arm.byRun().forEach((k, b) -> {
      Double[] a = baseline.byRun().get(k);
      if (a == null) return;
      List<Double> as = new ArrayList<>();
      List<Double> bs = new ArrayList<>();
      for (int i = 0; i < Math.min(a.length, b.length); i++) {
        if (a[i] != null && b[i] != null) {
          as.add(a[i]);
          bs.add(b[i]);
        }
      }
      Map<String, Object> r = Stats.pairedRatio(as, bs);
      if (r == null) return;
      // a ratio of two metrics that are never negative is never negative
      ModelMetric m = arm.info().get(k);
      if (m != null && m.lowest() >= 0) Stats.clip(r, 0, Double.POSITIVE_INFINITY);
      if (m != null && m.isPercentile()) {
        // the fewer samples of the two arms': either one unresolved makes the ratio one of maxima
        long nb = baseline.fewestSamples(k);
        long na = arm.fewestSamples(k);
        if (nb >= 0 && na >= 0) {
          percentile(r, Math.min(nb, na), baseline.resolved(k) && arm.resolved(k), m.quantile(), "ratio", "ci95_low",
              "ci95_high");
        }
      }
      out.put(k, r);
    });
    return out;
  }

  /** Per metric name, {mean, ci95_low, ci95_high, stddev, n} over the point's complete runs. */
  public static Map<String, Object> pointStats(PlanRunner.PointOutcome p) {
    return stats(values(p.runs()));
  }

  /** Per metric name, {ratio, ci95_low, ci95_high, n} of {@code arm} against {@code baseline}, paired by run. */
  public static Map<String, Object> pointRatios(PlanRunner.PointOutcome baseline, PlanRunner.PointOutcome arm) {
    return ratios(values(baseline.runs()), values(arm.runs()));
  }

  /** The names of the model's headline metrics the point's runs have, in the model's order. */
  public static List<String> headlines(PlanRunner.PointOutcome p) {
    return values(p.runs()).info().values().stream().filter(ModelMetric::headline).map(ModelMetric::name).toList();
  }

  /** The unit of every metric the point's runs have. */
  public static Map<String, String> units(PlanRunner.PointOutcome p) {
    Map<String, String> out = new LinkedHashMap<>();
    values(p.runs()).info().forEach((k, m) -> out.put(k, m.unit()));
    return out;
  }

  /** A count of results.json's engine section (every complete run has one). */
  private static double engineCount(PlanRunner.JobOutcome o, String key) {
    return o.document().get("engine") instanceof Map<?, ?> e && e.get(key) instanceof Number n ? n.doubleValue() : 0;
  }

  /** summary.json over the repetitions of one configuration. */
  static Map<String, Object> point(EngineSettings s, Map<String, Object> config, List<PlanRunner.JobOutcome> runs) {
    List<PlanRunner.JobOutcome> done = runs.stream().filter(PlanRunner.JobOutcome::complete).toList();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("experiment", s.name());
    doc.put("runs", s.runs());
    doc.put("complete", done.size() == s.runs());
    List<Map<String, Object>> list = new ArrayList<>();
    for (PlanRunner.JobOutcome o : runs) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("run", o.job().run());
      r.put("seed", o.job().seed());
      r.put("complete", o.complete());
      r.put("results", "run-" + o.job().run() + "/" + PlanRunner.RESULTS_FILE);
      if (o.error() != null) r.put("error", o.error());
      list.add(r);
    }
    doc.put("run_list", list);
    doc.put("config", config);
    if (done.isEmpty()) return doc;

    Map<String, Object> engine = new LinkedHashMap<>();
    for (String count : List.of("events", "windows", "messages")) {
      engine.put(count, Stats.summarize(done.stream().map(o -> engineCount(o, count)).toList()));
    }
    doc.put("engine", engine);

    // per flow id, every numeric field of the flow rows (the report layer's per-flow tables)
    Map<String, Map<String, List<Double>>> flows = new TreeMap<>();
    for (PlanRunner.JobOutcome o : done) {
      if (!(o.document().get("flows") instanceof List<?> rows)) continue;
      for (Object row : rows) {
        if (!(row instanceof Map<?, ?> m) || m.get("id") == null) continue;
        Map<String, List<Double>> fields = flows.computeIfAbsent(String.valueOf(m.get("id")), k -> new LinkedHashMap<>());
        m.forEach((k, v) -> {
          if (v instanceof Number n) fields.computeIfAbsent(String.valueOf(k), x -> new ArrayList<>()).add(n.doubleValue());
        });
      }
    }
    Map<String, Object> flowStats = new LinkedHashMap<>();
    flows.forEach((id, fields) -> {
      Map<String, Object> f = new LinkedHashMap<>();
      fields.forEach((k, v) -> f.put(k, Stats.summarize(v)));
      flowStats.put(id, f);
    });
    doc.put("flows", flowStats);
    Values v = values(runs);
    doc.put("metrics", stats(v));
    doc.put("metric_info", info(v));
    return doc;
  }

  /** summary.json of a sweep or comparison (shape: report/package-info.java). */
  static Map<String, Object> sweep(Plan.Group g, List<PlanRunner.PointOutcome> points) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("experiment", g.settings().name());
    doc.put("kind", "sweep");
    doc.put("keys", g.keys());
    if (g.compared() != null) doc.put("compared", g.compared());
    doc.put("seed", g.settings().seed());
    doc.put("runs", g.settings().runs());
    doc.put("complete", points.stream().allMatch(PlanRunner.PointOutcome::complete));
    List<Values> values = points.stream().map(p -> values(p.runs())).toList();
    Map<String, Object> info = new LinkedHashMap<>();
    List<Map<String, Object>> list = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      PlanRunner.PointOutcome p = points.get(i);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("dir", p.point().dir());
      m.put("values", p.point().values());
      m.put("runs", p.runs().size());
      m.put("complete", p.complete());
      PlanRunner.JobOutcome failed = p.firstFailure();
      if (failed != null) {
        m.put("error", "run " + failed.job().run() + " (seed " + failed.job().seed() + "): " + failed.error());
      }
      m.put("metrics", stats(values.get(i)));
      int base = p.point().baseline();
      if (base >= 0) {
        m.put("baseline", points.get(base).point().dir());
        if (base != i) m.put("ratios", ratios(values.get(base), values.get(i)));
      }
      info.putAll(info(values.get(i)));
      list.add(m);
    }
    doc.put("points", list);
    doc.put("metric_info", info);
    doc.put("config", ConfigJson.of(g.config()));
    return doc;
  }
}
