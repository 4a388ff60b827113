package org.cnemu.experiments.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.Invocation;
import org.cnemu.experiments.config.LoadedExperiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cnemu ab FILE}: {@code cnemu run FILE} for a file that must have a {@code compare { }} block
 * (an A/B: every arm on the same workload and seeds), so a file without one is a mistake, not a plain run.
 */
@Command(name = "ab", mixinStandardHelpOptions = true,
    description = {"Run the arms of a file's compare { } block and print each arm's ratio to the baseline.",
        "FILE must have compare { KEY = [baseline, other, ...] }; every arm runs with the same workload and seeds (with its sweep { } if any).",
        "The ratios come with their 95% intervals; it is the same as 'cnemu run FILE' on such a file."})
public final class AbCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "Run the arms of this experiment file's compare block, e.g. compare { steering = [vanilla, falcon] }.")
  Path file;

  @Mixin
  ExperimentOptions options;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Invocation invocation = Cli.invocation(spec);
    LoadedExperiment experiment = PlanCommand.load(spec.commandLine(), file, options, invocation);
    if (experiment == null) return ExitCodes.BAD_INPUT;
    if (experiment.spec().compared() == null) {
      spec.commandLine().getErr().println(experiment.file() + ": experiment.compare: missing: expected the arms to "
          + "compare, e.g. compare { steering = [vanilla, falcon] }");
      return ExitCodes.BAD_INPUT;
    }
    return PlanCommand.execute(spec.commandLine(), experiment, options, invocation, null, null);
  }
}
