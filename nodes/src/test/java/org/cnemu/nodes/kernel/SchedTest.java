package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.cnemu.devices.Profile;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.EntityRef;
import org.cnemu.emulator.EntityReport;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's switches on a bare core ({@link CoreEntityTest.ScriptedHost}, hotcloud19 costs with their
 * retpolines): the slice's rotation switches the outgoing thread out and the incoming one in; a woken thread preempts
 * the running one when CFS's check_preempt_wakeup says so (vruntime lower by more than the 4 ms granularity), else
 * waits for the slice's end; a timed sleep ends with the local APIC timer's interrupt. App steps are 5 us of user
 * time, so the core's sys time is exactly the switches, its irq time the interrupts. ksoftirqd's own switches (in at
 * its wake-up, out at its sleep and at its yield) run on {@link CoreEntityTest}'s scripted NAPI host.
 */
class SchedTest {
  static final long STEP = 5_000;

  /** A scripted core: thread 0 busy, thread 1 (unless {@code busy1}) one step per wake-up, asleep in the kernel at the start. */
  static final class Script {
    final CoreEntityTest.ScriptedHost scripted;
    final Profile p;
    /** Start of each app step: {time, thread}. */
    final List<long[]> steps = new ArrayList<>();
    final boolean busy1;
    /** Thread 1 has its step to run (it was woken and has not yet run it). */
    boolean due1;

    Script(boolean busy0, boolean busy1) {
      this(busy0, busy1, 0);
    }

    /** As above, with one scripted RX queue of {@code packets} (its IRQ: an {@link CoreEntity.Irq} of queue 0). */
    Script(boolean busy0, boolean busy1, long packets) {
      this.scripted = new CoreEntityTest.ScriptedHost(packets);
      this.p = scripted.profile;
      this.busy1 = busy1;
      if (busy0) scripted.socks.add(sock(0, true));
      Sock s1 = sock(scripted.socks.size(), busy1);
      if (!busy1) s1.switchedOut = true; // blocked in the kernel before the run
      scripted.socks.add(s1);
    }

    static Sock sock(int id, boolean runnable) {
      Spec.FlowSpec f = new Spec.FlowSpec(id, "app" + id, true, "iperf", 0, 0, "h/c1", "h/c2", 1000, 0, 0, "normal", 0,
          0, 0, null, -1, "cubic");
      return new Sock(id, f, runnable, 0); // not a sender: not runnable at the start
    }

    Sock sleeper() {
      return scripted.socks.get(scripted.socks.size() - 1);
    }

    CoreHost host() {
      Sock sleeper = sleeper();
      return (CoreHost) Proxy.newProxyInstance(CoreHost.class.getClassLoader(), new Class<?>[] {CoreHost.class},
          (proxy, m, args) -> {
            if (m.getName().equals("blocksInKernel")) return args[0] == sleeper && !busy1;
            if (m.getName().equals("appStep")) {
              CoreEntity c = (CoreEntity) args[0];
              Sock k = (Sock) args[1];
              if (k == sleeper && !busy1) {
                if (!due1) return null; // its step ran: it sleeps in the kernel again
                due1 = false;
              }
              steps.add(new long[] {c.nowNs(), k.id});
              return new long[] {STEP, 0};
            }
            if (m.getName().equals("sock")) {
              Sock k = scripted.socks.get((Integer) args[0]);
              if (k == sleeper) due1 = true; // a Wake or an AppTimer for it: its work is there
              return k;
            }
            return m.invoke(scripted, args);
          });
    }

    /** Runs the core to {@code endNanos} with the messages {@code msgs} delivered at {@code times}. */
    CoreEntity.CoreReport run(long endNanos, long[] times, CoreEntity.Msg[] msgs) {
      SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
      CoreHost h = host();
      EntityRef<CoreEntity.Msg> core = b.add("h/cpu0", "h", () -> new CoreEntity(h, 0));
      b.add("h/driver", "h", () -> new Sender(core, times, msgs));
      for (EntityReport r : Simulation.run(b, endNanos, 1).reports()) {
        if (r.name().equals("h/cpu0")) return (CoreEntity.CoreReport) r.report();
      }
      throw new AssertionError("no report of h/cpu0");
    }

    /** Start of thread {@code id}'s {@code n}-th step (0-based). */
    long stepOf(int id, int n) {
      return steps.stream().filter(s -> s[1] == id).skip(n).findFirst().orElseThrow()[0];
    }

    /** Start of the first step of thread {@code id} at or after {@code from}. */
    long firstStepAtOrAfter(int id, long from) {
      return steps.stream().filter(s -> s[1] == id && s[0] >= from).findFirst().orElseThrow()[0];
    }
  }

  /** Delivers messages to the core at given times. */
  static final class Sender extends Entity<Sender.Msg> {
    sealed interface Msg permits Never {}

    record Never() implements Msg {}

    private final EntityRef<CoreEntity.Msg> core;
    private final long[] times;
    private final CoreEntity.Msg[] msgs;

    Sender(EntityRef<CoreEntity.Msg> core, long[] times, CoreEntity.Msg[] msgs) {
      this.core = core;
      this.times = times;
      this.msgs = msgs;
    }

    @Override
    protected void onStart() {
      for (int i = 0; i < times.length; i++) send(core, times[i], msgs[i]);
    }

    @Override
    protected void onMessage(Msg msg) {}
  }

  static double pct(long nanos, long span) {
    return 100.0 * nanos / span;
  }

  @Test
  void theSlicesRotationSwitchesTheOutgoingThreadOutAndTheIncomingOneIn() {
    // two busy threads: 0 runs 600 steps (0..3 ms); at its slice's end schedule() switches it out (sched-out, it stays
    // runnable) and 1 in (sched-in, from another thread: no idle exit); 1's slice starts with its switch-in and ends
    // after 600 steps at 6,001,640; then 0 is switched back in
    Script s = new Script(true, true);
    long end = 6_010_000;
    CoreEntity.CoreReport r = s.run(end, new long[0], new CoreEntity.Msg[0]);
    long out = s.p.schedOutNanos, in = s.p.schedInNanos;
    assertEquals(600, out, "sched-out 540 ns + 3 retpolines");
    assertEquals(1040, in, "sched-in 1000 ns + 2 retpolines");
    assertEquals(3_000_000 + out + in, s.stepOf(1, 0), "thread 1 after 0's switch out and its own switch in");
    assertEquals(3_000_000 + out + in + 3_000_000 + out + in, s.firstStepAtOrAfter(0, 3_000_000),
        "thread 0 back after 1's slice and two more switches");
    assertEquals(pct(2 * (out + in), end), r.sys(), 1e-9, "sys: the two rotations' switches");
    assertEquals(pct(end - 2 * (out + in), end), r.usr(), 1e-9, "usr: the steps");
  }

  @Test
  void aThreadWokenAfterALongSleepPreemptsTheRunningOneAfterItsStep() {
    // thread 1 slept from the start (vruntime 0); woken at 5,002,500 while thread 0 runs the step it started at 5 ms
    // (vruntime 5,005,000 with it): placed at max(0, min_vruntime - 12 ms) = 0, it is 5.005 ms behind, more than the
    // 4 ms wake-up granularity: thread 0 is switched out at its step's end (5,005,000), 1 switched in and runs; when
    // it sleeps again (sched-out) thread 0 is switched back in
    Script s = new Script(true, false);
    long end = 5_020_000;
    CoreEntity.CoreReport r = s.run(end, new long[] {5_002_500}, new CoreEntity.Msg[] {new CoreEntity.Wake(1)});
    long out = s.p.schedOutNanos, in = s.p.schedInNanos;
    long t1 = 5_005_000 + out + in;
    assertEquals(t1, s.stepOf(1, 0), "thread 1 right after the running step and the two switches");
    assertEquals(t1 + STEP + out + in, s.firstStepAtOrAfter(0, 5_005_000), "thread 0 after 1 sleeps again");
    assertEquals(pct(2 * (out + in), end), r.sys(), 1e-9, "sys: the preemption's switches and 1's sleep and 0's return");
  }

  @Test
  void aThreadLessThanTheGranularityBehindWaitsForTheSlicesEnd() {
    // woken at 3,002,500: thread 0's vruntime is 3,005,000, thread 1's placed at 0: 3.005 ms behind, not more than
    // 4 ms; no preemption: thread 1 waits for thread 0's slice, which began when the run queue was last empty (the
    // step end at 3 ms), and runs at 6 ms after the rotation's two switches
    Script s = new Script(true, false);
    long end = 6_020_000;
    CoreEntity.CoreReport r = s.run(end, new long[] {3_002_500}, new CoreEntity.Msg[] {new CoreEntity.Wake(1)});
    long out = s.p.schedOutNanos, in = s.p.schedInNanos;
    assertEquals(6_000_000 + out + in, s.stepOf(1, 0));
    assertEquals(pct(2 * (out + in), end), r.sys(), 1e-9);
  }

  @Test
  void aThreadThatRanRecentlyKeepsItsOwnVruntimeAndDoesNotPreempt() {
    // as the preempting wake-up, but thread 1 ran 2 ms before it slept: its own vruntime (2 ms) is above
    // min_vruntime - 12 ms, so it keeps it and is 3.005 ms behind thread 0: no preemption, it runs at the slice's end
    // (the slice began at the 5 ms step end, the run queue being empty until the wake-up)
    Script s = new Script(true, false);
    s.sleeper().vruntimeNanos = 2_000_000;
    s.run(8_020_000, new long[] {5_002_500}, new CoreEntity.Msg[] {new CoreEntity.Wake(1)});
    assertEquals(8_000_000 + s.p.schedOutNanos + s.p.schedInNanos, s.stepOf(1, 0));
  }

  @Test
  void aTimedSleepEndsWithTheTimerInterruptOnTheSleepersCore() {
    // an idle core, thread 1 asleep on a timer expiring at 1 ms: the local APIC timer's interrupt (timer-irq, with its
    // 3 retpolines) and its hrtimer_wakeup's try_to_wake_up are hard IRQ time; then the thread leaves the idle loop
    // and is switched in (sys) before its step
    Script s = new Script(false, false);
    long end = 1_100_000;
    CoreEntity.CoreReport r = s.run(end, new long[] {1_000_000}, new CoreEntity.Msg[] {new CoreEntity.AppTimer(0)});
    Profile p = s.p;
    assertEquals(880, p.timerIrqNanos, "timer-irq 820 ns + 3 retpolines");
    long irq = p.timerIrqNanos + p.tryToWakeUpNanos;
    assertEquals(1_000_000 + irq + p.idleExitNanos + p.schedInNanos, s.stepOf(0, 0));
    assertEquals(pct(irq, end), r.irq(), 1e-9, "irq: the timer's interrupt and its wake-up");
    assertEquals(pct(p.idleExitNanos + p.schedInNanos + p.schedOutNanos, end), r.sys(), 1e-9,
        "sys: the idle exit, the switch in, and the switch out as it sleeps again");
  }

  @Test
  void aTimerWhoseThreadIsAwakeRaisesNoInterrupt() {
    // thread 1 is woken at 999 us (1 ms behind thread 0: no preemption) and waits on the run queue when its timer
    // would expire at 1 ms: select()'s timeout was cancelled by the wake-up, so no timer interrupt
    Script s = new Script(true, false);
    CoreEntity.CoreReport r = s.run(1_100_000, new long[] {999_000, 1_000_000},
        new CoreEntity.Msg[] {new CoreEntity.Wake(1), new CoreEntity.AppTimer(1)});
    assertEquals(0.0, r.irq(), 1e-9);
  }

  @Test
  void ksoftirqdIsSwitchedInWhenWokenAndOutWhenItSleeps() {
    // a bare idle core, one RX queue of 700 packets (10 ns each) raised at 0: the IRQ (1080 ns), then __do_softirq's
    // 10 invocations of 64 packets (120 + 640 ns each) to 8680, with work left: wakeup_softirqd. ksoftirqd leaves
    // the idle loop and is switched in (idle-exit 400, sched-in 1040: 10,120), polls the last 60 packets after its
    // entry (10,240 to 10,840), finds nothing more and sleeps: switched out (sched-out 600) to 11,440. The core's sys
    // time is exactly those three costs; without them ksoftirqd polls at 8800 and sys is 0
    CoreEntityTest.ScriptedHost h = new CoreEntityTest.ScriptedHost(700);
    Profile p = h.profile;
    long end = 20_000;
    CoreEntity.CoreReport r = CoreEntityTest.run(h, end, new long[] {0}, new int[] {0});
    long irq = CoreEntityTest.IRQ, entry = CoreEntityTest.ENTRY;
    long inv = entry + 64 * CoreEntityTest.NS_PER_PACKET;
    long woken = irq + 10 * inv;
    assertEquals(8680, woken);
    assertEquals(11, h.polls.size());
    assertEquals(new CoreEntityTest.Poll(woken + p.idleExitNanos + p.schedInNanos + entry, 0, 60), h.polls.get(10),
        "ksoftirqd's poll after its idle exit and switch in");
    assertEquals(pct(p.idleExitNanos + p.schedInNanos + p.schedOutNanos, end), r.sys(), 1e-9,
        "sys: ksoftirqd's idle exit, switch in and switch out as it sleeps");
    assertEquals(pct(11 * entry + 700 * CoreEntityTest.NS_PER_PACKET, end), r.soft(), 1e-9, "soft: the 11 invocations");
  }

  @Test
  void ksoftirqdKeepsTheCoreBetweenPassesWhileAWaitingThreadNeitherPreemptsNorOutlastsItsSlice() {
    // a busy app thread (5 us steps) and an RX queue of 2000 packets raised at 1000: the thread is suspended (IRQ to
    // 2080), __do_softirq's 10 invocations run to 9680 and wake ksoftirqd (9680 ns behind the thread: no
    // preemption); the thread resumes and keeps the core to its slice's end, 3,003,680; then it is switched out,
    // ksoftirqd in (its slice starts as it runs after that switch). ksoftirqd's passes: 10 invocations (7600 ns),
    // 10 more, then the last 80 packets (64 + 16: two invocations, 1040 ns); the waiting thread does not preempt and
    // ksoftirqd's slice has not ended, so cond_resched does not switch between passes: the thread runs after
    // ksoftirqd sleeps (switched out) and its own switch in. Yielding after every pass would add four switches
    CoreEntityTest.ScriptedHost h = new CoreEntityTest.ScriptedHost(2000).withAppThread();
    Profile p = h.profile;
    long end = 3_100_000;
    CoreEntityTest.run(h, end, new long[] {1000}, new int[] {0});
    long inv = CoreEntityTest.ENTRY + 64 * CoreEntityTest.NS_PER_PACKET;
    long out = p.schedOutNanos, in = p.schedInNanos;
    long ksIn = 3_003_680 + out + in;
    assertEquals(ksIn + CoreEntityTest.ENTRY, h.polls.get(10).at(), "ksoftirqd's first poll");
    assertEquals(ksIn + 10 * inv + CoreEntityTest.ENTRY, h.polls.get(20).at(), "its second pass at once, no switch");
    long last = 2 * CoreEntityTest.ENTRY + 80 * CoreEntityTest.NS_PER_PACKET;
    long back = ksIn + 20 * inv + last + out + in;
    assertEquals(back, h.appSteps.stream().filter(t -> t > 3_003_680).findFirst().orElseThrow(),
        "the thread's step after ksoftirqd's three passes, its sleep's switch out and the thread's switch in");
  }

  @Test
  void ksoftirqdYieldsToAWaitingThreadAtItsSlicesEnd() {
    // as above with 300,000 packets: ksoftirqd's slice starts as it runs after its switch in, 3,005,320, and its
    // invocations (760 ns each) follow one another, passes included; the first to end 3 ms or more after the slice's
    // start is the 3948th (6,005,800): the tick's TIF_NEED_RESCHED stops __do_softirq's restarts there (the 8th of
    // its pass) and cond_resched switches ksoftirqd out (still runnable) and the thread in. Without the slice's test
    // ksoftirqd would keep the core to the last packet (6.57 ms)
    CoreEntityTest.ScriptedHost h = new CoreEntityTest.ScriptedHost(300_000).withAppThread();
    Profile p = h.profile;
    CoreEntityTest.run(h, 6_100_000, new long[] {1000}, new int[] {0});
    long inv = CoreEntityTest.ENTRY + 64 * CoreEntityTest.NS_PER_PACKET;
    long out = p.schedOutNanos, in = p.schedInNanos;
    long ksIn = 3_003_680 + out + in;
    long yield = ksIn + 3948 * inv;
    assertEquals(6_005_800, yield);
    assertTrue(yield - ksIn >= p.schedSliceNanos && yield - inv - ksIn < p.schedSliceNanos);
    assertEquals(yield + out + in, h.appSteps.stream().filter(t -> t > 3_003_680).findFirst().orElseThrow(),
        "the thread's step after ksoftirqd's slice and the two switches");
  }

  @Test
  void aPreemptingWakeUpStopsKsoftirqdsRestartsAndMakesItYield() {
    // an idle core, an RX queue of 10^6 packets raised at 0: the IRQ (1080), __do_softirq's 10 invocations (760 ns
    // each) to 8680, ksoftirqd woken, leaves the idle loop and is switched in (10,120); alone, it runs pass after pass
    // with no switch. The thread, asleep since the start (vruntime 0), is woken at 5 ms: ksoftirqd's vruntime (its 4.99
    // ms of softirq work) is above the thread's placement (max(0, min_vruntime - 12 ms) = 0) by more than the 4 ms
    // granularity: TIF_NEED_RESCHED. The invocation running then (the 6566th, the 6th of its pass) ends at
    // 5,000,280; __do_softirq reads need_resched() and does not restart, cond_resched switches ksoftirqd out and the
    // thread in. Without the restart loop's test the pass would run its 10 invocations, to 5,003,320
    Script s = new Script(false, false, 1_000_000);
    long end = 5_020_000;
    s.run(end, new long[] {0, 5_000_000}, new CoreEntity.Msg[] {new CoreEntity.Irq(0), new CoreEntity.Wake(0)});
    long inv = CoreEntityTest.ENTRY + 64 * CoreEntityTest.NS_PER_PACKET;
    long ksIn = CoreEntityTest.IRQ + 10 * inv + s.p.idleExitNanos + s.p.schedInNanos;
    assertEquals(10_120, ksIn);
    long stop = ksIn + 6566 * inv;
    assertEquals(5_000_280, stop);
    assertEquals(stop + s.p.schedOutNanos + s.p.schedInNanos, s.stepOf(0, 0), "the thread right after that invocation");
  }

  @Test
  void aThreadWokenOnTheIdleCoreStopsTheIrqExitsRestarts() {
    // an idle core, an RX queue of 700 packets raised at 0: the IRQ (1080), __do_softirq's invocations of 64 packets
    // (760 ns each) in the idle task. The thread is woken at 3000, in the third (2600 to 3360): the idle task's
    // TIF_NEED_RESCHED (any wake-up preempts it), so __do_softirq does not restart after it and wakes ksoftirqd; the
    // thread, queued first, leaves the idle loop and is switched in at once. Without the test the 10 invocations
    // would run to 8680 first
    Script s = new Script(false, false, 700);
    s.run(30_000, new long[] {0, 3000}, new CoreEntity.Msg[] {new CoreEntity.Irq(0), new CoreEntity.Wake(0)});
    long inv = CoreEntityTest.ENTRY + 64 * CoreEntityTest.NS_PER_PACKET;
    long stop = CoreEntityTest.IRQ + 3 * inv;
    assertEquals(3360, stop);
    assertEquals(3, s.scripted.polls.stream().filter(q -> q.at() < stop).count(), "three invocations before the stop");
    assertEquals(stop + s.p.idleExitNanos + s.p.schedInNanos, s.stepOf(0, 0), "the thread right after them");
  }
}
