package org.cnemu.experiments.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon over real loopback sockets, driven by a client speaking the same protocol as bin/cnemu's. */
class DaemonServerTest {
  @TempDir
  Path dir;

  private DaemonServer server;
  private DaemonClient client;

  @BeforeEach
  void start() throws IOException {
    server = new DaemonServer().start();
    client = new DaemonClient(server.port(), server.token());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  record Served(DaemonClient.Result result, String out, String err) {}

  private Served exec(DaemonClient c, String... args) throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    DaemonClient.Result r = c.exec(dir.toString(), List.of(args), new PrintWriter(out), new PrintWriter(err));
    return new Served(r, out.toString(), err.toString());
  }

  private static String pholdText() throws IOException {
    return Files.readString(TestFiles.phold());
  }

  /** A PHOLD run long enough (seconds) to find the daemon busy. */
  private Path longRun() throws IOException {
    return Files.writeString(dir.resolve("long.conf"),
        pholdText().replace("duration = 2ms", "duration = 10ms").replace("name = \"phold\"", "name = \"long\""));
  }

  @Test
  void listensOnLoopbackOnly() {
    assertTrue(server.port() > 0);
    assertEquals(64, server.token().length());
  }

  @Test
  void servesValidateOverARealConnection() throws IOException {
    Files.writeString(dir.resolve("phold.conf"), pholdText());
    Served s = exec(client, "validate", "phold.conf");
    assertTrue(s.result().accepted(), s.result().answer());
    assertEquals(ExitCodes.OK, s.result().code(), s.err());
    assertEquals("phold.conf: ok (experiment 'phold', model phold, 1 run, 2ms virtual)\n", s.out());
    assertEquals("", s.err());
  }

  @Test
  void badFileExits2WithTheSameLinesAsAFreshCli() throws IOException {
    Files.writeString(dir.resolve("bad.conf"), "experiment {\n  duraton = 1ms\n  seed = -1\n}\n");
    Served s = exec(client, "run", "bad.conf", "--out", "out");
    // (once seen in a full suite run: -1, the connection ended before the exit code; say what came)
    assertEquals(ExitCodes.BAD_INPUT, s.result().code(),
        "answer '" + s.result().answer() + "', stdout '" + s.out() + "', stderr '" + s.err() + "'");
    assertEquals("bad.conf:2: experiment.duraton: unknown key; did you mean 'duration'?\n"
        + "bad.conf:3: experiment.seed: must not be negative, got -1\n" + "2 problems\n", s.err());
    assertEquals("", s.out());
    assertFalse(Files.exists(dir.resolve("out")));

    Served missing = exec(client, "validate", "nope.conf");
    assertEquals(ExitCodes.BAD_INPUT, missing.result().code(), "answer '" + missing.result().answer() + "'");
    assertEquals("nope.conf: no such file\n1 problem\n", missing.err());
  }

  @Test
  void connectionsAndTheirClientWatchesRunOnKeptThreads() throws Exception {
    // a served command needs a thread for its connection and one for its client watch: kept ones, not new ones
    Files.writeString(dir.resolve("phold.conf"), pholdText());
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    assertEquals(ExitCodes.OK, exec(client, "validate", "phold.conf").result().code());
    long before = threads.getTotalStartedThreadCount();
    for (int i = 0; i < 20; i++) {
      Thread.sleep(20); // the last command's threads back among the kept ones
      assertEquals(ExitCodes.OK, exec(client, "validate", "phold.conf").result().code());
    }
    long started = threads.getTotalStartedThreadCount() - before;
    assertTrue(started < 10, started + " threads started for 20 served commands");
  }

  @Test
  void aCommandRightAfterAnotherIsAccepted() throws IOException {
    // The bash client runs commands back to back: the daemon must be free once a client has its exit code
    // (it was not always: the busy flag was cleared after the code went out, and the next command got "busy").
    Files.writeString(dir.resolve("phold.conf"), pholdText());
    for (int i = 0; i < 200; i++) {
      Served s = exec(client, "validate", "phold.conf");
      assertEquals("accepted", s.result().answer(), "command " + i);
      assertEquals(ExitCodes.OK, s.result().code(), s.err());
    }
  }

  @Test
  void aStaleBuildIsDeclinedBeforeAnythingRuns() throws IOException {
    Files.writeString(dir.resolve("phold.conf"), pholdText());
    String[] why = {"src/A.java is newer than the build"};
    try (DaemonServer checked = new DaemonServer().checkingBuild(() -> why[0]).start()) {
      DaemonClient c = new DaemonClient(checked.port(), checked.token());
      Served s = exec(c, "run", "phold.conf", "--out", "out");
      assertEquals("stale", s.result().answer());
      assertEquals("", s.out() + s.err());
      assertFalse(Files.exists(dir.resolve("out")), "the run started although the build was stale");
      // A client that rebuilds quickly comes straight back: the daemon must already be free (it was not
      // always: the busy flag was cleared after "stale" went out).
      for (int i = 0; i < 200; i++) {
        why[0] = "src/A.java is newer than the build";
        assertEquals("stale", exec(c, "validate", "phold.conf").result().answer(), "decline " + i);
        why[0] = null;
        assertEquals("accepted", exec(c, "validate", "phold.conf").result().answer(), "command " + i);
      }
      why[0] = null; // rebuilt: served again
      Served ok = exec(c, "run", "phold.conf", "--out", "out", "--quiet", "--no-report");
      assertEquals("accepted", ok.result().answer());
      assertEquals(ExitCodes.OK, ok.result().code(), ok.err());
      assertTrue(Files.exists(dir.resolve("out").resolve("results.json")));
    }
  }

  @Test
  void wrongTokenIsDeniedBeforeAnythingRuns() throws IOException {
    Files.writeString(dir.resolve("phold.conf"), pholdText());
    String wrong = server.token().substring(1) + (server.token().charAt(0) == 'a' ? 'b' : 'a');
    // (DaemonClient itself would not even send a wrong token: the daemon's proof would not match it)
    assertEquals("denied", raw(wrong, "exec", dir.toString(), "tty=0 debug=0", "5", "run", "phold.conf", "--out",
        "out", "--quiet"));
    assertFalse(Files.exists(dir.resolve("out")));
    assertEquals("denied", raw("", "stop"));
    // still serving after refusing
    assertTrue(client.control("status").startsWith("status idle"), "daemon should still answer");
  }

  /** A request with {@code token} after the daemon's proof (not checked), and everything it answers after that. */
  private String raw(String token, String... fields) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      OutputStream o = s.getOutputStream();
      String nonce = "00112233445566778899aabbccddeeff";
      // one write: the daemon closes after "denied", and a later write would fail with a broken pipe
      StringBuilder request = new StringBuilder(DaemonServer.MAGIC + "\0" + nonce + "\0" + token + "\0");
      for (String f : fields) request.append(f).append('\0');
      o.write(request.toString().getBytes(StandardCharsets.UTF_8));
      o.flush();
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String proof = "proof " + DaemonServer.proof(server.token(), nonce) + "\n";
      assertTrue(all.startsWith(proof), all);
      return all.substring(proof.length()).strip();
    }
  }

  @Test
  void aNonceThatIsNotExactly32HexDigitsIsABadRequest() throws IOException {
    for (String nonce : List.of("", "abc", "00112233445566778899aabbccddeeff00", "00112233445566778899AABBCCDDEEFF")) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
        s.getOutputStream().write((DaemonServer.MAGIC + "\0" + nonce + "\0").getBytes(StandardCharsets.UTF_8));
        assertEquals("bad-request", new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip(), nonce);
      }
    }
  }

  @Test
  void garbageIsABadRequest() throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      OutputStream o = s.getOutputStream();
      o.write("GET / HTTP/1.0\r\n\r\n\0".getBytes(StandardCharsets.US_ASCII));
      o.flush();
      assertEquals("bad-request", new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }
  }

  @Test
  void resultsAreByteIdenticalToTheInProcessCli() throws IOException {
    Files.writeString(dir.resolve("phold.conf"), pholdText());
    Served s = exec(client, "run", "phold.conf", "--out", "served", "--quiet", "--no-report");
    assertEquals(ExitCodes.OK, s.result().code(), s.err());
    assertEquals("served/results.json\n", s.out()); // named as the user named it, as a fresh JVM prints it

    Path local = dir.resolve("local");
    StringWriter out = new StringWriter();
    int code = Cli.execute(new String[] {"run", dir.resolve("phold.conf").toString(), "--out", local.toString(),
        "--quiet", "--no-report"}, new PrintWriter(out), new PrintWriter(new StringWriter()));
    assertEquals(ExitCodes.OK, code);
    assertArrayEquals(withoutWall(local.resolve("results.json")), withoutWall(dir.resolve("served/results.json")));

    // and a second served run (a warm JVM with the first run's classes and JIT state) gives the same bytes
    Served again = exec(client, "run", "phold.conf", "--out", "again", "--quiet", "--no-report");
    assertEquals(ExitCodes.OK, again.result().code(), again.err());
    assertArrayEquals(withoutWall(local.resolve("results.json")), withoutWall(dir.resolve("again/results.json")));
  }

  @Test
  void aChangedFileOrSetIsNeverServedFromTheCachedLoad() throws IOException {
    // The daemon keeps the typed spec of the files it served (ExperimentLoader.shared): a file rewritten
    // to other bytes (same size, same time) or another --set must give what a first load of them gives.
    Path file = Files.writeString(dir.resolve("q.conf"), pholdText());
    java.nio.file.attribute.FileTime t = Files.getLastModifiedTime(file);
    assertEquals(ExitCodes.OK, exec(client, "run", "q.conf", "--out", "a", "--quiet", "--no-report").result().code());
    Files.writeString(file, pholdText().replace("seed = 42", "seed = 43"));
    Files.setLastModifiedTime(file, t);
    assertEquals(ExitCodes.OK, exec(client, "run", "q.conf", "--out", "b", "--quiet", "--no-report").result().code());
    assertEquals(ExitCodes.OK, exec(client, "run", "q.conf", "--out", "c", "--quiet", "--no-report", "--set",
        "duration=1ms").result().code());
    // the same experiments under names never loaded before: parsed afresh
    Files.writeString(dir.resolve("q43.conf"), pholdText().replace("seed = 42", "seed = 43"));
    for (String[] fresh : List.of(new String[] {"q43.conf", "fresh-b"}, new String[] {"q43.conf", "fresh-c", "--set",
        "duration=1ms"})) {
      List<String> args = new java.util.ArrayList<>(List.of("run", dir.resolve(fresh[0]).toString(), "--out",
          dir.resolve(fresh[1]).toString(), "--quiet", "--no-report"));
      args.addAll(Arrays.asList(fresh).subList(2, fresh.length));
      assertEquals(ExitCodes.OK, Cli.execute(args.toArray(String[]::new), new PrintWriter(new StringWriter()),
          new PrintWriter(new StringWriter())));
    }
    assertFalse(Arrays.equals(withoutWall(dir.resolve("a/results.json")), withoutWall(dir.resolve("b/results.json"))));
    assertArrayEquals(withoutWall(dir.resolve("fresh-b/results.json")), withoutWall(dir.resolve("b/results.json")));
    assertArrayEquals(withoutWall(dir.resolve("fresh-c/results.json")), withoutWall(dir.resolve("c/results.json")));
  }

  /** results.json up to its last section, {@code wall} (wall-clock figures, the only part allowed to differ). */
  static byte[] withoutWall(Path results) throws IOException {
    byte[] all = Files.readAllBytes(results);
    String text = new String(all, StandardCharsets.UTF_8);
    int wall = text.lastIndexOf("\"wall\"");
    assertTrue(wall > 0, "no wall section in " + results);
    return Arrays.copyOf(all, text.substring(0, wall).getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void aSecondClientIsRefusedWhileBusyAndAGoneClientStopsItsRun() throws Exception {
    Path file = longRun();
    // the first client starts a long run, a second one is refused while it runs, then the first one goes
    // away (Ctrl-C): its run stops, marked incomplete, and the daemon serves again
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      OutputStream o = s.getOutputStream();
      String nonce = "0123456789abcdef0123456789abcdef";
      o.write((DaemonServer.MAGIC + "\0" + nonce + "\0").getBytes(StandardCharsets.UTF_8));
      o.flush();
      String proof = "proof " + DaemonServer.proof(server.token(), nonce) + "\n";
      assertEquals(proof, new String(s.getInputStream().readNBytes(proof.length()), StandardCharsets.UTF_8));
      for (String f : List.of(server.token(), "exec", dir.toString(), "tty=0 debug=0", "5", "run",
          file.getFileName().toString(), "--out", "long-out", "--no-report")) {
        o.write(f.getBytes(StandardCharsets.UTF_8));
        o.write(0);
      }
      o.flush();
      byte[] first = s.getInputStream().readNBytes("accepted\n".length());
      assertEquals("accepted\n", new String(first, StandardCharsets.UTF_8));
      assertTrue(client.control("status").startsWith("status busy"));
      Served refused = exec(client, "validate", "long.conf");
      assertEquals("busy", refused.result().answer());
      assertEquals("", refused.out() + refused.err());
    }
    long goneAt = System.nanoTime();
    long deadline = goneAt + TimeUnit.SECONDS.toNanos(60);
    while (client.control("status").startsWith("status busy")) {
      assertTrue(System.nanoTime() < deadline, "the daemon stayed busy after its client left");
      Thread.sleep(20);
    }
    System.out.printf("daemon idle %.3f s after its client left%n", (System.nanoTime() - goneAt) / 1e9);
    String results = Files.readString(dir.resolve("long-out/results.json"));
    assertTrue(results.matches("(?s).*\"complete\" ?: false.*"), results);
    // stopped in the run, or before it started (the client went away while the file was being read)
    assertTrue(results.matches("(?s).*\"error\" ?: \"(interrupted (at|after) virtual time \\d+ ns|cancelled before it started)\".*"),
        results);
    Served next = exec(client, "validate", "long.conf");
    assertEquals(ExitCodes.OK, next.result().code(), next.err());
  }

  @Test
  void commandsItMustNotServeAreUnsupported() throws IOException {
    assertEquals("unsupported", exec(client, "run", "x.conf", "--cluster", "127.0.0.1:1").result().answer());
    // on a cluster, only a farmed plan with its key named: the mode left to the plan, or partitions (a
    // member joins the cluster), or no key named, or --insecure, get a fresh JVM
    assertEquals("unsupported", exec(client, "run", "x.conf", "--cluster", "127.0.0.1:1", "--cluster-key", "k")
        .result().answer());
    assertEquals("unsupported", exec(client, "run", "x.conf", "--cluster=127.0.0.1:1", "--cluster-mode", "partitions",
        "--cluster-key", "k").result().answer());
    assertEquals("unsupported", exec(client, "run", "x.conf", "--cluster", "127.0.0.1:1", "--cluster-mode", "jobs")
        .result().answer());
    assertEquals("unsupported", exec(client, "run", "x.conf", "--cluster", "127.0.0.1:1", "--cluster-mode=jobs",
        "--insecure").result().answer());
    assertEquals("unsupported", exec(client, "validate", "x.conf", "--cluster", "127.0.0.1:1", "--cluster-mode=jobs",
        "--cluster-key", "k").result().answer());
    assertTrue(DaemonServer.servable(List.of("run", "x.conf", "--cluster", "127.0.0.1:1", "--cluster-mode", "jobs",
        "--cluster-key", "k", "--bind", "127.0.0.1:0", "--nodes", "2")));
    assertTrue(DaemonServer.servable(List.of("run", "x.conf", "--cluster=127.0.0.1:1", "--cluster-mode=jobs",
        "--cluster-key=k")));
    assertEquals("unsupported", exec(client, "run", "x.conf", "--prometheus=9095").result().answer());
    assertEquals("unsupported", exec(client, "suite").result().answer());
    assertEquals("unsupported", exec(client, "daemon", "stop").result().answer());
  }

  @Test
  void stopEndsTheServer() throws Exception {
    CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
      try {
        server.awaitStop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertEquals("stopping", client.control("stop"));
    stopped.get(10, TimeUnit.SECONDS);
    // no longer listening: a client's connect fails, and bin/cnemu then runs a fresh JVM
    assertThrows(IOException.class, () -> client.control("status"));
  }

  @Test
  void aCommandPreemptsAWarmUpRoundAndRunsAtOnce() throws Exception {
    // a warm-up round that would run for minutes (star-8, 60 s virtual), sent through the daemon's socket as
    // the warm-up sends it, is stopped by a command arriving, which is accepted (not busy) and runs
    Files.writeString(dir.resolve("endless.conf"), org.cnemu.experiments.cli.BenchStarCommand.experiment(8, 60_000, 1));
    Files.writeString(dir.resolve("phold.conf"), pholdText());
    CompletableFuture<DaemonServer.Round> round = CompletableFuture.supplyAsync(() -> {
      try {
        return server.warmUpRoundThroughTheSocket(new DaemonClient(server.port(), server.token()), dir,
            List.of("run", "endless.conf", "--out", "warm", "--no-report", "--quiet"));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(dir.resolve("warm"))) {
      assertTrue(System.nanoTime() < deadline, "the round did not start");
      Thread.sleep(20);
    }
    Thread.sleep(300); // the round's run is under way
    assertTrue(client.control("status").startsWith("status idle"), "a warm-up round is not a command");
    CompletableFuture<Served> served = CompletableFuture.supplyAsync(() -> {
      try {
        return exec(client, "validate", "phold.conf");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertEquals(DaemonServer.Round.PREEMPTED, round.get(60, TimeUnit.SECONDS));
    Served s = served.get(60, TimeUnit.SECONDS);
    assertEquals(ExitCodes.OK, s.result().code(), s.err());
    String warm = Files.readString(dir.resolve("warm/results.json"));
    assertTrue(warm.matches("(?s).*\"complete\" ?: false.*"), warm);
    // and no round starts while a command waits or once a stop was asked for
    assertEquals("stopping", client.control("stop"));
    assertEquals(DaemonServer.Round.SKIPPED, server.warmUpRound(() -> {
      throw new AssertionError("a round ran after stop");
    }));
  }

  @Test
  void theWarmUpRunsInTheBackgroundUntilSettledAndSaysSo() throws Exception {
    java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
    Thread t = new WarmUp(server, 3, 4, new java.io.PrintStream(log, true, StandardCharsets.UTF_8)).start();
    // the daemon answers while it warms up
    assertTrue(client.control("status").startsWith("status idle"));
    t.join(120_000);
    assertFalse(t.isAlive());
    String line = log.toString(StandardCharsets.UTF_8);
    assertTrue(line.matches("(?s).* warm-up: 3 rounds \\(0 preempted by commands\\) in [0-9.]+ s, at most 3 rounds; "
        + "CPU per round first \\d+ ms, min \\d+ ms, last \\d+ ms; after 4 short runs \\(0 preempted\\), "
        + "4 runs; CPU per run first \\d+ ms, min \\d+ ms, last \\d+ ms\n"), line);
    assertTrue(client.control("status").endsWith(" warm-up=done"));
    // every round went through the daemon's socket: the 4 short runs, then 3 of validate + run
    assertEquals(3 * 2 + 4, server.warmUpRoundsServed());
  }

  @Test
  void theWarmUpIsSettledWhenARoundsCpuTimeStopsFallingOverTheLag() {
    // too few rounds to look LAG rounds back
    assertFalse(WarmUp.settled(rounds(WarmUp.LAG + WarmUp.WINDOW - 1, i -> 100L)));
    // flat (noise above the floor says nothing): settled
    assertTrue(WarmUp.settled(rounds(WarmUp.LAG + WarmUp.WINDOW, i -> i % 3 == 0 ? 70L : 50L)));
    // falling 0.3 % a round (the slow part of a warm-up): two adjacent windows of 5 differ by 1.5 %, within
    // the 3 % of noise, but over the lag the floor fell by 6 %: not settled
    java.util.function.IntFunction<Long> slow = i -> Math.round(100_000 * Math.pow(0.997, i));
    assertTrue(slow.apply(29) >= WarmUp.SETTLED * slow.apply(24)); // adjacent windows would have settled
    assertFalse(WarmUp.settled(rounds(30, slow)));
    // a fast fall stopped LAG rounds ago: settled
    assertTrue(WarmUp.settled(rounds(40, i -> i < 10 ? 1000L - 50 * i : 500L)));
  }

  private static List<Long> rounds(int n, java.util.function.IntFunction<Long> cpu) {
    List<Long> l = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) l.add(cpu.apply(i));
    return l;
  }

  @Test
  void theProofIsSipHash24OfTheNonceUnderEachHalfOfTheToken() {
    // the reference implementation's vectors (key 00..0f; messages 00..n-1): empty, 8 bytes, 16 bytes
    long k0 = 0x0706050403020100L;
    long k1 = 0x0f0e0d0c0b0a0908L;
    assertEquals(0x726fdb47dd0e0e31L, DaemonServer.sipHash24(k0, k1, new long[0]));
    assertEquals(0x93f5f5799a932462L, DaemonServer.sipHash24(k0, k1, new long[] {0x0706050403020100L}));
    assertEquals(0x3f2acc7f57c29bdbL,
        DaemonServer.sipHash24(k0, k1, new long[] {0x0706050403020100L, 0x0f0e0d0c0b0a0908L}));
    // the proof: the nonce's two words under the token's first and last 128 bits
    String token = "0001020304050607" + "08090a0b0c0d0e0f" + "f0e1d2c3b4a59687" + "78695a4b3c2d1e0f";
    String nonce = "0123456789abcdef" + "fedcba9876543210";
    long[] m = {0x0123456789abcdefL, 0xfedcba9876543210L};
    assertEquals(String.format("%016x%016x", DaemonServer.sipHash24(0x0001020304050607L, 0x08090a0b0c0d0e0fL, m),
        DaemonServer.sipHash24(0xf0e1d2c3b4a59687L, 0x78695a4b3c2d1e0fL, m)), DaemonServer.proof(token, nonce));
    assertEquals(32, DaemonServer.proof(token, nonce).length());
  }

  @Test
  void binCnemuTakesATokenOrNonceOnlyAsLowercaseHexDigitsOfItsExactLength() throws Exception {
    // bin/cnemu's own hex_digits, run by bash: the same answer as the regex [0-9a-f]{n} for each value
    Path script = Files.exists(Path.of("../bin/cnemu")) ? Path.of("../bin/cnemu") : Path.of("bin/cnemu");
    java.util.regex.Matcher f = java.util.regex.Pattern.compile("(?ms)^hex_digits\\(\\) \\{.*?^}\n")
        .matcher(Files.readString(script));
    assertTrue(f.find(), "no hex_digits in " + script);
    String hex64 = "0123456789abcdef".repeat(4);
    List<String> values = List.of(hex64, hex64.substring(0, 32), hex64.substring(1), hex64 + "0", "",
        hex64.toUpperCase(java.util.Locale.ROOT), hex64.substring(1) + "g", hex64.substring(1) + "\u00e9",
        hex64.substring(2) + " 0", "*".repeat(64), hex64.substring(1) + "-");
    StringBuilder bash = new StringBuilder("set -euo pipefail\n").append(f.group());
    StringBuilder expected = new StringBuilder();
    for (String v : values) {
      for (int n : new int[] {32, 64}) {
        bash.append("if hex_digits '").append(v).append("' ").append(n).append("; then echo y; else echo n; fi\n");
        expected.append(v.matches("[0-9a-f]{" + n + "}") ? "y" : "n").append('\n');
      }
    }
    Process p = new ProcessBuilder("bash", "-c", bash.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertEquals(expected.toString(), out);
  }

  @Test
  void binCnemuComputesTheSameProofInBash() throws Exception {
    // bin/cnemu's own functions (sipround, siphash24), run by bash on random tokens and nonces: the high bit
    // of a word set or not (bash's arithmetic is signed)
    Path script = Files.exists(Path.of("../bin/cnemu")) ? Path.of("../bin/cnemu") : Path.of("bin/cnemu");
    String text = Files.readString(script);
    java.util.regex.Matcher f = java.util.regex.Pattern.compile("(?ms)^sipround\\(\\) \\{.*?^}\n.*?^siphash24\\(\\) \\{.*?^}\n")
        .matcher(text);
    assertTrue(f.find(), "no sipround/siphash24 in " + script);
    StringBuilder bash = new StringBuilder("set -euo pipefail\n").append(f.group());
    List<String> expected = new java.util.ArrayList<>();
    java.util.Random random = new java.util.Random(5);
    for (int i = 0; i < 8; i++) {
      String token = String.format("%016x%016x%016x%016x", random.nextLong(), random.nextLong(), random.nextLong(),
          random.nextLong());
      String nonce = String.format("%016x%016x", random.nextLong(), random.nextLong());
      bash.append(String.format("siphash24 $((16#%s)) $((16#%s)) $((16#%s)) $((16#%s)); p=$SIPHASH%n",
          token.substring(0, 16), token.substring(16, 32), nonce.substring(0, 16), nonce.substring(16)));
      bash.append(String.format("siphash24 $((16#%s)) $((16#%s)) $((16#%s)) $((16#%s)); echo \"$p$SIPHASH\"%n",
          token.substring(32, 48), token.substring(48), nonce.substring(0, 16), nonce.substring(16)));
      expected.add(DaemonServer.proof(token, nonce));
    }
    Process p = new ProcessBuilder("bash", "-c", bash.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertEquals(String.join("\n", expected) + "\n", out);
  }
}
