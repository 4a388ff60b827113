package org.cnemu.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cnemu.experiments.run.Suite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paper suite on a tiny test-only suite: discovery, runs, figures beside published ones, one report. */
class SuiteTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private static String kernel(String name, String stack, String extra) {
    return String.join("\n",
        "experiment {",
        "  name = \"" + name + "\"",
        "  duration = 4ms",
        "  warmup = 1ms",
        "  model = kernel",
        "  topology.stack = " + stack,
        "  workloads = [{ kind = iperf, protocol = udp, src = h1/c1, dst = h2/c1, message-size = 8KB, rate = 0bps }]",
        extra,
        "}", "");
  }

  private Path writeSuite() throws IOException {
    Files.createDirectories(dir.resolve("calibration"));
    Files.createDirectories(dir.resolve("policies/udp"));
    TestFiles.write(dir.resolve("calibration"), "a-native.conf", kernel("t-native", "native", ""));
    TestFiles.write(dir.resolve("calibration"), "b-docker.conf", kernel("t-docker", "docker-overlay", ""));
    // a fragment for include (no experiment block): skipped, not an error
    TestFiles.write(dir.resolve("policies"), "common.conf", "workload-rate = 1Gbps\n");
    TestFiles.write(dir.resolve("policies/udp"), "rps-vs-vanilla.conf",
        kernel("t-rps", "docker-overlay", "  runs = 2\n  compare { steering = [vanilla, rps] }"));
    TestFiles.write(dir, "published.conf", String.join("\n",
        "figures = [",
        "  { id = \"T1\", title = \"docker/native UDP\", unit = x, published = 0.42, band = [0.01, 10]",
        "    measured = \"t-docker:total.throughput_gbps / t-native:total.throughput_gbps\", source = \"test figure\" }",
        "  { id = \"T2\", title = \"absolute\", unit = Gbps, published = 9.3",
        "    measured = \"t-native:total.throughput_gbps\", source = \"test info\" }",
        "  { id = \"T3\", title = \"out of band\", unit = Gbps, published = 1000, band = [999, 1001]",
        "    measured = \"t-native:total.throughput_gbps\", source = \"test out\" }",
        "  { id = \"T4\", title = \"not run\", unit = Gbps, published = 1, band = [0, 2]",
        "    measured = \"nope:total.throughput_gbps\", source = \"test missing\" }",
        "]",
        "directions { rps { metric = \"total.throughput_gbps\", expect = higher, source = \"test direction\" } }", ""));
    return TestFiles.write(dir, "suite.conf", String.join("\n",
        "suite {",
        "  name = tiny",
        "  title = \"tiny test suite\"",
        "  experiments = [\"calibration/*.conf\", \"policies/**/*.conf\"]",
        "  published = published.conf",
        "  overrides { engine.partitions = 1 }",
        "  jobs = 2",
        "}", ""));
  }

  @Test
  void discoveryFindsFilesAtRunTimeInSortedOrder() throws IOException {
    Path suite = writeSuite();
    List<Path> files = Suite.discover(Suite.load(suite));
    assertEquals(List.of("calibration/a-native.conf", "calibration/b-docker.conf", "policies/common.conf",
        "policies/udp/rps-vs-vanilla.conf"), files.stream().map(f -> dir.relativize(f).toString()).toList());
  }

  @Test
  void suiteRunsAndWritesOneReportWithMeasuredBesidePublished() throws IOException {
    Path suite = writeSuite();
    Path out = dir.resolve("out");
    long t0 = System.nanoTime();
    TestFiles.CliRun r = TestFiles.cli("suite", suite.toString(), "--out", out.toString());
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
    assertTrue(seconds < 120, "tiny suite took " + seconds + " s");
    assertTrue(r.out().contains("4 experiment files"), r.out());
    // the policy table gives each arm's ratio with its interval
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("policies/udp/rps-vs-vanilla.conf") && l.contains("rps")
        && l.matches(".*\\[[0-9.]+, [0-9.]+\\].*")), r.out());

    JsonNode s = JSON.readTree(out.resolve("suite.json").toFile());
    JsonNode exps = s.get("experiments");
    assertEquals(4, exps.size());
    assertEquals("skipped", exps.get(2).get("status").asText(), exps.toString());
    assertEquals("ok", exps.get(3).get("status").asText(), exps.toString());
    assertEquals("sweep", exps.get(3).get("kind").asText());
    assertTrue(Files.isRegularFile(out.resolve("calibration/a-native/results.json")));
    assertTrue(Files.isRegularFile(out.resolve("policies/udp/rps-vs-vanilla/point-001/run-1/results.json")));

    JsonNode figs = s.get("figures");
    assertEquals("in band", figs.get(0).get("status").asText(), figs.toString());
    assertTrue(figs.get(0).get("measured").asDouble() > 0);
    assertEquals("info", figs.get(1).get("status").asText());
    assertEquals("out of band", figs.get(2).get("status").asText());
    assertEquals("missing", figs.get(3).get("status").asText());

    JsonNode checks = s.get("policies");
    assertEquals(1, checks.size(), checks.toString());
    assertEquals("rps", checks.get(0).get("policy").asText());
    assertEquals("vanilla", checks.get(0).get("baseline_policy").asText());
    assertEquals("point-000", checks.get(0).get("baseline_point").asText());
    assertTrue(checks.get(0).get("ratio").isNumber());
    double ratio = exps.get(3).get("points").get(1).get("metrics").get("total.throughput_gbps").asDouble()
        / exps.get(3).get("points").get(0).get("metrics").get("total.throughput_gbps").asDouble();
    assertEquals(ratio, checks.get(0).get("ratio").asDouble(), 1e-3, checks.toString());
    assertTrue(checks.get(0).get("ratios").has("total.throughput_gbps"), checks.toString());
    assertEquals(2, checks.get(0).get("runs").asInt(), checks.toString());
    assertEquals(2, checks.get(0).get("ratio_ci95").size(), checks.toString());

    String html = Files.readString(out.resolve("report.html"));
    assertTrue(html.contains("Measured vs published"));
    for (String id : List.of("T1", "T2", "T3", "T4")) assertTrue(html.contains("<td class=\"l\">" + id + "</td>"), id);
    assertTrue(html.contains("test figure"), "source shown");
    assertTrue(html.contains("0.42"), "published value shown");
    assertTrue(html.contains("out of band"));
    assertTrue(html.contains("href=\"calibration/a-native/report.html\""), "links each experiment's report");
    assertTrue(html.contains("rps"), "policy comparison shown");
    assertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"),
        "self-contained: no external references");
  }

  @Test
  void aBadSuiteFileIsOneLineAndExit2() throws IOException {
    TestFiles.CliRun r = TestFiles.cli("suite", TestFiles.write(dir, "bad.conf", "suite { name = x }\n").toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    TestFiles.CliRun missing = TestFiles.cli("suite", dir.resolve("none.conf").toString());
    assertEquals(ExitCodes.BAD_INPUT, missing.code());
  }

  @Test
  void aSuiteWhoseGlobsMatchNoFileIsOneLineAndExit2WithNothingWritten() throws IOException {
    Path suite = TestFiles.write(dir, "empty.conf", "suite { name = e, experiments = [\"nowhere/*.conf\"] }\n");
    Path out = dir.resolve("out");
    TestFiles.CliRun r = TestFiles.cli("suite", suite.toString(), "--out", out.toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.out() + r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("match no experiment file"), r.err());
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void anExperimentCanNameItsOwnDirectionForAnArm() throws IOException {
    Files.createDirectories(dir.resolve("policies"));
    TestFiles.write(dir.resolve("policies"), "a.conf", kernel("t-a", "docker-overlay", "  compare { steering = [vanilla, rps] }"));
    TestFiles.write(dir.resolve("policies"), "b.conf", kernel("t-b", "docker-overlay", "  compare { steering = [vanilla, rps] }"));
    TestFiles.write(dir, "published.conf", String.join("\n",
        "figures = []",
        "directions { rps { metric = \"total.throughput_gbps\", expect = higher, source = \"arm\"",
        "  experiments { t-b { metric = \"busiest_core.busy_pct\", expect = lower, source = \"own\" } } } }", ""));
    Path suite = TestFiles.write(dir, "suite.conf", String.join("\n",
        "suite { name = d, experiments = [\"policies/*.conf\"], published = published.conf, jobs = 2 }", ""));
    Path out = dir.resolve("out");
    TestFiles.CliRun r = TestFiles.cli("suite", suite.toString(), "--out", out.toString(), "--no-report", "-q");
    assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
    JsonNode checks = JSON.readTree(out.resolve("suite.json").toFile()).get("policies");
    assertEquals(2, checks.size(), checks.toString());
    assertEquals("t-a", checks.get(0).get("experiment").asText(), checks.toString());
    assertEquals("total.throughput_gbps", checks.get(0).get("metric").asText(), checks.toString());
    assertEquals("higher", checks.get(0).get("expect").asText(), checks.toString());
    assertEquals("arm", checks.get(0).get("source").asText(), checks.toString());
    assertEquals("busiest_core.busy_pct", checks.get(1).get("metric").asText(), checks.toString());
    assertEquals("lower", checks.get(1).get("expect").asText(), checks.toString());
    assertEquals("own", checks.get(1).get("source").asText(), checks.toString());
    // one run per arm: a ratio without an interval (not one of zero width)
    assertEquals(1, checks.get(0).get("runs").asInt(), checks.toString());
    assertTrue(checks.get(0).get("ratio_ci95").isNull(), checks.toString());
  }

  @Test
  void aBadSetIsOneLineAndExit2WithNothingWritten() throws IOException {
    Path suite = writeSuite();
    for (String[] c : new String[][] {{"duraton=4ms", "--set duraton: experiment.duraton: unknown key; did you mean 'duration'?"},
        {"duration=4", "--set duration: experiment.duration: expected a duration with a unit"}}) {
      Path out = dir.resolve("out");
      TestFiles.CliRun r = TestFiles.cli("suite", suite.toString(), "--set", c[0], "--out", out.toString());
      assertEquals(ExitCodes.BAD_INPUT, r.code(), c[0] + ": " + r.out() + r.err());
      List<String> lines = r.err().strip().lines().toList();
      assertEquals(2, lines.size(), r.err()); // once, though all three experiment files refuse it; then "1 problem"
      assertTrue(lines.get(0).startsWith(c[1]), lines.get(0));
      assertFalse(Files.exists(out), "nothing written for " + c[0]);
    }
  }

  @Test
  void compareWithoutResultsIsExit2OneLine() throws IOException {
    Files.createDirectories(dir.resolve("empty"));
    TestFiles.CliRun r = TestFiles.cli("compare", dir.resolve("empty").toString(), dir.toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("neither results.json nor summary.json"), r.err());
  }
}
