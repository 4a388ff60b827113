package org.cnemu.experiments.cli;

import java.util.concurrent.Callable;
import org.cnemu.experiments.ExitCodes;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands ({@code cnemu}, {@code bench}, {@code cluster}, {@code daemon}): alone, it prints its usage and exits 2. */
public abstract class CommandGroup implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.BAD_INPUT;
  }
}
