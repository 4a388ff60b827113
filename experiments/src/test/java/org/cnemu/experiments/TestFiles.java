package org.cnemu.experiments;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Helpers: write experiment files, run the CLI in-process. */
final class TestFiles {
  private TestFiles() {}

  static Path write(Path dir, String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  /** The CLI's exit code and what it printed. */
  record CliRun(int code, String out, String err) {}

  static CliRun cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new CliRun(code, out.toString(), err.toString());
  }

  /** The engine's PHOLD experiment, engine/phold.conf: a run in about a second (surefire runs in the module folder). */
  static Path phold() {
    Path p = Path.of("engine", "phold.conf");
    return Files.exists(p) ? p : Path.of("experiments", "engine", "phold.conf");
  }
}
