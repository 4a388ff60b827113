package org.cnemu.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.cnemu.emulator.model.Parsed;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.ConfiguredPolicy;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;
import org.cnemu.kernel.api.SteeringRegistry;
import org.junit.jupiter.api.Test;

/** Pure policy logic against a fake StageContext (no host model). */
class SteeringPoliciesTest {
  /** A settable StageContext. */
  static final class Ctx implements StageContext {
    int cpu, cpus = 16, hash = 12345, ifindex = 2, flow = 0, prio, segs = 1;
    boolean tx, ack;
    long[] busy = new long[16];

    @Override public long now() { return 0; }
    @Override public int cpu() { return cpu; }
    @Override public int cpus() { return cpus; }
    @Override public int flowHash() { return hash; }
    @Override public int ifindex() { return ifindex; }
    @Override public int flowId() { return flow; }
    @Override public int priority() { return prio; }
    @Override public int segments() { return segs; }
    @Override public int lastRecvCpu() { return -1; }
    @Override public long backlogEnqueued(int c) { return 0; }
    @Override public long backlogDequeued(int c) { return 0; }
    @Override public long busyNanos(int c) { return busy[c]; }
    @Override public boolean transmit() { return tx; }
    @Override public boolean pureAck() { return ack; }
  }

  static Config settings(String name, String overrides) {
    return ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.defaultReference().getConfig("experiment.steering-settings.\"" + name + "\""));
  }

  static SteeringPolicy make(String name, String overrides, int cpus) {
    Parsed<ConfiguredPolicy<?>> p = new SteeringRegistry().configure(name, settings(name, overrides), Set.of(cpus));
    if (!p.ok()) throw new IllegalArgumentException(p.problems().toString());
    return p.spec().create(cpus, "h1");
  }

  @Test
  void everyPolicyIsListedWithOneLine() {
    Map<String, ?> all = new SteeringRegistry().all();
    assertEquals(Set.of("vanilla", "rps", "rfs", "falcon", "mflow", "mflow-nomerge", "prism-batch", "prism-sync", "freeflow"),
        all.keySet());
    for (String n : all.keySet()) {
      String d = new SteeringRegistry().get(n).description();
      assertFalse(d.isBlank() || d.contains("\n"), n);
      assertEquals(n, make(n, "", 16).name());
    }
  }

  @Test
  void falconPipelinesStagesOfOneFlowOverDifferentCoresAndKeepsEachStageOnOneCore() {
    SteeringPolicy f = make("falcon", "", 16);
    Ctx c = new Ctx();
    Set<Integer> cores = new HashSet<>();
    for (int[] bi : new int[][] {{0, 2}, {2, 3}, {3, 4}}) {
      c.ifindex = bi[1];
      int t = f.targetCpu(Boundary.values()[bi[0]], c);
      assertEquals(t, f.targetCpu(Boundary.values()[bi[0]], c), "same flow + device -> same core");
      cores.add(t);
    }
    assertTrue(cores.size() >= 2, "stages spread: " + cores);
  }

  @Test
  void falconLeavesTheSendersVethHandOffOnItsOwnCore() {
    SteeringPolicy f = make("falcon", "", 16);
    Ctx c = new Ctx();
    c.ifindex = 4;
    c.cpu = 7;
    int rx = f.targetCpu(Boundary.BACKLOG, c);
    assertNotEquals(7, rx, "a received skb's veth stage is steered off this core");
    c.tx = true;
    // the prototype's netif_rx steers only skbs its NIC driver marked; a socket's skb goes to the local backlog
    assertEquals(7, f.targetCpu(Boundary.BACKLOG, c));
    assertEquals(7, f.targetCpu(Boundary.GRO_CELL, c));
  }

  @Test
  void falconRehashesAStageWhoseCoreIsHotWhileTheAverageStaysUnderTheThreshold() {
    FalconPolicy f = (FalconPolicy) make("falcon", "cpus = [0, 1, 2, 3], tick = 10ms, load-threshold = 50", 4);
    FalconPolicy off = (FalconPolicy) make("falcon", "cpus = [0, 1, 2, 3], tick = 10ms, load-threshold = 50, balancing = false", 4);
    Ctx c = new Ctx();
    c.cpus = 4;
    c.ifindex = 3;
    // a flow whose gro_cell stage hashes to one core and whose rehash lands on another
    int hot = -1, again = -1;
    for (int h = 1; h < 1000 && hot == again; h++) {
      c.hash = h;
      hot = f.targetCpu(Boundary.GRO_CELL, c);
      again = Cpus.pick(Cpus.hash32(h + 3 + 1), 4);
    }
    assertEquals(hot, off.targetCpu(Boundary.GRO_CELL, c));
    // that core 100 % busy, the three others idle: its EWMA passes 50 while the average (~25) stays under it
    for (int t = 1; t <= 10; t++) {
      c.busy[hot] += 10_000_000;
      f.onTick(c);
      off.onTick(c);
    }
    assertTrue(f.load(hot) >= 50 && f.active() && off.active(), "hot core over the threshold, Falcon still on");
    assertEquals(again, f.targetCpu(Boundary.GRO_CELL, c), "the stage moved to its second hash");
    assertTrue(again != hot);
    assertEquals(hot, off.targetCpu(Boundary.GRO_CELL, c), "without balancing the stage stays on the hot core");
    // the core cools down (EWMA decays): the stage goes back to its first hash
    for (int t = 0; t < 10; t++) f.onTick(c);
    assertEquals(hot, f.targetCpu(Boundary.GRO_CELL, c));
  }

  @Test
  void falconBacksOffWhenAverageLoadIsOverTheThreshold() {
    FalconPolicy f = (FalconPolicy) make("falcon", "cpus = [0, 1, 2, 3], tick = 10ms, load-threshold = 50", 4);
    Ctx c = new Ctx();
    c.cpus = 4;
    assertEquals(10_000_000L, f.tickNanos());
    // all cores 90 % busy for several ticks: EWMA climbs over 50 -> inactive
    for (int t = 1; t <= 10; t++) {
      for (int i = 0; i < 4; i++) c.busy[i] += 9_000_000;
      f.onTick(c);
    }
    assertTrue(f.load(0) > 50 && !f.active());
    c.ifindex = 3;
    assertEquals(c.cpu, f.targetCpu(Boundary.GRO_CELL, c));
    // idle again: EWMA decays (L = 4L/5 per tick) and Falcon comes back
    for (int t = 0; t < 10; t++) f.onTick(c);
    assertTrue(f.active());
    // EWMA arithmetic: L = (4L + busy)/5
    FalconPolicy g = (FalconPolicy) make("falcon", "", 4);
    c.busy = new long[16];
    c.busy[1] = 10_000_000; // 100 % of one tick
    g.onTick(c);
    assertEquals(20.0, g.load(1), 1e-9);
  }

  @Test
  void mflowHandsMicroflowsOfBatchPacketsRoundRobinAndLeavesAcksAlone() {
    SteeringPolicy m = make("mflow", "cpus = [4, 5, 6], batch = 100", 8);
    Ctx c = new Ctx();
    int[] seen = new int[8];
    int prev = -1, switches = 0;
    for (int i = 0; i < 600; i++) {
      int t = m.targetCpu(Boundary.AFTER_GRO, c);
      seen[t]++;
      if (prev >= 0 && t != prev) switches++;
      prev = t;
    }
    assertEquals(200, seen[4]);
    assertEquals(200, seen[5]);
    assertEquals(200, seen[6]);
    assertEquals(5, switches, "a new core every 100 packets");
    assertEquals(c.cpu, m.targetCpu(Boundary.AFTER_DRIVER, c), "only at the split point");
    c.ack = true;
    assertEquals(c.cpu, m.targetCpu(Boundary.AFTER_GRO, c));
    assertTrue(m.mergeBeforeTransport());
    assertFalse(make("mflow-nomerge", "", 8).mergeBeforeTransport());
    SteeringPolicy before = make("mflow", "split-point = before-gro, cpus = [4, 5, 6]", 8);
    c.ack = false;
    assertEquals(c.cpu, before.targetCpu(Boundary.AFTER_GRO, c));
    assertTrue(before.targetCpu(Boundary.AFTER_DRIVER, c) >= 4);
    assertThrows(IllegalArgumentException.class, () -> make("mflow", "split-point = middle", 8));
  }

  @Test
  void prismQueuesHighPriorityFirstAndSyncRunsToCompletion() {
    SteeringPolicy b = make("prism-batch", "", 8);
    SteeringPolicy s = make("prism-sync", "", 8);
    Ctx c = new Ctx();
    for (SteeringPolicy p : List.of(b, s)) {
      assertEquals(SteeringPolicy.PollMode.POP_HEAD, p.pollMode());
      assertTrue(p.scheduleAtHead(true));
      assertFalse(p.scheduleAtHead(false));
      assertFalse(p.highPriority(Boundary.BACKLOG, c));
    }
    c.prio = 1;
    assertTrue(b.highPriority(Boundary.GRO_CELL, c));
    assertFalse(b.runToCompletion(Boundary.GRO_CELL, c));
    assertTrue(s.runToCompletion(Boundary.GRO_CELL, c));
    assertEquals(c.cpu, b.targetCpu(Boundary.AFTER_DRIVER, c));
    SteeringPolicy split = make("prism-batch", "split-low-priority = true, split-cpus = [3]", 8);
    assertEquals(c.cpu, split.targetCpu(Boundary.AFTER_DRIVER, c), "high priority stays");
    c.prio = 0;
    assertEquals(3, split.targetCpu(Boundary.AFTER_DRIVER, c), "low priority split off");
    assertFalse(split.groAfterSplit(c), "and loses GRO");
  }

  @Test
  void freeflowBypassesOnlyForSameHostFlows() {
    SteeringPolicy f = make("freeflow", "", 8);
    assertNotNull(f.sharedMemory(true, 0));
    assertNull(f.sharedMemory(false, 0));
    assertEquals(1024 * 4096L, f.sharedMemory(true, 0).ringBytes());
    assertFalse(f.sharedMemory(true, 0).nicOffload());
    assertTrue(make("freeflow", "monitor = nic", 8).sharedMemory(true, 0).nicOffload());
    assertThrows(IllegalArgumentException.class, () -> make("freeflow", "monitor = gpu", 8));
    assertEquals(new Ctx().cpu, f.targetCpu(Boundary.AFTER_GRO, new Ctx()));
  }

  @Test
  void everyPolicySettingHasADefault() {
    Config ref = ConfigFactory.defaultReference().getConfig("experiment.steering-settings");
    for (String n : new SteeringRegistry().all().keySet()) assertTrue(ref.hasPath("\"" + n + "\""), n);
  }
}
