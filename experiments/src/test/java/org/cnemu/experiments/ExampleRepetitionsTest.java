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
 * results and a confidence interval of non-zero width, and the runner has nothing to warn about. An example of
 * a sweep or comparison: so at each of its points, and each arm's ratios to its baseline carry their interval.
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
      JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
      if (summary.has("points")) { // a sweep or comparison: each point is its own runs = 5, each A/B arm has ratios
        int arms = 0;
        for (JsonNode point : summary.get("points")) {
          String at = name + " " + point.get("dir").asText() + " " + point.get("values");
          bad.addAll(repeated(at, out.resolve(point.get("dir").asText()), point.get("metrics")));
          if (point.has("ratios")) {
            arms++;
            bad.addAll(ratiosWithIntervals(at, point.get("ratios")));
          }
        }
        if (summary.hasNonNull("compared") && arms == 0) bad.add(name + ": a comparison without ratios");
      } else {
        bad.addAll(repeated(name, out, summary.get("metrics")));
      }
    }
    assertTrue(bad.isEmpty(), String.join("\n", bad));
  }

  /**
   * The runs in {@code dir} (run-0..4) are five distinct results, and throughput or a p50 latency varies between
   * them ({@code metrics}: their summary's interval of non-zero width). Problems, each prefixed by {@code at}.
   */
  private static List<String> repeated(String at, Path dir, JsonNode metrics) throws IOException {
    List<String> bad = new ArrayList<>();
    int distinct = TestFiles.distinctRuns(dir, 5);
    if (distinct != 5) bad.add(at + ": " + distinct + " distinct results of 5 runs");
    List<String> varying = varying(metrics);
    // a closed-loop ping between idle hosts can take exactly the same time in every run (every round trip the
    // same chain of fixed costs): then the seed still moves its flow's RSS queues, and so the hosts' interrupts
    if (varying.isEmpty() && at.startsWith("ping")) {
      metrics.fieldNames().forEachRemaining(k -> {
        JsonNode m = metrics.get(k);
        if (k.matches("host\\[.*\\]\\.irqs") && m.get("ci95_high").asDouble() > m.get("ci95_low").asDouble()) {
          varying.add(k);
        }
      });
    }
    if (varying.isEmpty()) {
      bad.add(at + ": neither total.throughput_gbps nor a p50 latency has an interval of non-zero width "
          + metrics.get("total.throughput_gbps"));
    }
    return bad;
  }

  /**
   * Throughput and the p50 latencies (a flow's round trip, or one way: a TCP flow's) whose 95% interval has a
   * non-zero width: what varies between runs when every run is its own.
   */
  private static List<String> varying(JsonNode metrics) {
    List<String> varying = new ArrayList<>();
    metrics.fieldNames().forEachRemaining(k -> {
      JsonNode m = metrics.get(k);
      if ((k.equals("total.throughput_gbps") || k.endsWith(".latency_p50_us") || k.endsWith(".one_way_p50_us"))
          && m.get("ci95_high").asDouble() > m.get("ci95_low").asDouble()) {
        varying.add(k);
      }
    });
    return varying;
  }

  /**
   * An arm's ratios to its baseline each carry a 95% interval around the ratio (throughput's over the 5 runs),
   * and the ratio of throughput or of a p50 latency has one of non-zero width: the runs' spread reaches them.
   */
  private static List<String> ratiosWithIntervals(String at, JsonNode ratios) {
    List<String> bad = new ArrayList<>();
    List<String> wide = new ArrayList<>();
    ratios.fieldNames().forEachRemaining(k -> {
      JsonNode r = ratios.get(k);
      if (r.get("ratio").isNull()) return; // too few samples to resolve (a p999 of few packets)
      double ratio = r.get("ratio").asDouble();
      // a metric some runs lack (a journey stage no sampled skb took) is paired over the runs that have it
      if (r.get("n").asInt() != 5 && k.equals("total.throughput_gbps") || r.get("ci95_low").isNull()
          || r.get("ci95_high").isNull() || r.get("ci95_low").asDouble() > ratio || r.get("ci95_high").asDouble() < ratio) {
        bad.add(at + ": ratio " + k + " has no interval around it: " + r);
      } else if (r.get("ci95_high").asDouble() > r.get("ci95_low").asDouble() && (k.equals("total.throughput_gbps")
          || k.endsWith(".latency_p50_us") || k.endsWith(".one_way_p50_us"))) {
        wide.add(k);
      }
    });
    if (!ratios.has("total.throughput_gbps")) bad.add(at + ": no throughput ratio to the baseline");
    if (wide.isEmpty()) bad.add(at + ": no ratio of throughput or a p50 latency has an interval of non-zero width");
    return bad;
  }
}
