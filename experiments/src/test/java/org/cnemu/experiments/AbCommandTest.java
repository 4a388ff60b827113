package org.cnemu.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.cnemu.kernel.api.SteeringPolicyProvider;
import org.cnemu.kernel.api.SteeringRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cnemu ab} on a policy A/B file (shortened) and {@code cnemu list-policies}, through the CLI entry point. */
class AbCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  private record Run(int code, String out, String err) {}

  private static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void abRunsBothArmsAndPrintsTheRatioTable() throws IOException {
    // the test runs in the experiments/ module folder; shorten policies/falcon-tcp.conf through an include
    Path original = Path.of("policies/falcon-tcp.conf").toAbsolutePath();
    assertTrue(Files.isRegularFile(original), original::toString);
    Path file = tmp.resolve("falcon-tcp-short.conf");
    Files.writeString(file, "include required(file(\"" + original.toString().replace("\\", "/") + "\"))\n"
        + "experiment.duration = 4ms\nexperiment.warmup = 1ms\n");
    Path out = tmp.resolve("out");
    Run r = cli("ab", file.toString(), "--out", out.toString(), "--no-report");
    assertEquals(ExitCodes.OK, r.code(), r.out() + r.err());

    List<String> arms = List.of("vanilla", "falcon");
    for (int i = 0; i < arms.size(); i++) {
      String arm = arms.get(i);
      Path res = out.resolve("point-00" + i).resolve("results.json");
      assertTrue(Files.isRegularFile(res), "results of arm " + arm + ": " + res);
      JsonNode doc = JSON.readTree(res.toFile());
      assertTrue(doc.get("complete").asBoolean(), arm + " complete");
      assertEquals(4_000_000, doc.get("virtual_end_ns").asLong(), arm + " shortened run");
      assertEquals(arm, doc.get("config").get("steering").asText());
      assertEquals(42, doc.get("seed").asLong(), "common random numbers: same seed in every arm");
      assertTrue(doc.get("flows").isArray() && doc.get("flows").size() == 1, arm + " one flow");
      assertTrue(doc.get("flows").get(0).get("throughput_gbps").asDouble() > 0, arm + " flow runs");
      assertTrue(doc.get("hosts").isArray() && doc.get("hosts").size() == 2, arm + " two hosts");
      assertTrue(doc.get("conservation").get("balanced").asBoolean(), arm + " conserves packets");
    }

    // summary.json: the falcon arm's ratio to the vanilla arm, from the model's metrics
    JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
    assertEquals("steering", s.get("compared").asText());
    JsonNode falcon = s.get("points").get(1);
    assertEquals("point-000", falcon.get("baseline").asText());
    double vanilla = s.get("points").get(0).get("metrics").get("total.throughput_gbps").get("mean").asDouble();
    double arm = falcon.get("metrics").get("total.throughput_gbps").get("mean").asDouble();
    assertTrue(vanilla > 0 && arm > 0, s.toString());
    assertEquals(arm / vanilla, falcon.get("ratios").get("total.throughput_gbps").get("ratio").asDouble(), 1e-9);
    assertEquals("Gbps", s.get("metric_info").get("total.throughput_gbps").get("unit").asText());
    assertEquals("higher", s.get("metric_info").get("total.throughput_gbps").get("better").asText());

    // the terminal table: the baseline row, then the arm's ratio
    String table = r.out();
    String header = table.lines().filter(l -> l.startsWith("point ")).findFirst().orElse("");
    assertTrue(header.contains("vs baseline"), table);
    String row = table.lines().filter(l -> l.startsWith("point-001") && l.contains("Gbps")).findFirst().orElse("");
    assertTrue(row.contains("total.throughput_gbps"), table);
    assertTrue(row.contains(String.format(java.util.Locale.ROOT, "%.3f", arm / vanilla)), row + "\n" + table);
    // one run per arm: no interval to show (summary.json's ends equal the mean), neither for the mean nor the ratio
    assertFalse(row.contains("["), row);
  }

  @Test
  void abWithoutACompareBlockIsABadInput() {
    Run r = cli("ab", TestFiles.phold().toString(), "--out", tmp.resolve("x").toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("experiment.compare: missing"), r.err());
  }

  @Test
  void listPoliciesListsEveryPolicyWithItsDescription() {
    Run r = cli("list-policies");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    Map<String, SteeringPolicyProvider<?>> all = new SteeringRegistry().all();
    for (String name : List.of("vanilla", "rps", "rfs", "falcon", "mflow", "mflow-nomerge", "prism-batch",
        "prism-sync", "freeflow")) {
      assertTrue(all.containsKey(name), "registered: " + name);
    }
    List<String> lines = r.out().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(all.size(), lines.size(), r.out());
    for (var e : all.entrySet()) {
      String line = lines.stream().filter(l -> l.startsWith(e.getKey() + " ")).findFirst().orElse(null);
      assertTrue(line != null, "listed: " + e.getKey() + "\n" + r.out());
      assertTrue(!e.getValue().description().isBlank(), e.getKey() + " has a description");
      assertTrue(line.trim().endsWith(e.getValue().description()), line);
    }
  }
}
