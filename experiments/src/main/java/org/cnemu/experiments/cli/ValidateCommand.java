package org.cnemu.experiments.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnemu validate FILE...}: every problem of every file, without running anything. */
@Command(name = "validate", mixinStandardHelpOptions = true,
    description = {"Check experiment files without running them.",
        "Prints every problem as 'file:line: key: message'; exit code 2 if there is any."})
public final class ValidateCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", arity = "1..*", description = "Check these experiment files (HOCON).")
  List<Path> files;

  @picocli.CommandLine.Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Set a key of the experiment (repeatable) before validating, as 'cnemu run --set' does.")
  List<String> sets = new java.util.ArrayList<>();

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    ExperimentLoader loader = ExperimentLoader.shared();
    Path cwd = org.cnemu.experiments.Cli.invocation(spec).cwd();
    org.cnemu.experiments.config.Overrides.Parsed overrides = org.cnemu.experiments.config.Overrides.of(List.of(), sets);
    if (!overrides.problems().isEmpty()) {
      Output.problems(spec.commandLine().getErr(), overrides.problems());
      return ExitCodes.BAD_INPUT;
    }
    boolean bad = false;
    for (Path f : files) {
      LoadedExperiment e = loader.load(f, overrides.config(), cwd);
      if (e.ok()) {
        EngineSettings s = e.spec().settings();
        String points = "";
        if (e.spec().swept()) {
          int n = e.spec().points().size();
          points = ", " + n + " point" + (n == 1 ? "" : "s");
        }
        spec.commandLine().getOut().printf("%s: ok (experiment '%s', model %s, %d run%s%s, %s virtual)%n", f, s.name(),
            s.model(), s.runs(), s.runs() == 1 ? "" : "s", points, org.cnemu.experiments.ui.Format.duration(s.durationNanos()));
      } else {
        bad = true;
        Output.problems(spec.commandLine().getErr(), e.problems());
      }
    }
    spec.commandLine().getOut().flush();
    return bad ? ExitCodes.BAD_INPUT : ExitCodes.OK;
  }
}
