package org.cnemu.experiments.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cnemu.experiments.config.Overrides;
import picocli.CommandLine.Option;

/** Options of every command that runs an experiment file (run, ab): what to change and how to execute. */
public final class ExperimentOptions {
  @Option(names = "--out", paramLabel = "DIR",
      description = "Write the results into this folder (default: experiment.output.dir, else results/<experiment name>/).")
  Path out;

  @Option(names = "--seed", paramLabel = "N", description = "Seed the experiment with N (overrides experiment.seed); run i uses N + i.")
  Long seed;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = {"Set a key of the experiment (repeatable), validated like the file: KEY is a path under "
          + "experiment (duration, phold.lps, steering) or a full path (experiment..., pekko..., kamon...); VALUE is "
          + "HOCON (4ms, [vanilla, falcon]). 'cnemu defaults KEY' shows a key's default and meaning."})
  List<String> sets = new ArrayList<>();

  @Option(names = "--threads", paramLabel = "N",
      description = "Give each run N dispatcher threads (overrides experiment.engine.threads; 0: one per processor). Never changes results.")
  Integer threads;

  @Option(names = "--partitions", paramLabel = "N",
      description = "Split each run into N engine partitions (overrides experiment.engine.partitions).")
  Integer partitions;

  @Option(names = {"-j", "--jobs"}, paramLabel = "N",
      description = "Execute N runs (repetitions, sweep points, arms) at once (default: as many as the processors hold "
          + "given each run's threads). Never changes results.")
  Integer jobs;

  @Option(names = "--no-report", description = "Write only results.json and summaries: no CSV tables, plots or report.html.")
  boolean noReport;

  @Option(names = {"-q", "--quiet"}, description = "Print only the path of the results file.")
  boolean quiet;

  /** The overrides the options ask for, or the problems of malformed --set arguments. */
  Overrides.Parsed overrides() {
    List<Overrides.Named> named = new ArrayList<>();
    if (seed != null) named.add(new Overrides.Named("--seed", "experiment.seed", seed));
    if (partitions != null) named.add(new Overrides.Named("--partitions", "experiment.engine.partitions", partitions));
    return Overrides.of(named, sets);
  }

  /** A usage mistake in the numeric options, or null. */
  String usageProblem() {
    if (threads != null && threads < 0) return "--threads must be >= 0";
    if (partitions != null && partitions < 1) return "--partitions must be >= 1";
    if (jobs != null && jobs < 1) return "--jobs must be >= 1";
    return null;
  }
}
