package org.cnemu.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.ModelRegistry;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidationTest {
  @TempDir
  Path dir;

  private final ExperimentLoader loader = new ExperimentLoader();

  private List<ConfigProblem> problems(String text) throws IOException {
    return loader.load(TestFiles.write(dir, "e.conf", text)).problems();
  }

  private static ConfigProblem only(List<ConfigProblem> ps) {
    assertEquals(1, ps.size(), () -> "expected one problem, got " + ps);
    return ps.get(0);
  }

  @Test
  void validFileHasNoProblems() throws IOException {
    LoadedExperiment e = loader.load(TestFiles.phold());
    assertTrue(e.ok(), () -> e.problems().toString());
    assertEquals("phold", e.spec().experiment().getString("name"));
  }

  @Test
  void aModelsProblemWithADefaultTheFileDoesNotSetNamesTheFile() throws IOException {
    // 2,000 hosts all-to-all: within a raised flow limit, but the default 1 ms series bins over 10 ms are too many
    ConfigProblem p = only(problems(String.join("\n",
        "experiment {",
        "  model = kernel, limits { flows = 10000000, hosts = 10000 }",
        "  topology { stack = native, host-count = 2000 }",
        "  workloads = [{ id = a, pattern = all-to-all, pattern-container = \"\" }]",
        "}", "")));
    assertEquals("experiment.throughput-interval", p.key(), p.format());
    assertTrue(p.file().endsWith("e.conf"), p.format());
    assertEquals(0, p.line(), p.format());
    assertTrue(p.message().endsWith("(not set in the file: the default)"), p.format());
  }

  @Test
  void setPekkoKeysAreTuningKeysOnlyAndApplied() throws IOException {
    Path f = TestFiles.phold();
    java.util.function.Function<String, LoadedExperiment> with = set -> loader.load(f,
        org.cnemu.experiments.config.Overrides.of(List.of(), List.of(set)).config(), null);
    LoadedExperiment bad = with.apply("pekko.remote.artery.canonical.port=2552");
    ConfigProblem p = only(bad.problems());
    assertTrue(p.format().startsWith("--set pekko.remote.artery.canonical.port: pekko.remote.artery.canonical.port: "
        + "not a tuning key an experiment may set"), p.format());
    LoadedExperiment ok = with.apply("pekko.loglevel=DEBUG");
    assertTrue(ok.ok(), () -> ok.problems().toString());
    assertEquals("DEBUG", ok.spec().pekkoOverrides().getString("pekko.loglevel"));
  }

  @Test
  void aTopologyWithoutHostsIsOneProblemNotOnePerEndpoint() throws IOException {
    for (String count : List.of("-1", "0")) {
      List<ConfigProblem> ps = problems(String.join("\n",
          "experiment {",
          "  model = kernel",
          "  topology { stack = native, host-count = " + count + " }",
          "  workloads = [{ id = a, src = h1, dst = h2 }]",
          "}", ""));
      ConfigProblem p = only(ps);
      assertEquals("experiment.topology.host-count", p.key(), p.format());
      assertEquals(3, p.line(), p.format());
    }
  }

  @Test
  void typoKeySuggestsClosest() throws IOException {
    ConfigProblem p = only(problems("experiment {\n  duraton = 5ms\n}\n"));
    assertEquals(2, p.line());
    assertEquals("experiment.duraton", p.key());
    assertEquals("unknown key; did you mean 'duration'?", p.message());
    assertTrue(p.format().endsWith("e.conf:2: experiment.duraton: unknown key; did you mean 'duration'?"), p.format());
  }

  @Test
  void keyAtTheWrongLevelPointsToWhereItBelongs() throws IOException {
    ConfigProblem p = only(problems("experiment {\n  lps = 4\n}\n"));
    assertEquals("unknown key here; did you mean 'experiment.phold.lps'?", p.message());
  }

  /**
   * A key of every workload given at experiment level (--set streams=8, meant for workloads.0.streams) points to
   * the list's elements, and a key of a named host to hosts.ID; it listed the experiment's own keys only.
   */
  @Test
  void aKeyOfAListElementPointsToTheElements() throws IOException {
    Path f = TestFiles.write(dir, "w.conf", String.join("\n",
        "experiment {",
        "  model = kernel",
        "  workloads = [{ kind = iperf, src = h1/c1, dst = h2/c1 }]",
        "}", ""));
    ConfigProblem set = only(loader.load(f,
        org.cnemu.experiments.config.Overrides.of(List.of(), List.of("streams=8")).config(), null).problems());
    assertEquals("--set streams: experiment.streams: unknown key here; did you mean 'experiment.workloads.N.streams'"
        + " (N: the index of an element of experiment.workloads, from 0)?", set.format());
    ConfigProblem host = only(problems("experiment {\n  model = phold\n  containers = [c1]\n}\n"));
    assertEquals("unknown key here; did you mean 'experiment.topology.hosts.ID.containers'"
        + " (ID: the name of an entry of experiment.topology.hosts)?", host.message());
  }

  @Test
  void wrongUnitIsRejected() throws IOException {
    ConfigProblem p = only(problems("experiment.duration = 10Gbps\n"));
    assertEquals(1, p.line());
    assertTrue(p.message().startsWith("expected a duration with a unit (ns, us, ms, s)"), p.message());
    assertTrue(p.message().contains("Gbps"), p.message());
  }

  @Test
  void bareNumberForDurationIsRejected() throws IOException {
    ConfigProblem p = only(problems("experiment {\n  duration = 10\n}\n"));
    assertEquals("experiment.duration", p.key());
    assertTrue(p.message().startsWith("expected a duration with a unit (ns, us, ms, s), e.g. 10ms"), p.message());
  }

  @Test
  void unitOnAPlainNumberIsRejected() throws IOException {
    ConfigProblem p = only(problems("experiment.phold.remote = 5ms\n"));
    assertTrue(p.message().contains("expected a number") && p.message().contains("takes no unit"), p.message());
  }

  @Test
  void negativeValuesAreRejected() throws IOException {
    List<ConfigProblem> ps = problems("experiment {\n  warmup = -1ms\n  engine.threads = -2\n}\n");
    assertEquals(2, ps.size(), ps::toString);
    assertEquals("experiment.warmup", ps.get(0).key());
    assertTrue(ps.get(0).message().contains("non-negative"), ps.get(0).message());
    assertEquals("experiment.engine.threads", ps.get(1).key());
    assertEquals("must not be negative, got -2", ps.get(1).message());
  }

  /** A warmup that covers the whole run names both values (it said only "must be shorter than duration"). */
  @Test
  void aWarmupNotShorterThanTheDurationQuotesBoth() throws IOException {
    ConfigProblem p = only(problems("experiment {\n  model = phold\n  duration = 2ms\n  warmup = 5ms\n}\n"));
    assertEquals("experiment.warmup", p.key());
    assertEquals(4, p.line());
    assertEquals("must be shorter than duration (2ms); got 5ms", p.message());
  }

  /**
   * A file of workloads without {@code model = "kernel"} ran PHOLD, the default model, which reads none of them:
   * exit 0 and PHOLD's event counts. Each kernel key it sets (also swept) is now a problem at its line.
   */
  @Test
  void kernelKeysUnderTheDefaultModelAreRefused() throws IOException {
    String body = "  duration = 1ms\n  steering = rps\n  workloads = [ { src = \"h1\", dst = \"h2\" } ]\n"
        + "  sweep { topology.host-count = [2, 3] }\n}\n";
    List<ConfigProblem> ps = problems("experiment {\n" + body);
    assertEquals(List.of("experiment.steering", "experiment.workloads", "experiment.sweep.topology"),
        ps.stream().map(ConfigProblem::key).toList(), ps::toString);
    assertEquals(List.of(3, 4, 5), ps.stream().map(ConfigProblem::line).toList());
    assertEquals("a key of model 'kernel', but the file runs model 'phold' (the default: the file sets no `model`),"
        + " which ignores it; set model = \"kernel\"", ps.get(1).message());
    assertEquals("a key of model 'kernel', but the file runs model 'phold', which ignores it; set model = \"kernel\"",
        problems("experiment {\n  model = phold\n" + body).get(0).message());
    assertEquals(List.of(), problems("experiment {\n  model = kernel\n" + body));
    // the engine's keys and PHOLD's (one module) are every model's: a kernel file may keep a phold block
    assertEquals(List.of(), problems("experiment {\n  model = kernel, duration = 1ms, phold { lps = 8 }\n"
        + "  workloads = [ { src = \"h1\", dst = \"h2\" } ]\n}\n"));
  }

  /** Zero and a negative value below a duration's lower bound of 1ns read the same; non-negative keys say so. */
  @Test
  void aDurationBelowItsBoundHasOneWordingForZeroAndNegative() throws IOException {
    for (String d : List.of("-5ms", "0ms", "0ns")) {
      ConfigProblem p = only(problems("experiment {\n  model = phold\n  duration = " + d + "\n}\n"));
      assertEquals("experiment.duration", p.key());
      assertEquals(3, p.line());
      assertEquals("expected a positive duration (e.g. 10ms), got " + d, p.message());
    }
    assertEquals("expected a non-negative duration (e.g. 10ms), got -1ms",
        only(problems("experiment.warmup = -1ms\n")).message());
    assertEquals("expected a non-negative size (e.g. 1500B), got -1B", only(problems(
        "experiment { model = kernel, workloads = [ { src = \"h1/c1\", dst = \"h2/c1\", value-size = -1B } ] }\n"))
        .message());
  }

  private static final String PING = String.join("\n",
      "experiment {",
      "  model = kernel, seed = 42, warmup = 0ms",
      "  duration = %s",
      "  topology { stack = native, host-count = 2, link.delay = 1us }",
      "  workloads = [ { id = ping, kind = ping-pong, src = h1, dst = h2, message-size = 64B%s } ]",
      "}", "");

  /**
   * A kernel run that ends before any first packet could be delivered (its flows' starts, drawn in [start, start +
   * start-jitter], plus the least time the profile's costs, the wire and the NIC's moderation give a first packet:
   * 23.738 us here) would run with nothing delivered: refused in one line at the duration. Without jitter the edge
   * is the bound itself: 23738ns is refused, 23739ns is not.
   */
  @Test
  void aRunTooShortForAnyPacketIsRefusedAtItsDuration() throws IOException {
    ConfigProblem p = only(problems(PING.formatted("1ns", "")));
    assertEquals("experiment.duration", p.key());
    assertEquals(3, p.line());
    assertTrue(p.message().startsWith("1ns ends before any packet could be delivered in run 1 (seed 42): its first flow,"
        + " ping, starts at "), p.message());
    assertTrue(p.message().endsWith("(above 123.738us every flow of its workload starts in time, whatever the seed)"),
        p.message());
    assertTrue(problems(PING.formatted("123739ns", "")).isEmpty());
    assertEquals("23738ns ends before any packet could be delivered in run 1 (seed 42): its first flow, ping, starts at"
        + " 0ns (start 0ms + its draw in [0, start-jitter 0us]) and its first packet needs at least 23.738us to be"
        + " delivered (3.8us in the sender's stack, 2.038us on the wire, 17.9us of the receiver's interrupt moderation"
        + " and hard IRQ); expected a duration above 23.738us (above 23.738us every flow of its workload starts in time,"
        + " whatever the seed)", only(problems(PING.formatted("23738ns", ", start-jitter = 0us"))).message());
    assertTrue(problems(PING.formatted("23739ns", ", start-jitter = 0us")).isEmpty());
  }

  /**
   * A workload whose flows start too late for a first packet to be delivered: at its start key. After adaptive
   * moderation's first sample (1 ms) the ring may interrupt at once, so the bound is 16 us shorter than at 0.
   */
  @Test
  void aWorkloadStartingTooLateToDeliverIsRefusedAtItsStart() throws IOException {
    ConfigProblem p = only(problems(PING.formatted("10ms", ", start = 9999us")));
    assertEquals("experiment.workloads[0].start", p.key());
    assertEquals("the flow would start at 9999us and its first packet needs at least 7.738us to be delivered (3.8us in"
        + " the sender's stack, 2.038us on the wire, 1.9us of the receiver's interrupt moderation and hard IRQ): none"
        + " could be before the end of the run (duration 10ms); expected a start before 9992.262us or a duration above"
        + " 10006.738us", p.message());
    assertTrue(problems(PING.formatted("10ms", ", start = 9992us, start-jitter = 0us")).isEmpty());
  }

  /** PHOLD runs empty when it ends before the least delay, or with no event in circulation. */
  @Test
  void aPholdRunWithoutAnyEventIsRefused() throws IOException {
    ConfigProblem p = only(problems("experiment {\n  model = phold\n  duration = 100ns\n  phold.lookahead = 100ns\n}\n"));
    assertEquals("experiment.duration", p.key());
    assertEquals(3, p.line());
    assertEquals("100ns ends before the first event: every event comes at least phold.lookahead (100ns) after the one"
        + " before it, the first ones after the start; expected a duration above 100ns", p.message());
    assertTrue(problems("experiment {\n  model = phold\n  duration = 101ns\n  phold.lookahead = 100ns\n}\n").isEmpty());
    assertEquals("must be between 1 and 1000000, got 0 (with none in circulation no event would ever happen)",
        only(problems("experiment { model = phold, phold.population = 0 }\n")).message());
  }

  /**
   * A negative count below a positive lower bound is one line with that bound (as 0 gets), and no other key
   * reports a count computed from it (the flows and throughput bins it implied wrapped to 2^63 - 1).
   */
  @Test
  void aNegativeStreamCountIsOneProblemWithItsRange() throws IOException {
    String file = "experiment {\n  model = kernel\n  workloads = [ { src = h1, dst = h2, streams = %s } ]\n}\n";
    ConfigProblem neg = only(problems(file.formatted("-1")));
    assertEquals("experiment.workloads[0].streams", neg.key());
    assertEquals(3, neg.line());
    assertEquals("must be between 1 and 100000, got -1", neg.message());
    assertEquals("must be between 1 and 100000, got 0", only(problems(file.formatted("0"))).message());
  }

  /** HOCON skips a missing include silently; a misspelt include would drop its settings without a word. */
  @Test
  void aMissingIncludeIsOneProblem() throws IOException {
    String body = "experiment { model = phold, duration = 50us }\n";
    ConfigProblem p = only(problems("include \"shraed.conf\"\n" + body));
    assertEquals("include \"shraed.conf\": no such file; an include is relative to the including file's folder",
        p.message());
    assertTrue(only(problems("include file(\"" + dir.resolve("gone.conf") + "\")\n" + body)).message()
        .startsWith("include file(\"" + dir.resolve("gone.conf") + "\"): no such file"));
    TestFiles.write(dir, "shared.conf", "experiment.seed = 5\n");
    assertTrue(problems("include \"shared.conf\"\n" + body).isEmpty());
    assertTrue(problems("include \"shared\"\n" + body).isEmpty(), "a bare name finds shared.conf as HOCON does");
  }

  @Test
  void wrongTypeIsRejected() throws IOException {
    List<ConfigProblem> ps = problems("experiment {\n  engine = 4\n  name = [a]\n}\n");
    assertEquals(2, ps.size(), ps::toString);
    assertEquals("expected an object { ... }, got number 4", ps.get(0).message());
    assertEquals("expected a string, got a list", ps.get(1).message());
  }

  @Test
  void unknownModelListsValidNames() throws IOException {
    ConfigProblem p = only(problems("experiment.model = \"nosuch\"\n"));
    assertEquals("experiment.model", p.key());
    assertTrue(p.message().startsWith("unknown model 'nosuch'"), p.message());
    assertTrue(p.message().endsWith("valid models: " + String.join(", ", new ModelRegistry().all().keySet())),
        p.message());
    assertTrue(p.message().contains("phold"), p.message());
  }

  @Test
  void modelOwnChecksAreAppended() throws IOException {
    ConfigProblem p = only(problems("experiment {\n  phold {\n    remote = 1.5\n  }\n}\n"));
    assertEquals("experiment.phold.remote", p.key());
    assertEquals(3, p.line());
  }

  @Test
  void syntaxErrorNamesTheLine() throws IOException {
    ConfigProblem p = only(problems("experiment {\n  name = \"x\"\n  seed = = 4\n}\n"));
    assertEquals(3, p.line());
    assertTrue(p.file().endsWith("e.conf"), p.file());
    assertTrue(!p.message().contains("e.conf"), "message repeats the origin: " + p.message());
  }

  @Test
  void missingFile() {
    ConfigProblem p = only(loader.load(dir.resolve("nope.conf")).problems());
    assertEquals(0, p.line());
    assertTrue(p.format().endsWith("nope.conf: no such file"), p.format());
  }

  @Test
  void unknownTopLevelKeyAndMissingExperimentBlock() throws IOException {
    List<ConfigProblem> ps = problems("experimnt {\n  seed = 3\n}\n");
    assertEquals(2, ps.size(), ps::toString);
    assertTrue(ps.stream().anyMatch(p -> "experimnt".equals(p.key()) && p.line() == 1), ps::toString);
    assertTrue(ps.stream().anyMatch(p -> p.message().contains("missing the `experiment")), ps::toString);
  }

  /** A suite file given to run or validate is one problem that names the command for it. */
  @Test
  void aSuiteFileIsOneProblemNamingTheSuiteCommand() throws IOException {
    List<ConfigProblem> ps = problems("suite {\n  calibration = []\n}\n");
    assertEquals(1, ps.size(), ps::toString);
    assertEquals("suite", ps.get(0).key());
    assertEquals(1, ps.get(0).line());
    assertTrue(ps.get(0).message().contains("run it with `cnemu suite "), ps::toString);
  }

  @Test
  void pekkoAndKamonBlocksAreAllowed() throws IOException {
    assertEquals(List.of(), problems("experiment.name = x\npekko.loglevel = ERROR\nkamon { }\n"));
  }

  @Test
  void allProblemsAtOnceWithTheirLines() throws IOException {
    List<ConfigProblem> ps = problems(String.join("\n",
        "experiment {",               // 1
        "  name = \"many\"",          // 2
        "  seeed = 3",                // 3
        "  duration = 10",            // 4
        "  model = \"phlod\"",        // 5
        "  engine {",                 // 6
        "    partitions = -1",        // 7
        "    placment = \"hash\"",    // 8
        "  }",                        // 9
        "  phold.lookahead = 5KiB",   // 10
        "}",
        ""));
    assertEquals(List.of(3, 4, 5, 7, 8, 10), ps.stream().map(ConfigProblem::line).toList(), ps::toString);
    assertEquals(List.of("experiment.seeed", "experiment.duration", "experiment.model",
        "experiment.engine.partitions", "experiment.engine.placment", "experiment.phold.lookahead"),
        ps.stream().map(ConfigProblem::key).toList());
    assertTrue(ps.get(4).message().contains("did you mean 'placement'"), ps.get(4).message());
  }

  @Test
  void includesResolveRelativeToTheFileAndReportTheirOwnLines() throws IOException {
    java.nio.file.Files.createDirectories(dir.resolve("shared"));
    TestFiles.write(dir.resolve("shared"), "base.conf", "experiment {\n  phold {\n    populaton = 2\n  }\n}\n");
    TestFiles.write(dir, "main.conf", "include \"shared/base.conf\"\nexperiment.name = inc\n");
    ConfigProblem p = only(loader.load(dir.resolve("main.conf")).problems());
    assertTrue(p.file().endsWith("shared/base.conf"), p.file());
    assertEquals(3, p.line());
    assertEquals("unknown key; did you mean 'population'?", p.message());
  }

  @Test
  void includedValuesAreUsed() throws IOException {
    TestFiles.write(dir, "base.conf", "experiment.phold.lps = 7\n");
    TestFiles.write(dir, "main.conf", "include \"base.conf\"\nexperiment.name = inc\n");
    LoadedExperiment e = loader.load(dir.resolve("main.conf"));
    assertTrue(e.ok(), e.problems()::toString);
    assertEquals(7, e.spec().experiment().getInt("phold.lps"));
  }

  // --- element templates under cnemu.schema, with a test reference fragment ---

  private List<ConfigProblem> schemaProblems(String text) throws IOException {
    ExperimentLoader withSchema = new ExperimentLoader(
        ConfigFactory.parseResources("test-schema.conf").withFallback(ConfigFactory.defaultReference()).resolve(),
        new ModelRegistry());
    return withSchema.load(TestFiles.write(dir, "s.conf", text)).problems();
  }

  @Test
  void listElementsAreCheckedAgainstTheirTemplate() throws IOException {
    List<ConfigProblem> ps = schemaProblems(String.join("\n",
        "experiment.workloads = [",                                        // 1
        "  { name = a, rate = 10Gbps, size = 9000B }",                     // 2: fine
        "  { name = b, rat = 1Gbps }",                                     // 3: typo
        "  { name = c, size = 1500, count = -1, enabled = maybe }",        // 4: bare size, negative, boolean
        "  { name = d, targets = [{ host = h2, wieght = 2 }] }",           // 5: nested list element typo
        "  42",                                                            // 6: not an object
        "]",
        ""));
    assertEquals(List.of(3, 4, 4, 4, 5, 6), ps.stream().map(ConfigProblem::line).toList(), ps::toString);
    assertEquals("experiment.workloads[1].rat", ps.get(0).key());
    assertEquals("unknown key; did you mean 'rate'?", ps.get(0).message());
    assertTrue(ps.stream().anyMatch(p -> p.key().equals("experiment.workloads[2].size")
        && p.message().startsWith("expected a size with a unit")), ps::toString);
    assertTrue(ps.stream().anyMatch(p -> p.key().equals("experiment.workloads[2].count")
        && p.message().equals("must not be negative, got -1")), ps::toString);
    assertTrue(ps.stream().anyMatch(p -> p.key().equals("experiment.workloads[2].enabled")), ps::toString);
    assertEquals("experiment.workloads[3].targets[0].wieght", ps.get(4).key());
    assertEquals("experiment.workloads[4]", ps.get(5).key());
  }

  @Test
  void namedChildrenAreCheckedAgainstTheStarTemplate() throws IOException {
    List<ConfigProblem> ps = schemaProblems(String.join("\n",
        "experiment.topology.hosts {",                     // 1
        "  h1 { cores = 8, link-delay = 2us }",            // 2: fine
        "  h2 { cores = \"eight\" }",                      // 3: wrong type
        "  h3 { containers { c1 { imag = nginx } } }",     // 4: nested named child typo
        "  h4 { link-delay = 2 }",                         // 5: bare number
        "}",
        ""));
    assertEquals(List.of(3, 4, 5), ps.stream().map(ConfigProblem::line).toList(), ps::toString);
    assertEquals("experiment.topology.hosts.h2.cores", ps.get(0).key());
    assertEquals("experiment.topology.hosts.h3.containers.c1.imag", ps.get(1).key());
    assertEquals("unknown key; did you mean 'image'?", ps.get(1).message());
    assertTrue(ps.get(2).message().startsWith("expected a duration"), ps.get(2).message());
  }

  @Test
  void templateDefaultsAreNotAppliedToElements() throws IOException {
    ExperimentLoader withSchema = new ExperimentLoader(
        ConfigFactory.parseResources("test-schema.conf").withFallback(ConfigFactory.defaultReference()).resolve(),
        new ModelRegistry());
    LoadedExperiment e = withSchema.load(TestFiles.write(dir, "t.conf", "experiment.workloads = [{ name = a }]\n"));
    assertTrue(e.ok(), e.problems()::toString);
    assertEquals(List.of("name"), List.copyOf(e.spec().experiment().getConfigList("workloads").get(0).root().keySet()));
  }
}
