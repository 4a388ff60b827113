package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The -Dcnemu.trace window summary: what it says about overlap must follow from the recorded windows. */
class WindowTraceTest {

  @Test
  void windowsOneAfterAnotherOnOneThreadShowNoOverlap() {
    Object run = new Object();
    WindowTrace a = WindowTrace.register(run, 0, 2);
    WindowTrace b = WindowTrace.register(run, 1, 2);
    // per window: a then b on thread 7, 1 ms of CPU each, back to back
    for (int w = 0; w < 10; w++) {
      long t = w * 2_000_000L;
      a.record(t, t + 1_000_000, 1_000_000, 7);
      b.record(t + 1_000_000, t + 2_000_000, 1_000_000, 7);
    }
    String s = WindowTrace.summary(run);
    assertTrue(s.contains("windows 10: partition CPU 0.010/0.010 s, critical path 0.010 s"), s);
    assertTrue(s.contains("allow 2.00x"), s);
    assertTrue(s.contains("1.00 partitions running at once, 10 windows on one thread"), s);
    assertNull(WindowTrace.summary(run), "a run's traces are dropped once summarized");
  }

  @Test
  void overlappingUnequalWindowsGiveTheCriticalPath() {
    Object run = new Object();
    WindowTrace a = WindowTrace.register(run, 0, 2);
    WindowTrace b = WindowTrace.register(run, 1, 2);
    // a: 3 ms, b: 1 ms, both from the window's start on threads 1 and 2
    for (int w = 0; w < 4; w++) {
      long t = w * 3_000_000L;
      a.record(t, t + 3_000_000, 3_000_000, 1);
      b.record(t, t + 1_000_000, 1_000_000, 2);
    }
    String s = WindowTrace.summary(run);
    assertEquals("TRACE windows 4: partition CPU 0.012/0.004 s, critical path 0.012 s (the windows allow 1.33x on"
        + " free cores), 1.33 partitions running at once, 0 windows on one thread; first start to last end 0.012 s,"
        + " of which no partition working 0.000 s; a partition's gap between its windows median 2000.0 us,"
        + " 90th percentile 2000.0 us", s);
  }

  @Test
  void timeBetweenWindowsWhenNoPartitionWorksIsCounted() {
    Object run = new Object();
    WindowTrace a = WindowTrace.register(run, 0, 2);
    WindowTrace b = WindowTrace.register(run, 1, 2);
    // a window every 5 ms: a works [0, 1) ms of it, b [0.5, 2) ms; 4 ms (a) and 3.5 ms (b) between a
    // partition's windows, 3 ms of each of the 3 gaps with no partition working
    for (int w = 0; w < 4; w++) {
      long t = w * 5_000_000L;
      a.record(t, t + 1_000_000, 1_000_000, 1);
      b.record(t + 500_000, t + 2_000_000, 1_500_000, 2);
    }
    String s = WindowTrace.summary(run);
    assertTrue(s.endsWith("; first start to last end 0.017 s, of which no partition working 0.009 s; a partition's"
        + " gap between its windows median 4000.0 us, 90th percentile 4000.0 us"), s);
  }

  @Test
  void aPartitionTracedElsewhereGivesNoJointSummary() {
    Object run = new Object();
    WindowTrace.register(run, 0, 2).record(0, 1, 1, 1);
    assertNull(WindowTrace.summary(run));
  }

  @Test
  void theBalanceLineSplitsALongWaitIntoThePeersLateStartItsCpuAndItsTimeOffCpu() {
    Object run = new Object();
    WindowTrace a = WindowTrace.register(run, 0, 2);
    WindowTrace b = WindowTrace.register(run, 1, 2);
    // a window every 4 ms: a works [0, 1) ms (1 ms CPU, 10 events); b starts 0.5 ms later and works
    // until 3 ms with 1.2 ms of CPU (20 events), i.e. 1.3 ms off its CPU; a waits from 1 ms to the next
    // window (3 ms: 2 ms late because b started 0.5 ms later, needed 0.2 ms more CPU, was off CPU 1.3 ms;
    // 1 ms of hand-off after b's end); b waits 1 ms
    for (int w = 0; w < 3; w++) {
      long t = w * 4_000_000L;
      a.record(t, t + 1_000_000, 1_000_000, 1, 10);
      b.record(t + 500_000, t + 3_000_000, 1_200_000, 2, 20);
    }
    String s = WindowTrace.balance(run, 500_000);
    assertEquals("TRACE balance: spread of the partitions' CPU per window (us): 0-20 0 20-50 0 50-100 0 100-200 0"
        + " 200-500 3 500-1000 0 >=1000 0 (median 200.0 us); events per window median 10/20, spread median 10;"
        + " off CPU inside windows 0.000 s (0 windows > 50 us) / 0.004 s (3 windows > 50 us); waits > 500 us: 4 of 4,"
        + " 0.009 s, the last peer later by: starting 0.001 s, CPU 0.000 s, off CPU 0.003 s; hand-off after its end"
        + " 0.005 s", s);
    assertTrue(WindowTrace.summary(run).startsWith("TRACE windows 3:"), "the traces stay for the summary");
  }
}
