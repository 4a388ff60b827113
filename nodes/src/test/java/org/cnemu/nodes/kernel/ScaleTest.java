package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.junit.jupiter.api.Test;

/**
 * Scale: a 10,000-host kernel model builds in one JVM and an idle host retains at most
 * 32 KB of heap. Method: used heap after System.gc() before the build, and again from inside the
 * run (an extra entity's onStart, which the engine calls after every entity of the partition was
 * constructed and before any event), divided by the host count. What is counted: everything the
 * run keeps per host (entities, HostKernel, rings, queues, sockets, names, refs, channels, the
 * builder's tables). The build time is printed, not asserted (tests assert behaviour, benchmarks
 * measure speed; see bench/README.md).
 */
class ScaleTest {
  static final int HOSTS = 10_000;
  static final long MAX_BYTES_PER_IDLE_HOST = 32 * 1024;
  /** An idle host's budget plus a flow's two ends (sockets, RX queue entities, flow tables): 31.3 KB measured. */
  static final long MAX_BYTES_PER_BUSY_HOST = 64 * 1024;

  static long usedAfterGc() {
    Runtime rt = Runtime.getRuntime();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      best = Math.min(best, rt.totalMemory() - rt.freeMemory());
    }
    return best;
  }

  static Config idleHosts(int n) {
    return ConfigFactory.parseString("experiment { name = scale, model = kernel, duration = 1us, seed = 1,"
            + " topology { stack = native, host-count = " + n + " }, workloads = [] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  /** Measures the heap from inside the run, once every entity exists. */
  static final class Probe extends Entity<Object> {
    static long usedAtStart;
    static long startedAtWall;

    @Override
    protected void onStart() {
      startedAtWall = System.nanoTime(); // test instrumentation only, not model time
      usedAtStart = usedAfterGc();
    }

    @Override
    protected void onMessage(Object msg) {}
  }

  @Test
  void tenThousandIdleHostsBuildAndFitInThirtyTwoKilobytesEach() {
    Measured m = buildAndMeasure(idleHosts(2), idleHosts(HOSTS), HOSTS, "idle hosts");
    assertEquals(1, m.result().partitions());
    assertTrue(m.result().reports().size() > HOSTS, "every host reports");
    assertTrue(m.bytesPerHost() <= MAX_BYTES_PER_IDLE_HOST, "retained heap per idle host " + m.bytesPerHost()
        + " B > 32 KiB");
  }

  record Measured(SimulationResult result, long bytesPerHost) {}

  /** Builds {@code e} ({@code hosts} hosts) after warming up on {@code small}; prints and returns its heap per host. */
  static Measured buildAndMeasure(Config small, Config e, int hosts, String what) {
    KernelModels.build(small, new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK));
    long before = usedAfterGc();
    long t0 = System.nanoTime();
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    KernelModels.build(e, b);
    double buildSeconds = (System.nanoTime() - t0) / 1e9;
    b.add("zz-scale-probe", "zz-scale-probe", Probe::new);
    SimulationResult r = Simulation.run(b, 1_000, 1);
    long perHost = (Probe.usedAtStart - before) / hosts;
    double toStartSeconds = (Probe.startedAtWall - t0) / 1e9;
    System.out.printf("scale: %d %s: model build %.2f s, every entity constructed and started %.2f s after"
        + " the build began; retained heap %d B per host (%.1f MiB in all)%n", hosts, what, buildSeconds,
        toStartSeconds, perHost, (Probe.usedAtStart - before) / 1048576.0);
    return new Measured(r, perHost);
  }

  /** {@code n} hosts, each sending one UDP flow to the next (the last to h1). */
  static Config hostsWithAFlowEach(int n) {
    StringBuilder w = new StringBuilder();
    for (int i = 1; i <= n; i++) {
      w.append("{ protocol = udp, src = \"h").append(i).append("/c1\", dst = \"h").append(i % n + 1)
          .append("/c1\", message-size = 1472B, rate = 1Gbps }\n");
    }
    return ConfigFactory.parseString("experiment { name = scale, model = kernel, duration = 1us, seed = 1,"
            + " topology { stack = native, host-count = " + n + " }, workloads = [" + w + "] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  /**
   * Per-host state is sized by the host's own flows, not the experiment's: the heap grows linearly with
   * the host count. Measured at two sizes (2,500 and 10,000 hosts, a flow each): the heap per host is the
   * same within 15 % (per-flow arrays sized by the experiment's flow count, as they once were, add ~100 B
   * per host per flow of the experiment: +750 KB per host at 10,000, which this catches), and stays
   * within the idle budget plus what a flow's two ends need.
   */
  @Test
  void hostsWithAFlowEachGrowLinearly() {
    int quarter = HOSTS / 4;
    long small = buildAndMeasure(hostsWithAFlowEach(2), hostsWithAFlowEach(quarter), quarter, "hosts with a flow each")
        .bytesPerHost();
    long perHost = buildAndMeasure(hostsWithAFlowEach(2), hostsWithAFlowEach(HOSTS), HOSTS, "hosts with a flow each")
        .bytesPerHost();
    assertTrue(perHost <= MAX_BYTES_PER_BUSY_HOST, "retained heap per host with a flow " + perHost + " B > "
        + MAX_BYTES_PER_BUSY_HOST);
    assertTrue(perHost <= small * 1.15 && small <= perHost * 1.15, "heap per host at " + quarter + " hosts " + small
        + " B vs at " + HOSTS + " hosts " + perHost + " B: not linear in the host count");
  }

  /**
   * experiments/bench/star-1000.conf (1,000 hosts, 1,000 UDP flows through one switch), shortened to
   * 200 us, runs in this JVM (surefire's -Xmx2g; the full file wants -Xmx4g, bench/scale.sh runs the
   * full 1 ms file) and every packet is accounted for.
   */
  @Test
  @SuppressWarnings("unchecked")
  void thousandHostStarRunsAndConservesPackets() {
    Config e = Calib.load("bench/star-1000").getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("200us"));
    Calib.Run r = Calib.run(e, 1, 1);
    List<Map<String, Object>> flows = r.list("flows");
    assertEquals(1000, flows.size());
    for (Map<String, Object> f : flows) {
      assertTrue(((Number) f.get("packets_delivered")).longValue() > 0, "flow " + f.get("id") + " delivered nothing");
    }
    assertEquals(Boolean.TRUE, r.conservation().get("balanced"), "conservation " + r.conservation());
  }
}
