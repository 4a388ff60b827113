package org.cnemu.experiments.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.daemon.DaemonClient;
import org.cnemu.experiments.daemon.DaemonServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Farmed plans with real JVMs on 127.0.0.1 (`cnemu cluster seed|worker` processes over TLS with the
 * tests' cluster key, the driver in this JVM or in a process of its own): whole jobs go to the nodes,
 * the folder is the one a local run writes, a node killed mid-plan has its jobs run elsewhere, a late
 * joiner takes jobs, and a killed driver's jobs are abandoned by its nodes.
 */
class FarmedPlanTest {
  private final List<ClusterRunTest.Node> nodes = new ArrayList<>();
  private final List<Process> others = new ArrayList<>();

  @TempDir
  Path tmp;

  /** A 12-job sweep (3 points x 4 runs) of one-partition PHOLD runs of {@code duration} each. */
  private Path sweep(String name, String duration) throws IOException {
    return sweep(name, duration, 4);
  }

  /** A sweep of 3 points x {@code runs} one-partition PHOLD runs of {@code duration} each. */
  private Path sweep(String name, String duration, int runs) throws IOException {
    return Files.writeString(tmp.resolve(name + ".conf"), String.join("\n",
        "experiment {",
        "  name = " + name,
        "  seed = 11",
        "  runs = " + runs,
        "  duration = " + duration,
        "  model = phold",
        "  phold { lps = 8, population = 2 }",
        "  sweep { phold.lps = [8, 16, 24] }",
        "}", ""));
  }

  ClusterRunTest.Node start(String role, int port, int seedPort, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx384m", "-cp",
        System.getProperty("java.class.path"), Cli.class.getName(), "cluster", role));
    if (role.equals("seed")) {
      cmd.addAll(List.of("--bind", "127.0.0.1:" + port));
    } else {
      cmd.addAll(List.of("--seed", "127.0.0.1:" + seedPort, "--bind", "127.0.0.1:" + port));
    }
    cmd.addAll(List.of("--threads", "1", "--cluster-key", ClusterRunTest.key().toString()));
    cmd.addAll(List.of(extra));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    ClusterRunTest.Node node = new ClusterRunTest.Node(p, "pekko://cnemu@127.0.0.1:" + port);
    nodes.add(node);
    drain(p, node.lines);
    awaitLine(node, "member up", 180); // a JVM start and join took over 60 s at load average 45 here
    return node;
  }

  private static void drain(Process p, List<String> lines) {
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) lines.add(line);
      } catch (IOException ignored) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
  }

  @AfterEach
  void stopNodes() throws InterruptedException {
    for (ClusterRunTest.Node n : nodes) n.process.destroyForcibly();
    for (Process p : others) p.destroyForcibly();
    for (ClusterRunTest.Node n : nodes) n.process.waitFor(10, TimeUnit.SECONDS);
  }

  static void awaitLine(ClusterRunTest.Node n, String text, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!n.output().contains(text) && System.nanoTime() < deadline) Thread.sleep(20);
    assertTrue(n.output().contains(text), n.address + " never printed '" + text + "':\n" + n.output());
  }

  static int jobsRun(ClusterRunTest.Node n) {
    return (int) n.output().lines().filter(l -> l.startsWith("farm: running job")).count();
  }

  /** Every file below {@code root} with its bytes (a hash for binary files), results.json cut before its wall section. */
  static List<String> tree(Path root) throws Exception {
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        String name = root.relativize(f).toString();
        if (name.endsWith("report.html") && name.contains("run-")) {
          out.add(name); // a run's report shows its wall section (seconds, folder): only its presence counts
          continue;
        }
        if (!name.endsWith(".json")) {
          byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
          out.add(name + " " + java.util.HexFormat.of().formatHex(sha));
          continue;
        }
        String text = Files.readString(f);
        int wall = text.lastIndexOf("\"wall\"");
        out.add(name + "\n" + (wall > 0 && name.endsWith("results.json") ? text.substring(0, wall) : text));
      }
    }
    return out;
  }

  /** The completed jobs per node from the driver's closing line ("cluster: 12 jobs on 3 nodes (...)"). */
  static int jobsReported(String out) {
    Matcher m = Pattern.compile("cluster: (\\d+) jobs on").matcher(out);
    assertTrue(m.find(), out);
    return Integer.parseInt(m.group(1));
  }

  /**
   * A --cluster address where nothing listens (a typo in the port) is refused once its connections were
   * refused for a few seconds: one line, exit 2, the folder's earlier results untouched (it used to wait
   * 30 s, fail every job with exit 1, and empty the folder first). Farmed and partitioned alike.
   */
  @Test
  void aSeedAddressWhereNothingListensIsRefusedWithTheFolderIntact() throws Exception {
    Path file = sweep("typo", "200us", 2);
    Path out = tmp.resolve("out");
    ClusterRunTest.Outcome local = ClusterRunTest.cnemu("run", file.toString(), "--out", out.toString(), "--quiet");
    assertEquals(0, local.code(), local.err());
    List<String> before = tree(out);
    int nobody = TestPorts.free();
    for (String mode : List.of("jobs", "partitions")) {
      long t0 = System.nanoTime();
      ClusterRunTest.Outcome o = ClusterRunTest.cnemu("run", file.toString(), "--out", out.toString(), "--quiet",
          "--cluster", "127.0.0.1:" + nobody, "--cluster-mode", mode);
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(2, o.code(), mode + ": " + o.err());
      assertEquals("error: nothing listens at 127.0.0.1:" + nobody + " (connection refused for 5 s): check "
          + "--cluster's host and port, and that 'cnemu cluster seed' runs there; nothing ran and the results folder "
          + "is unchanged", o.err().strip(), mode);
      assertEquals("", o.out(), mode);
      // 5 s of refused connections, then the refusal: never the 30 s a plan waits for nodes
      assertTrue(seconds >= 5 && seconds < 25, mode + ": " + seconds + " s");
      assertEquals(before, tree(out), mode + ": the earlier results are intact");
      assertFalse(Files.exists(out.resolve(".cnemu.lock")), mode);
    }
  }

  @Test
  void seedAndTwoWorkersGiveTheLocalFolder() throws Exception {
    int seedPort = TestPorts.free();
    ClusterRunTest.Node seed = start("seed", seedPort, seedPort);
    ClusterRunTest.Node w1 = start("worker", TestPorts.free(), seedPort);
    ClusterRunTest.Node w2 = start("worker", TestPorts.free(), seedPort);
    Path file = sweep("farm12", "300us");
    ClusterRunTest.Outcome local = ClusterRunTest.cnemu("run", file.toString(), "--out", tmp.resolve("local").toString(),
        "--jobs", "2");
    assertEquals(0, local.code(), local.err());
    // --nodes 3: no job is handed out before all three nodes answered, so each takes some
    ClusterRunTest.Outcome farmed = ClusterRunTest.cnemu("run", file.toString(), "--out",
        tmp.resolve("farmed").toString(), "--cluster", "127.0.0.1:" + seedPort, "--nodes", "3");
    assertEquals(0, farmed.code(), farmed.err());
    assertTrue(farmed.out().contains("jobs farmed to the cluster"), farmed.out());
    assertEquals(12, jobsReported(farmed.out()), farmed.out());
    List<String> a = tree(tmp.resolve("local"));
    assertEquals(a, tree(tmp.resolve("farmed")));
    assertTrue(a.stream().anyMatch(s -> s.startsWith("point-002/run-3/report.html")), "reports are part of it");
    int total = 0;
    for (ClusterRunTest.Node n : List.of(seed, w1, w2)) {
      assertTrue(jobsRun(n) > 0, n.address + " ran no job:\n" + n.output());
      total += jobsRun(n);
    }
    assertEquals(12, total, "every job ran once");
    JsonNode r = new ObjectMapper().readTree(tmp.resolve("farmed/point-001/run-2/results.json").toFile());
    assertTrue(r.at("/wall/node").asText().startsWith("pekko://cnemu@127.0.0.1:"), r.get("wall").toString());
    assertEquals(tmp.resolve("farmed/point-001/run-2").toString(), r.at("/wall/out_dir").asText());
  }

  /**
   * A driver says goodbye before its actor system stops, so no node watches a JVM that is gone: on a
   * fixed --bind port, a single run first starts a farming driver (the plan's mode is not known yet), drops
   * it and joins as a member on the same port; then a farmed plan runs from a fixed port too. Neither
   * node's failure detector ever fires for one of them (it would, within ~5 s, for any watched driver
   * that stopped without its goodbye, and could take down the association of the next process there).
   */
  @Test
  void driversSayGoodbyeSoNoNodeWatchesAGoneJvm() throws Exception {
    int seedPort = TestPorts.free();
    ClusterRunTest.Node seed = start("seed", seedPort, seedPort);
    ClusterRunTest.Node worker = start("worker", TestPorts.free(), seedPort);
    int runPort = TestPorts.free();
    ClusterRunTest.Outcome single = ClusterRunTest.cnemu("run", ClusterRunTest.STAR4.toString(), "--out",
        tmp.resolve("single").toString(), "--quiet", "--no-report", "--cluster", "127.0.0.1:" + seedPort, "--bind",
        "127.0.0.1:" + runPort, "--nodes", "3", "--threads", "1");
    assertEquals(0, single.code(), single.err());
    ClusterRunTest.Outcome farmed = ClusterRunTest.cnemu("run", sweep("bye", "300us").toString(), "--out",
        tmp.resolve("farmed").toString(), "--no-report", "--cluster", "127.0.0.1:" + seedPort, "--bind",
        "127.0.0.1:" + TestPorts.free());
    assertEquals(0, farmed.code(), farmed.err());
    assertEquals(12, jobsReported(farmed.out()), farmed.out());
    // the watch failure detector tolerates 3 s of silence after 1 s heartbeats (cnemu-cluster.conf)
    Thread.sleep(8_000);
    for (ClusterRunTest.Node n : List.of(seed, worker)) {
      assertFalse(n.output().contains("Detected unreachable"), n.address + " watched a driver that was gone:\n"
          + n.output());
    }
  }

  /**
   * The resident daemon serves a farmed plan (--cluster-mode jobs, its key named): twice in one JVM, each
   * command with a driver of its own, the key read relative to the client's folder (not the daemon's),
   * each folder the local one.
   */
  @Test
  void aDaemonServesFarmedPlansInItsWarmJvm() throws Exception {
    int seedPort = TestPorts.free();
    ClusterRunTest.Node seed = start("seed", seedPort, seedPort);
    ClusterRunTest.Node worker = start("worker", TestPorts.free(), seedPort);
    Path file = sweep("served", "300us");
    ClusterRunTest.Outcome local = ClusterRunTest.cnemu("run", file.toString(), "--out", tmp.resolve("local").toString(),
        "--jobs", "2");
    assertEquals(0, local.code(), local.err());
    Path key = ClusterRunTest.key();
    try (DaemonServer server = new DaemonServer().start()) {
      DaemonClient client = new DaemonClient(server.port(), server.token());
      for (String out : List.of("served-1", "served-2")) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        DaemonClient.Result r = client.exec(key.getParent().toString(), List.of("run", file.toString(), "--out",
            tmp.resolve(out).toString(), "--cluster", "127.0.0.1:" + seedPort, "--cluster-mode", "jobs", "--cluster-key",
            key.getFileName().toString()), new PrintWriter(o), new PrintWriter(e));
        assertEquals("accepted", r.answer(), e.toString());
        assertEquals(0, r.code(), o + "\n" + e);
        assertEquals(12, jobsReported(o.toString()), o.toString());
        assertEquals(tree(tmp.resolve("local")), tree(tmp.resolve(out)));
      }
    }
    assertEquals(24, jobsRun(seed) + jobsRun(worker), "every job of both commands ran once");
    // the daemon kept the first plan's driver system for the second: every job came from one address
    java.util.Set<String> drivers = Stream.of(seed, worker).flatMap(n -> n.output().lines())
        .filter(l -> l.startsWith("farm: running job")).map(l -> l.substring(l.lastIndexOf(" of ") + 4))
        .collect(java.util.stream.Collectors.toSet());
    assertEquals(1, drivers.size(), "both served plans were farmed from the system the daemon kept: " + drivers);
  }

  @Test
  void workerKilledMidPlanHasItsJobsRunElsewhere() throws Exception {
    int seedPort = TestPorts.free();
    start("seed", seedPort, seedPort);
    int victimPort = TestPorts.free();
    ClusterRunTest.Node victim = start("worker", victimPort, seedPort);
    Path file = sweep("farmkill", "2ms");
    CompletableFuture<ClusterRunTest.Outcome> run = CompletableFuture.supplyAsync(() -> ClusterRunTest.cnemu("run",
        file.toString(), "--out", tmp.resolve("killed").toString(), "--cluster", "127.0.0.1:" + seedPort,
        "--nodes", "2", "--no-report"));
    awaitLine(victim, "farm: running job", 120);
    victim.process.destroyForcibly(); // kill -9: its running jobs never report
    ClusterRunTest.Outcome o = run.get(180, TimeUnit.SECONDS);
    assertEquals(0, o.code(), o.out() + o.err());
    assertTrue(o.err().contains("lost cluster node pekko://cnemu@127.0.0.1:" + victimPort), o.err());
    assertTrue(o.err().matches("(?s).*its \\d+ unfinished jobs? go back on the queue.*"), o.err());
    assertTrue(o.err().contains("cluster: lost pekko://cnemu@127.0.0.1:" + victimPort + " mid-plan"), o.err());
    assertEquals(12, jobsReported(o.out()), o.out());
    int complete = 0;
    for (int p = 0; p < 3; p++) {
      for (int r = 0; r < 4; r++) {
        JsonNode doc = new ObjectMapper().readTree(
            tmp.resolve("killed/point-00" + p + "/run-" + r + "/results.json").toFile());
        if (doc.get("complete").asBoolean()) complete++;
        assertFalse(doc.at("/wall/node").asText().endsWith(":" + victimPort) && !doc.get("complete").asBoolean());
      }
    }
    assertEquals(12, complete, "all 12 jobs complete");
  }

  @Test
  void lateJoinerTakesJobs() throws Exception {
    // One job at a time on the seed (24 jobs of ~1 s of PHOLD each on an idle machine, ~10 M events),
    // so that jobs are still queued when the late worker is up (its JVM start takes seconds, more on a
    // loaded machine; 40 ms jobs ran out in ~6 s once the node checked each text only once).
    int seedPort = TestPorts.free();
    ClusterRunTest.Node seed = start("seed", seedPort, seedPort, "--job-slots", "1");
    Path file = sweep("late", "200ms", 8);
    CompletableFuture<ClusterRunTest.Outcome> run = CompletableFuture.supplyAsync(() -> ClusterRunTest.cnemu("run",
        file.toString(), "--out", tmp.resolve("late").toString(), "--cluster", "127.0.0.1:" + seedPort, "--no-report"));
    awaitLine(seed, "farm: running job", 120);
    ClusterRunTest.Node late = start("worker", TestPorts.free(), seedPort);
    int seedJobsBefore = jobsRun(seed);
    ClusterRunTest.Outcome o = run.get(300, TimeUnit.SECONDS);
    assertEquals(0, o.code(), o.err());
    assertTrue(seedJobsBefore >= 1 && seedJobsBefore < 24, "the worker was not late: " + seedJobsBefore);
    assertTrue(jobsRun(late) > 0, "the late worker took no job:\n" + late.output() + "\ndriver:\n" + o.err());
    // default slots on the seed's machine: its processors less the seed's explicit one (the two share it)
    int lateSlots = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    assertTrue(o.err().contains("cluster node " + late.address + " takes jobs (" + lateSlots + " at once)"), o.err());
    assertEquals(24, jobsRun(seed) + jobsRun(late), "every job ran once");
  }

  @Test
  void nodesAbandonTheJobsOfAKilledDriverAndServeTheNext() throws Exception {
    int seedPort = TestPorts.free();
    ClusterRunTest.Node seed = start("seed", seedPort, seedPort, "--job-slots", "2");
    // a worker beside the seed, as docs/cluster.md advises (the driver is no member: its death changes no membership)
    start("worker", TestPorts.free(), seedPort, "--job-slots", "1");
    // jobs far longer than the failure detector takes (300 ms of PHOLD ran out in ~2 s on an idle machine,
    // before the node noticed the driver was gone); abandoned jobs stop within a progress slice
    Path file = sweep("orphan", "20s");
    Process driver = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-Xmx384m", "-cp",
        System.getProperty("java.class.path"), Cli.class.getName(), "run", file.toString(), "--out",
        tmp.resolve("orphan").toString(), "--cluster", "127.0.0.1:" + seedPort, "--cluster-key",
        ClusterRunTest.key().toString(), "--no-report", "-q").redirectErrorStream(true).start();
    others.add(driver);
    drain(driver, new ArrayList<>());
    awaitLine(seed, "farm: running job", 120);
    driver.destroyForcibly();
    long killedAt = System.nanoTime();
    awaitLine(seed, "farm: abandoned jobs", 30);
    double abandonedAfterSeconds = (System.nanoTime() - killedAt) / 1e9;
    assertTrue(abandonedAfterSeconds < 15, "abandoned " + abandonedAfterSeconds + " s after the driver died");
    // the node's slots are free again: the next driver's plan runs on it
    Path next = sweep("next", "300us");
    ClusterRunTest.Outcome o = ClusterRunTest.cnemu("run", next.toString(), "--out", tmp.resolve("next").toString(),
        "--cluster", "127.0.0.1:" + seedPort, "--no-report");
    assertEquals(0, o.code(), o.err());
    assertEquals(12, jobsReported(o.out()), o.out());
  }
}
