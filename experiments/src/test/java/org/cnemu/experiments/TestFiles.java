package org.cnemu.experiments;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** For the tests: write experiment files, run the CLI in-process, find shipped files (public: tests of other packages). */
public final class TestFiles {
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

  /** The engine's PHOLD experiment, engine/phold.conf: a run in about a second. */
  public static Path phold() {
    return shipped("engine", "phold.conf");
  }

  /** A shipped file or folder under experiments/ (surefire runs in the module folder, an IDE in the root). */
  static Path shipped(String first, String... more) {
    Path p = Path.of(first, more);
    return Files.exists(p) ? p : Path.of("experiments").resolve(p);
  }

  /** How many of the runs run-0 .. run-(runs-1) under {@code dir} differ outside their wall, run and seed. */
  static int distinctRuns(Path dir, int runs) throws IOException {
    java.util.Set<String> distinct = new java.util.HashSet<>();
    for (int i = 0; i < runs; i++) {
      com.fasterxml.jackson.databind.node.ObjectNode res = (com.fasterxml.jackson.databind.node.ObjectNode)
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("run-" + i + "/results.json").toFile());
      res.remove(java.util.List.of("wall", "run", "seed"));
      distinct.add(res.toString());
    }
    return distinct.size();
  }
}
