package org.cnemu.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cnemu.emulator.model.ModelRegistry;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;
import org.cnemu.experiments.run.ExperimentRunner;
import org.cnemu.policies.AbComparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cnemu ab FILE}: runs every policy listed in {@code experiment.compare.steering} on the same
 * workload, topology and seed (common random numbers), each into {@code DIR/<policy>/}, and prints
 * the ratio table of every arm against the first.
 */
@Command(name = "ab", mixinStandardHelpOptions = true,
    description = {"A/B comparison of steering policies: one experiment, run once per policy in",
        "experiment.compare.steering (same seed and workload), then a ratio table against the first."})
public final class AbCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "Experiment file with experiment.compare.steering = [vanilla, ...].")
  Path file;

  @Option(names = "--out", paramLabel = "DIR", description = "Results folder (default results/<name>/); one sub-folder per arm.")
  Path out;

  @Option(names = "--threads", paramLabel = "N", description = "Dispatcher threads (never changes results).")
  Integer threads;

  @Option(names = "--no-report", description = "Write only results.json per arm.")
  boolean noReport;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    LoadedExperiment experiment = new ExperimentLoader().load(file, Map.of());
    if (!experiment.ok()) {
      Output.problems(stderr, experiment.problems());
      return ExitCodes.BAD_INPUT;
    }
    if (!AbComparison.isComparison(experiment.experiment())) {
      stderr.println(experiment.file() + ": experiment.compare.steering: expected a non-empty list of policies to"
          + " compare, e.g. compare { steering = [vanilla, falcon] }");
      return ExitCodes.BAD_INPUT;
    }
    EngineSettings s = EngineSettings.from(experiment.experiment());
    ExperimentRunner.Options options = new ExperimentRunner.Options(out, threads, !noReport);
    Path dir = ExperimentRunner.outputDir(s, options);
    ExperimentRunner runner = new ExperimentRunner(new ModelRegistry().get(s.model()));
    List<String> labels = new ArrayList<>();
    List<Map<String, Object>> results = new ArrayList<>();
    for (AbComparison.Variant v : AbComparison.variants(experiment.experiment())) {
      stdout.printf("arm %s ...%n", v.label());
      stdout.flush();
      ExperimentRunner.PointOutcome o = runner.runPoint(v.experiment(), experiment.pekkoOverrides(),
          dir.resolve(v.label()), options, new ExperimentRunner.Listener() {});
      ExperimentRunner.RunOutcome failed = o.firstFailure();
      if (failed != null) {
        stderr.println("error: arm " + v.label() + " failed: " + failed.error());
        return ExitCodes.FAILURE;
      }
      labels.add(v.label());
      results.add(new LinkedHashMap<>(o.runs().get(0).document()));
    }
    stdout.println();
    stdout.print(AbComparison.table(labels, results));
    stdout.println();
    stdout.println("results: " + dir);
    stdout.flush();
    return ExitCodes.OK;
  }
}
