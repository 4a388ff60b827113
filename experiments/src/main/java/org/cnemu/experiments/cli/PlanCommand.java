package org.cnemu.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cnemu.emulator.Coordinator;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.Invocation;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;
import org.cnemu.experiments.config.Overrides;
import org.cnemu.experiments.run.OutputFolder;
import org.cnemu.experiments.run.Plan;
import org.cnemu.experiments.run.FarmedJobs;
import org.cnemu.experiments.run.PlanRunner;
import org.cnemu.experiments.ui.PlanProgress;
import org.cnemu.experiments.ui.PlanTable;
import org.cnemu.experiments.ui.SummaryTable;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The terminal side of running one experiment file's plan ({@code run} and {@code ab}): load with the
 * command line's overrides, build the plan, run it through {@link PlanRunner} with a progress line, then
 * the end table and the path of the results.
 */
final class PlanCommand {
  private PlanCommand() {}

  /** The loaded file, or null after printing its problems (the caller exits 2). */
  static LoadedExperiment load(CommandLine cl, Path file, ExperimentOptions o, Invocation invocation) {
    String usage = o.usageProblem();
    if (usage != null) throw new ParameterException(cl, usage);
    Overrides.Parsed overrides = o.overrides();
    if (!overrides.problems().isEmpty()) {
      Output.problems(cl.getErr(), overrides.problems());
      return null;
    }
    LoadedExperiment e = ExperimentLoader.shared().load(file, overrides.config(), invocation.cwd());
    if (!e.ok()) {
      Output.problems(cl.getErr(), e.problems());
      return null;
    }
    return e;
  }

  /** The results folder as the user names it: --out, else experiment.output.dir, else results/NAME. */
  static Path outputDir(LoadedExperiment e, ExperimentOptions o) {
    if (o.out != null) return o.out;
    EngineSettings s = e.spec().settings();
    if (!s.outputDir().isBlank()) return Paths.get(s.outputDir());
    return Paths.get("results", s.name());
  }

  /** Runs the plan of one file and prints what the user sees; returns the exit code. */
  static int execute(CommandLine cl, LoadedExperiment e, ExperimentOptions o, Invocation invocation,
      PlanRunner.ClusterTarget cluster, org.cnemu.experiments.live.LiveMetrics.Settings live) throws IOException {
    PrintWriter stdout = cl.getOut();
    PrintWriter stderr = cl.getErr();
    Invocation.PathView view = invocation.view(outputDir(e, o));
    Plan plan = Plan.of(e, view.actual());
    org.cnemu.experiments.run.PhaseTrace.mark("plan");
    Plan.Group g = plan.groups().get(0);
    if (cluster != null && cluster.mode() == null) {
      cluster = new PlanRunner.ClusterTarget(cluster.seed(), cluster.bind(), cluster.nodes(), cluster.hostPartitions(),
          cluster.security(), PlanRunner.ClusterMode.defaultFor(plan), cluster.farm());
    }
    boolean farmed = cluster != null && cluster.mode() == PlanRunner.ClusterMode.JOBS;
    if (cluster != null && !farmed && cluster.farm() != null) {
      // an ephemeral --bind port (a fixed one starts no early driver): the run's member takes another port
      FarmedJobs.discard(cluster.farm(), false);
    }
    if (farmed && live != null) {
      // not "add --cluster-mode partitions": a one-partition job's partition may then go to the seed, whose series
      // no one serves, and the dashboard shows nothing
      throw new ParameterException(cl, "--prometheus serves the runs of this JVM, and a farmed plan runs on the "
          + "cluster's nodes, which serve no metrics: to watch the plan live, run it here without --cluster; or "
          + "leave out --prometheus");
    }
    if (cluster != null && !farmed && live != null) {
      cl.getErr().println("warning: --prometheus serves the cores, flows and drops of the partitions this JVM hosts, "
          + "not those on the seed and workers (they serve no metrics); results.json has them all");
      cl.getErr().flush();
    }
    int jobs = (cluster != null && !farmed) || live != null ? 1
        : o.jobs != null ? o.jobs : PlanRunner.defaultJobs(plan, o.threads);
    PlanRunner.Options options = new PlanRunner.Options(jobs, o.threads, !o.noReport, cluster, live,
        view.shown().toString());
    boolean quiet = o.quiet;
    PlanProgress progress = quiet ? null
        : new PlanProgress(stderr, plan.jobs().size(), invocation.interactive(), PlanProgress.terminalColumns());
    PlanRunner.Outcome outcome;
    try {
      outcome = new PlanRunner().run(plan, options, new PlanRunner.Listener() {
        @Override
        public void folderClaimed() {
          // not before: a folder in use or that cannot be made is one error line, under no "experiment ..." header
          if (quiet) return;
          stdout.println(header(g, options, plan));
          stdout.flush();
        }

        @Override
        public void jobStarted(Plan.Job job) {
          if (progress != null) progress.started(job.index());
        }

        @Override
        public void jobDispatched(Plan.Job job, String node) {
          if (progress != null) progress.runsOn(job.index(), node);
        }

        @Override
        public Coordinator.ProgressListener progress(Plan.Job job) {
          return progress == null ? null : progress.listener(job.index());
        }

        @Override
        public void jobFinished(PlanRunner.JobOutcome outcome) {
          if (progress != null) progress.finished(outcome.job().index());
        }

        @Override
        public void pointFinished(PlanRunner.PointOutcome p) {
          if (quiet || g.kind() != Plan.Kind.SWEEP) return;
          PlanRunner.JobOutcome failed = p.firstFailure();
          double wall = p.runs().stream().mapToDouble(r -> r.wall().seconds()).sum();
          progress.println(stdout, String.format(Locale.ROOT, "%s %s: %s (%.1f s)", p.point().dir(),
              values(p.point().values()), failed == null ? PlanTable.headline(p)
                  : "FAILED run " + failed.job().run() + ": " + failed.error(), wall));
        }

        @Override
        public void note(String message) {
          if (progress != null) progress.println(stderr, message);
        }

        @Override
        public void warning(String message) {
          if (progress != null) progress.println(stderr, "warning: " + message);
          else {
            stderr.println("warning: " + message);
            stderr.flush();
          }
        }
      });
    } catch (OutputFolder.Refused ex) {
      if (progress != null) progress.close();
      stderr.println("error: " + ex.getMessage());
      stderr.flush();
      return ExitCodes.BAD_INPUT;
    } finally {
      if (progress != null) progress.close();
    }
    org.cnemu.experiments.run.PhaseTrace.mark("plan-runner-return");
    PlanRunner.GroupOutcome go = outcome.groups().get(0);
    if (!outcome.lostNodes().isEmpty()) {
      // said even with --quiet: a plan that completed despite a lost node should say which one it lost
      stderr.println("cluster: lost " + String.join(", ", outcome.lostNodes()) + " mid-plan; every job of it that had"
          + " not finished ran again on another node");
      stderr.flush();
    }
    if (!quiet && !outcome.jobsByNode().isEmpty()) {
      List<String> per = new ArrayList<>();
      outcome.jobsByNode().forEach((node, n) -> per.add(node + ": " + n));
      stdout.println("cluster: " + outcome.jobsByNode().values().stream().mapToInt(Integer::intValue).sum()
          + " jobs on " + per.size() + " node" + (per.size() == 1 ? "" : "s") + " (" + String.join(", ", per) + ")");
    }
    if (!quiet) {
      if (plan.jobs().size() == 1 && go.complete()) {
        stdout.println();
        SummaryTable.print(stdout, go.points().get(0).runs().get(0));
      } else if (!go.points().isEmpty()) {
        stdout.println();
        stdout.print(PlanTable.render(go));
      }
      stdout.flush();
    }
    if (!go.complete() || outcome.cancelled()) {
      stderr.println("error: " + failure(go, outcome.cancelled()));
      stderr.flush();
      return ExitCodes.FAILURE;
    }
    Path result = go.mainFile();
    stdout.println(quiet ? view.show(result) : "\nresults: " + view.show(result));
    Path report = result == null ? null : result.resolveSibling(org.cnemu.experiments.report.Reports.REPORT_FILE);
    if (!quiet && report != null && java.nio.file.Files.isRegularFile(report)) stdout.println("report:  " + view.show(report));
    stdout.flush();
    return ExitCodes.OK;
  }

  static String failure(PlanRunner.GroupOutcome go, boolean cancelled) {
    if (go.points().isEmpty()) return cancelled ? "cancelled" : "nothing ran";
    PlanRunner.PointOutcome p = go.firstFailure();
    if (p == null) return "cancelled";
    PlanRunner.JobOutcome r = p.firstFailure();
    if (go.group().kind() != Plan.Kind.SWEEP) {
      return "run " + r.job().run() + " (seed " + r.job().seed() + ") failed: " + r.error();
    }
    long n = go.points().stream().filter(x -> !x.complete()).count();
    return n + " of " + go.points().size() + " points failed; first: " + p.point().dir() + " run " + r.job().run()
        + " (seed " + r.job().seed() + "): " + r.error();
  }

  private static String header(Plan.Group g, PlanRunner.Options o, Plan plan) {
    EngineSettings s = g.settings();
    String duration = org.cnemu.experiments.ui.Format.duration(s.durationNanos());
    PlanRunner.ClusterTarget c = o.cluster();
    String jobs = c != null && c.mode() == PlanRunner.ClusterMode.JOBS
        ? ", jobs farmed to the cluster at " + c.seed().host() + ":" + c.seed().port()
        : c != null ? ", partitions on the cluster at " + c.seed().host() + ":" + c.seed().port()
        : o.jobs() > 1 ? ", " + o.jobs() + " jobs at once" : "";
    if (g.kind() != Plan.Kind.SWEEP) {
      return String.format(Locale.ROOT, "cnemu: experiment '%s', model %s, %d run%s from seed %d, %s virtual, %s%s",
          s.name(), s.model(), s.runs(), s.runs() == 1 ? "" : "s", s.seed(), duration,
          partitionsAndThreads(List.of(s), o), jobs);
    }
    int n = g.points().size();
    String over = String.join(", ", g.keys());
    if (g.compared() != null) {
      over += " (" + g.compared() + " compared against " + g.points().get(0).values().get(g.compared()) + ")";
    }
    // a plan whose only key is the compared one is an A/B, not a sweep: say which the user wrote
    String kind = g.compared() != null && g.keys().size() == 1 ? "comparison" : "sweep";
    return String.format(Locale.ROOT, "cnemu: %s '%s', %d point%s over %s, %d run%s each from seed %d, %s virtual, "
        + "%s, %d jobs in all%s", kind, s.name(), n, n == 1 ? "" : "s", over, s.runs(), s.runs() == 1 ? "" : "s",
        s.seed(), duration, partitionsAndThreads(g.points().stream().map(Plan.Point::settings).toList(), o),
        plan.jobs().size(), jobs);
  }

  /**
   * What runs each job: "1 partition on 1 thread", "4 partitions on 2 threads" (of this JVM,
   * {@link PlanRunner#partitionThreads}); over the points of a sweep, the range of each ("1-4 partitions on
   * 1-2 threads"). Partitions on a cluster run on its nodes' threads: none are named.
   */
  static String partitionsAndThreads(List<EngineSettings> runs, PlanRunner.Options o) {
    IntSummaryStatistics p = runs.stream().mapToInt(EngineSettings::partitions).summaryStatistics();
    String text = range(p.getMin(), p.getMax()) + (p.getMax() == 1 ? " partition" : " partitions");
    if (o.cluster() != null && p.getMax() > 1) return text;
    IntSummaryStatistics t = runs.stream().mapToInt(s -> PlanRunner.partitionThreads(s, o.threads())).summaryStatistics();
    return text + " on " + range(t.getMin(), t.getMax()) + (t.getMax() == 1 ? " thread" : " threads");
  }

  private static String range(int min, int max) {
    return min == max ? Integer.toString(min) : min + "-" + max;
  }

  static String values(Map<String, Object> values) {
    List<String> parts = new ArrayList<>();
    values.forEach((k, v) -> parts.add(k + "=" + v));
    return "[" + String.join(", ", parts) + "]";
  }
}
