package org.cnemu.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.ArrayList;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.Invocation;
import org.cnemu.experiments.config.Overrides;
import org.cnemu.experiments.run.JsonFiles;
import org.cnemu.experiments.run.OutputFolder;
import org.cnemu.experiments.run.Plan;
import org.cnemu.experiments.run.PlanRunner;
import org.cnemu.experiments.ui.PlanProgress;
import org.cnemu.experiments.report.SuiteReport;
import org.cnemu.experiments.report.TextTable;
import org.cnemu.experiments.run.Suite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnemu suite [SUITE_FILE]}: runs the paper suite and writes one report. */
@Command(name = "suite", mixinStandardHelpOptions = true,
    description = {"Run the paper suite: the calibration experiments and every policy comparison.",
        "The suite file's globs (experiments/suite.conf by default) find the experiments.",
        "Then suite.json and one self-contained report.html set each measured figure beside the published one, with its band and source."})
public final class SuiteCommand implements Callable<Integer> {
  @Parameters(paramLabel = "SUITE_FILE", arity = "0..1",
      description = "Read the suite from this file (default: experiments/suite.conf, looked up from the current folder).")
  Path file;

  @Option(names = "--out", paramLabel = "DIR", description = "Write the results into this folder (default: results/<suite name>/).")
  Path out;

  @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Execute N runs at once (overrides suite.jobs).")
  Integer jobs;

  @Option(names = "--threads", paramLabel = "N",
      description = "Give each run N dispatcher threads (default 1; 0: one per processor). Never changes results.")
  Integer threads = 1;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Set a key of every experiment (repeatable; over the suite's own overrides), validated like the files.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--no-report", description = "Write no CSV tables, plots or report.html per experiment (the suite report is still written).")
  boolean noReport;

  @Option(names = {"-q", "--quiet"}, description = "Print only the path of the suite report.")
  boolean quiet;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    Invocation invocation = Cli.invocation(spec);
    Path f = file != null ? invocation.resolve(file) : defaultSuite(invocation);
    if (f == null) {
      stderr.println("error: no suite file given and no experiments/suite.conf here");
      return ExitCodes.BAD_INPUT;
    }
    if (jobs != null && jobs < 1) throw new ParameterException(spec.commandLine(), "--jobs must be >= 1");
    if (threads != null && threads < 0) throw new ParameterException(spec.commandLine(), "--threads must be >= 0");
    Overrides.Parsed overrides = Overrides.of(List.of(), sets);
    if (!overrides.problems().isEmpty()) {
      Output.problems(stderr, overrides.problems());
      return ExitCodes.BAD_INPUT;
    }
    Suite.Spec suite;
    try {
      suite = Suite.load(f);
    } catch (IllegalArgumentException e) {
      stderr.println("error: " + e.getMessage());
      return ExitCodes.BAD_INPUT;
    }
    Invocation.PathView view = invocation.view(out != null ? out : Path.of("results", suite.name()));
    Path dir = view.actual();
    long t0 = System.nanoTime();
    List<Path> files = Suite.discover(suite);
    if (files.isEmpty()) { // a suite of nothing would exit 0 with an empty report: a wrong glob or folder, most likely
      stderr.println("error: " + (file != null ? file : f) + ": experiments: " + suite.patterns()
          + " match no experiment file under " + f.toAbsolutePath().getParent() + " (globs are relative to the suite file)");
      return ExitCodes.BAD_INPUT;
    }
    Plan plan = Suite.plan(suite, files, dir, overrides.config());
    // a --set that a file refuses is a mistake on the command line, not in that file: exit 2 before anything runs
    // or is written, each problem once (the same --set is usually refused by every file)
    List<String> setProblems = plan.groups().stream().filter(g -> !g.runs()).flatMap(g -> g.problems().stream())
        .filter(p -> p.file() != null && p.file().startsWith("--set ")).map(ConfigProblem::format).distinct().toList();
    if (!setProblems.isEmpty()) {
      setProblems.forEach(stderr::println);
      stderr.println(setProblems.size() == 1 ? "1 problem" : setProblems.size() + " problems");
      return ExitCodes.BAD_INPUT;
    }
    int n = jobs != null ? jobs : suite.jobsSet() ? suite.jobs() : PlanRunner.defaultJobs(plan, threads);
    Runnable header = () -> {
      if (quiet) return;
      stdout.printf("cnemu: suite '%s', %d experiment files, %d runs, %d at once%n", file != null ? file : f,
          files.size(), plan.jobs().size(), n);
      for (Plan.Group g : plan.groups()) {
        if (!g.runs()) stdout.printf("  %s: %s: %s%n", g.file(), g.kind().label(), g.problems().get(0).format());
      }
      stdout.flush();
    };
    PlanProgress progress = quiet ? null
        : new PlanProgress(stderr, plan.jobs().size(), invocation.interactive(), PlanProgress.terminalColumns());
    int[] done = {0};
    long running = plan.groups().stream().filter(Plan.Group::runs).count();
    PlanRunner.Outcome outcome;
    try {
      outcome = new PlanRunner().run(plan, new PlanRunner.Options(n, threads, !noReport, null, null,
          view.shown().toString()), new PlanRunner.Listener() {
            @Override
            public void folderClaimed() {
              header.run(); // after the folder is ours: a refused one is one error line, as for run
            }

            @Override
            public void jobStarted(Plan.Job job) {
              if (progress != null) progress.started(job.index());
            }

            @Override
            public org.cnemu.emulator.Coordinator.ProgressListener progress(Plan.Job job) {
              return progress == null ? null : progress.listener(job.index());
            }

            @Override
            public void jobFinished(PlanRunner.JobOutcome o) {
              if (progress != null) progress.finished(o.job().index());
            }

            @Override
            public synchronized void groupFinished(PlanRunner.GroupOutcome g) {
              done[0]++;
              if (quiet) return;
              String status = g.complete() ? "ok" : "failed: " + PlanCommand.failure(g, false);
              progress.println(stdout, String.format(Locale.ROOT, "[%d/%d] %s: %s (%.1f s)", done[0], running,
                  g.group().file(), status, g.wallSeconds()));
            }

            @Override
            public void warning(String message) {
              if (progress != null) progress.println(stderr, "warning: " + message);
            }
          });
    } catch (OutputFolder.Refused e) {
      stderr.println("error: " + e.getMessage());
      return ExitCodes.BAD_INPUT;
    } finally {
      if (progress != null) progress.close();
    }
    Map<String, Object> doc = Suite.document(suite, outcome, (System.nanoTime() - t0) / 1e9, n);
    JsonFiles.writeAtomically(dir.resolve(Suite.SUITE_JSON), doc);
    Path report = SuiteReport.write(dir);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> figures = (List<Map<String, Object>>) doc.get("figures");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> experiments = (List<Map<String, Object>>) doc.get("experiments");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> policies = (List<Map<String, Object>>) doc.get("policies");
    if (!quiet) {
      TextTable t = new TextTable("figure", "published", "band", "measured", "status");
      for (Map<String, Object> fig : figures) {
        Object band = fig.get("band");
        t.row(fig.get("id"), fig.get("published"), band == null ? "-" : band.toString(),
            fig.get("measured") == null ? "-" : fig.get("measured"), fig.get("status"));
      }
      stdout.println();
      stdout.print(t.render());
      if (!policies.isEmpty()) {
        TextTable p = new TextTable("file", "arm", "vs", "metric", "ratio", "95% CI", "expected", "holds");
        for (Map<String, Object> c : policies) {
          Object ci = c.get("ratio_ci95");
          p.row(c.get("file"), c.get("policy"), c.get("baseline_policy"), c.get("metric"),
              c.get("ratio") == null ? "-" : c.get("ratio"),
              ci instanceof List<?> l && l.size() == 2 ? "[" + l.get(0) + ", " + l.get(1) + "]" : "-", c.get("expect"),
              c.get("holds") == null ? "-" : c.get("holds"));
        }
        stdout.println();
        stdout.print(p.render());
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> wall = (Map<String, Object>) doc.get("wall");
      stdout.printf("%nwall: %s s%nreport: %s%n", wall.get("seconds"), view.show(report));
    } else {
      stdout.println(view.show(report));
    }
    stdout.flush();
    long failed = experiments.stream().filter(e -> "failed".equals(e.get("status")) || "invalid".equals(e.get("status"))).count();
    if (failed > 0) {
      stderr.println("error: " + failed + " experiment file" + (failed == 1 ? "" : "s") + " failed or invalid (see "
          + view.show(report) + ")");
      return ExitCodes.FAILURE;
    }
    return ExitCodes.OK;
  }

  /** experiments/suite.conf from the current folder, or suite.conf inside experiments/. */
  private static Path defaultSuite(Invocation invocation) {
    for (Path p : List.of(Path.of("experiments", "suite.conf"), Path.of("suite.conf"))) {
      if (Files.isRegularFile(invocation.resolve(p))) return invocation.resolve(p);
    }
    return null;
  }
}
