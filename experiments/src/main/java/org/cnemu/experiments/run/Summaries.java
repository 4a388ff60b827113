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

  /** Per metric, the values of each run by run index (null where the run failed or lacks it). */
  record Values(Map<String, ModelMetric> info, Map<String, Double[]> byRun) {}

  static Values values(List<PlanRunner.JobOutcome> runs) {
    Map<String, ModelMetric> info = new LinkedHashMap<>();
    Map<String, Double[]> byRun = new LinkedHashMap<>();
    for (int i = 0; i < runs.size(); i++) {
      PlanRunner.JobOutcome o = runs.get(i);
      if (o == null || !o.complete() || o.document() == null) continue;
      for (ModelMetric m : Metrics.described(o.document())) {
        info.putIfAbsent(m.name(), m);
        byRun.computeIfAbsent(m.name(), k -> new Double[runs.size()])[i] = m.value();
      }
    }
    return new Values(info, byRun);
  }

  /** Mean and interval of every metric over the runs that have it. */
  static Map<String, Object> stats(Values v) {
    Map<String, Object> out = new LinkedHashMap<>();
    v.byRun().forEach((k, arr) -> {
      List<Double> xs = new ArrayList<>();
      for (Double d : arr) if (d != null) xs.add(d);
      if (!xs.isEmpty()) out.put(k, Stats.summarize(xs));
    });
    return out;
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
      if (r != null) out.put(k, r);
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
