package org.cnemu.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    for (String arm : List.of("vanilla", "falcon")) {
      Path res = out.resolve(arm).resolve("results.json");
      assertTrue(Files.isRegularFile(res), "results of arm " + arm + ": " + res);
      JsonNode doc = JSON.readTree(res.toFile());
      assertTrue(doc.get("complete").asBoolean(), arm + " complete");
      assertEquals(4_000_000, doc.get("virtual_end_ns").asLong(), arm + " shortened run");
      assertEquals(arm, doc.get("config").get("steering").asText());
      assertEquals("falcon-tcp-" + arm, doc.get("experiment").asText());
      assertTrue(doc.get("flows").isArray() && doc.get("flows").size() == 1, arm + " one flow");
      assertTrue(doc.get("flows").get(0).get("throughput_gbps").asDouble() > 0, arm + " flow runs");
      assertTrue(doc.get("hosts").isArray() && doc.get("hosts").size() == 2, arm + " two hosts");
      assertTrue(doc.get("conservation").get("balanced").asBoolean(), arm + " conserves packets");
    }

    // the ratio table: header with both arms and the ratio column, a throughput row with a numeric ratio
    String table = r.out();
    String header = table.lines().filter(l -> l.startsWith("metric")).findFirst().orElse("");
    assertTrue(header.matches("metric\\s+vanilla\\s+falcon\\s+falcon/vanilla"), table);
    String row = table.lines().filter(l -> l.startsWith("flow w1 throughput_gbps")).findFirst().orElse("");
    String[] cells = row.substring("flow w1 throughput_gbps".length()).trim().split("\\s+");
    assertEquals(3, cells.length, "vanilla, falcon, ratio: " + row + "\n" + table);
    double vanilla = Double.parseDouble(cells[0]);
    double falcon = Double.parseDouble(cells[1]);
    double ratio = Double.parseDouble(cells[2]);
    assertTrue(vanilla > 0 && falcon > 0, row);
    assertEquals(falcon / vanilla, ratio, 0.01, row);
    assertTrue(table.contains("conservation_balanced"), table);
  }

  @Test
  void listPoliciesListsEveryPolicyWithItsDescription() {
    Run r = cli("list-policies");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    Map<String, SteeringPolicyProvider> all = new SteeringRegistry().all();
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
