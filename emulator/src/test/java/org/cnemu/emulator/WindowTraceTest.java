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
}
