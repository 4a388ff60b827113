package org.cnemu.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.cnemu.experiments.run.OutputFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner owns its folder: a lock, no stale results, no temp files, no escape, one file mode. */
class OutputSafetyTest {
  @TempDir
  Path dir;

  private Path quick(String name, String extra) throws IOException {
    return TestFiles.write(dir, name + ".conf", "experiment { name = " + name + ", duration = 50us, model = phold, "
        + "phold { lps = 4, population = 1 }\n" + extra + "\n}\n");
  }

  @Test
  void aSecondRunIntoALockedFolderRefusesWithExit2() throws IOException {
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    // a live owner: this JVM (as a concurrent run in the daemon would be)
    Files.writeString(out.resolve(OutputFolder.LOCK_FILE), "pid " + ProcessHandle.current().pid() + " host "
        + java.net.InetAddress.getLocalHost().getHostName() + "\n");
    TestFiles.CliRun r = TestFiles.cli("run", quick("q", "").toString(), "--out", out.toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.out() + r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: " + out + " is in use by another cnemu run (pid "), r.err());
    assertFalse(Files.exists(out.resolve("results.json")), "nothing written");
    // the owner gone (a pid that cannot be alive): the lock is stale and taken over, then released
    Files.writeString(out.resolve(OutputFolder.LOCK_FILE), "pid " + Long.MAX_VALUE + " host "
        + java.net.InetAddress.getLocalHost().getHostName() + "\n");
    TestFiles.CliRun again = TestFiles.cli("run", quick("q", "").toString(), "--out", out.toString(), "-q");
    assertEquals(ExitCodes.OK, again.code(), again.err());
    assertFalse(Files.exists(out.resolve(OutputFolder.LOCK_FILE)), "released at the end");
  }

  @Test
  void aRerunRemovesStaleRunAndPointFoldersReportsAndTempFiles() throws IOException {
    Path out = dir.resolve("out");
    Files.createDirectories(out.resolve("point-007/run-3"));
    Files.writeString(out.resolve("point-007/run-3/results.json"), "{\"complete\": true}");
    Files.createDirectories(out.resolve("run-5"));
    Files.writeString(out.resolve("run-5/results.json"), "{\"complete\": true}");
    Files.writeString(out.resolve("summary.json"), "{\"complete\": true}");
    Files.writeString(out.resolve(".results.json.123.tmp"), "");
    Files.createDirectories(out.resolve("notes"));
    Files.writeString(out.resolve("notes/mine.txt"), "kept");
    // an earlier sweep's report layer: with --no-report this run writes none, so none may be left
    for (String f : List.of("report.html", "summary.csv", "flows.csv", "sweep-total.throughput_gbps.png",
        "sweep-total.throughput_gbps.svg", "journeys-f1.png", "cores-hosts.svg")) {
      Files.writeString(out.resolve(f), "stale");
    }
    Files.writeString(out.resolve("mine.png"), "kept");
    TestFiles.CliRun r = TestFiles.cli("run", quick("q", "runs = 2").toString(), "--out", out.toString(), "-q",
        "--no-report");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    try (Stream<Path> files = Files.walk(out)) {
      assertEquals(List.of("mine.png", "notes/mine.txt", "run-0/results.json", "run-1/results.json", "summary.json"),
          files.filter(Files::isRegularFile).map(p -> out.relativize(p).toString()).sorted().toList());
    }
  }

  @Test
  void everyResultFileIsGroupReadable() throws IOException {
    Path out = dir.resolve("out");
    TestFiles.CliRun r = TestFiles.cli("run", quick("q", "runs = 2").toString(), "--out", out.toString(), "-q");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    for (Path p : List.of(out.resolve("run-0/results.json"), out.resolve("summary.json"))) {
      assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
    }
  }

  @Test
  void aNameThatIsNotAPlainFileNameIsRejected() throws IOException {
    for (String name : List.of("\"../../loot\"", "\"a/b\"", "\"..\"")) {
      TestFiles.CliRun r = TestFiles.cli("validate", TestFiles.write(dir, "n.conf",
          "experiment {\n  name = " + name + "\n}\n").toString());
      assertEquals(ExitCodes.BAD_INPUT, r.code(), name);
      assertTrue(r.err().contains(":2: experiment.name: must be a plain file name"), r.err());
    }
    assertFalse(Files.exists(dir.resolve("../loot")));
  }

  @Test
  void setOverridesAreValidatedAndNamedBySet() throws IOException {
    Path f = quick("q", "");
    TestFiles.CliRun bad = TestFiles.cli("run", f.toString(), "--set", "duration=5", "--set", "phold.lpz=3",
        "--out", dir.resolve("x").toString());
    assertEquals(ExitCodes.BAD_INPUT, bad.code());
    List<String> lines = bad.err().strip().lines().toList();
    assertEquals(3, lines.size(), bad.err());
    assertTrue(lines.get(0).startsWith("--set duration: experiment.duration: "), lines.get(0));
    assertTrue(lines.get(1).startsWith("--set phold.lpz: experiment.phold.lpz: "), lines.get(1));
    assertTrue(lines.get(1).contains("did you mean 'lps'"), lines.get(1));
    TestFiles.CliRun malformed = TestFiles.cli("validate", f.toString(), "--set", "duration");
    assertEquals(ExitCodes.BAD_INPUT, malformed.code());
    assertTrue(malformed.err().startsWith("--set duration: expected KEY=VALUE"), malformed.err());

    Path out = dir.resolve("ok");
    TestFiles.CliRun ok = TestFiles.cli("run", f.toString(), "--set", "duration=20us", "--set", "experiment.seed=9",
        "--out", out.toString(), "-q", "--no-report");
    assertEquals(ExitCodes.OK, ok.code(), ok.err());
    String results = Files.readString(out.resolve("results.json"));
    assertTrue(results.contains("\"virtual_end_ns\" : 20000"), results);
    assertTrue(results.contains("\"seed\" : 9"), results);
  }

  @Test
  void setResolvesSubstitutionsAgainstTheExperimentAsTheFileDoes() throws IOException {
    Path f = quick("q", "");
    Path out = dir.resolve("subst");
    // ${...} of the file (phold.lps), of the reference (phold.mean-delay, model) and of another --set (seed)
    TestFiles.CliRun ok = TestFiles.cli("run", f.toString(), "--set", "phold.population=${experiment.phold.lps}",
        "--set", "warmup=${experiment.phold.mean-delay}", "--set", "name=${experiment.model}-${experiment.seed}",
        "--set", "seed=7", "--out", out.toString(), "-q", "--no-report");
    assertEquals(ExitCodes.OK, ok.code(), ok.err());
    JsonNode config = new ObjectMapper().readTree(out.resolve("results.json").toFile()).get("config");
    assertEquals(4, config.get("phold").get("population").asInt(), config.toString());
    assertEquals("1us", config.get("warmup").asText(), config.toString());
    assertEquals("phold-7", config.get("name").asText(), config.toString());
    // a block from a substitution with a key set inside it: merged as HOCON merges the file's
    TestFiles.CliRun block = TestFiles.cli("run", f.toString(), "--set", "phold=${experiment.phold}", "--set",
        "phold.remote=0.25", "--out", out.toString(), "-q", "--no-report");
    assertEquals(ExitCodes.OK, block.code(), block.err());
    JsonNode phold = new ObjectMapper().readTree(out.resolve("results.json").toFile()).get("config").get("phold");
    assertEquals(0.25, phold.get("remote").asDouble(), phold.toString());
    assertEquals(4, phold.get("lps").asInt(), phold.toString());

    // a path without its value, or a value of the wrong kind: one line named by the --set, exit 2
    for (String[] c : new String[][] {
        {"duration=${warmup}", "--set duration: no value for ${warmup} (a substitution takes the full path: "
            + "${experiment.warmup})"},
        {"duration=${experiment.seed}", "--set duration: experiment.duration: expected a duration with a unit"}}) {
      TestFiles.CliRun bad = TestFiles.cli("run", f.toString(), "--set", c[0], "--out", dir.resolve("bad").toString());
      assertEquals(ExitCodes.BAD_INPUT, bad.code(), c[0] + ": " + bad.err());
      List<String> lines = bad.err().strip().lines().toList();
      assertEquals(2, lines.size(), bad.err()); // the problem and "1 problem"
      assertTrue(lines.get(0).startsWith(c[1]), lines.get(0));
      assertFalse(Files.exists(dir.resolve("bad/results.json")), c[0]);
    }
  }

  @Test
  void anOutFolderThatCannotBeCreatedIsOneLineAndExit2() throws IOException {
    Path file = TestFiles.write(dir, "a-file", "not a folder\n");
    for (Path out : List.of(file, file.resolve("sub"))) {
      TestFiles.CliRun r = TestFiles.cli("run", quick("q", "").toString(), "--out", out.toString(), "-q");
      assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().startsWith("error: " + out + ": cannot create the results folder ("), r.err());
      assertFalse(r.err().contains("Exception"), r.err());
      // without -q too: nothing on stdout (the "cnemu: experiment ..." header came before the refusal)
      TestFiles.CliRun loud = TestFiles.cli("run", quick("q", "").toString(), "--out", out.toString());
      assertEquals(ExitCodes.BAD_INPUT, loud.code(), loud.err());
      assertEquals("", loud.out());
      assertEquals(1, loud.err().strip().lines().count(), loud.err());
    }
    assertEquals("not a folder\n", Files.readString(file));
  }

  @Test
  void setIndexesAListOfTheFileAsASweepDoes() throws IOException {
    Path f = TestFiles.write(dir, "two.conf", String.join("\n",
        "experiment {",
        "  name = two, duration = 200us, warmup = 0us, model = kernel, profile = hotcloud19",
        "  topology { stack = native, host-count = 3, link { delay = 1us } }",
        "  workloads = [",
        "    { id = a, protocol = udp, src = h1, dst = h2, message-size = 1000B, rate = 1Gbps }",
        "    { id = b, protocol = udp, src = h3, dst = h2, message-size = 1000B, rate = 1Gbps }",
        "  ]",
        "}", ""));
    Path out = dir.resolve("two");
    TestFiles.CliRun ok = TestFiles.cli("run", f.toString(), "--set", "workloads.1.rate=2Gbps", "--set",
        "workloads.1.message-size=500B", "--out", out.toString(), "-q", "--no-report");
    assertEquals(ExitCodes.OK, ok.code(), ok.err());
    com.fasterxml.jackson.databind.JsonNode w = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(out.resolve("results.json").toFile()).get("config").get("workloads");
    assertEquals(2, w.size(), w.toString());
    assertEquals("1Gbps", w.get(0).get("rate").asText(), w.toString()); // the other element and keys untouched
    assertEquals("h3", w.get(1).get("src").asText(), w.toString());
    assertEquals("2Gbps", w.get(1).get("rate").asText(), w.toString());
    assertEquals("500B", w.get(1).get("message-size").asText(), w.toString());

    // a bad key, value or index inside the list: one line naming the --set, exit 2, nothing written
    for (String[] c : new String[][] {{"workloads.1.ratez=2Gbps", "--set workloads.1.ratez: experiment.workloads[1].ratez: unknown key; did you mean 'rate'?"},
        {"workloads.1.rate=2Gbs", "--set workloads.1.rate: experiment.workloads[1].rate: expected a rate with a unit"},
        {"workloads.2.rate=2Gbps", "--set workloads.2.rate: experiment.workloads.2.rate: no element 2 in 'experiment.workloads' (it has 2)"}}) {
      Path bad = dir.resolve("bad");
      TestFiles.CliRun r = TestFiles.cli("run", f.toString(), "--set", c[0], "--out", bad.toString());
      assertEquals(ExitCodes.BAD_INPUT, r.code(), c[0] + ": " + r.err());
      List<String> lines = r.err().strip().lines().toList();
      assertEquals(2, lines.size(), r.err()); // the problem and "1 problem"
      assertTrue(lines.get(0).startsWith(c[1]), lines.get(0));
      assertFalse(Files.exists(bad), "nothing written for " + c[0]);
    }
  }

  @Test
  void defaultsPrintsAKeyWithItsComment() {
    TestFiles.CliRun r = TestFiles.cli("defaults", "engine.threads");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertTrue(r.out().contains("# Threads for the partitions (in one JVM, each runs a block of them); 0 = one per available processor."), r.out());
    assertTrue(r.out().contains("experiment.engine.threads = 0"), r.out());
    TestFiles.CliRun block = TestFiles.cli("defaults", "phold");
    assertTrue(block.out().startsWith("# PHOLD"), block.out());
    assertTrue(block.out().contains("experiment.phold {\n"), block.out());
    assertTrue(block.out().contains("  # Logical processes.\n  lps=64\n"), block.out());
    TestFiles.CliRun none = TestFiles.cli("defaults", "enigne");
    assertEquals(ExitCodes.BAD_INPUT, none.code());
    assertTrue(none.err().contains("did you mean 'engine'"), none.err());
  }

  @Test
  void defaultsOfAnUnknownKeyListsTheValidNamesAndAListElementsKeyItsTemplate() {
    TestFiles.CliRun none = TestFiles.cli("defaults", "engine.threadz");
    assertEquals(ExitCodes.BAD_INPUT, none.code());
    assertEquals(1, none.err().strip().lines().count(), none.err());
    assertTrue(none.err().startsWith("error: no default for 'engine.threadz' (did you mean 'engine.threads'?); "
        + "valid names in experiment.engine: partitions, placement, threads"), none.err());
    TestFiles.CliRun top = TestFiles.cli("defaults", "xyzzy");
    assertEquals(ExitCodes.BAD_INPUT, top.code());
    assertTrue(top.err().contains("valid names in experiment: duration, engine, "), top.err());
    // a workload's key (with or without the element's index): the template every workload starts from
    for (String k : List.of("workloads.rate", "workloads.1.rate")) {
      TestFiles.CliRun r = TestFiles.cli("defaults", k);
      assertEquals(ExitCodes.OK, r.code(), k + ": " + r.err());
      assertTrue(r.out().contains("cnemu.schema.experiment.workloads.rate = \"0bps\""), r.out());
      assertTrue(r.out().startsWith("# Offered rate per stream"), r.out());
    }
    TestFiles.CliRun host = TestFiles.cli("defaults", "topology.hosts.h2.cpus");
    assertEquals(ExitCodes.OK, host.code(), host.err());
    assertTrue(host.out().contains("cnemu.schema.experiment.topology.hosts.\"*\".cpus = 0"), host.out());
    // a key of overrides: the profile's key of the same path (the schema validation checks overrides against)
    TestFiles.CliRun irq = TestFiles.cli("defaults", "overrides.costs.irq");
    assertEquals(ExitCodes.OK, irq.code(), irq.err());
    assertTrue(irq.out().contains("# Hard IRQ: ") && irq.out().contains("cnemu.schema.experiment.overrides.costs.irq = "),
        irq.out());
    TestFiles.CliRun irqz = TestFiles.cli("defaults", "overrides.costs.irqz");
    assertEquals(ExitCodes.BAD_INPUT, irqz.code());
    assertTrue(irqz.err().contains("valid names in cnemu.schema.experiment.overrides.costs: app-per-message, backlog-enqueue, "),
        irqz.err());
    TestFiles.CliRun bad = TestFiles.cli("defaults", "workloads.0.ratez");
    assertEquals(ExitCodes.BAD_INPUT, bad.code());
    assertTrue(bad.err().contains("valid names in cnemu.schema.experiment.workloads: arrival, "), bad.err());
  }

  /** A typo in an element's key is suggested in place, with the prefix as typed; it had no suggestion. */
  @Test
  void defaultsSuggestsAnElementsKeyWithItsPrefix() {
    TestFiles.CliRun rat = TestFiles.cli("defaults", "workloads.0.rat");
    assertEquals(ExitCodes.BAD_INPUT, rat.code());
    assertTrue(rat.err().startsWith("error: no default for 'workloads.0.rat' (did you mean 'workloads.0.rate'?); "), rat.err());
    TestFiles.CliRun cpu = TestFiles.cli("defaults", "topology.hosts.h2.cpu");
    assertTrue(cpu.err().contains("(did you mean 'topology.hosts.h2.cpus'?)"), cpu.err());
  }

  /** A list of objects or a block of named entries prints, after its own default, what each element starts from. */
  @Test
  void defaultsOfAListOrNamedBlockPrintsItsElementsTemplate() {
    TestFiles.CliRun w = TestFiles.cli("defaults", "workloads");
    assertEquals(ExitCodes.OK, w.code(), w.err());
    assertTrue(w.out().contains("experiment.workloads = []\n\ncnemu.schema.experiment.workloads {\n"), w.out());
    assertTrue(w.out().contains("  # Offered rate per stream"), w.out());
    TestFiles.CliRun h = TestFiles.cli("defaults", "topology.hosts");
    assertEquals(ExitCodes.OK, h.code(), h.err());
    assertTrue(h.out().contains("cnemu.schema.experiment.topology.hosts.\"*\" {\n"), h.out());
    // a leaf or a plain block prints itself only
    assertFalse(TestFiles.cli("defaults", "engine").out().contains("cnemu.schema"));
  }
}
