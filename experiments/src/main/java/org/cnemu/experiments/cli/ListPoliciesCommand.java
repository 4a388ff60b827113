package org.cnemu.experiments.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cnemu.kernel.api.SteeringPolicyProvider;
import org.cnemu.kernel.api.SteeringRegistry;
import org.cnemu.experiments.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cnemu list-policies}: the steering policies an experiment can select, one line each. */
@Command(name = "list-policies", mixinStandardHelpOptions = true,
    description = "List the steering policies an experiment can select with `steering = NAME`.")
public final class ListPoliciesCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Map<String, SteeringPolicyProvider<?>> all = new SteeringRegistry().all();
    int width = all.keySet().stream().mapToInt(String::length).max().orElse(0);
    for (var e : all.entrySet()) {
      out.printf("%-" + width + "s  %s%n", e.getKey(), e.getValue().description());
    }
    out.flush();
    return ExitCodes.OK;
  }
}
