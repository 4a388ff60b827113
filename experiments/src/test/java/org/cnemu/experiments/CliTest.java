package org.cnemu.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes and messages a user sees; never a stack trace for their mistakes. */
class CliTest {
  @TempDir
  Path dir;

  private static void noStackTrace(TestFiles.CliRun r) {
    String all = r.out() + r.err();
    assertFalse(all.contains("\tat ") || all.contains("Exception"), () -> "stack trace or exception name:\n" + all);
  }

  @Test
  void validateBadFileExits2WithOneLinePerProblem() throws IOException {
    Path f = TestFiles.write(dir, "bad.conf", "experiment {\n  duraton = 1ms\n  seed = -1\n}\n");
    TestFiles.CliRun r = TestFiles.cli("validate", f.toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    noStackTrace(r);
    String[] lines = r.err().strip().split("\n");
    assertEquals(3, lines.length, r.err());
    assertEquals(f + ":2: experiment.duraton: unknown key; did you mean 'duration'?", lines[0]);
    assertEquals(f + ":3: experiment.seed: must not be negative, got -1", lines[1]);
    assertEquals("2 problems", lines[2]);
  }

  @Test
  void theRunHeaderSaysThePartitionsAndTheThreadsThatRunThem() throws IOException {
    Path f = TestFiles.write(dir, "h.conf", "experiment { name = h, duration = 20us, model = phold, "
        + "phold { lps = 4, population = 1 } }\n");
    // one partition runs on the calling thread, whatever the dispatcher's size (default: one per processor)
    // more run on the dispatcher's threads, at most one per partition
    for (String[] c : new String[][] {{"", "", "1 partition on 1 thread", "1 / 1"},
        {"4", "2", "4 partitions on 2 threads", "4 / 2"}, {"2", "8", "2 partitions on 2 threads", "2 / 2"}}) {
      java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run", f.toString(), "--out",
          dir.resolve("h" + c[0]).toString(), "--no-report"));
      if (!c[0].isEmpty()) args.addAll(java.util.List.of("--partitions", c[0], "--threads", c[1]));
      TestFiles.CliRun r = TestFiles.cli(args.toArray(String[]::new));
      assertEquals(ExitCodes.OK, r.code(), r.err());
      String header = r.out().lines().findFirst().orElse("");
      assertTrue(header.endsWith(", 20us virtual, " + c[2]), header);
      assertTrue(java.util.regex.Pattern.compile("\npartitions / threads +" + c[3] + "\n").matcher(r.out()).find(),
          r.out());
    }
  }

  @Test
  void validateGoodFileExits0() {
    TestFiles.CliRun r = TestFiles.cli("validate", TestFiles.phold().toString());
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertTrue(r.out().contains(": ok"), r.out());
  }

  @Test
  void runInvalidFileExits2AndWritesNothing() throws IOException {
    Path f = TestFiles.write(dir, "bad.conf", "experiment.duration = 10\n");
    TestFiles.CliRun r = TestFiles.cli("run", f.toString(), "--out", dir.resolve("out").toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    noStackTrace(r);
    assertTrue(r.err().contains("expected a duration with a unit (ns, us, ms, s), e.g. 10ms"), r.err());
    assertFalse(dir.resolve("out").toFile().exists());
  }

  @Test
  void missingFileExits2() {
    TestFiles.CliRun r = TestFiles.cli("run", dir.resolve("nope.conf").toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    noStackTrace(r);
    assertTrue(r.err().startsWith(dir.resolve("nope.conf") + ": no such file"), r.err());
  }

  @Test
  void syntaxErrorExits2() throws IOException {
    Path f = TestFiles.write(dir, "s.conf", "experiment {\n  name = \"x\"\n  seed = = 1\n");
    TestFiles.CliRun r = TestFiles.cli("validate", f.toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    noStackTrace(r);
    assertTrue(r.err().startsWith(f + ":3: "), r.err());
  }

  @Test
  void usageErrorsExit2WithoutStackTrace() {
    TestFiles.CliRun r = TestFiles.cli("run", "--thread", "3", "x.conf");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    noStackTrace(r);
    assertTrue(r.err().contains("--threads"), "suggests the right option: " + r.err());

    TestFiles.CliRun unknown = TestFiles.cli("frobnicate");
    assertEquals(ExitCodes.BAD_INPUT, unknown.code());
    // picocli said "Unmatched argument at index 0: 'frobnicate'"
    assertTrue(unknown.err().startsWith("error: unknown command 'frobnicate'; commands: run, validate, "), unknown.err());
    TestFiles.CliRun typo = TestFiles.cli("rnu", "x.conf");
    assertTrue(typo.err().startsWith("error: unknown command 'rnu' (did you mean 'run'?); commands: run, "), typo.err());
    TestFiles.CliRun extra = TestFiles.cli("validate", TestFiles.phold().toString(), "--frob");
    assertTrue(extra.err().startsWith("error: Unknown option: '--frob'"), extra.err());
    assertEquals(ExitCodes.BAD_INPUT, TestFiles.cli("run", TestFiles.phold().toString(), "--threads", "-1").code());
    assertEquals(ExitCodes.BAD_INPUT, TestFiles.cli("bench", "phold", "--lps", "0").code());
    assertEquals(ExitCodes.BAD_INPUT, TestFiles.cli().code());
  }

  /**
   * Every option's mistake names the option as typed: a named option that sets a key says so as --set does
   * ({@code --seed: experiment.seed: ...}, not "command line"), and the bench options say {@code --lps}, not
   * PholdParams' {@code lps}. A negative --mean-delay-ns ran into a causality violation (exit 1).
   */
  @Test
  void everyOptionsMistakeNamesTheOptionAsTyped() {
    TestFiles.CliRun seed = TestFiles.cli("validate", TestFiles.phold().toString(), "--set", "seed=1");
    assertEquals(ExitCodes.OK, seed.code(), seed.err());
    TestFiles.CliRun neg = TestFiles.cli("run", TestFiles.phold().toString(), "--seed", "-1", "--out",
        dir.resolve("o").toString());
    assertEquals(ExitCodes.BAD_INPUT, neg.code());
    assertEquals("--seed: experiment.seed: must not be negative, got -1", neg.err().lines().findFirst().orElse(""));
    String[][] cases = {
        {"--lps must be >= 1", "bench", "phold", "--lps", "0"},
        {"--population must be >= 1", "bench", "phold", "--population", "0"},
        {"--lookahead-ns must be >= 1", "bench", "phold", "--lookahead-ns", "0"},
        {"--mean-delay-ns must be >= 0", "bench", "phold", "--mean-delay-ns", "-1"},
        {"--remote must be between 0 and 1", "bench", "phold", "--remote", "2"},
        {"--threads must be >= 0", "bench", "phold", "--threads", "-1"},
        {"--partitions must be >= 0", "bench", "phold", "--partitions", "-1"},
        {"--threads must be >= 0", "bench", "star", "--threads", "-1"},
        {"--jobs must be >= 1", "suite", TestFiles.phold().toString(), "--jobs", "0"},
        {"--threads must be >= 0", "suite", TestFiles.phold().toString(), "--threads", "-1"},
    };
    for (String[] c : cases) {
      TestFiles.CliRun r = TestFiles.cli(java.util.Arrays.copyOfRange(c, 1, c.length));
      assertEquals(ExitCodes.BAD_INPUT, r.code(), () -> String.join(" ", c) + ": " + r.out() + r.err());
      assertEquals("error: " + c[0], r.err().lines().findFirst().orElse(""), () -> String.join(" ", c));
      noStackTrace(r);
    }
  }

  @Test
  void helpVersionAndListModels() {
    TestFiles.CliRun help = TestFiles.cli("--help");
    assertEquals(ExitCodes.OK, help.code());
    for (String c : new String[] {"run", "validate", "list-models", "bench"}) assertTrue(help.out().contains(c), help.out());
    assertEquals(ExitCodes.OK, TestFiles.cli("--version").code());
    TestFiles.CliRun models = TestFiles.cli("list-models");
    assertEquals(ExitCodes.OK, models.code());
    assertTrue(models.out().lines().anyMatch(l -> l.startsWith("phold ")), models.out());
  }

  @Test
  void benchPholdRunsAndPrintsTheRatio() {
    TestFiles.CliRun r = TestFiles.cli("bench", "phold", "--lps", "16", "--population", "2", "--end-ns", "20000",
        "--repeat", "1", "--threads", "1");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertTrue(r.out().contains("ratio"), r.out());
  }

  @Test
  void aSubcommandsCommandLineIsKeptAndEachCommandStartsFromItsDefaults() {
    String file = TestFiles.phold().toString();
    TestFiles.CliRun bad = TestFiles.cli("validate", file, "--set", "experiment.seed=-1");
    assertEquals(ExitCodes.BAD_INPUT, bad.code(), bad.err());
    picocli.CommandLine kept = Cli.kept("validate");
    assertTrue(kept != null);
    // the next command uses the same command line, and neither the --set nor the streams of the last one
    TestFiles.CliRun good = TestFiles.cli("validate", file);
    assertEquals(ExitCodes.OK, good.code(), good.err());
    assertTrue(good.out().contains(": ok") && good.err().isEmpty(), good.out() + good.err());
    assertSame(kept, Cli.kept("validate"));
  }

  @Test
  void aNamedSubcommandBuildsOnlyItsOwnModelAndUsageStillListsAll() {
    // start-up: `run` and `validate` do not pay for every subcommand's picocli model
    assertEquals(java.util.Set.of("run"),
        Cli.commandLine(Invocation.local(), new String[] {"run", "x.conf"}).getSubcommands().keySet());
    assertTrue(Cli.commandLine(Invocation.local(), new String[] {"--help"}).getSubcommands().keySet()
        .containsAll(java.util.List.of("run", "validate", "suite", "cluster", "daemon", "help")));
    TestFiles.CliRun r = TestFiles.cli("--help");
    assertEquals(ExitCodes.OK, r.code());
    for (String c : new String[] {"run", "validate", "list-models", "bench", "suite", "compare", "cluster", "ab",
        "list-policies", "daemon", "help"}) {
      assertTrue(r.out().contains("  " + c + " "), () -> c + " missing from usage:\n" + r.out());
    }
    TestFiles.CliRun typo = TestFiles.cli("rn", "x");
    assertEquals(ExitCodes.BAD_INPUT, typo.code());
    TestFiles.CliRun help = TestFiles.cli("help", "validate");
    assertTrue(help.out().contains("Usage: cnemu validate"), help.out() + help.err());
  }

  /** Every line of every command's description is a whole sentence: the command list shows the first one alone. */
  @Test
  void commandDescriptionsAreWholeSentences() {
    java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>();
    todo.add(Cli.commandLine(Invocation.local(), new String[] {"--help"}));
    int n = 0;
    while (!todo.isEmpty()) {
      picocli.CommandLine c = todo.poll();
      todo.addAll(c.getSubcommands().values());
      // picocli's own `help` command is picocli's text
      if (c.getCommandSpec().usageMessage().hidden() || c.getCommandName().equals("help")) continue;
      for (String line : c.getCommandSpec().usageMessage().description()) {
        n++;
        assertTrue(line.endsWith(".") && Character.isUpperCase(line.codePointAt(0)) || line.startsWith("cnemu: "),
            c.getCommandName() + ": not a whole sentence: " + line);
      }
    }
    assertTrue(n > 20);
  }
  /**
   * Every option and parameter of every command is described by whole sentences (a capital letter first,
   * a full stop last, at least three words: a bare noun phrase such as "Results folder" says too little).
   */
  @Test
  void optionDescriptionsAreWholeSentences() {
    java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>();
    todo.add(Cli.commandLine(Invocation.local(), new String[] {"--help"}));
    java.util.List<String> bad = new java.util.ArrayList<>();
    int n = 0;
    while (!todo.isEmpty()) {
      picocli.CommandLine c = todo.poll();
      todo.addAll(c.getSubcommands().values());
      if (c.getCommandSpec().usageMessage().hidden() || c.getCommandName().equals("help")) continue;
      java.util.List<picocli.CommandLine.Model.ArgSpec> args = new java.util.ArrayList<>(c.getCommandSpec().options());
      args.addAll(c.getCommandSpec().positionalParameters());
      for (picocli.CommandLine.Model.ArgSpec a : args) {
        if (a.hidden()) continue;
        n++;
        String what = c.getCommandSpec().qualifiedName() + " " + (a instanceof picocli.CommandLine.Model.OptionSpec o
            ? o.longestName() : a.paramLabel());
        String d = String.join(" ", a.description()).strip();
        if (!sentence(d)) bad.add(what + ": " + d);
      }
    }
    assertTrue(bad.isEmpty(), bad.size() + " descriptions are not whole sentences:\n" + String.join("\n", bad));
    assertTrue(n > 50, n + " options and parameters");
  }

  /**
   * A capital letter (or a quoted name) first, a full stop last, at least three words outside parentheses
   * ("Results folder (default: ...)." is a bare noun phrase with an aside).
   */
  static boolean sentence(String d) {
    if (d.isEmpty() || !d.endsWith(".")) return false;
    int first = d.codePointAt(0);
    if (!Character.isUpperCase(first) && first != '\'' && first != '`') return false;
    int words = 0;
    for (String w : d.replaceAll("\\([^()]*\\)", " ").split("\\s+")) if (w.matches(".*\\w.*")) words++;
    return words >= 3;
  }

  /**
   * --prometheus with --coordinate-only would serve no model series at all (this JVM hosts no partition and the
   * nodes serve no metrics): refused before anything connects or runs, not an empty dashboard.
   */
  @Test
  void prometheusWithCoordinateOnlyIsRefused() {
    TestFiles.CliRun r = TestFiles.cli("run", TestFiles.phold().toString(), "--cluster", "127.0.0.1:1",
        "--coordinate-only", "--prometheus", "9", "--out", dir.resolve("out").toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    noStackTrace(r);
    assertTrue(r.err().contains("--coordinate-only hosts none"), r.err());
    assertFalse(dir.resolve("out").toFile().exists());
  }

  /** --jobs with --cluster was accepted and ignored (the nodes' job slots decide): refused before anything connects. */
  @Test
  void jobsWithClusterIsRefused() {
    TestFiles.CliRun r = TestFiles.cli("run", TestFiles.phold().toString(), "--cluster", "127.0.0.1:1", "--jobs", "8",
        "--out", dir.resolve("out").toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    noStackTrace(r);
    assertTrue(r.err().contains("--jobs has no effect with --cluster"), r.err());
    assertFalse(dir.resolve("out").toFile().exists());
  }
}
