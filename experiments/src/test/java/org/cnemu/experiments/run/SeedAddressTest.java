package org.cnemu.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.cnemu.emulator.cluster.ClusterNode;
import org.cnemu.emulator.cluster.ClusterSecurity;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's check of its --cluster address with real sockets on 127.0.0.1: refused connections are retried
 * for a while (a seed still starting), then refused; a farmed plan whose seed never answers leaves its
 * folder as it was.
 */
class SeedAddressTest {
  @TempDir
  Path dir;

  /** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
  private static int unusedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static ClusterNode.HostPort at(int port) {
    return ClusterNode.HostPort.parse("127.0.0.1:" + port);
  }

  @Test
  void nothingListeningIsRefusedAfterTheWindow() throws Exception {
    int port = unusedPort();
    long t0 = System.nanoTime();
    String why = FarmedJobs.seedRefusal(ClusterSecurity.insecure(), at(port), Duration.ofSeconds(1), () -> false);
    long tookMillis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(why != null && why.startsWith("nothing listens at 127.0.0.1:" + port + " (connection refused for 1 s)"),
        String.valueOf(why));
    assertTrue(tookMillis >= 1_000, "retried for the window first: " + tookMillis + " ms");
  }

  /** A seed that starts listening within the window passes: the run goes on and joins it. */
  @Test
  void aSeedStillStartingPasses() throws Exception {
    int port = unusedPort();
    List<Socket> held = new ArrayList<>();
    CompletableFuture<ServerSocket> late = CompletableFuture.supplyAsync(() -> {
      try {
        Thread.sleep(700); // refused until then
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        Thread acceptor = new Thread(() -> {
          try {
            while (true) held.add(s.accept()); // accepts and says nothing
          } catch (Exception closed) {
            // the test ended
          }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        return s;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try {
      assertNull(FarmedJobs.seedRefusal(ClusterSecurity.insecure(), at(port), Duration.ofSeconds(10), () -> false));
      assertTrue(late.isDone(), "it waited for the listener");
    } finally {
      late.join().close();
    }
  }

  /** The driver heard from the seed meanwhile: no refusal, at once. */
  @Test
  void aSeedThatAnsweredTheDriverPasses() throws Exception {
    long t0 = System.nanoTime();
    assertNull(FarmedJobs.seedRefusal(ClusterSecurity.insecure(), at(unusedPort()), Duration.ofSeconds(30), () -> true));
    assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
  }

  /**
   * A farmed plan whose seed never answers (something listens there, but no cnemu seed) is refused before
   * its folder is emptied: the earlier results stay, the lock goes.
   */
  @Test
  void aFarmedPlanWithoutASeedKeepsTheEarlierResults() throws Exception {
    Path f = Files.writeString(dir.resolve("p.conf"), String.join("\n",
        "experiment {",
        "  name = silent, seed = 5, runs = 2, duration = 200us, model = phold",
        "  phold { lps = 8, population = 2 }",
        "  sweep { phold.remote = [0.5, 0.9] }",
        "}", ""));
    LoadedExperiment e = new ExperimentLoader().load(f);
    assertTrue(e.ok(), e.problems()::toString);
    Plan plan = Plan.of(e, dir.resolve("out"));
    Path oldResults = dir.resolve("out/point-000/run-0/results.json");
    Files.createDirectories(oldResults.getParent());
    Files.writeString(oldResults, "{ \"complete\" : true }\n");
    Files.writeString(dir.resolve("out/summary.json"), "{}\n");
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new ArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) held.add(silent.accept());
        } catch (Exception closed) {
          // the test ended
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      PlanRunner.ClusterTarget target = new PlanRunner.ClusterTarget(at(silent.getLocalPort()),
          ClusterNode.HostPort.parse("127.0.0.1:0"), 0, false, ClusterSecurity.insecure(), PlanRunner.ClusterMode.JOBS,
          null);
      PlanRunner.Options options = new PlanRunner.Options(1, null, false, target, null, "out");
      OutputFolder.Refused refused = assertThrows(OutputFolder.Refused.class,
          () -> new PlanRunner(Duration.ofSeconds(2)).run(plan, options, new PlanRunner.Listener() {}));
      assertEquals("no cnemu seed answered at 127.0.0.1:" + silent.getLocalPort() + " within 2 s: check --cluster's "
          + "host and port, and that 'cnemu cluster seed' runs there; nothing ran and the results folder is unchanged",
          refused.getMessage());
    }
    assertEquals("{ \"complete\" : true }\n", Files.readString(oldResults));
    assertEquals("{}\n", Files.readString(dir.resolve("out/summary.json")));
    assertTrue(!Files.exists(dir.resolve("out").resolve(OutputFolder.LOCK_FILE)));
  }
}
