package org.cnemu.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.report.Compare;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnemu compare DIR_A DIR_B}: the ratio table (B/A) of two results folders. */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"Print the ratio table of two results folders: every metric in A and B, and B/A.",
        "A folder is a run (results.json), a repeated point or a sweep (summary.json; sweeps are matched point by point on their swept values).",
        "A path to either file works too."})
public final class CompareCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DIR_A", description = "Read the baseline's results (A) from this folder.")
  Path a;

  @Parameters(index = "1", paramLabel = "DIR_B", description = "Read the results compared with the baseline (B) from this folder.")
  Path b;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    for (Path p : new Path[] {a, b}) {
      if (!java.nio.file.Files.exists(p)) {
        err.println("error: " + p + ": no such folder");
        return ExitCodes.BAD_INPUT;
      }
    }
    try {
      out.print(Compare.format(Compare.compare(a, b)));
      out.flush();
      return ExitCodes.OK;
    } catch (NoSuchFileException e) {
      err.println("error: " + e.getFile() + ": neither results.json nor summary.json here (not a results folder)");
      return ExitCodes.BAD_INPUT;
    } catch (IOException | RuntimeException e) {
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' ');
      err.println("error: cannot compare " + a + " and " + b + ": " + msg);
      return ExitCodes.BAD_INPUT;
    }
  }
}
