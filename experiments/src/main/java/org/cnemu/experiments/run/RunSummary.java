package org.cnemu.experiments.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.report.Metrics;

/**
 * summary.json over the repetitions of one point: mean and 95% confidence interval of the engine
 * counts and of each flow's throughput. Only complete runs count; a failed run is listed as such.
 */
final class RunSummary {
  private RunSummary() {}

  static Map<String, Object> of(EngineSettings s, Map<String, Object> config, List<ExperimentRunner.RunOutcome> runs) {
    List<ExperimentRunner.RunOutcome> done = runs.stream().filter(ExperimentRunner.RunOutcome::complete).toList();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("experiment", s.name());
    doc.put("runs", s.runs());
    doc.put("complete", done.size() == s.runs());
    List<Map<String, Object>> list = new ArrayList<>();
    for (ExperimentRunner.RunOutcome o : runs) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("run", o.run());
      r.put("seed", o.seed());
      r.put("complete", o.complete());
      r.put("results", "run-" + o.run() + "/" + ExperimentRunner.RESULTS_FILE);
      if (o.error() != null) r.put("error", o.error());
      list.add(r);
    }
    doc.put("run_list", list);
    doc.put("config", config);
    if (done.isEmpty()) return doc;

    Map<String, Object> engine = new LinkedHashMap<>();
    engine.put("events", Stats.summarize(done.stream().map(o -> (double) o.result().events()).toList()));
    engine.put("windows", Stats.summarize(done.stream().map(o -> (double) o.result().windows()).toList()));
    engine.put("messages", Stats.summarize(done.stream().map(o -> (double) o.result().batches()).toList()));
    doc.put("engine", engine);

    // per flow id, every numeric field of the flow rows (throughput_gbps first among them by schema)
    Map<String, Map<String, List<Double>>> flows = new TreeMap<>();
    for (ExperimentRunner.RunOutcome o : done) {
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

    // every comparable figure by its stable name (engine.events, flow[f1].throughput_gbps, ...), as the
    // report layer and `compare` name them
    Map<String, List<Double>> metrics = new LinkedHashMap<>();
    for (ExperimentRunner.RunOutcome o : done) {
      Metrics.ofDocument(o.document()).forEach((k, v) -> {
        if (v != null) metrics.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
      });
    }
    Map<String, Object> metricStats = new LinkedHashMap<>();
    metrics.forEach((k, v) -> metricStats.put(k, Stats.summarize(v)));
    doc.put("metrics", metricStats);
    return doc;
  }
}
