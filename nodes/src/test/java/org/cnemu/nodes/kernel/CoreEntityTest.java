package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import org.cnemu.devices.Profile;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.EntityReport;
import org.cnemu.emulator.EntityRef;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.telemetry.Telemetry;
import org.cnemu.kernel.api.SteeringPolicy;
import org.junit.jupiter.api.Test;

/**
 * net_rx_action and the core's scheduling on a bare core: one {@link CoreEntity} against a scripted
 * {@link CoreHost} (no host model, no NIC, no fabric). A scripted NAPI instance has a number of
 * packets and costs {@link #NS_PER_PACKET} per packet; a driver entity raises hard IRQs at given
 * times. Costs: hard IRQ 1000 ns, net_rx_action entry 100 ns, each with the retpolines of the hotcloud19 kernel
 * (kernel.retpoline: 20 ns per indirect call, 4 in the hard IRQ, 1 in net_rx_action); limits as Linux 5.4 (weight 64,
 * budget 300, 2 ms, 10 restarts; pending softirqs wait for a runnable ksoftirqd unless a test says Linux 4.4). Every expected time below is worked out from those numbers.
 */
class CoreEntityTest {
  static final long NS_PER_PACKET = 10;
  /** costs.retpoline-per-call of hotcloud19, whose kernel has retpolines (kernel.retpoline). */
  static final long RETPOLINE = 20;
  /** costs.irq 1000 ns + its 4 indirect calls (handle_irq, the action's handler, the CQ's comp, the APIC's EOI). */
  static final long IRQ = 1000 + 4 * RETPOLINE;
  /** net_rx_action's own cost per invocation: costs.net-rx-action 100 ns + its 1 indirect call (the softirq's action). */
  static final long ENTRY = 100 + RETPOLINE;

  /** What ScriptedHost charges per IPI sent (costs.ipi-send stands in for it in a kernel host). */
  static final long IPI_SEND = 340;

  /** One poll as the core ran it: start of its work (virtual ns), the instance's queue, packets. */
  record Poll(long at, int queue, int packets) {}

  /** A pNIC-like NAPI instance: polls up to the quota; more to do when it used the whole quota. */
  static final class ScriptedNapi extends NetRxAction.Napi {
    long packets;
    long nsPerPacket = NS_PER_PACKET;
    final List<Poll> log;
    /** The host whose {@link ScriptedHost#ipisToQueue} this instance's poll leaves owed (null: none). */
    ScriptedHost owed;

    ScriptedNapi(int queue, long packets, List<Poll> log) {
      super(queue);
      this.packets = packets;
      this.log = log;
    }

    @Override
    long poll(CoreEntity c, int quota, long offsetNanos) {
      int k = (int) Math.min(quota, packets);
      packets -= k;
      if (owed != null && owed.ipisToQueue > 0) {
        c.ipisQueued += owed.ipisToQueue;
        owed.ipisToQueue = 0;
      }
      work = k;
      more = k == quota;
      log.add(new Poll(c.nowNs() + offsetNanos, queue, k));
      return k * nsPerPacket;
    }
  }

  /** The host of a bare core: scripted NAPI instances, one MSI-X vector per RX queue, optional app thread. */
  static final class ScriptedHost implements CoreHost {
    final Profile profile;
    final List<Poll> polls = new ArrayList<>();
    final ScriptedNapi[] napis;
    /** The core's pNIC RX instances: {@link #napis} unless a test gives others. */
    NetRxAction.Napi[] rxNapis;
    final MsixVector[] vectors;
    final List<Sock> socks = new ArrayList<>();
    /** Start of each app-thread step. */
    final List<Long> appSteps = new ArrayList<>();
    long appStepNanos = 5_000;
    SteeringPolicy.PollMode mode = SteeringPolicy.PollMode.SPLICE;
    /** Delay of a compressed-ACK hrtimer the first app step arms (-1: none). */
    long compAckDelayNanos = -1;
    /** When the TCP timer path ran, and for which socket: {time, sock}. */
    final List<List<Long>> tcpTimers = new ArrayList<>();
    int irqs;
    int invocations;
    /** Each sendIpis: {time the sends start, IPIs owed}. */
    final List<List<Long>> ipiSends = new ArrayList<>();
    /** IPIs the first poll (or the first app step) leaves owed, as Handoff.remote does for idle targets. */
    int ipisToQueue;

    ScriptedHost(long... packetsPerQueue) {
      this(true, packetsPerQueue);
    }

    /** {@code waitsForKsoftirqd}: Linux 5.4 (true) or 4.4 (false), kernel.softirq-waits-for-ksoftirqd. */
    ScriptedHost(boolean waitsForKsoftirqd, long... packetsPerQueue) {
      profile = Profile.load(ConfigFactory.defaultReference(), "hotcloud19", ConfigFactory.parseString(
          "costs { irq = 1000ns, net-rx-action = 100ns }, kernel { napi-weight = 64, netdev-budget = 300,"
              + " netdev-budget-usecs = 2000us, max-softirq-restart = 10, max-softirq-time = 2ms, sched-slice = 3ms,"
              + " softirq-waits-for-ksoftirqd = " + waitsForKsoftirqd + " }"));
      napis = new ScriptedNapi[packetsPerQueue.length];
      vectors = new MsixVector[packetsPerQueue.length];
      for (int q = 0; q < napis.length; q++) {
        napis[q] = new ScriptedNapi(q, packetsPerQueue[q], polls);
        vectors[q] = new MsixVector();
      }
    }

    /** A busy app thread (a sender that never blocks): steps of {@link #appStepNanos} of sys time. */
    ScriptedHost withAppThread() {
      Spec.FlowSpec f = new Spec.FlowSpec(0, "app", true, "iperf", 0, 0, "h/c1", "h/c2", 1000, 0, 0, "normal", 0, 0, 0,
          null, -1, "cubic");
      socks.add(new Sock(0, f, true, 0));
      return this;
    }

    @Override
    public Profile profile() {
      return profile;
    }

    /** The scripted app thread never waits in the kernel: its only schedule() steps are the slice's rotations. */
    @Override
    public boolean blocksInKernel(Sock k) {
      return false;
    }

    @Override
    public long warmupNanos() {
      return 0;
    }

    @Override
    public String hostId() {
      return "h";
    }

    @Override
    public SteeringPolicy.PollMode pollMode() {
      return mode;
    }

    @Override
    public boolean napiAtHead(boolean highPriorityWork) {
      return false;
    }

    @Override
    public long tickNanos() {
      return 0;
    }

    @Override
    public void tick(CoreEntity c) {}

    @Override
    public NetRxAction.Napi[] rxNapis(int cpu) {
      return rxNapis == null ? napis : rxNapis;
    }

    @Override
    public NetRxAction.Napi[] txNapis(int cpu) {
      return new NetRxAction.Napi[0];
    }

    @Override
    public NetRxAction.Napi cellNapi(int cpu) {
      return new ScriptedNapi(-1, 0, polls);
    }

    @Override
    public NetRxAction.Napi backlogNapi(int cpu) {
      return new ScriptedNapi(-1, 0, polls);
    }

    @Override
    public MsixVector vector(int vector) {
      return vectors[vector];
    }

    @Override
    public int vectorOfTxQueue(int txq) {
      return txq;
    }

    @Override
    public void countIrq(long nowNanos) {
      irqs++;
    }

    @Override
    public void countTxIrq(int txq, long nowNanos) {
      irqs++;
    }

    @Override
    public void countNetRxAction(long nowNanos) {
      invocations++;
    }

    @Override
    public void handed(CoreEntity c, CoreEntity.Handed m) {}

    @Override
    public void ipi(CoreEntity c, CoreEntity.NapiIpi m) {}

    @Override
    public long sendIpis(CoreEntity c, long offsetNanos) {
      ipiSends.add(List.of(c.nowNs() + offsetNanos, (long) c.ipisQueued));
      long cost = c.ipisQueued * IPI_SEND;
      c.ipisQueued = 0;
      return cost;
    }

    @Override
    public void endOfStep(CoreEntity c) {}

    @Override
    public KernelTelemetry telemetry(Telemetry t) {
      return null;
    }

    @Override
    public void mergeTimer(CoreEntity c, int flow) {}

    @Override
    public void tcpTimer(CoreEntity c, Sock k) {
      tcpTimers.add(List.of(c.nowNs(), (long) k.id));
    }

    @Override
    public List<Sock> socks() {
      return socks;
    }

    @Override
    public Sock sock(int id) {
      return socks.get(id);
    }

    @Override
    public void sockData(Sock k, long bytes, int datagrams, long seq) {}

    @Override
    public long[] appStep(CoreEntity c, Sock k) {
      appSteps.add(c.nowNs());
      if (ipisToQueue > 0 && napis.length == 0) {
        c.ipisQueued += ipisToQueue;
        ipisToQueue = 0;
      }
      if (compAckDelayNanos >= 0 && appSteps.size() == 1) c.compAckTimer(k, compAckDelayNanos);
      return new long[] {0, appStepNanos};
    }

    @Override
    public long releaseSock(CoreEntity c, Sock k) {
      return 0;
    }

    @Override
    public void shmData(CoreEntity c, CoreEntity.ShmData m) {}

    @Override
    public void shmSpace(CoreEntity c, CoreEntity.ShmSpace m) {}

    @Override
    public void shmConnected(CoreEntity c, CoreEntity.ShmConnected m) {}
  }

  /** Raises RX queue {@code queues[i]}'s IRQ at {@code times[i]}. */
  static final class Driver extends Entity<Driver.Msg> {
    sealed interface Msg permits Never {}

    record Never() implements Msg {}

    private final EntityRef<CoreEntity.Msg> core;
    private final long[] times;
    private final int[] queues;

    Driver(EntityRef<CoreEntity.Msg> core, long[] times, int[] queues) {
      this.core = core;
      this.times = times;
      this.queues = queues;
    }

    @Override
    protected void onStart() {
      for (int i = 0; i < times.length; i++) send(core, times[i], new CoreEntity.Irq(queues[i]));
    }

    @Override
    protected void onMessage(Msg msg) {}
  }

  /** Runs one core of {@code host} for {@code endNanos} with the IRQs given; returns the core's report. */
  static CoreEntity.CoreReport run(ScriptedHost host, long endNanos, long[] irqTimes, int[] irqQueues) {
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    EntityRef<CoreEntity.Msg> core = b.add("h/cpu0", "h", () -> new CoreEntity(host, 0));
    b.add("h/driver", "h", () -> new Driver(core, irqTimes, irqQueues));
    for (EntityReport r : Simulation.run(b, endNanos, 1).reports()) {
      if (r.name().equals("h/cpu0")) return (CoreEntity.CoreReport) r.report();
    }
    throw new AssertionError("no report of h/cpu0");
  }

  static List<Poll> firstPolls(ScriptedHost h, int n) {
    return h.polls.subList(0, Math.min(n, h.polls.size()));
  }

  @Test
  void aCompressedAckTimerRunsTheTcpTimerPathAtItsExactExpiry() {
    // the hrtimer of SACK compression (tcp_compressed_ack_kick), armed 4500 ns after the first app step's start:
    // one TCP timer run then, for that socket, on this core; the 1 ms TCP_TIMER poll is not involved (the socket
    // has no sender, so none is scheduled) and nothing else runs it
    ScriptedHost h = new ScriptedHost().withAppThread();
    h.compAckDelayNanos = 4500;
    run(h, 100_000, new long[0], new int[0]);
    assertEquals(List.of(List.of(h.appSteps.get(0) + 4500, 0L)), h.tcpTimers);
  }

  @Test
  void ipisAPollLeavesOwedLeaveWhenNetRxActionEndsInItsClosingStep() {
    // IRQ at 0 (IRQ ns), net_rx_action's entry, one poll of 10 packets (100 ns) that leaves 2 IPIs owed (two idle
    // targets); the invocation then finds its poll list empty and ends: net_rps_action_and_irq_enable sends both then,
    // at IRQ + ENTRY + 100, in a closing step of 2 x IPI_SEND of softirq time; one invocation
    ScriptedHost h = new ScriptedHost(10);
    h.napis[0].owed = h;
    h.ipisToQueue = 2;
    CoreEntity.CoreReport r = run(h, 100_000, new long[] {0}, new int[] {0});
    assertEquals(List.of(List.of(IRQ + ENTRY + 10 * NS_PER_PACKET, 2L)), h.ipiSends);
    assertEquals(1, h.invocations);
    assertEquals(100.0 * (ENTRY + 10 * NS_PER_PACKET + 2 * IPI_SEND) / 100_000, r.soft(), 1e-9);
  }

  @Test
  void ipisAThreadStepLeavesOwedRaiseNetRxWhoseInvocationSendsThem() {
    // a TX-side hand-off from an app step (veth netif_rx to an idle core: rps_ipi_queued raises NET_RX here): the
    // step's end runs a net_rx_action with nothing to poll, which sends the IPI after its entry cost
    ScriptedHost h = new ScriptedHost().withAppThread();
    h.ipisToQueue = 1;
    run(h, 20_000, new long[0], new int[0]);
    long stepEnd = h.appSteps.get(0) + h.appStepNanos;
    assertEquals(List.of(List.of(stepEnd + ENTRY, 1L)), h.ipiSends);
    assertEquals(1, h.invocations);
    assertEquals(stepEnd + ENTRY + IPI_SEND, (long) h.appSteps.get(1));
  }

  @Test
  void theBudgetOf300EndsAnInvocationAfterFiveFullPollsAndTheSixthWaitsForTheNext() {
    // six queues, one MSI-X vector each, all raised at 0: six hard IRQs back to back (0..6000 ns);
    // net_rx_action then polls 64 + 64 + 64 + 64 + 64 = 320 >= 300: the invocation ends, queue 5 is
    // polled first in the restarted one (after its entry cost), then the five repolled ones
    ScriptedHost h = new ScriptedHost(1000, 1000, 1000, 1000, 1000, 1000);
    run(h, 20_000, new long[] {0, 0, 0, 0, 0, 0}, new int[] {0, 1, 2, 3, 4, 5});
    long t0 = 6 * IRQ;
    long poll = 64 * NS_PER_PACKET;
    assertEquals(List.of(new Poll(t0 + ENTRY, 0, 64), new Poll(t0 + ENTRY + poll, 1, 64),
        new Poll(t0 + ENTRY + 2 * poll, 2, 64), new Poll(t0 + ENTRY + 3 * poll, 3, 64),
        new Poll(t0 + ENTRY + 4 * poll, 4, 64),
        new Poll(t0 + ENTRY + 5 * poll + ENTRY, 5, 64), // second invocation
        new Poll(t0 + ENTRY + 6 * poll + ENTRY, 0, 64)), firstPolls(h, 7));
    assertEquals(6, h.irqs);
  }

  @Test
  void twoMillisecondsEndAnInvocationBeforeItsBudget() {
    // five instances of 50 packets at 15 us each: 750 us per poll; after three polls (2.25 ms >= 2 ms of
    // netdev-budget-usecs) the invocation ends with 150 of its 300 packets; the next invocation (in ksoftirqd:
    // max-softirq-time is gone too; nothing else runs) starts once ksoftirqd has left the idle loop and been switched
    // in (idle-exit 400 ns, sched-in 1040 ns), with its entry cost
    ScriptedHost h = new ScriptedHost(50, 50, 50, 50, 50);
    for (ScriptedNapi n : h.napis) n.nsPerPacket = 15_000;
    run(h, 10_000_000, new long[] {0, 0, 0, 0, 0}, new int[] {0, 1, 2, 3, 4});
    long t0 = 5 * IRQ;
    long poll = 50 * 15_000;
    long in = h.profile.idleExitNanos + h.profile.schedInNanos;
    assertEquals(List.of(new Poll(t0 + ENTRY, 0, 50), new Poll(t0 + ENTRY + poll, 1, 50),
        new Poll(t0 + ENTRY + 2 * poll, 2, 50), new Poll(t0 + ENTRY + 3 * poll + in + ENTRY, 3, 50),
        new Poll(t0 + ENTRY + 4 * poll + in + ENTRY, 4, 50)), h.polls);
    assertEquals(2, h.invocations);
  }

  @Test
  void anInstanceGetsItsWeightOf64AndIsRepolledInTheNextInvocation() {
    ScriptedHost h = new ScriptedHost(200);
    run(h, 20_000, new long[] {0}, new int[] {0});
    // polls of 64, 64, 64 and the last 8, each in its own invocation (the repoll list waits for the next)
    long poll = 64 * NS_PER_PACKET;
    assertEquals(List.of(new Poll(IRQ + ENTRY, 0, 64), new Poll(IRQ + 2 * ENTRY + poll, 0, 64),
        new Poll(IRQ + 3 * ENTRY + 2 * poll, 0, 64), new Poll(IRQ + 4 * ENTRY + 3 * poll, 0, 8)), h.polls);
    assertEquals(4, h.invocations);
  }

  @Test
  void workScheduledDuringAnInvocationIsServedInTheNextOne() {
    // queue 0 is polled from 1200 to 1840 (IRQ 1080 + ENTRY 120); queue 1's IRQ at 1500 nests (+1080 ns): the poll's
    // step ends at 2920. The invocation spliced the poll list at its start, so queue 1 waits for the next invocation,
    // where it comes before queue 0's repoll.
    ScriptedHost h = new ScriptedHost(1000, 1000);
    run(h, 4_000, new long[] {0, 1500}, new int[] {0, 1});
    long poll = 64 * NS_PER_PACKET;
    assertEquals(List.of(new Poll(IRQ + ENTRY, 0, 64), new Poll(IRQ + ENTRY + poll + IRQ + ENTRY, 1, 64),
        new Poll(IRQ + ENTRY + poll + IRQ + ENTRY + poll, 0, 64)), firstPolls(h, 3));
  }

  @Test
  void aHardIrqPreemptsTheSoftirqAndExtendsItsStep() {
    // queues 0 and 1 raised at 0 (2 IRQs, 0..2160); queue 2's IRQ at 2400, during queue 0's poll (2280..2580):
    // the handler runs at once, nested, and queue 1's poll starts 1080 ns (IRQ) later than it would have
    ScriptedHost h = new ScriptedHost(30, 30, 30);
    CoreEntity.CoreReport r = run(h, 10_000, new long[] {0, 0, 2400}, new int[] {0, 1, 2});
    long poll = 30 * NS_PER_PACKET;
    assertEquals(List.of(new Poll(2 * IRQ + ENTRY, 0, 30), new Poll(2 * IRQ + ENTRY + poll + IRQ, 1, 30),
        new Poll(2 * IRQ + ENTRY + 2 * poll + IRQ + ENTRY, 2, 30)), h.polls);
    assertEquals(3, h.irqs);
    // 3 handlers of 1080 ns in 10 us: 32.4 % irq; softirq: 2 invocations' entries + 3 polls
    assertEquals(100.0 * 3 * IRQ / 10_000, r.irq(), 1e-9);
    assertEquals(100.0 * (2 * ENTRY + 3 * poll) / 10_000, r.soft(), 1e-9);
  }

  @Test
  void afterTenRestartsTheRestGoesToKsoftirqdWhichWaitsForTheAppThreadsSlice() {
    // a busy app thread (5 us steps) is preempted at 1000 by an IRQ (to 2080); at IRQ exit __do_softirq runs
    // net_rx_action 10 times (760 ns each, queue 0 always has more), to 9680, then wakes ksoftirqd. The app thread
    // resumes its step (4000 ns left) and keeps the core until its 3 ms slice ends (its first step started
    // at 0): 9680 + 4000 + 598 x 5000 = 3,003,680 (ksoftirqd, 9680 ns of vruntime behind it, is within the 4 ms
    // wake-up granularity: no preemption); then the thread is switched out (sched-out: 540 ns + 3 retpolines),
    // ksoftirqd switched in (sched-in: 1000 ns + 2 retpolines; from a thread, no idle exit) and it polls, after its
    // entry cost.
    ScriptedHost h = new ScriptedHost(1_000_000).withAppThread();
    run(h, 3_010_000, new long[] {1000}, new int[] {0});
    long inv = ENTRY + 64 * NS_PER_PACKET;
    List<Poll> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) expected.add(new Poll(1000 + IRQ + i * inv + ENTRY, 0, 64));
    expected.add(new Poll(3_003_680 + h.profile.schedOutNanos + h.profile.schedInNanos + ENTRY, 0, 64));
    assertEquals(expected, firstPolls(h, 11));
    assertEquals(9680 + 4000, (long) h.appSteps.get(1), "the app thread's next step follows its resumed one");
  }

  @Test
  void onLinux44EveryLocalBhEnableRunsTheSoftirqThoughKsoftirqdIsRunnable() {
    // as above until ksoftirqd is woken at 9680; Linux 4.4 has no ksoftirqd_running() check, so the resumed step's
    // end (13,680: the thread's syscall leaves with local_bh_enable) runs __do_softirq again at once, ten more
    // invocations to 13,680 + 10 x 760 = 21,280, and only then the thread's next step starts
    ScriptedHost h = new ScriptedHost(false, 1_000_000).withAppThread();
    run(h, 3_010_000, new long[] {1000}, new int[] {0});
    long inv = ENTRY + 64 * NS_PER_PACKET;
    List<Poll> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) expected.add(new Poll(1000 + IRQ + i * inv + ENTRY, 0, 64));
    for (int i = 0; i < 10; i++) expected.add(new Poll(13_680 + i * inv + ENTRY, 0, 64));
    assertEquals(expected, firstPolls(h, 20));
    assertEquals(13_680 + 10 * inv, (long) h.appSteps.get(1), "the thread's next step waits for the softirq");
  }

  @Test
  void softirqsLeftPendingDoNotRunAtTheEndOfASwitchWithoutAnInterrupt() {
    // Linux 4.4, as above: from 21,280 on, every step (5 us) ends with ten invocations (7600 ns) and ksoftirqd stays
    // runnable; the step at 21,280 + 236 x 12,600 = 2,994,880 ends at 2,999,880, where __do_softirq stops after one
    // invocation (3,000,000..3,000,640): the thread's 3 ms slice is over (need_resched). The thread is switched out
    // (sched-out) with NET_RX still pending and no interrupt during the switch: finish_task_switch re-enables
    // interrupts without running softirqs, so the next poll is ksoftirqd's, after its switch in (sched-in) and entry.
    // Running them at the switch's end (as an IRQ exit) would poll 1040 ns earlier, ten times before ksoftirqd.
    ScriptedHost h = new ScriptedHost(false, 1_000_000).withAppThread();
    run(h, 3_020_000, new long[] {1000}, new int[] {0});
    long inv = ENTRY + 64 * NS_PER_PACKET;
    assertEquals(2_994_880, (long) h.appSteps.get(h.appSteps.size() - 1), "the thread's last step in its slice");
    int i = h.polls.indexOf(new Poll(3_000_000, 0, 64));
    assertTrue(i > 0, "the step's end polls once at 3,000,000");
    long ksoftirqd = 3_000_000 - ENTRY + inv + h.profile.schedOutNanos + h.profile.schedInNanos + ENTRY;
    assertEquals(List.of(new Poll(ksoftirqd, 0, 64), new Poll(ksoftirqd + inv, 0, 64)), h.polls.subList(i + 1, i + 3));
  }

  @Test
  void anInterruptDuringASwitchRunsTheSoftirqsAtItsEnd() {
    // as above, and queue 1's IRQ at 3,001,000, during the thread's switch out (3,000,640..3,001,240): schedule() has
    // interrupts off, so the handler follows it (the step ends 1080 ns later, at 3,002,320), and its irq_exit runs
    // __do_softirq at once, before ksoftirqd is switched in: its first poll (queue 0, still first on the list) at
    // 3,002,320 + entry
    ScriptedHost h = new ScriptedHost(false, 1_000_000, 10).withAppThread();
    run(h, 3_020_000, new long[] {1000, 3_001_000}, new int[] {0, 1});
    int i = h.polls.indexOf(new Poll(3_000_000, 0, 64));
    assertTrue(i > 0, "the step's end polls once at 3,000,000");
    long switchedOut = 3_000_000 + 64 * NS_PER_PACKET + h.profile.schedOutNanos;
    assertEquals(new Poll(switchedOut + IRQ + ENTRY, 0, 64), h.polls.get(i + 1));
  }

  @Test
  void afterTwoMillisecondsOfSoftirqTheRestGoesToKsoftirqd() {
    // as above, but a poll costs 640 us: after 4 invocations (2.56 ms >= max-softirq-time) __do_softirq
    // stops at 2080 + 4 x 640,120 = 2,562,560, with 6 restarts left; the app thread resumes (4000 ns) and runs to the
    // end of its slice: 2,562,560 + 4000 + 87 x 5000 = 3,001,560, and is switched out (sched-out), ksoftirqd in
    ScriptedHost h = new ScriptedHost(1_000_000).withAppThread();
    h.napis[0].nsPerPacket = 10_000;
    run(h, 3_010_000, new long[] {1000}, new int[] {0});
    long inv = ENTRY + 640_000;
    List<Poll> expected = new ArrayList<>();
    for (int i = 0; i < 4; i++) expected.add(new Poll(1000 + IRQ + i * inv + ENTRY, 0, 64));
    expected.add(new Poll(3_001_560 + h.profile.schedOutNanos + h.profile.schedInNanos + ENTRY, 0, 64));
    assertEquals(expected, firstPolls(h, 5));
  }

  @Test
  void aCoreReusesItsDeliveredStepEnds() {
    // ~600 app steps, an IRQ that preempts one of them (its step end goes stale, a new one is scheduled) and
    // ten softirq invocations: a Done per step, but a delivered one serves the next step, so the core
    // allocates only as many as were pending at once (the stale one and its replacement: 2)
    ScriptedHost h = new ScriptedHost(1_000_000).withAppThread();
    CoreEntity[] core = new CoreEntity[1];
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    EntityRef<CoreEntity.Msg> ref = b.add("h/cpu0", "h", () -> core[0] = new CoreEntity(h, 0));
    b.add("h/driver", "h", () -> new Driver(ref, new long[] {1000}, new int[] {0}));
    Simulation.run(b, 3_010_000, 1);
    assertTrue(h.appSteps.size() > 500, "app steps: " + h.appSteps.size());
    assertEquals(2, core[0].donesAllocated);
  }

  @Test
  void aCoreAllocatesItsStepEndsWithItself() {
    // the two step ends a core needs at most are allocated by its constructor, next to it in the heap (with
    // many hosts the one each step delivers would otherwise be a cold object of its own), and serve every step
    CoreEntity core = new CoreEntity(new ScriptedHost(1_000_000).withAppThread(), 0);
    assertEquals(2, core.donesAllocated);
  }
}
