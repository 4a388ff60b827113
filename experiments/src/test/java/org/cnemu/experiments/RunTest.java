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

/** Running experiments: results.json shape, determinism, atomic writes, repetitions. */
class RunTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private Path run(String name, String... extra) {
    Path out = dir.resolve(name);
    List<String> args = new ArrayList<>(List.of("run", TestFiles.phold().toString(), "--out", out.toString(), "--quiet"));
    args.addAll(List.of(extra));
    TestFiles.CliRun r = TestFiles.cli(args.toArray(String[]::new));
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertEquals(out.resolve("results.json").toString(), r.out().strip(), "--quiet prints only the results path");
    return out.resolve("results.json");
  }

  /** The file's text up to its wall section (wall is last by schema). */
  private static String outsideWall(Path results) throws IOException {
    String text = Files.readString(results);
    int wall = text.lastIndexOf("\"wall\"");
    assertTrue(wall > 0, "no wall section");
    return text.substring(0, wall);
  }

  @Test
  void resultsAreByteIdenticalOutsideWallAcrossRepeatsAndThreadCounts() throws IOException {
    String first = outsideWall(run("a", "--threads", "2"));
    assertEquals(first, outsideWall(run("b", "--threads", "2")), "same file and seed, two runs");
    assertEquals(first, outsideWall(run("t1", "--threads", "1")), "1 thread vs 2");
    assertEquals(first, outsideWall(run("t4", "--threads", "4")), "4 threads vs 2");
  }

  @Test
  void resultsFollowTheSchema() throws IOException {
    Path file = run("schema");
    JsonNode doc = JSON.readTree(file.toFile());
    List<String> fields = new ArrayList<>();
    doc.fieldNames().forEachRemaining(fields::add);
    assertEquals(List.of("experiment", "seed", "run", "virtual_end_ns", "complete", "config", "engine", "flows", "cores",
        "hosts", "drops"), fields.subList(0, 11));
    assertEquals("wall", fields.get(fields.size() - 1));
    assertTrue(fields.contains("phold"), fields::toString);
    assertEquals("phold", doc.get("experiment").asText());
    assertEquals(42, doc.get("seed").asLong());
    assertTrue(doc.get("complete").asBoolean());
    assertEquals(2_000_000, doc.get("virtual_end_ns").asLong());
    for (String f : List.of("events", "windows", "messages", "partitions", "pending_events")) {
      assertTrue(doc.get("engine").has(f), f);
    }
    assertTrue(doc.get("engine").get("events").asLong() > 0);
    assertTrue(doc.get("flows").isArray() && doc.get("flows").isEmpty());
    // the config is the resolved block, without execution details
    assertEquals("2ms", doc.get("config").get("duration").asText());
    assertFalse(doc.get("config").has("output"));
    assertFalse(doc.get("config").get("engine").has("threads"));
    assertTrue(doc.get("wall").has("threads"));
    assertTrue(doc.get("wall").has("events_per_second"));
  }

  @Test
  void seedOptionOverridesTheFileAndChangesTheResult() throws IOException {
    JsonNode a = JSON.readTree(run("s42").toFile());
    JsonNode b = JSON.readTree(run("s7", "--seed", "7").toFile());
    assertEquals(7, b.get("seed").asLong());
    assertEquals(7, b.get("config").get("seed").asLong());
    assertFalse(a.get("phold").equals(b.get("phold")), "another seed, another PHOLD trajectory");
  }

  @Test
  void failedRunExits1WithOneErrorLineAndLeavesNoCompleteResults() throws IOException {
    Path out = dir.resolve("out");
    // a complete result from an earlier run sits in the folder
    Files.createDirectories(out);
    Files.writeString(out.resolve("results.json"), "{\"complete\": true}");
    // breaks the declared lookahead on purpose: the engine's causality check must stop the run
    Path f = TestFiles.write(dir, "broken.conf", String.join("\n",
        "experiment {",
        "  name = broken",
        "  duration = 1ms",
        "  engine.partitions = 2",
        "  phold { lps = 8, population = 4, lookahead = 500ns, actual-min-delay = 1ns }",
        "}", ""));
    TestFiles.CliRun r = TestFiles.cli("run", f.toString(), "--out", out.toString(), "--quiet");
    assertEquals(ExitCodes.FAILURE, r.code(), r.out() + r.err());
    String[] lines = r.err().strip().split("\n");
    assertEquals(1, lines.length, r.err());
    assertTrue(lines[0].startsWith("error: ") && lines[0].contains("causality"), lines[0]);
    assertFalse(r.err().contains("\tat "), r.err());

    JsonNode doc = JSON.readTree(out.resolve("results.json").toFile());
    assertFalse(doc.get("complete").asBoolean(), "the stale complete file must be gone");
    assertTrue(doc.get("error").asText().contains("causality"), doc.toString());
    try (Stream<Path> files = Files.list(out)) {
      assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList(),
          "no temp files left");
    }
  }

  @Test
  void repetitionsWriteOneFolderPerRunAndASummary() throws IOException {
    Path f = TestFiles.write(dir, "reps.conf", String.join("\n",
        "experiment {",
        "  name = reps",
        "  seed = 5",
        "  runs = 3",
        "  duration = 200us",
        "  phold { lps = 16, population = 4 }",
        "}", ""));
    Path out = dir.resolve("reps");
    TestFiles.CliRun r = TestFiles.cli("run", f.toString(), "--out", out.toString());
    assertEquals(ExitCodes.OK, r.code(), r.err());
    for (int i = 0; i < 3; i++) {
      JsonNode doc = JSON.readTree(out.resolve("run-" + i).resolve("results.json").toFile());
      assertEquals(i, doc.get("run").asInt());
      assertEquals(5 + i, doc.get("seed").asLong());
    }
    JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
    assertTrue(summary.get("complete").asBoolean());
    JsonNode events = summary.get("engine").get("events");
    assertEquals(3, events.get("n").asInt());
    assertTrue(events.get("ci95_low").asDouble() <= events.get("mean").asDouble());
    assertTrue(events.get("mean").asDouble() <= events.get("ci95_high").asDouble());
    assertEquals(3, summary.get("metrics").get("engine.events").get("n").asInt(), summary.toString());
    assertTrue(r.out().contains("results: " + out.resolve("summary.json")), r.out());
    assertTrue(Files.exists(out.resolve("run-0").resolve("report.html")));
    assertTrue(Files.exists(out.resolve("report.html")), "the point's report over its runs");
  }

  @Test
  void reportsAreWrittenUnlessDisabled() throws IOException {
    Path with = run("with");
    assertTrue(Files.exists(with.resolveSibling("report.html")));
    assertTrue(Files.exists(with.resolveSibling("flows.csv")));
    Path without = run("without", "--no-report");
    try (Stream<Path> files = Files.list(without.getParent())) {
      assertEquals(List.of("results.json"), files.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void summaryTableShowsEngineFigures() {
    TestFiles.CliRun r = TestFiles.cli("run", TestFiles.phold().toString(), "--out", dir.resolve("t").toString());
    assertEquals(ExitCodes.OK, r.code(), r.err());
    for (String s : List.of("events", "windows", "wall seconds", "events / wall second", "results: ")) {
      assertTrue(r.out().contains(s), s + " missing in:\n" + r.out());
    }
  }
}
