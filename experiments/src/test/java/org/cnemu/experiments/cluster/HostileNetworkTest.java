package org.cnemu.experiments.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.cnemu.emulator.cluster.ClusterKey;
import org.cnemu.emulator.cluster.ClusterNode;
import org.cnemu.emulator.cluster.ClusterSecurity;
import org.cnemu.emulator.cluster.JobFarm;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.run.FarmedJobs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A cluster under attack, with real JVMs on 127.0.0.1 (one secure seed and worker shared by the
 * checks): nodes without the cluster key are refused, and garbage, huge length prefixes, truncated
 * frames and a thousand connections against every listening port of the seed, the worker and a run's
 * JVM (Artery and data plane alike) leave every node running, the logs nearly as they were, file
 * descriptors back at their level, and the run complete with a stall of 500 ms in its frames.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileNetworkTest {
  private Path tmp;
  private Path key;
  private Path otherKey;
  private int seedPort;
  private int workerPort;
  private Proc seed;
  private Proc worker;
  private final List<Proc> procs = new ArrayList<>();

  /** A JVM whose stdout and stderr go to a file. */
  record Proc(Process process, Path log) {
    String output() throws IOException {
      return Files.readString(log, StandardCharsets.UTF_8);
    }

    /**
     * Lines logged, less the failure detector's complaints about late heartbeats: those come from a
     * loaded machine (tests running in parallel), not from the hostile connections.
     */
    long lines() throws IOException {
      return output().lines().filter(l -> !l.contains("heartbeat")).count();
    }

    /** What the process's descriptors point to, for messages. */
    List<String> fdTargets() throws IOException {
      List<String> t = new ArrayList<>();
      try (var s = Files.list(Path.of("/proc/" + process.pid() + "/fd"))) {
        for (Path fd : (Iterable<Path>) s::iterator) {
          try {
            t.add(Files.readSymbolicLink(fd).toString());
          } catch (IOException ignored) {
            // closed meanwhile
          }
        }
      }
      java.util.Collections.sort(t);
      return t;
    }

    long fds() throws IOException {
      try (var s = Files.list(Path.of("/proc/" + process.pid() + "/fd"))) {
        return s.count();
      }
    }
  }


  record Outcome(int code, String out, String err) {}

  static Outcome cnemu(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Outcome(code, out.toString(), err.toString());
  }

  Proc start(String name, List<String> jvmArgs, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx384m"));
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Cli.class.getName()));
    cmd.addAll(List.of(args));
    Path log = tmp.resolve(name + "-" + procs.size() + ".log"); // a rerun of a test starts afresh
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Proc proc = new Proc(p, log);
    procs.add(proc);
    return proc;
  }

  /** Waits for {@code text} in p's log; a failure shows the logs of {@code others} too (a run that ended early). */
  static void await(Proc p, String text, int seconds, Proc... others) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!p.output().contains(text) && p.process().isAlive() && System.nanoTime() < deadline) Thread.sleep(100);
    if (p.output().contains(text)) return;
    StringBuilder more = new StringBuilder();
    for (Proc o : others) more.append("\n").append(o.log()).append(o.process().isAlive() ? " (running):\n" : " (ended):\n")
        .append(o.output());
    org.junit.jupiter.api.Assertions.fail(p.log() + " never printed '" + text + "':\n" + p.output() + more);
  }

  /** Every run JVM here uses TCP for its data plane (not rings): the 250 ms read timeout is on the path. */
  static final List<String> TCP_DATA_PLANE = List.of("-Dcnemu.cluster.data-plane.shared-memory=off");

  @BeforeAll
  void startCluster() throws Exception {
    tmp = Files.createTempDirectory("cnemu-hostile");
    key = tmp.resolve("key");
    otherKey = tmp.resolve("other-key");
    Outcome init = cnemu("cluster", "init", "--cluster-key", key.toString());
    assertEquals(0, init.code(), init.err());
    assertEquals(0, cnemu("cluster", "init", "--cluster-key", otherKey.toString()).code());
    seedPort = TestPorts.free();
    seed = start("seed", TCP_DATA_PLANE, "cluster", "seed", "--bind", "127.0.0.1:" + seedPort, "--threads", "1",
        "--cluster-key", key.toString());
    await(seed, "listening at", 120);
    // The worker stalls its first two windows for 500 ms after 6 bytes of a frame.
    List<String> stall = new ArrayList<>(TCP_DATA_PLANE);
    stall.add("-Dcnemu.test.stall-mid-frame-ms=500");
    workerPort = TestPorts.free();
    worker = start("worker", stall, "cluster", "worker", "--seed", "127.0.0.1:" + seedPort, "--bind",
        "127.0.0.1:" + workerPort, "--threads", "1", "--cluster-key", key.toString());
    await(worker, "member up", 120);
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (Proc p : procs) p.process().destroyForcibly();
    for (Proc p : procs) p.process().waitFor(10, TimeUnit.SECONDS);
    try (var files = Files.walk(tmp)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  @Test
  void initMakesAnOwnerOnlyKeyAndNeverOverwritesOne() throws Exception {
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ClusterKey.file(key))));
    Outcome again = cnemu("cluster", "init", "--cluster-key", key.toString());
    assertEquals(2, again.code());
    assertEquals(1, again.err().lines().count(), again.err());
    assertTrue(again.err().contains("exists already"), again.err());
    // an existing folder others can use is left alone: refused, its permissions unchanged
    Path shared = tmp.resolve("shared-folder");
    Files.createDirectory(shared);
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    Outcome open = cnemu("cluster", "init", "--cluster-key", shared.toString());
    assertEquals(2, open.code(), open.err());
    assertTrue(open.err().contains("others can use this folder"), open.err());
    assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)));
    assertFalse(Files.exists(ClusterKey.file(shared)));
    // a key others can read is refused
    Path loose = tmp.resolve("loose");
    Files.createDirectory(loose);
    Files.copy(ClusterKey.file(key), ClusterKey.file(loose));
    Files.setPosixFilePermissions(ClusterKey.file(loose), PosixFilePermissions.fromString("rw-r--r--"));
    ClusterKey.KeyException e = org.junit.jupiter.api.Assertions.assertThrows(ClusterKey.KeyException.class,
        () -> ClusterKey.load(loose));
    assertTrue(e.getMessage().contains("readable by others"), e.getMessage());
  }

  /** Missing key, another key, or --insecure: refused before joining, one line, exit 2; nothing runs. */
  @Test
  void aNodeWithoutTheKeyCannotHostOrRun() throws Exception {
    String at = "127.0.0.1:" + seedPort;
    List<List<String>> withoutKey = List.of(List.of("--cluster-key", otherKey.toString()),
        List.of("--cluster-key", tmp.resolve("no-such-key").toString()), List.of("--insecure"));
    for (List<String> security : withoutKey) {
      List<String> args = new ArrayList<>(List.of("cluster", "worker", "--seed", at, "--threads", "1"));
      args.addAll(security);
      Outcome w = cnemu(args.toArray(String[]::new));
      assertEquals(2, w.code(), security + ": " + w.out() + w.err());
      assertEquals(1, w.err().lines().count(), security + ": " + w.err());
      assertFalse(w.err().contains("Exception") || w.err().contains("\tat "), w.err());

      Path out = tmp.resolve("refused-run");
      args = new ArrayList<>(List.of("run", ClusterRunTest.STAR4.toString(), "--out", out.toString(), "--quiet",
          "--no-report", "--cluster", at, "--threads", "1"));
      args.addAll(security);
      Outcome r = cnemu(args.toArray(String[]::new));
      assertEquals(2, r.code(), security + ": " + r.out() + r.err());
      assertEquals(1, r.err().lines().count(), security + ": " + r.err());
      assertFalse(Files.exists(out.resolve("results.json")), "nothing may run");
    }
    assertTrue(cnemu("cluster", "worker", "--seed", at, "--cluster-key", otherKey.toString()).err()
        .contains("does not accept this node's cluster key"));
  }

  /**
   * A farmed plan takes the seed directory's first answer to its driver as the seed's acceptance of its key
   * (FarmedJobs.refusal: no TLS handshake of its own then); a driver with another key never hears from it,
   * and its command's check refuses it.
   */
  @Test
  void onlyADriverWithTheKeyHearsFromTheSeed() throws Exception {
    ClusterNode.HostPort at = new ClusterNode.HostPort("127.0.0.1", seedPort);
    ClusterNode.HostPort any = new ClusterNode.HostPort("127.0.0.1", 0);
    ClusterSecurity mine = ClusterSecurity.withKey(ClusterKey.load(key));
    ClusterSecurity other = ClusterSecurity.withKey(ClusterKey.load(otherKey));
    JobFarm outsider = JobFarm.start(at, any, other, 0, java.time.Duration.ofSeconds(30), false);
    JobFarm driver = JobFarm.start(at, any, mine, 0, java.time.Duration.ofSeconds(30), false);
    try {
      driver.listed().get(60, TimeUnit.SECONDS);
      org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.TimeoutException.class,
          () -> outsider.listed().get(3, TimeUnit.SECONDS), "a driver with another key heard from the seed");
      assertNotNull(FarmedJobs.refusal(CompletableFuture.completedFuture(outsider), other, at).get(30, TimeUnit.SECONDS));
      // the listing decides before any handshake: a check whose own handshake would refuse passes
      assertNull(FarmedJobs.refusal(CompletableFuture.completedFuture(driver), other, at).get(30, TimeUnit.SECONDS));
    } finally {
      outsider.abort();
      driver.close();
    }
  }

  /**
   * Past the check before joining (a node that skips it): with another key, the TLS handshake fails, so
   * the node never becomes a member and is never dealt partitions; the seed logs nothing about it.
   */
  @Test
  void aNodeWithAnotherKeyNeverJoins() throws Exception {
    long seedLines = seed.lines();
    ClusterSecurity other = ClusterSecurity.withKey(ClusterKey.load(otherKey));
    assertNotNull(other.probe(new ClusterNode.HostPort("127.0.0.1", seedPort)));
    assertNull(ClusterSecurity.withKey(ClusterKey.load(key)).probe(new ClusterNode.HostPort("127.0.0.1", seedPort)));
    List<String> up = new ArrayList<>();
    ActorSystem<Void> intruder = ClusterNode.serve(new ClusterNode.HostPort("127.0.0.1", TestPorts.free()),
        new ClusterNode.HostPort("127.0.0.1", seedPort), 1, other, up::add);
    try {
      org.apache.pekko.cluster.Cluster.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(intruder))
          .registerOnMemberUp(() -> up.add("up"));
      Thread.sleep(8_000); // a joining node on loopback is up within a second or two here
      assertTrue(up.isEmpty(), "a node with another key joined: " + up);
    } finally {
      intruder.terminate();
      intruder.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    assertTrue(seed.lines() <= seedLines + 3, "the seed logged:\n" + seed.output());
    assertTrue(seed.process().isAlive());
  }

  /**
   * A run across seed, worker and its own JVM, while every listening port of the three gets garbage, huge
   * length prefixes, truncated frames and bare connections, a thousand per port in all; the worker also
   * stalls frames mid-way for 500 ms. The run completes; nodes log at most a few lines; fds come back.
   */
  @Test
  void garbageOnEveryPortLeavesTheClusterRunning() throws Exception {
    Path conf = tmp.resolve("long.conf");
    Files.writeString(conf, "include required(file(\"" + ClusterRunTest.STAR4.toAbsolutePath()
        + "\"))\nexperiment.duration = 1s\n");
    Path out = tmp.resolve("flooded");
    int runPort = TestPorts.free();
    Proc run = start("run", TCP_DATA_PLANE, "run", conf.toString(), "--out", out.toString(), "--quiet", "--no-report",
        "--cluster", "127.0.0.1:" + seedPort, "--bind", "127.0.0.1:" + runPort, "--nodes", "3", "--threads", "1",
        "--cluster-key", key.toString());
    await(worker, "hosting partitions", 180, run, seed);
    await(seed, "hosting partitions", 60, run, worker);
    List<Proc> nodes = List.of(seed, worker, run);
    long[] fds0 = new long[nodes.size()];
    long[] lines0 = new long[nodes.size()];
    Set<Integer> ports = new TreeSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      fds0[i] = nodes.get(i).fds();
      lines0[i] = nodes.get(i).lines();
      ports.addAll(listeningPorts(nodes.get(i).process().pid()));
    }
    // Artery on each of the three, and each one's data plane for this run
    Set<Integer> artery = Set.of(seedPort, workerPort, runPort);
    assertTrue(ports.containsAll(artery) && ports.size() >= 6, "listening ports found: " + ports);
    Set<Integer> dataPlane = new TreeSet<>(ports);
    dataPlane.removeAll(artery);
    int perPort = 1_000;
    Random random = new Random(42);
    // the data planes first, while the run is surely going
    int dataSent = 0;
    for (int i = 0; i < perPort; i++) {
      for (int port : dataPlane) {
        if (garbage(port, i, random)) dataSent++;
      }
    }
    assertTrue(run.process().isAlive(), "the run ended before its data planes were flooded:\n" + run.output());
    int arterySent = 0;
    for (int i = 0; i < perPort; i++) {
      for (int port : artery) {
        if (garbage(port, i, random)) arterySent++;
      }
    }
    int sent = dataSent + arterySent;
    assertTrue(dataSent >= dataPlane.size() * perPort / 2, dataSent + " connections reached the data planes");
    assertTrue(arterySent >= 2 * perPort, arterySent + " connections reached Artery");
    assertTrue(run.process().waitFor(600, TimeUnit.SECONDS), "the run did not end");
    assertEquals(0, run.process().exitValue(), run.output());
    JsonNode doc = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertTrue(doc.get("complete").asBoolean(), doc.toPrettyString());
    for (int i = 0; i < 2; i++) { // the run's JVM has exited; the seed and worker stay
      Proc p = nodes.get(i);
      assertTrue(p.process().isAlive(), p.log() + " died:\n" + p.output());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (p.fds() > fds0[i] + 3 && System.nanoTime() < deadline) Thread.sleep(200);
      assertTrue(p.fds() <= fds0[i] + 3, p.log() + ": " + fds0[i] + " fds before, " + p.fds() + " after: "
          + p.fdTargets());
    }
    for (int i = 0; i < nodes.size(); i++) {
      long grown = nodes.get(i).lines() - lines0[i];
      assertTrue(grown <= 5, nodes.get(i).log() + " grew by " + grown + " lines after " + sent
          + " hostile connections:\n" + nodes.get(i).output());
    }
    // still serving: a second run goes through
    Outcome again = cnemu("run", ClusterRunTest.STAR4.toString(), "--out", tmp.resolve("after").toString(), "--quiet",
        "--no-report", "--cluster", "127.0.0.1:" + seedPort, "--nodes", "3", "--threads", "1", "--cluster-key",
        key.toString());
    assertEquals(0, again.code(), again.err());
  }

  /**
   * Plain TCP (--insecure): garbage never gets past TLS there, so Pekko's own TCP framing sees it. Its
   * frame-length overflow (a 9-byte probe) makes it log one warning per loop without end; the node
   * keeps running and its log grows by a few lines (rate limit), where it grew by ~37,000 lines in 5 s
   * before. Other garbage is closed and leaves no descriptor behind. (The overflowed connection itself
   * stays open and spins in Pekko 1.7.0: docs/cluster.md; stopped with the node here.)
   */
  @Test
  void underInsecureGarbageLogLinesAreRateLimited() throws Exception {
    int port = TestPorts.free();
    Proc plain = start("insecure-seed", List.of(), "cluster", "seed", "--bind", "127.0.0.1:" + port, "--threads", "1",
        "--insecure");
    try {
      await(plain, "member up", 120);
      Random random = new Random(7);
      // a first few of each kind: the transport sets up what it keeps for inbound connections (a few fds)
      for (int i = 1; i < 60; i++) {
        if (i % 6 != 0) assertTrue(garbage(port, i, random));
      }
      Thread.sleep(2_000);
      long lines0 = plain.lines();
      long fds0 = plain.fds();
      for (int i = 1; i < 1_000; i++) {
        if (i % 6 != 0) assertTrue(garbage(port, i, random));
      }
      // A leak per connection would show as hundreds; a few come from the JVM itself (jar files opened
      // as classes load).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (plain.fds() > fds0 + 10 && System.nanoTime() < deadline) Thread.sleep(200);
      assertTrue(plain.fds() <= fds0 + 10, fds0 + " fds before, " + plain.fds() + " after: " + plain.fdTargets());
      assertTrue(garbage(port, 0, random)); // the overflow
      Thread.sleep(5_000);
      assertTrue(plain.process().isAlive());
      long grown = plain.lines() - lines0;
      assertTrue(grown <= 6, "grew by " + grown + " lines:\n" + plain.output());
    } finally {
      plain.process().destroyForcibly();
    }
  }

  /**
   * One hostile connection, of a kind chosen by {@code i}; false when nothing listens (the run's data
   * plane is gone once the run ends).
   */
  static boolean garbage(int port, int i, Random random) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      OutputStream o = s.getOutputStream();
      switch (i % 6) {
        // Artery's TCP framing with an int overflow in the frame length (logs forever on plain TCP)
        case 0 -> o.write(ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN).put("AKKA".getBytes(
            StandardCharsets.US_ASCII)).put((byte) 1).putInt(Integer.MAX_VALUE).array());
        // the data plane's magic, then a header length far over its limit
        case 1 -> o.write(ByteBuffer.allocate(22).putInt(0x636e_6d34).put(new byte[16]).putShort((short) -1).array());
        // random bytes
        case 2 -> {
          byte[] b = new byte[1 + random.nextInt(2048)];
          random.nextBytes(b);
          o.write(b);
        }
        // a TLS record header announcing a huge record, cut off
        case 3 -> o.write(new byte[] {0x16, 0x03, 0x01, (byte) 0xff, (byte) 0xff, 0x01, 0x00});
        // a huge length prefix in Artery's framing, then a truncated frame
        case 4 -> o.write(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).put("AKKA".getBytes(
            StandardCharsets.US_ASCII)).put((byte) 2).putInt(64 << 20).put(new byte[7]).array());
        default -> { } // connect, say nothing, leave
      }
      o.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The TCP ports process {@code pid} listens on: its socket inodes, matched in /proc/net/tcp{,6}. */
  static Set<Integer> listeningPorts(long pid) throws IOException {
    Set<String> inodes = new HashSet<>();
    try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) inodes.add(target.substring(8, target.length() - 1));
        } catch (IOException ignored) {
          // closed meanwhile
        }
      }
    }
    Set<Integer> ports = new TreeSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path t = Path.of(table);
      if (!Files.exists(t)) continue;
      List<String> rows = Files.readAllLines(t); // read once: the table changes as connections come and go
      for (String line : rows.subList(1, rows.size())) {
        String[] f = line.trim().split("\\s+");
        // local_address is HEXIP:HEXPORT, st 0A is LISTEN, the inode is the 10th column
        if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
          ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
        }
      }
    }
    return ports;
  }
}
