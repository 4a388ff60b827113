package org.cnemu.experiments.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.cnemu.emulator.cluster.ClusterKey;
import org.cnemu.experiments.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distributed runs with real JVMs on 127.0.0.1, started with the same class path as the build
 * (bin/cnemu's jar and lib folder hold the same classes): `cnemu cluster seed` and `cnemu cluster
 * worker` processes, and the driver (`cnemu run --cluster`) in this JVM.
 */
class ClusterRunTest {
  static final Path STAR4 = Path.of("cluster/star-4.conf");
  private final List<Node> nodes = new ArrayList<>();

  @TempDir
  Path tmp;

  /** A cnemu cluster node process and what it printed. */
  static final class Node {
    final Process process;
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    final String address;

    Node(Process process, String address) {
      this.process = process;
      this.address = address;
    }

    String output() {
      synchronized (lines) {
        return String.join("\n", lines);
      }
    }
  }

  /** The cluster key every node of these tests uses, made once by `cnemu cluster init`. */
  private static Path key;

  static synchronized Path key() throws IOException {
    if (key == null) {
      Path dir = Files.createTempDirectory("cnemu-cluster-run-key");
      key = dir.resolve("key");
      Outcome init = cnemu("cluster", "init", "--cluster-key", key.toString());
      assertEquals(0, init.code(), init.err());
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        ClusterKey.file(key).toFile().delete();
        key.toFile().delete();
        dir.toFile().delete();
      }));
    }
    return key;
  }


  Node start(String role, int port, int seedPort, String... jvmArgs) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getProperty("java.home") + "/bin/java");
    cmd.add("-Xmx384m");
    cmd.addAll(List.of(jvmArgs));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Cli.class.getName());
    cmd.add("cluster");
    cmd.add(role);
    if (role.equals("seed")) {
      cmd.addAll(List.of("--bind", "127.0.0.1:" + port));
    } else {
      cmd.addAll(List.of("--seed", "127.0.0.1:" + seedPort, "--bind", "127.0.0.1:" + port));
    }
    cmd.addAll(List.of("--threads", "1", "--cluster-key", key().toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Node node = new Node(p, "pekko://cnemu@127.0.0.1:" + port);
    nodes.add(node);
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          node.lines.add(line);
          if (line.contains("listening at")) ready.complete(null);
        }
      } catch (IOException ignored) {
        // the process ended
      }
      ready.complete(null);
    });
    reader.setDaemon(true);
    reader.start();
    ready.get(60, TimeUnit.SECONDS);
    assertTrue(p.isAlive(), "node did not start:\n" + node.output());
    return node;
  }

  @AfterEach
  void stopNodes() throws InterruptedException {
    for (Node n : nodes) n.process.destroyForcibly();
    for (Node n : nodes) n.process.waitFor(10, TimeUnit.SECONDS);
  }

  record Outcome(int code, String out, String err) {}

  /** bin/cnemu in this JVM; a run on the cluster gets the tests' cluster key. */
  static Outcome cnemu(String... args) {
    if (List.of(args).contains("--cluster")) {
      List<String> a = new ArrayList<>(List.of(args));
      try {
        a.addAll(List.of("--cluster-key", key().toString()));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      args = a.toArray(String[]::new);
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Outcome(code, out.toString(), err.toString());
  }

  static JsonNode withoutWall(Path resultsJson) throws IOException {
    ObjectNode n = (ObjectNode) new ObjectMapper().readTree(resultsJson.toFile());
    n.remove("wall");
    return n;
  }

  @Test
  void threeNodeRunIsByteIdenticalToOneJvm() throws Exception {
    int seedPort = TestPorts.free();
    Node seed = start("seed", seedPort, seedPort);
    Node w1 = start("worker", TestPorts.free(), seedPort);
    Node w2 = start("worker", TestPorts.free(), seedPort);
    Outcome one = cnemu("run", STAR4.toString(), "--out", tmp.resolve("one").toString(), "--quiet", "--no-report");
    assertEquals(0, one.code(), one.err());
    Outcome dist = cnemu("run", STAR4.toString(), "--out", tmp.resolve("dist").toString(), "--quiet", "--no-report",
        "--cluster", "127.0.0.1:" + seedPort, "--nodes", "4", "--threads", "1");
    assertEquals(0, dist.code(), dist.err());
    JsonNode a = withoutWall(tmp.resolve("one/results.json"));
    JsonNode b = withoutWall(tmp.resolve("dist/results.json"));
    assertTrue(a.get("complete").asBoolean());
    assertEquals(a.toPrettyString(), b.toPrettyString());
    assertTrue(b.at("/engine/messages").asLong() > 0, "packets must have crossed partitions");
    // Every process took part: 4 partitions dealt over 4 nodes.
    for (Node n : List.of(seed, w1, w2)) {
      assertTrue(n.output().contains("hosting partitions"), n.address + " hosted nothing:\n" + n.output());
    }
    // A coordinating-only driver: the 4 partitions go to the 3 nodes, the answer is the same.
    Outcome coord = cnemu("run", STAR4.toString(), "--out", tmp.resolve("coord").toString(), "--quiet", "--no-report",
        "--cluster", "127.0.0.1:" + seedPort, "--nodes", "3", "--coordinate-only");
    assertEquals(0, coord.code(), coord.err());
    assertEquals(a.toPrettyString(), withoutWall(tmp.resolve("coord/results.json")).toPrettyString());
    for (Node n : List.of(seed, w1, w2)) {
      String o = n.output();
      assertTrue(o.indexOf("run0: hosting partitions", o.indexOf("run0: hosting partitions") + 1) >= 0,
          n.address + " hosted nothing in the second run:\n" + n.output());
    }
    // Several partitions per node: 4 partitions over 2 node JVMs, each running its 2 in one group.
    Outcome pairs = cnemu("run", STAR4.toString(), "--out", tmp.resolve("pairs").toString(), "--quiet", "--no-report",
        "--cluster", "127.0.0.1:" + seedPort, "--nodes", "2", "--coordinate-only");
    assertEquals(0, pairs.code(), pairs.err());
    assertEquals(a.toPrettyString(), withoutWall(tmp.resolve("pairs/results.json")).toPrettyString());
    String all = seed.output() + w1.output() + w2.output();
    assertTrue(all.contains("run0: hosting partitions [0, 2]") && all.contains("run0: hosting partitions [1, 3]"),
        "expected 2 partitions on each of 2 nodes:\n" + all);
  }

  @Test
  void killedWorkerStopsTheRunQuicklyAndMarksItIncomplete() throws Exception {
    int seedPort = TestPorts.free();
    start("seed", seedPort, seedPort);
    int workerPort = TestPorts.free();
    Node worker = start("worker", workerPort, seedPort);
    Path long4 = tmp.resolve("long.conf");
    Files.writeString(long4, "include required(file(\"" + STAR4.toAbsolutePath() + "\"))\nexperiment.duration = 10s\n");
    Path out = tmp.resolve("killed");
    CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(() -> cnemu("run", long4.toString(), "--out",
        out.toString(), "--quiet", "--no-report", "--cluster", "127.0.0.1:" + seedPort, "--nodes", "3",
        "--threads", "1"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!worker.output().contains("hosting partitions") && System.nanoTime() < deadline) Thread.sleep(100);
    assertTrue(worker.output().contains("hosting partitions"), "the run never started:\n" + worker.output());
    Thread.sleep(2_000);
    assertFalse(run.isDone(), "the run must still be going when the worker dies");
    long killedAt = System.nanoTime();
    worker.process.destroyForcibly();
    Outcome o = run.get(60, TimeUnit.SECONDS);
    // "stops the run within 10 seconds": the result is out (error printed, results.json written)
    double stoppedAfterSeconds = (System.nanoTime() - killedAt) / 1e9;
    assertEquals(1, o.code(), o.out() + o.err());
    assertTrue(stoppedAfterSeconds <= 10, "stopped " + stoppedAfterSeconds + " s after the kill");
    assertTrue(o.err().contains("lost cluster node pekko://cnemu@127.0.0.1:" + workerPort), o.err());
    assertTrue(o.err().matches("(?s).*at virtual time \\d+ ns.*"), o.err());
    JsonNode doc = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertFalse(doc.get("complete").asBoolean(), "an interrupted run must never look complete");
    assertTrue(doc.get("error").asText().contains("lost cluster node"), doc.toPrettyString());
  }

  @Test
  void workerJoiningMidRunWaitsForTheNextRun() throws Exception {
    // The late worker must be Up while the run is still going, or this test would check nothing. How long
    // that takes depends on the machine and on how fast distributed runs are, so a run that ends first is
    // retried on a fresh cluster with 4x the virtual time (here a star-4 run across two JVMs, 2 partitions
    // each, takes ~0.75 s per 100 ms).
    for (int virtualMs = 200; ; virtualMs *= 4) {
      int seedPort = TestPorts.free();
      Node seed = start("seed", seedPort, seedPort);
      Path longer = tmp.resolve("longer-" + virtualMs + ".conf");
      Files.writeString(longer, "include required(file(\"" + STAR4.toAbsolutePath() + "\"))\nexperiment.duration = "
          + virtualMs + "ms\n");
      Path mid = tmp.resolve("mid-" + virtualMs);
      CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(() -> cnemu("run", longer.toString(), "--out",
          mid.toString(), "--quiet", "--no-report", "--cluster", "127.0.0.1:" + seedPort, "--threads", "1"));
      awaitLine(seed, "hosting partitions", 60);
      Node late = start("worker", TestPorts.free(), seedPort);
      awaitLine(late, "member up", 60);
      boolean upMidRun = !run.isDone();
      Outcome o = run.get(600, TimeUnit.SECONDS);
      assertEquals(0, o.code(), o.err());
      assertFalse(late.output().contains("hosting partitions"), "a late joiner was used mid-run:\n" + late.output());
      if (!upMidRun) {
        assertTrue(virtualMs < 12_800, "runs of up to 12.8 s virtual all ended before a late worker was up");
        seed.process.destroyForcibly();
        late.process.destroyForcibly();
        continue;
      }
      // --nodes 3 (seed, late worker, this JVM): the late worker is Up by now, and is now used.
      Outcome next = cnemu("run", STAR4.toString(), "--out", tmp.resolve("next").toString(), "--quiet",
          "--no-report", "--cluster", "127.0.0.1:" + seedPort, "--nodes", "3", "--threads", "1");
      assertEquals(0, next.code(), next.err());
      assertTrue(late.output().contains("hosting partitions"), "the next run should use it:\n" + late.output());
      return;
    }
  }

  private static void awaitLine(Node n, String text, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!n.output().contains(text) && System.nanoTime() < deadline) Thread.sleep(50);
    assertTrue(n.output().contains(text), n.address + " never printed '" + text + "':\n" + n.output());
  }

  @Test
  void nodesOfAnotherVersionAreRefused() throws Exception {
    int seedPort = TestPorts.free();
    start("seed", seedPort, seedPort, "-Dcnemu.version.override=0.0.1-other");
    Outcome o = cnemu("run", STAR4.toString(), "--out", tmp.resolve("v").toString(), "--quiet", "--no-report",
        "--cluster", "127.0.0.1:" + seedPort, "--nodes", "2", "--threads", "1");
    assertEquals(1, o.code());
    assertTrue(o.err().contains("0.0.1-other") && o.err().contains("refusing"), o.err());
  }
}
