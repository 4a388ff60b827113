package org.cnemu.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.model.ModelRegistry;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.Invocation;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.LoadedExperiment;
import org.cnemu.experiments.config.Sweep;
import org.cnemu.experiments.report.Metrics;
import org.cnemu.experiments.report.TextTable;
import org.cnemu.experiments.run.ExperimentRunner;
import org.cnemu.experiments.run.SweepRunner;
import org.cnemu.experiments.ui.ProgressLine;
import picocli.CommandLine;

/** The terminal side of {@code cnemu run FILE} when FILE has a {@code sweep} block. */
public final class SweepRun {
  /** Columns of the end table, when the points have them. */
  static final List<String> TABLE_METRICS = List.of("total.throughput_gbps", "receivers.cpu_busy_pct", "drops.total",
      "engine.events");

  private SweepRun() {}

  /**
   * Runs the sweep and prints progress, one line per point and a table; returns the exit code.
   * {@code view} maps the results folder back to the name the user gave it (the daemon serves callers
   * in other folders), {@code interactive} draws the progress line.
   */
  public static int run(CommandLine cl, LoadedExperiment experiment, ExperimentRunner.Options options, boolean quiet,
      Invocation.PathView view, boolean interactive) throws IOException {
    PrintWriter stdout = cl.getOut();
    PrintWriter stderr = cl.getErr();
    Sweep sweep = Sweep.of(experiment.experiment());
    EngineSettings s = EngineSettings.from(Sweep.base(experiment.experiment()));
    int count = sweep.size();
    if (!quiet) {
      stdout.printf("cnemu: sweep '%s', %d point%s over %s, %d run%s each from seed %d, %s virtual, %d threads%n",
          s.name(), count, count == 1 ? "" : "s",
          String.join(", ", sweep.keys().stream().map(Sweep.Key::name).toList()), s.runs(), s.runs() == 1 ? "" : "s",
          s.seed(), experiment.experiment().getString("duration"), ExperimentRunner.threads(s, options));
      stdout.flush();
    }
    boolean showProgress = !quiet && interactive;
    SweepRunner.SweepOutcome outcome = new SweepRunner(new ModelRegistry()).run(experiment, options,
        new SweepRunner.Listener() {
          private ProgressLine line;
          private String prefix = "";

          @Override
          public void pointStarted(int index, int n, String dir, Map<String, Object> values) {
            prefix = "point " + (index + 1) + "/" + n + " ";
          }

          @Override
          public Coordinator.ProgressListener progress(int run, int runs) {
            if (!showProgress) return null;
            line = new ProgressLine(stderr, prefix + (runs > 1 ? "run " + (run + 1) + "/" + runs + " " : ""));
            return line;
          }

          @Override
          public void runFinished(ExperimentRunner.RunOutcome o) {
            if (line != null) line.clear();
          }

          @Override
          public void warning(String message) {
            if (line != null) line.clear();
            stderr.println("warning: " + message);
            stderr.flush();
          }

          @Override
          public void pointFinished(SweepRunner.PointResult p, int n) {
            if (quiet) return;
            ExperimentRunner.RunOutcome failed = p.outcome().firstFailure();
            double wall = p.outcome().runs().stream().mapToDouble(r -> r.wall().seconds()).sum();
            stdout.printf(Locale.ROOT, "%s %s: %s (%.1f s)%n", p.dir(), values(p.values()),
                failed == null ? headline(p.outcome()) : "FAILED run " + failed.run() + ": " + failed.error(), wall);
            stdout.flush();
          }
        });

    if (!quiet) {
      stdout.println();
      stdout.print(table(sweep, outcome));
    }
    SweepRunner.PointResult failed = outcome.firstFailure();
    if (failed != null) {
      long n = outcome.points().stream().filter(p -> !p.outcome().complete()).count();
      ExperimentRunner.RunOutcome r = failed.outcome().firstFailure();
      stderr.println("error: " + n + " of " + outcome.points().size() + " points failed; first: " + failed.dir()
          + " run " + r.run() + " (seed " + r.seed() + "): " + r.error());
      stderr.flush();
      stdout.flush();
      return ExitCodes.FAILURE;
    }
    String summary = view.show(outcome.summaryFile());
    stdout.println(quiet ? summary : "\nresults: " + summary);
    stdout.flush();
    return ExitCodes.OK;
  }

  static String values(Map<String, Object> values) {
    List<String> parts = new ArrayList<>();
    values.forEach((k, v) -> parts.add(k + "=" + v));
    return "[" + String.join(", ", parts) + "]";
  }

  /** Mean over the point's complete runs of each metric, as in summary.json. */
  private static Map<String, Double> means(ExperimentRunner.PointOutcome o) {
    Map<String, List<Double>> all = new java.util.LinkedHashMap<>();
    for (ExperimentRunner.RunOutcome r : o.runs()) {
      if (!r.complete()) continue;
      Metrics.ofDocument(r.document()).forEach((k, v) -> all.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    }
    Map<String, Double> out = new java.util.LinkedHashMap<>();
    all.forEach((k, v) -> out.put(k, v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN)));
    return out;
  }

  private static String headline(ExperimentRunner.PointOutcome o) {
    Map<String, Double> m = means(o);
    List<String> parts = new ArrayList<>();
    for (String k : TABLE_METRICS) {
      if (m.containsKey(k)) parts.add(k + " " + fmt(m.get(k)));
    }
    return parts.isEmpty() ? "ok" : String.join(", ", parts);
  }

  private static String table(Sweep sweep, SweepRunner.SweepOutcome outcome) {
    List<Map<String, Double>> means = outcome.points().stream().map(p -> means(p.outcome())).toList();
    List<String> metrics = TABLE_METRICS.stream().filter(k -> means.stream().anyMatch(m -> m.containsKey(k))).toList();
    List<String> header = new ArrayList<>(List.of("point"));
    header.addAll(sweep.keys().stream().map(Sweep.Key::name).toList());
    header.addAll(metrics);
    header.add("complete");
    TextTable t = new TextTable(header);
    for (int i = 0; i < outcome.points().size(); i++) {
      SweepRunner.PointResult p = outcome.points().get(i);
      List<String> row = new ArrayList<>(List.of(p.dir()));
      p.values().values().forEach(v -> row.add(String.valueOf(v)));
      for (String k : metrics) row.add(means.get(i).containsKey(k) ? fmt(means.get(i).get(k)) : "-");
      row.add(Boolean.toString(p.outcome().complete()));
      t.row(row);
    }
    return t.render();
  }

  static String fmt(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%d", (long) v);
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
