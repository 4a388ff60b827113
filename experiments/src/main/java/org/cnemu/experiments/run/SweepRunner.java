package org.cnemu.experiments.run;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ModelRegistry;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.LoadedExperiment;
import org.cnemu.experiments.config.Sweep;
import org.cnemu.experiments.report.Metrics;
import org.cnemu.experiments.report.Reports;

/**
 * Runs an experiment with a {@code sweep} block: every point of the cartesian product in order, each
 * through {@link ExperimentRunner#runPoint} into {@code DIR/point-NNN/} (a normal run folder: results.json,
 * or run-&lt;i&gt;/ folders and a summary.json with {@code runs > 1}; run i of every point uses seed + i),
 * then {@code DIR/summary.json} (the sweep shape documented in the report package: mean and 95% CI over
 * the runs of each point, per metric) and the sweep report. A failed run stops its point, not the sweep.
 */
public final class SweepRunner {
  /** One point's swept values (as written) and the outcome of its runs. */
  public record PointResult(int index, String dir, Map<String, Object> values, ExperimentRunner.PointOutcome outcome) {}

  /** The whole sweep. */
  public record SweepOutcome(Path outDir, List<PointResult> points, Path summaryFile) {
    public boolean complete() {
      return points.stream().allMatch(p -> p.outcome().complete());
    }

    /** The first failed point, or null. */
    public PointResult firstFailure() {
      return points.stream().filter(p -> !p.outcome().complete()).findFirst().orElse(null);
    }
  }

  /** Terminal hooks: the run hooks of {@link ExperimentRunner.Listener} plus point boundaries. */
  public interface Listener extends ExperimentRunner.Listener {
    default void pointStarted(int index, int count, String dir, Map<String, Object> values) {}

    default void pointFinished(PointResult point, int count) {}
  }

  private final ModelRegistry models;

  public SweepRunner(ModelRegistry models) {
    this.models = models;
  }

  /** Whether a loaded experiment is a sweep (has a {@code sweep} block). */
  public static boolean isSweep(LoadedExperiment experiment) {
    return experiment.ok() && Sweep.present(experiment.experiment());
  }

  /** The folder of point {@code index} among {@code count}: point-000, point-001, ... (wider past 1000). */
  public static String pointDir(int index, int count) {
    int width = Math.max(3, Integer.toString(Math.max(count - 1, 0)).length());
    return "point-" + String.format(java.util.Locale.ROOT, "%0" + width + "d", index);
  }

  public SweepOutcome run(LoadedExperiment experiment, ExperimentRunner.Options options, Listener listener)
      throws IOException {
    if (!experiment.ok()) throw new IllegalArgumentException("experiment has problems; validate first");
    if (options.live() == null) return runPoints(experiment, options, listener);
    // live metrics (--prometheus) for the whole sweep, as ExperimentRunner.run does for one point
    org.cnemu.experiments.live.LiveMetrics.Settings live = options.live();
    if (experiment.kamonOverrides() != null) {
      live = new org.cnemu.experiments.live.LiveMetrics.Settings(live.host(), live.port(), live.instrumentActors(),
          experiment.kamonOverrides().withFallback(live.kamonOverrides()));
    }
    try (org.cnemu.experiments.live.LiveMetrics metrics = org.cnemu.experiments.live.LiveMetrics.start(live,
        ExperimentRunner.runTags(Sweep.base(experiment.experiment()), 0))) {
      return runPoints(experiment, options, listener);
    }
  }

  private SweepOutcome runPoints(LoadedExperiment experiment, ExperimentRunner.Options options, Listener listener)
      throws IOException {
    Config exp = experiment.experiment();
    Sweep sweep = Sweep.of(exp);
    EngineSettings base = EngineSettings.from(Sweep.base(exp));
    Path dir = ExperimentRunner.outputDir(base, options);
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve(ExperimentRunner.SUMMARY_FILE));
    Files.deleteIfExists(dir.resolve(ExperimentRunner.RESULTS_FILE));

    List<Sweep.Point> points = sweep.points();
    List<PointResult> results = new ArrayList<>();
    for (Sweep.Point p : points) {
      Config pointConfig = sweep.apply(exp, p);
      String name = pointDir(p.index(), points.size());
      Map<String, Object> values = p.labels(sweep.keys());
      listener.pointStarted(p.index(), points.size(), name, values);
      ExperimentRunner runner = new ExperimentRunner(models.get(EngineSettings.from(pointConfig).model()));
      ExperimentRunner.PointOutcome outcome = runner.runPoint(pointConfig, experiment.pekkoOverrides(),
          dir.resolve(name), options, listener);
      PointResult r = new PointResult(p.index(), name, values, outcome);
      results.add(r);
      listener.pointFinished(r, points.size());
      if (org.cnemu.emulator.Cancellation.requested()) break; // the daemon's client went away
    }

    Path summary = dir.resolve(ExperimentRunner.SUMMARY_FILE);
    JsonFiles.writeAtomically(summary, summary(base, sweep, ConfigJson.of(exp), results));
    if (options.reports()) {
      try {
        Reports.writeSweep(dir);
      } catch (IOException | RuntimeException e) {
        listener.warning("report in " + dir + " not written: " + ExperimentRunner.describe(e));
      }
    }
    return new SweepOutcome(dir, List.copyOf(results), summary);
  }

  /** summary.json of a sweep (shape: report/package-info.java). */
  static Map<String, Object> summary(EngineSettings base, Sweep sweep, Map<String, Object> config,
      List<PointResult> points) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("experiment", base.name());
    doc.put("kind", "sweep");
    doc.put("keys", sweep.keys().stream().map(Sweep.Key::name).toList());
    doc.put("seed", base.seed());
    doc.put("runs", base.runs());
    doc.put("complete", points.stream().allMatch(p -> p.outcome().complete()));
    List<Map<String, Object>> list = new ArrayList<>();
    for (PointResult p : points) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("dir", p.dir());
      m.put("values", p.values());
      m.put("runs", p.outcome().runs().size());
      m.put("complete", p.outcome().complete());
      ExperimentRunner.RunOutcome failed = p.outcome().firstFailure();
      if (failed != null) m.put("error", "run " + failed.run() + " (seed " + failed.seed() + "): " + failed.error());
      m.put("metrics", metrics(p.outcome().runs()));
      list.add(m);
    }
    doc.put("points", list);
    doc.put("config", config);
    return doc;
  }

  /** Per metric name (as {@link Metrics} names them), mean and 95% CI over the complete runs. */
  static Map<String, Object> metrics(List<ExperimentRunner.RunOutcome> runs) {
    Map<String, List<Double>> values = new LinkedHashMap<>();
    for (ExperimentRunner.RunOutcome o : runs) {
      if (!o.complete() || o.document() == null) continue;
      Metrics.ofDocument(o.document()).forEach((k, v) -> {
        if (v != null && Double.isFinite(v)) values.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
      });
    }
    Map<String, Object> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, Stats.summarize(v)));
    return out;
  }
}
