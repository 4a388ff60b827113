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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repetitions are real: {@code runs = 5} of every shipped example (shortened) gives five distinct
 * results and a confidence interval of non-zero width, and the runner has nothing to warn about.
 */
class ExampleRepetitionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void fiveRunsOfEveryExampleGiveFiveResultsAndAnInterval() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(TestFiles.shipped("examples"))) {
      files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
    }
    assertTrue(files.size() >= 6, "examples: " + files);
    List<String> bad = new ArrayList<>();
    for (Path f : files) {
      String name = f.getFileName().toString().replace(".conf", "");
      Path out = dir.resolve(name);
      TestFiles.CliRun r = TestFiles.cli("run", f.toString(), "--set", "runs=5", "--set", "duration=4ms",
          "--set", "warmup=1ms", "--out", out.toString(), "--no-report", "-q");
      assertEquals(ExitCodes.OK, r.code(), name + ": " + r.err());
      assertFalse(r.err().contains("identical"), name + ": " + r.err());
      int distinct = TestFiles.distinctRuns(out, 5);
      if (distinct != 5) bad.add(name + ": " + distinct + " distinct results of 5 runs");
      // throughput varies between runs, except where a fixed message rate sets it (ping): then the latency does
      JsonNode metrics = JSON.readTree(out.resolve("summary.json").toFile()).get("metrics");
      List<String> varying = new ArrayList<>();
      metrics.fieldNames().forEachRemaining(k -> {
        JsonNode m = metrics.get(k);
        if ((k.equals("total.throughput_gbps") || k.endsWith(".latency_p50_us"))
            && m.get("ci95_high").asDouble() > m.get("ci95_low").asDouble()) {
          varying.add(k);
        }
      });
      // a closed-loop ping between idle hosts can take exactly the same time in every run (every round trip the
      // same chain of fixed costs): then the seed still moves its flow's RSS queues, and so the hosts' interrupts
      if (varying.isEmpty() && name.startsWith("ping")) {
        metrics.fieldNames().forEachRemaining(k -> {
          JsonNode m = metrics.get(k);
          if (k.matches("host\\[.*\\]\\.irqs") && m.get("ci95_high").asDouble() > m.get("ci95_low").asDouble()) {
            varying.add(k);
          }
        });
      }
      if (varying.isEmpty()) {
        bad.add(name + ": neither total.throughput_gbps nor a p50 latency has an interval of non-zero width "
            + metrics.get("total.throughput_gbps"));
      }
    }
    assertTrue(bad.isEmpty(), String.join("\n", bad));
  }
}
