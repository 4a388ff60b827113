package org.cnemu.experiments.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.cnemu.emulator.model.ModelProvider;
import org.cnemu.emulator.model.ModelRegistry;
import org.cnemu.experiments.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cnemu list-models}: the names valid for {@code experiment.model}. */
@Command(name = "list-models", mixinStandardHelpOptions = true,
    description = "List the models an experiment can select with `model = NAME`.")
public final class ListModelsCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    ModelRegistry registry = new ModelRegistry();
    if (registry.all().isEmpty()) {
      spec.commandLine().getErr().println("error: no models on the class path");
      return ExitCodes.FAILURE;
    }
    int width = registry.all().keySet().stream().mapToInt(String::length).max().orElse(0);
    for (ModelProvider<?> p : registry.all().values()) {
      out.printf("%-" + width + "s  %s%n", p.name(), p.description());
    }
    out.flush();
    return ExitCodes.OK;
  }
}
