package org.cnemu.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, as shipped: experiments/quickstart.conf runs native against the Docker overlay,
 * three repetitions each, and shows what its header says it shows: the overlay's throughput ratio in the
 * published single-flow band (H1 of docs/calibration.md), more receiver CPU per Gbit/s, repetitions that differ.
 */
class QuickstartTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void theQuickstartComparesTheOverlayWithNativeOverThreeRuns() throws IOException {
    Path out = dir.resolve("q");
    TestFiles.CliRun r = TestFiles.cli("run", TestFiles.shipped("quickstart.conf").toString(), "--out", out.toString(), "--no-report");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertTrue(r.out().contains("vs baseline"), r.out());

    JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
    assertEquals("topology.stack", s.get("compared").asText());
    JsonNode points = s.get("points");
    assertEquals(2, points.size(), s.toString());
    for (int p = 0; p < 2; p++) {
      for (int i = 0; i < 3; i++) {
        JsonNode res = JSON.readTree(out.resolve("point-00" + p + "/run-" + i + "/results.json").toFile());
        assertTrue(res.get("complete").asBoolean(), "point " + p + " run " + i);
        assertTrue(res.get("conservation").get("balanced").asBoolean(), "point " + p + " run " + i + " conserves packets");
      }
      assertEquals(3, TestFiles.distinctRuns(out.resolve("point-00" + p), 3),
          "point " + p + ": repetitions draw other random numbers");
    }
    JsonNode ratios = points.get(1).get("ratios");
    double throughput = ratios.get("total.throughput_gbps").get("ratio").asDouble();
    // H1: Docker overlay / native single-flow TCP throughput, published 0.28, band 0.20-0.40
    assertTrue(throughput >= 0.20 && throughput <= 0.40, "overlay / native throughput " + throughput);
    double cpuPerGbps = ratios.get("receivers.busy_cores_per_gbps").get("ratio").asDouble();
    assertTrue(cpuPerGbps > 1, "the overlay's receiver spends more CPU per Gbit/s: " + cpuPerGbps);
  }
}
