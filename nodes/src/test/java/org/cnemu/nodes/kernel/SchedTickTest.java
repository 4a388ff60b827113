package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.EntityRef;
import org.cnemu.emulator.EntityReport;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.junit.jupiter.api.Test;

/**
 * The scheduler tick (kernel.tick-hz, costs.tick-irq): on a bare core ({@link CoreEntityTest.ScriptedHost},
 * hotcloud19's 1845 ns tick) a busy core takes it at exactly phase + k x 4 ms and the work it interrupts ends later
 * by exactly its cost; an idle core takes none and gets no message. In the kernel model, a constant-rate
 * UDP ping-pong, whose every transaction costs the same, gets a latency tail from the ticks alone.
 */
class SchedTickTest {
  static final long PERIOD = 4_000_000, PHASE = 1_234_567;
  static final long TICK = 1845;

  /** The scripted host with the tick on ({@code periodNanos}, 0: off), recording when each tick is taken. */
  static CoreHost ticking(CoreEntityTest.ScriptedHost s, long periodNanos, List<Long> ticks) {
    return (CoreHost) Proxy.newProxyInstance(CoreHost.class.getClassLoader(), new Class<?>[] {CoreHost.class},
        (proxy, m, args) -> switch (m.getName()) {
          case "schedTickPeriodNanos" -> periodNanos;
          case "schedTickPhaseNanos" -> PHASE;
          case "countLocalTimer" -> {
            if ((Boolean) args[1]) ticks.add((Long) args[0]);
            yield null;
          }
          default -> m.invoke(s, args);
        });
  }

  /** Runs the core of {@code h} to {@code endNanos}, RX queue {@code irqQueues[i]} raising its IRQ at {@code irqTimes[i]}. */
  static SimulationResult run(CoreHost h, long endNanos, long[] irqTimes, int[] irqQueues) {
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    EntityRef<CoreEntity.Msg> core = b.add("h/cpu0", "h", () -> new CoreEntity(h, 0));
    b.add("h/driver", "h", () -> new CoreEntityTest.Driver(core, irqTimes, irqQueues));
    return Simulation.run(b, endNanos, 1);
  }

  static CoreEntity.CoreReport core(SimulationResult r) {
    for (EntityReport e : r.reports()) if (e.name().equals("h/cpu0")) return (CoreEntity.CoreReport) e.report();
    throw new AssertionError("no report of h/cpu0");
  }

  @Test
  void aBusyThreadTakesEachTickAtItsTimeAndItsStepEndsLaterByTheTicksCost() {
    // one busy thread, 5 us steps from 0: the tick at 1,234,567 suspends the step of 1,230,000 with 433 ns left;
    // its 1845 ns run, then the step's rest: the next step starts at 1,236,845 instead of 1,235,000. The second tick,
    // at 5,234,567, falls in the step of 1,236,845 + 799 x 5000 = 5,231,845, whose end moves to 5,238,690. The
    // core's irq time is exactly the two ticks
    CoreEntityTest.ScriptedHost s = new CoreEntityTest.ScriptedHost().withAppThread();
    assertEquals(TICK, s.profile.tickIrqNanos, "costs.tick-irq, measured as a whole");
    assertEquals(PERIOD, s.profile.tickPeriodNanos, "kernel.tick-hz = 250");
    List<Long> ticks = new ArrayList<>();
    long end = 9_000_000;
    CoreEntity.CoreReport r = core(run(ticking(s, PERIOD, ticks), end, new long[0], new int[0]));
    assertEquals(List.of(PHASE, PHASE + PERIOD), ticks, "at phase + k x 4 ms, none past the end");
    assertTrue(s.appSteps.contains(1_235_000 + TICK), "the interrupted step's successor, one tick late");
    assertFalse(s.appSteps.contains(1_235_000L));
    assertTrue(s.appSteps.contains(5_236_845 + TICK), "after the second tick, two ticks late");
    assertEquals(100.0 * 2 * TICK / end, r.irq(), 1e-9, "irq: the two ticks");
    assertEquals(100.0 * (end - 2 * TICK) / end, r.usr() + r.sys(), 1e-9, "the thread: all the rest");
  }

  @Test
  void aTickInSoftirqWorkExtendsItByItsCost() {
    // an idle core, one RX queue of 700 packets raising its IRQ 2000 ns before the tick: the IRQ (1080 ns) then the
    // softirq's invocations (760 ns each), in which the tick nests; every poll after it is 1845 ns later than
    // without the tick, those before it at the same time
    List<Long> ticks = new ArrayList<>();
    CoreEntityTest.ScriptedHost on = new CoreEntityTest.ScriptedHost(700);
    CoreEntityTest.ScriptedHost off = new CoreEntityTest.ScriptedHost(700);
    long[] at = {PHASE - 2000};
    CoreEntity.CoreReport ron = core(run(ticking(on, PERIOD, ticks), 2_000_000, at, new int[] {0}));
    CoreEntity.CoreReport roff = core(run(ticking(off, 0, new ArrayList<>()), 2_000_000, at, new int[] {0}));
    assertEquals(List.of(PHASE), ticks);
    assertEquals(off.polls.size(), on.polls.size());
    for (int i = 0; i < on.polls.size(); i++) {
      long t = off.polls.get(i).at();
      assertEquals(t < PHASE ? t : t + TICK, on.polls.get(i).at(), "poll " + i);
    }
    assertEquals(100.0 * TICK / 2_000_000, ron.irq() - roff.irq(), 1e-9, "irq: the tick");
    assertEquals(roff.soft(), ron.soft(), 1e-9, "the softirq's own time is unchanged");
  }

  @Test
  void anInterruptDuringANestedTicksHandlerFollowsItAndIsCountedOnce() {
    // as above with a second RX queue raising its IRQ 500 ns into the tick's handler: it runs after the tick (hard
    // IRQs do not nest), so the core's irq time is exactly the two IRQs and the tick, and its softirq time is the
    // same as without the tick; counting the IRQ from its arrival instead would count 1345 ns twice, beyond 100 %
    List<Long> ticks = new ArrayList<>();
    CoreEntityTest.ScriptedHost on = new CoreEntityTest.ScriptedHost(700, 10);
    CoreEntityTest.ScriptedHost off = new CoreEntityTest.ScriptedHost(700, 10);
    long[] at = {PHASE - 2000, PHASE + 500};
    long end = 2_000_000;
    CoreEntity.CoreReport ron = core(run(ticking(on, PERIOD, ticks), end, at, new int[] {0, 1}));
    CoreEntity.CoreReport roff = core(run(ticking(off, 0, new ArrayList<>()), end, at, new int[] {0, 1}));
    assertEquals(List.of(PHASE), ticks);
    assertEquals(100.0 * (2 * CoreEntityTest.IRQ + TICK) / end, ron.irq(), 1e-9, "irq: two IRQs and the tick");
    assertEquals(roff.soft(), ron.soft(), 1e-9, "soft: unchanged by the tick");
  }

  @Test
  void anIdleCoreTakesNoTickAndGetsNoMessage() {
    // busy 0 .. ~2.4 us with one IRQ and its softirq, then idle for 20 ms (five tick times): no step covers a tick
    // time, so no tick is sent: the run has exactly the events it has without the tick
    List<Long> ticks = new ArrayList<>();
    CoreEntityTest.ScriptedHost on = new CoreEntityTest.ScriptedHost(100);
    CoreEntityTest.ScriptedHost off = new CoreEntityTest.ScriptedHost(100);
    SimulationResult ron = run(ticking(on, PERIOD, ticks), 20_000_000, new long[] {0}, new int[] {0});
    SimulationResult roff = run(ticking(off, 0, new ArrayList<>()), 20_000_000, new long[] {0}, new int[] {0});
    assertEquals(List.of(), ticks);
    assertEquals(roff.events(), ron.events(), "no tick message, not one per tick time");
    assertEquals(core(roff).irq(), core(ron).irq(), 1e-12);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> flow(Map<String, Object> r) {
    return ((List<Map<String, Object>>) r.get("flows")).get(0);
  }

  @SuppressWarnings("unchecked")
  private static long ticksOf(Map<String, Object> r) {
    long n = 0;
    for (Map<String, Object> h : (List<Map<String, Object>>) r.get("hosts")) n += ((Number) h.get("ticks")).longValue();
    return n;
  }

  @SuppressWarnings("unchecked")
  private static double latency(Map<String, Object> r, String p) {
    return ((Number) ((Map<String, Object>) flow(r).get("latency_us")).get(p)).doubleValue();
  }

  private static Map<String, Object> pingPong(int seed, int tickHz) {
    return Calib.results(Calib.experiment("seed = " + seed + ", duration = 101ms, overrides.kernel.tick-hz = "
        + tickHz + ", topology { stack = native, host-count = 2, link { delay = 1us } }, workloads = [ { id = pp, "
        + "kind = ping-pong, protocol = udp, src = h1, dst = h2, message-size = 64B, request-rate = 20000, "
        + "arrival = constant } ]"));
  }

  @Test
  void aConstantRatePingPongGetsALatencyTailFromTheTick() {
    // 20,000 transactions/s, each the same work: without the tick p50 = p99. The rate is 80 per tick period, so a
    // host's tick falls at the same point of every 80th transaction: with this seed it lands on h1 while a core of
    // its path is busy, once per tick time (25 ticks in the 100 ms measured), and delays that transaction by its
    // 1845 ns: 1 in 80 (1.25 %) is above the rest, so p99 = p50 + one tick (HdrHistogram's 2-digit precision), p90
    // unmoved. A seed whose phases fall where the path is idle has no tick at all (ticksOf = 0): the tail depends on
    // where the run's tick phases land, as a real host's does on where its tick falls between two sends
    Map<String, Object> on = pingPong(3, 250), off = pingPong(3, 0);
    assertEquals(latency(off, "p50"), latency(off, "p99"), 1e-9, "no tick: no tail");
    assertEquals(0, ticksOf(off));
    long ticks = ticksOf(on);
    assertEquals(25, ticks, "one per tick time of the measured 100 ms");
    assertEquals(latency(off, "p50"), latency(on, "p50"), 1e-9);
    assertEquals(latency(off, "p90"), latency(on, "p90"), 1e-9);
    assertEquals(TICK / 1000.0, latency(on, "p99") - latency(on, "p50"), 0.05, "p99: one tick later");
    long samples = ((Number) flow(on).get("latency_samples")).longValue();
    assertTrue(ticks > samples / 100, "over 1 % of transactions take a tick: " + ticks + " of " + samples);
    Map<String, Object> missed = pingPong(1, 250);
    assertEquals(0, ticksOf(missed), "seed 1: both hosts' ticks fall where the path is idle");
    assertEquals(latency(missed, "p50"), latency(missed, "p99"), 1e-9);
  }
}
