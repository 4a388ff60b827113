package org.cnemu.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.report.SuiteReport;
import org.cnemu.experiments.report.TextTable;
import org.cnemu.experiments.run.Suite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnemu suite [SUITE_FILE]}: runs the paper suite and writes one report. */
@Command(name = "suite", mixinStandardHelpOptions = true,
    description = {"Run the paper suite: the calibration experiments and every policy comparison the suite file's",
        "globs find (experiments/suite.conf by default), then write suite.json and one self-contained",
        "report.html that sets each measured figure beside the published one (with its band and source)."})
public final class SuiteCommand implements Callable<Integer> {
  @Parameters(paramLabel = "SUITE_FILE", arity = "0..1",
      description = "Suite file (default: experiments/suite.conf, looked up from the current folder).")
  Path file;

  @Option(names = "--out", paramLabel = "DIR", description = "Results folder (default: results/<suite name>/).")
  Path out;

  @Option(names = "--jobs", paramLabel = "N", description = "Experiments run at once (overrides suite.jobs).")
  Integer jobs;

  @Option(names = "--threads", paramLabel = "N",
      description = "Dispatcher threads per experiment (default 1; 0 = one per processor). Never changes results.")
  Integer threads = 1;

  @Option(names = "--no-report", description = "No per-experiment CSV/plots/report.html (the suite report is still written).")
  boolean noReport;

  @Option(names = {"-q", "--quiet"}, description = "Print only the path of the suite report.")
  boolean quiet;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    Path f = file != null ? file : defaultSuite();
    if (f == null) {
      stderr.println("error: no suite file given and no experiments/suite.conf here");
      return ExitCodes.BAD_INPUT;
    }
    if (jobs != null && jobs < 1) {
      stderr.println("error: --jobs must be at least 1");
      return ExitCodes.BAD_INPUT;
    }
    Suite.Spec suite;
    try {
      suite = Suite.load(f);
    } catch (IllegalArgumentException e) {
      stderr.println("error: " + e.getMessage());
      return ExitCodes.BAD_INPUT;
    }
    if (jobs != null) {
      suite = new Suite.Spec(suite.file(), suite.name(), suite.title(), suite.patterns(), suite.published(),
          suite.overrides(), jobs);
    }
    Path dir = out != null ? out : Path.of("results", suite.name());
    final int effectiveJobs = suite.jobs();
    final int[] total = {0};
    final int[] done = {0};
    Map<String, Object> doc = Suite.run(suite, dir, threads, !noReport, new Suite.Listener() {
      @Override
      public void discovered(List<Path> files) {
        total[0] = files.size();
        if (!quiet) {
          stdout.printf("cnemu: suite '%s', %d experiment files, %d at once%n", f, files.size(), jobsOf());
          stdout.flush();
        }
      }

      private int jobsOf() {
        return effectiveJobs;
      }

      @Override
      public synchronized void finished(Map<String, Object> e) {
        done[0]++;
        if (quiet) return;
        String status = String.valueOf(e.get("status"));
        String detail = e.containsKey("error") ? ": " + e.get("error")
            : e.containsKey("problems") ? ": " + e.get("problems") : "";
        stdout.printf(Locale.ROOT, "[%d/%d] %s: %s%s%s%n", done[0], total[0], e.get("file"), status, detail,
            e.containsKey("wall_seconds") ? " (" + e.get("wall_seconds") + " s)" : "");
        stdout.flush();
      }
    });
    Path report = SuiteReport.write(dir);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> figures = (List<Map<String, Object>>) doc.get("figures");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> experiments = (List<Map<String, Object>>) doc.get("experiments");
    if (!quiet) {
      TextTable t = new TextTable("figure", "published", "band", "measured", "status");
      for (Map<String, Object> fig : figures) {
        Object band = fig.get("band");
        t.row(fig.get("id"), fig.get("published"), band == null ? "-" : band.toString(),
            fig.get("measured") == null ? "-" : fig.get("measured"), fig.get("status"));
      }
      stdout.println();
      stdout.print(t.render());
      @SuppressWarnings("unchecked")
      Map<String, Object> wall = (Map<String, Object>) doc.get("wall");
      stdout.printf("%nwall: %s s%nreport: %s%n", wall.get("seconds"), report);
    } else {
      stdout.println(report);
    }
    stdout.flush();
    long failed = experiments.stream().filter(e -> "failed".equals(e.get("status")) || "invalid".equals(e.get("status"))).count();
    if (failed > 0) {
      stderr.println("error: " + failed + " experiment file" + (failed == 1 ? "" : "s") + " failed or invalid (see " + report + ")");
      return ExitCodes.FAILURE;
    }
    return ExitCodes.OK;
  }

  /** experiments/suite.conf from the current folder, or suite.conf inside experiments/. */
  private static Path defaultSuite() {
    for (Path p : List.of(Path.of("experiments", "suite.conf"), Path.of("suite.conf"))) {
      if (Files.isRegularFile(p)) return p;
    }
    return null;
  }
}
