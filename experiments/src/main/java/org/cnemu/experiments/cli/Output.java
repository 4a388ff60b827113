package org.cnemu.experiments.cli;

import java.io.PrintWriter;
import java.util.List;
import org.cnemu.emulator.model.ConfigProblem;

/** Shared printing for the commands. */
final class Output {
  private Output() {}

  /** One line per problem, in file/line order: {@code file:line: key: message}. */
  static void problems(PrintWriter err, List<ConfigProblem> problems) {
    for (ConfigProblem p : problems) err.println(p.format());
    err.println(problems.size() == 1 ? "1 problem" : problems.size() + " problems");
    err.flush();
  }
}
