package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnemu.emulator.CausalityViolation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.phold.Phold;
import org.cnemu.emulator.phold.PholdParams;
import org.cnemu.emulator.phold.SequentialPhold;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real JVMs on 127.0.0.1: a seed and a worker started as processes, this JVM as driver. PHOLD run
 * across them must equal the sequential reference.
 */
class MultiJvmPholdTest {
  private final List<Process> procs = new ArrayList<>();


  Process startNode(int port, int seedPort, String... jvmArgs) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getProperty("java.home") + "/bin/java");
    cmd.add("-Xmx512m");
    cmd.addAll(List.of(jvmArgs));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ServeMain.class.getName());
    cmd.add("127.0.0.1:" + port);
    cmd.add("127.0.0.1:" + seedPort);
    cmd.add("1");
    cmd.add(TestKeys.shared().toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    procs.add(p);
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = r.readLine()) != null) {
      if (line.startsWith("READY")) break;
    }
    // keep draining so the child never blocks on a full pipe
    Thread t = new Thread(() -> {
      try {
        while (r.readLine() != null) {
          // discard
        }
      } catch (IOException ignored) {
        // child ended
      }
    });
    t.setDaemon(true);
    t.start();
    return p;
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : procs) p.destroyForcibly();
    for (Process p : procs) p.waitFor(10, TimeUnit.SECONDS);
  }

  static String hocon(PholdParams p) {
    return "model = phold\nphold { lps = " + p.lps() + ", population = " + p.population() + ", lookahead = "
        + p.lookaheadNanos() + "ns, mean-delay = " + p.meanDelayNanos() + "ns, remote = " + p.remote()
        + ", actual-min-delay = " + p.actualMinDelayNanos() + "ns }\n";
  }

  @Test
  void threeJvmsGiveTheSequentialAnswer() throws Exception {
    int seedPort = TestPorts.free();
    startNode(seedPort, seedPort);
    startNode(TestPorts.free(), seedPort);
    PholdParams p = new PholdParams(48, 4, 200, 1_000, 0.6, 0);
    long end = 300_000;
    Phold.Outcome ref = SequentialPhold.run(p, 17, 0, end);
    SimulationBuilder b = new SimulationBuilder(17, 0, 6, SimulationBuilder.Placement.BLOCK);
    Phold.build(p, b);
    SimulationResult r = ClusterNode.run(b, hocon(p), end, 1, ClusterNode.HostPort.parse("127.0.0.1:" + seedPort),
        ClusterNode.HostPort.parse("127.0.0.1:" + TestPorts.free()), 3, true, TestKeys.sharedSecurity(), null, "t1");
    assertEquals(ref, Phold.outcome(r, p.lps()));
    assertTrue(r.batches() > 0, "events must have crossed nodes");
  }

  /**
   * Two partitions per node (seed and driver), so each node runs a partition group, and a model that
   * breaks its declared lookahead: the run must fail with the causality violation, not hang or finish.
   */
  @Test
  void causalityViolationAcrossNodesFailsTheRun() throws Exception {
    int seedPort = TestPorts.free();
    startNode(seedPort, seedPort);
    PholdParams p = new PholdParams(32, 8, 1_000, 200, 1.0, 10); // lookahead 1000 ns, real least delay 10 ns
    SimulationBuilder b = new SimulationBuilder(3, 0, 4, SimulationBuilder.Placement.BLOCK);
    Phold.build(p, b);
    CausalityViolation v = assertThrows(CausalityViolation.class, () -> ClusterNode.run(b, hocon(p), 1_000_000, 1,
        ClusterNode.HostPort.parse("127.0.0.1:" + seedPort), ClusterNode.HostPort.parse("127.0.0.1:" + TestPorts.free()), 2,
        true, TestKeys.sharedSecurity(), null, "t4"));
    assertTrue(v.getMessage().contains("declared lookahead 1000 ns"), v.getMessage());
  }

  /** Window traffic over Artery (the first design, kept for comparison) gives the same answer too. */
  @Test
  void arteryDataPlaneGivesTheSameAnswer() throws Exception {
    int seedPort = TestPorts.free();
    startNode(seedPort, seedPort);
    PholdParams p = new PholdParams(32, 4, 200, 1_000, 0.6, 0);
    long end = 200_000;
    Phold.Outcome ref = SequentialPhold.run(p, 5, 0, end);
    SimulationBuilder b = new SimulationBuilder(5, 0, 4, SimulationBuilder.Placement.BLOCK);
    Phold.build(p, b);
    System.setProperty("cnemu.cluster.data-plane.transport", "artery"); // the driver decides, for the run
    ConfigFactory.invalidateCaches();
    try {
      SimulationResult r = ClusterNode.run(b, hocon(p), end, 1, ClusterNode.HostPort.parse("127.0.0.1:" + seedPort),
          ClusterNode.HostPort.parse("127.0.0.1:" + TestPorts.free()), 2, true, TestKeys.sharedSecurity(), null, "t3");
      assertEquals(ref, Phold.outcome(r, p.lps()));
      assertTrue(r.batches() > 0, "events must have crossed nodes");
    } finally {
      System.clearProperty("cnemu.cluster.data-plane.transport");
      ConfigFactory.invalidateCaches();
    }
  }

  @Test
  void versionMismatchRefusesToStart() throws Exception {
    int seedPort = TestPorts.free();
    startNode(seedPort, seedPort, "-Dcnemu.version.override=0.0.0-other");
    PholdParams p = new PholdParams(8, 2, 200, 1_000, 0.5, 0);
    SimulationBuilder b = new SimulationBuilder(1, 0, 2, SimulationBuilder.Placement.BLOCK);
    Phold.build(p, b);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClusterNode.run(b, hocon(p), 100_000, 1,
        ClusterNode.HostPort.parse("127.0.0.1:" + seedPort), ClusterNode.HostPort.parse("127.0.0.1:" + TestPorts.free()), 2, true,
        TestKeys.sharedSecurity(), null, "t2"));
    assertTrue(e.getMessage().contains("0.0.0-other") && e.getMessage().contains("refusing"), e.getMessage());
  }
}
