package org.cnemu.experiments.run;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * -Dcnemu.trace.phases=true (benchmarks only): where one command's wall and CPU seconds go, phase by phase
 * ({@link #mark}, from whichever thread runs the phase), printed as one line by {@link #end}. The daemon
 * brackets each served command with it, so its log says what in a served run is not simulation. A flag of
 * its own, not -Dcnemu.trace: that one turns on the engine's and the runner's traces (windows, the JVM's
 * CPU by thread kind from /proc, cluster timings), whose own cost would land in the phases measured.
 */
public final class PhaseTrace {
  public static final boolean ENABLED = Boolean.getBoolean("cnemu.trace.phases");
  private static final List<long[]> MARKS = new ArrayList<>();
  private static final List<String> NAMES = new ArrayList<>();
  /** The CPU time of each thread at its last mark: a phase's CPU is its thread's since then. */
  private static final java.util.Map<Thread, Long> THREAD_CPU = new java.util.HashMap<>();

  private PhaseTrace() {}

  /** Starts a command's trace (drops the marks of a command that did not end it). */
  public static void begin() {
    if (ENABLED) restart();
  }

  private static synchronized void restart() {
    MARKS.clear();
    NAMES.clear();
    THREAD_CPU.clear();
    mark("start");
  }

  /** The end of phase {@code name}: wall, process CPU and this thread's CPU now. */
  public static void mark(String name) {
    if (ENABLED) record(name);
  }

  private static synchronized void record(String name) {
    if (NAMES.isEmpty() && !name.equals("start")) return;
    ThreadMXBean t = ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu = t.getCurrentThreadCpuTime();
    Long before = THREAD_CPU.put(Thread.currentThread(), cpu);
    MARKS.add(new long[] {System.nanoTime(), os.getProcessCpuTime(), cpu - (before == null ? 0 : before)});
    NAMES.add(name + "@" + Thread.currentThread().getName());
  }

  /**
   * The trace since {@link #begin}: per phase, wall ms / CPU ms of its thread (since that thread's mark
   * before, or since it started); at the end, the whole command's wall and the process CPU (10 ms ticks),
   * which includes the JIT compiler's and GC threads; empty when off.
   */
  public static String end() {
    return ENABLED ? line() : "";
  }

  private static synchronized String line() {
    if (NAMES.isEmpty()) return "";
    StringBuilder b = new StringBuilder("TRACE phases (wall ms/thread CPU ms):");
    for (int i = 1; i < MARKS.size(); i++) {
      b.append(String.format(Locale.ROOT, " %s %.1f/%.1f", NAMES.get(i), (MARKS.get(i)[0] - MARKS.get(i - 1)[0]) / 1e6,
          MARKS.get(i)[2] / 1e6));
    }
    long[] first = MARKS.get(0);
    long[] last = MARKS.get(MARKS.size() - 1);
    long threads = 0;
    for (int i = 1; i < MARKS.size(); i++) threads += MARKS.get(i)[2];
    b.append(String.format(Locale.ROOT, "; all %.1f/%.1f, process CPU %.0f", (last[0] - first[0]) / 1e6, threads / 1e6,
        (last[1] - first[1]) / 1e6));
    MARKS.clear();
    NAMES.clear();
    THREAD_CPU.clear();
    return b.toString();
  }
}
