package org.cnemu.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;
import org.cnemu.experiments.config.Sweep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sweep { key = [...] }}: validation point by point, cartesian order, folders, summary.json, report. */
class SweepTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private static final String PHOLD_SWEEP = String.join("\n",
      "experiment {",
      "  name = \"phold-sweep\"",
      "  seed = 7",
      "  runs = 2",
      "  duration = 200us",
      "  model = phold",
      "  phold { lps = 8, population = 2 }",
      "  sweep {",
      "    phold.remote = [0.1, 0.9]",
      "    phold.lps = [8, 16]",
      "  }",
      "}",
      "");

  private List<ConfigProblem> problems(String text) throws IOException {
    return new ExperimentLoader().load(TestFiles.write(dir, "s.conf", text)).problems();
  }

  @Test
  void pointsAreTheCartesianProductInFileOrder() throws IOException {
    LoadedExperiment e = new ExperimentLoader().load(TestFiles.write(dir, "s.conf", PHOLD_SWEEP));
    assertTrue(e.ok(), () -> e.problems().toString());
    Sweep s = Sweep.of(e.spec().experiment());
    assertEquals(List.of("phold.remote", "phold.lps"), s.keys().stream().map(Sweep.Key::name).toList());
    List<String> labels = new ArrayList<>();
    for (Sweep.Point p : s.points()) labels.add(p.labels(s.keys()).toString());
    assertEquals(List.of("{phold.remote=0.1, phold.lps=8}", "{phold.remote=0.1, phold.lps=16}",
        "{phold.remote=0.9, phold.lps=8}", "{phold.remote=0.9, phold.lps=16}"), labels);
    assertEquals(16, s.apply(e.spec().experiment(), s.points().get(1)).getInt("phold.lps"));
    assertFalse(s.apply(e.spec().experiment(), s.points().get(1)).hasPath("sweep"));
    // each point parsed once into its typed spec: the model's (PHOLD's parameters) and the settings
    List<org.cnemu.experiments.config.ExperimentSpec.Point> points = e.spec().points();
    assertEquals(4, points.size());
    assertEquals(16, ((org.cnemu.emulator.phold.PholdParams) points.get(1).model().spec()).lps());
    assertEquals(0.9, ((org.cnemu.emulator.phold.PholdParams) points.get(2).model().spec()).remote());
    assertEquals("phold", points.get(3).settings().model());
  }

  @Test
  void sweepRunWritesPointFoldersSummaryAndReport() throws IOException {
    Path f = TestFiles.write(dir, "s.conf", PHOLD_SWEEP);
    Path out = dir.resolve("out");
    TestFiles.CliRun r = TestFiles.cli("run", f.toString(), "--out", out.toString(), "--threads", "1");
    assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("cnemu: sweep 'phold-sweep', 4 points over phold.remote, phold.lps"), r.out());
    for (int i = 0; i < 4; i++) {
      Path p = out.resolve("point-00" + i);
      assertTrue(Files.isRegularFile(p.resolve("run-0/results.json")), p.toString());
      assertTrue(Files.isRegularFile(p.resolve("run-1/results.json")), p.toString());
      assertTrue(Files.isRegularFile(p.resolve("summary.json")), p.toString());
    }
    JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
    assertEquals("sweep", s.get("kind").asText());
    assertEquals("[\"phold.remote\",\"phold.lps\"]", s.get("keys").toString());
    assertEquals(2, s.get("runs").asInt());
    assertTrue(s.get("complete").asBoolean());
    assertEquals(4, s.get("points").size());
    JsonNode p1 = s.get("points").get(1);
    assertEquals("point-001", p1.get("dir").asText());
    assertEquals(0.1, p1.get("values").get("phold.remote").asDouble());
    assertEquals(16, p1.get("values").get("phold.lps").asInt());
    JsonNode events = p1.get("metrics").get("engine.events");
    assertEquals(2, events.get("n").asInt());
    assertTrue(events.get("ci95_low").asDouble() <= events.get("mean").asDouble());
    assertTrue(events.get("ci95_high").asDouble() >= events.get("mean").asDouble());
    // run i of every point uses seed + i, and each point's results carry its own swept value
    JsonNode run1 = JSON.readTree(out.resolve("point-001/run-1/results.json").toFile());
    assertEquals(8, run1.get("seed").asLong());
    assertEquals(16, run1.get("config").get("phold").get("lps").asInt());
    assertFalse(run1.get("config").has("sweep"));
    assertTrue(Files.isRegularFile(out.resolve("report.html")));
    assertTrue(Files.isRegularFile(out.resolve("summary.csv")));
    assertTrue(Files.readString(out.resolve("report.html")).contains("point-003/report.html"));
    // compare understands the sweep folder (point by point)
    TestFiles.CliRun c = TestFiles.cli("compare", out.toString(), out.toString());
    assertEquals(ExitCodes.OK, c.code(), c.err());
    assertTrue(c.out().contains("[phold.remote=0.1, phold.lps=16] engine.events"), c.out());
  }

  @Test
  void sameSweepTwiceGivesIdenticalSummaries() throws IOException {
    Path f = TestFiles.write(dir, "s.conf", PHOLD_SWEEP.replace("runs = 2", "runs = 1"));
    String[] texts = new String[2];
    for (int i = 0; i < 2; i++) {
      Path out = dir.resolve("o" + i);
      assertEquals(ExitCodes.OK, TestFiles.cli("run", f.toString(), "--out", out.toString(), "-q", "--no-report").code());
      texts[i] = Files.readString(out.resolve("summary.json"));
      assertTrue(Files.isRegularFile(out.resolve("point-002/results.json")));
    }
    assertEquals(texts[0], texts[1]);
  }

  @Test
  void badSweptValueIsReportedAtItsLine() throws IOException {
    List<ConfigProblem> ps = problems(String.join("\n",
        "experiment {",
        "  model = phold",
        "  sweep {",
        "    phold.lookahead = [100ns,",
        "      5]",
        "    phold.remote = [0.5, -1]",
        "  }",
        "}", ""));
    assertEquals(2, ps.size(), ps::toString);
    assertEquals(5, ps.get(0).line(), ps::toString);
    assertEquals("experiment.sweep.phold.lookahead[1]", ps.get(0).key(), ps::toString);
    assertTrue(ps.get(0).message().contains("expected a duration"), ps.get(0).message());
    assertEquals(6, ps.get(1).line());
    assertEquals("experiment.sweep.phold.remote[1]", ps.get(1).key(), ps::toString);
    assertTrue(ps.get(1).message().contains("negative"), ps.get(1).message());
  }

  @Test
  void unknownSweptKeySuggestsTheRealOne() throws IOException {
    List<ConfigProblem> ps = problems("experiment {\n  model = phold\n  sweep { phold.remot = [0.1, 0.2] }\n}\n");
    assertEquals(1, ps.size(), ps::toString);
    assertEquals(3, ps.get(0).line());
    assertTrue(ps.get(0).message().contains("did you mean 'remote'"), ps.get(0).message());
  }

  @Test
  void structuralSweepMistakes() throws IOException {
    List<ConfigProblem> ps = problems(String.join("\n",
        "experiment {",
        "  model = phold",
        "  sweep {",
        "    phold.remote = 0.5",
        "    phold.lps = []",
        "    name = [a, b]",
        "  }",
        "}", ""));
    assertEquals(3, ps.size(), ps::toString);
    assertTrue(ps.get(0).message().contains("expected a list of values"), ps.toString());
    assertTrue(ps.get(1).message().contains("empty list"), ps.toString());
    assertTrue(ps.get(2).message().contains("cannot be swept"), ps.toString());
  }

  @Test
  void listIndexInASweptKey() throws IOException {
    String base = String.join("\n",
        "experiment {",
        "  model = kernel",
        "  duration = 2ms",
        "  workloads = [{ kind = iperf, protocol = udp, src = h1/c1, dst = h2/c1, message-size = 1KB, rate = 1Gbps }]",
        "  sweep {",
        "    topology.stack = [native, docker-overlay]",
        "    workloads.0.rate = [1Gbps, %s]",
        "  }",
        "}", "");
    LoadedExperiment e = new ExperimentLoader().load(TestFiles.write(dir, "k.conf", base.formatted("2Gbps")));
    assertTrue(e.ok(), () -> e.problems().toString());
    Sweep s = Sweep.of(e.spec().experiment());
    assertEquals(4, s.size());
    assertEquals("2Gbps", s.apply(e.spec().experiment(), s.points().get(3)).getConfigList("workloads").get(0).getString("rate"));
    assertEquals("docker-overlay", s.apply(e.spec().experiment(), s.points().get(3)).getString("topology.stack"));

    List<ConfigProblem> bad = problems(base.formatted("2 Gbpx"));
    assertFalse(bad.isEmpty());
    assertTrue(bad.stream().anyMatch(p -> p.line() == 7 && p.key().equals("experiment.sweep.workloads.0.rate[1]")), bad::toString);
    assertTrue(bad.stream().allMatch(p -> p.message().contains("2 Gbpx")), bad::toString);

    List<ConfigProblem> range = problems(base.formatted("2Gbps").replace("workloads.0.rate", "workloads.3.rate"));
    assertEquals(1, range.size(), range::toString);
    assertEquals("experiment.sweep.workloads.3.rate", range.get(0).key());
    assertTrue(range.get(0).message().contains("no element 3"), range.get(0).message());
  }

  /** A swept path that leads nowhere is one problem, and the other swept keys are still checked. */
  @Test
  void aSweptPathThatLeadsNowhereHidesNoOtherProblem() throws IOException {
    List<ConfigProblem> ps = problems(String.join("\n",
        "experiment {",
        "  model = phold",
        "  sweep {",
        "    phold.remot = [0.1, 0.2]",
        "    phold.lps.3 = [8, 16]",
        "    phold.lookahead = [100ns, 5]",
        "  }",
        "}", ""));
    assertEquals(3, ps.size(), ps::toString);
    assertEquals("experiment.sweep.phold.remot", ps.get(0).key(), ps::toString); // the key's, not one value's
    assertTrue(ps.get(0).message().contains("did you mean 'remote'"), ps::toString);
    assertEquals("experiment.sweep.phold.lps.3", ps.get(1).key(), ps::toString);
    assertEquals(6, ps.get(2).line(), ps::toString);
    assertTrue(ps.get(2).message().contains("expected a duration"), ps::toString);
  }

  /**
   * A misspelt value outside compare { } of the compared key is reported (every point replaces it, so the points'
   * validation never saw it), and a bad compared value is named by its place in the list; both at their lines.
   */
  @Test
  void theBaseValueOfAComparedKeyIsCheckedAndListValuesAreNamedByTheirPlace() throws IOException {
    List<ConfigProblem> ps = problems(String.join("\n",
        "experiment {",
        "  model = kernel",
        "  duration = 2ms",
        "  steering = \"flacon\"",
        "  workloads = [{ kind = iperf, protocol = udp, src = h1/c1, dst = h2/c1, message-size = 1KB, rate = 1Gbps }]",
        "  compare { steering = [vanilla, mflo] }",
        "}", ""));
    assertEquals(2, ps.size(), ps::toString);
    assertEquals(4, ps.get(0).line(), ps::toString);
    assertEquals("experiment.steering", ps.get(0).key(), ps::toString);
    assertTrue(ps.get(0).message().startsWith("unknown steering policy 'flacon' (did you mean 'falcon'?); valid"
        + " policies: "), ps.get(0).message());
    assertTrue(ps.get(0).message().endsWith("(the value outside compare { }; every point replaces it)"),
        ps.get(0).message());
    assertEquals(6, ps.get(1).line(), ps::toString);
    assertEquals("experiment.compare.steering[1]", ps.get(1).key(), ps::toString);
    assertTrue(ps.get(1).message().startsWith("unknown steering policy 'mflo' (did you mean 'mflow'?)"), ps::toString);
  }

  /**
   * A base value is checked with the other swept keys at their first value: here the base workload's receiver h3
   * exists in every point (host-count 3 or 4) though not under the default host-count of 2, and the file is valid.
   */
  @Test
  void aBaseTheSweepCompletesIsNotRefused() throws IOException {
    LoadedExperiment e = new ExperimentLoader().load(TestFiles.write(dir, "b.conf", String.join("\n",
        "experiment {",
        "  model = kernel",
        "  duration = 2ms",
        "  workloads = [{ kind = iperf, protocol = udp, src = h1/c1, dst = h3/c1, message-size = 1KB, rate = 1Gbps }]",
        "  sweep { topology.host-count = [3, 4] }",
        "  compare { workloads.0.dst = [h3/c1, h2/c1] }",
        "}", "")));
    assertTrue(e.ok(), () -> e.problems().toString());
    // while a bad base of the same key is still reported, by its own name
    List<ConfigProblem> ps = problems(String.join("\n",
        "experiment {",
        "  model = kernel",
        "  duration = 2ms",
        "  workloads = [{ kind = iperf, protocol = udp, src = h1/c1, dst = h3/c1, message-size = 1KB, rate = 1Gbs }]",
        "  sweep { topology.host-count = [3, 4] }",
        "  compare { workloads.0.rate = [1Gbps, 2Gbps] }",
        "}", ""));
    assertEquals(1, ps.size(), ps::toString);
    assertEquals("experiment.workloads[0].rate", ps.get(0).key(), ps::toString);
    assertEquals(4, ps.get(0).line(), ps::toString);
  }

  /** A file with only a compare { } block is announced as the comparison it is, not as a sweep. */
  @Test
  void aCompareOnlyPlanIsAnnouncedAsAComparison() throws IOException {
    Path f = TestFiles.write(dir, "c.conf", String.join("\n",
        "experiment {", "  name = \"phold-ab\"", "  seed = 7", "  duration = 200us", "  model = phold",
        "  phold { lps = 8, population = 2 }", "  compare { phold.lps = [8, 16] }", "}"));
    TestFiles.CliRun r = TestFiles.cli("run", f.toString(), "--out", dir.resolve("ab").toString(), "--threads", "1",
        "--no-report");
    assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("cnemu: comparison 'phold-ab', 2 points over phold.lps (phold.lps compared against 8)"),
        r.out());
  }
}
