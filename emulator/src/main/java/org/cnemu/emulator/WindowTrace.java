package org.cnemu.emulator;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * -Dcnemu.trace=true (benchmarks only): per window of each partition, the wall clock start and end of
 * its work, the thread that ran it and that thread's CPU time, in arrays allocated once per partition
 * (no allocation per window). When a one-JVM run ends, the coordinator prints whether the partitions'
 * windows ran at the same time and what else in the JVM took CPU meanwhile (the JIT compilers and the
 * collector compete with the partitions for the cores). Engine statistics only: nothing here reaches
 * results.json.
 */
final class WindowTrace {
  static final boolean ENABLED = Boolean.getBoolean("cnemu.trace");
  /** Windows recorded per partition; later windows count in the totals only. */
  static final int MAX_WINDOWS = 1 << 16;
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  /** The traces of a run's partitions in this JVM, by the run's coordinator. */
  private static final Map<Object, WindowTrace[]> RUNS = new ConcurrentHashMap<>();

  private final long[] startWall = new long[MAX_WINDOWS];
  private final long[] endWall = new long[MAX_WINDOWS];
  private final long[] cpuNanos = new long[MAX_WINDOWS];
  private final long[] thread = new long[MAX_WINDOWS];
  private final long[] events = new long[MAX_WINDOWS];
  private int windows;
  private long openWall = -1;
  private long openCpu;
  private long openEvents;
  private long totalCpuNanos;

  /** The trace of partition {@code index} of the run {@code run} (its coordinator), or null when off. */
  static WindowTrace of(Object run, int index, int partitions) {
    if (!ENABLED || run == null) return null;
    return register(run, index, partitions);
  }

  static WindowTrace register(Object run, int index, int partitions) {
    WindowTrace t = new WindowTrace();
    // A run whose coordinator is in another JVM is never summarized here: bound what such runs leave.
    if (RUNS.size() >= 16 && !RUNS.containsKey(run)) RUNS.clear();
    RUNS.computeIfAbsent(run, r -> new WindowTrace[partitions])[index] = t;
    return t;
  }

  /** @param eventsSoFar the partition's events processed before the window */
  void begin(long eventsSoFar) {
    openWall = System.nanoTime();
    openCpu = MX.getCurrentThreadCpuTime();
    openEvents = eventsSoFar;
  }

  /** @param eventsSoFar the partition's events processed by the end of the window */
  void end(long eventsSoFar) {
    if (openWall < 0) return; // window 0 (onStart) is not a window of the barrier
    record(openWall, System.nanoTime(), MX.getCurrentThreadCpuTime() - openCpu, Thread.currentThread().getId(),
        eventsSoFar - openEvents);
    openWall = -1;
  }

  /** One window's work: wall start and end, CPU time, and the thread that ran it. */
  void record(long startWallNanos, long endWallNanos, long cpu, long threadId) {
    record(startWallNanos, endWallNanos, cpu, threadId, 0);
  }

  /** One window's work, with the events it ran. */
  void record(long startWallNanos, long endWallNanos, long cpu, long threadId, long windowEvents) {
    totalCpuNanos += cpu;
    if (windows < MAX_WINDOWS) {
      startWall[windows] = startWallNanos;
      endWall[windows] = endWallNanos;
      cpuNanos[windows] = cpu;
      thread[windows] = threadId;
      events[windows] = windowEvents;
    }
    windows++;
  }

  /** Upper bounds (us) of the buckets of {@link #balance}'s histograms; the last is open. */
  private static final long[] BUCKETS_US = {20, 50, 100, 200, 500, 1000, Long.MAX_VALUE};

  /**
   * Why partitions wait for each other, per window (null if a partition of the run traced elsewhere;
   * the traces stay for {@link #summary}): a histogram of the spread of the partitions' CPU in a
   * window (slowest minus fastest), the median events per window of each partition and the median
   * spread of events, the time each partition's thread spent off its CPU inside its windows (wall minus
   * CPU: preempted by the collector, the compilers or other processes), and, for the waits longer than
   * {@code longWaitNanos} (a partition's gap between two windows), what made the last peer late
   * (its end of the window minus this partition's, split into: it started later, it needed more CPU,
   * it was off its CPU longer) and the hand-off (from the last peer's end to this partition's start).
   */
  static String balance(Object run, long longWaitNanos) {
    WindowTrace[] ts = RUNS.get(run);
    if (ts == null) return null;
    int n = Integer.MAX_VALUE;
    for (WindowTrace t : ts) {
      if (t == null) return null;
      n = Math.min(n, Math.min(t.windows, MAX_WINDOWS));
    }
    int parts = ts.length;
    long[] spreadHist = new long[BUCKETS_US.length];
    long[] spread = new long[n];
    long[] evSpread = new long[n];
    long[][] ev = new long[parts][n];
    long[] offCpu = new long[parts];
    int[] offWindows = new int[parts];
    long longWaits = 0;
    long allWaits = 0;
    long lateStart = 0;
    long lateCpu = 0;
    long lateOff = 0;
    long handoff = 0;
    long longWaitSum = 0;
    for (int w = 0; w < n; w++) {
      long minCpu = Long.MAX_VALUE;
      long maxCpu = 0;
      long minEv = Long.MAX_VALUE;
      long maxEv = 0;
      for (int p = 0; p < parts; p++) {
        WindowTrace t = ts[p];
        minCpu = Math.min(minCpu, t.cpuNanos[w]);
        maxCpu = Math.max(maxCpu, t.cpuNanos[w]);
        minEv = Math.min(minEv, t.events[w]);
        maxEv = Math.max(maxEv, t.events[w]);
        ev[p][w] = t.events[w];
        long off = Math.max(0, t.endWall[w] - t.startWall[w] - t.cpuNanos[w]);
        offCpu[p] += off;
        if (off > 50_000) offWindows[p]++;
      }
      spread[w] = maxCpu - minCpu;
      evSpread[w] = maxEv - minEv;
      int b = 0;
      while (spread[w] / 1_000 >= BUCKETS_US[b]) b++;
      spreadHist[b]++;
      if (w + 1 >= n) continue;
      for (int p = 0; p < parts; p++) {
        WindowTrace t = ts[p];
        long gap = t.startWall[w + 1] - t.endWall[w];
        allWaits++;
        if (gap <= longWaitNanos) continue;
        longWaits++;
        longWaitSum += gap;
        int last = p; // the peer that ended window w last
        for (int q = 0; q < parts; q++) if (ts[q].endWall[w] > ts[last].endWall[w]) last = q;
        WindowTrace l = ts[last];
        if (last != p) {
          lateStart += l.startWall[w] - t.startWall[w];
          lateCpu += l.cpuNanos[w] - t.cpuNanos[w];
          lateOff += (l.endWall[w] - l.startWall[w] - l.cpuNanos[w]) - (t.endWall[w] - t.startWall[w] - t.cpuNanos[w]);
        }
        handoff += t.startWall[w + 1] - l.endWall[w];
      }
    }
    StringBuilder b = new StringBuilder("TRACE balance: spread of the partitions' CPU per window (us):");
    long lo = 0;
    for (int i = 0; i < BUCKETS_US.length; i++) {
      b.append(String.format(Locale.ROOT, " %s %d", BUCKETS_US[i] == Long.MAX_VALUE ? ">=" + lo
          : lo + "-" + BUCKETS_US[i], spreadHist[i]));
      lo = BUCKETS_US[i];
    }
    b.append(String.format(Locale.ROOT, " (median %.1f us); events per window median", median(spread) / 1e3));
    for (int p = 0; p < parts; p++) b.append(p == 0 ? " " : "/").append(median(ev[p]));
    b.append(", spread median ").append(median(evSpread)).append("; off CPU inside windows");
    for (int p = 0; p < parts; p++) {
      b.append(String.format(Locale.ROOT, "%s%.3f s (%d windows > 50 us)", p == 0 ? " " : " / ", offCpu[p] / 1e9,
          offWindows[p]));
    }
    b.append(String.format(Locale.ROOT, "; waits > %d us: %d of %d, %.3f s, the last peer later by: starting %.3f s,"
        + " CPU %.3f s, off CPU %.3f s; hand-off after its end %.3f s", longWaitNanos / 1_000, longWaits, allWaits,
        longWaitSum / 1e9, lateStart / 1e9, lateCpu / 1e9, lateOff / 1e9, handoff / 1e9));
    return b.toString();
  }

  private static long median(long[] a) {
    if (a.length == 0) return 0;
    long[] c = a.clone();
    java.util.Arrays.sort(c);
    return c[c.length / 2];
  }

  /**
   * The run's summary line, or null if no partition of it traced here: per partition its windows' CPU;
   * the critical path (per window the slowest partition's CPU, summed), so {@code sum / critical} is the
   * speed-up the windows allow on free cores; the average number of partitions running at once over the
   * windows' wall span (1.0: one after another); windows whose partitions all ran on one thread.
   */
  static String summary(Object run) {
    WindowTrace[] ts = RUNS.remove(run);
    if (ts == null) return null;
    int n = Integer.MAX_VALUE;
    for (WindowTrace t : ts) {
      if (t == null) return null; // a partition in another JVM: no joint view here
      n = Math.min(n, Math.min(t.windows, MAX_WINDOWS));
    }
    long sumCpu = 0;
    long critical = 0;
    long busyWall = 0;
    long spanWall = 0;
    int sameThread = 0;
    StringBuilder per = new StringBuilder();
    for (int p = 0; p < ts.length; p++) {
      per.append(String.format(Locale.ROOT, "%s%.3f", p == 0 ? "" : "/", ts[p].totalCpuNanos / 1e9));
    }
    for (int w = 0; w < n; w++) {
      long max = 0;
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      boolean same = true;
      for (WindowTrace t : ts) {
        sumCpu += t.cpuNanos[w];
        max = Math.max(max, t.cpuNanos[w]);
        busyWall += t.endWall[w] - t.startWall[w];
        first = Math.min(first, t.startWall[w]);
        last = Math.max(last, t.endWall[w]);
        same &= t.thread[w] == ts[0].thread[w];
      }
      critical += max;
      spanWall += last - first;
      if (same) sameThread++;
    }
    // Between windows: from a partition's end of window w to its start of w+1 (its median), and the
    // time no partition works, from the last end of window w to the first start of w+1.
    long idleWall = 0;
    long[] gaps = new long[Math.max(0, n - 1) * ts.length];
    int g = 0;
    for (int w = 0; w + 1 < n; w++) {
      long lastEnd = Long.MIN_VALUE;
      long firstStart = Long.MAX_VALUE;
      for (WindowTrace t : ts) {
        gaps[g++] = t.startWall[w + 1] - t.endWall[w];
        lastEnd = Math.max(lastEnd, t.endWall[w]);
        firstStart = Math.min(firstStart, t.startWall[w + 1]);
      }
      idleWall += Math.max(0, firstStart - lastEnd);
    }
    java.util.Arrays.sort(gaps);
    long allWall = n == 0 ? 0 : maxEnd(ts, n - 1) - minStart(ts, 0);
    return String.format(Locale.ROOT,
        "TRACE windows %d: partition CPU %s s, critical path %.3f s (the windows allow %.2fx on free cores),"
            + " %.2f partitions running at once, %d windows on one thread; first start to last end %.3f s,"
            + " of which no partition working %.3f s; a partition's gap between its windows median %.1f us,"
            + " 90th percentile %.1f us",
        n, per, critical / 1e9, critical == 0 ? 0.0 : (double) sumCpu / critical,
        spanWall == 0 ? 0.0 : (double) busyWall / spanWall, sameThread, allWall / 1e9, idleWall / 1e9,
        g == 0 ? 0.0 : gaps[g / 2] / 1e3, g == 0 ? 0.0 : gaps[(int) (g * 0.9)] / 1e3);
  }

  private static long maxEnd(WindowTrace[] ts, int w) {
    long m = Long.MIN_VALUE;
    for (WindowTrace t : ts) m = Math.max(m, t.endWall[w]);
    return m;
  }

  private static long minStart(WindowTrace[] ts, int w) {
    long m = Long.MAX_VALUE;
    for (WindowTrace t : ts) m = Math.min(m, t.startWall[w]);
    return m;
  }
}
