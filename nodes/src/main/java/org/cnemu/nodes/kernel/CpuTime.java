package org.cnemu.nodes.kernel;

import org.cnemu.emulator.Entity;

/**
 * mpstat-like time accounting of one core: the running segment (its category, or for an app
 * thread's step the usr/sys split of the step), time per category after the warm-up, cumulative
 * busy time (Falcon's load), and the core's live telemetry gauges.
 *
 * <p>A base class of {@link CoreEntity} rather than an object of its own: most of a core's messages
 * close or start a segment, and with thousands of hosts every object a message touches is a cache miss
 * (the core was last run thousands of events earlier); as fields of the core they share its lines.
 */
abstract class CpuTime extends Entity<CoreEntity.Msg> {
  private final long warm;
  /** Time per category after the warm-up ({@link CoreEntity#USR}, SYS, IRQ, SOFT). */
  private long acctUsr, acctSys, acctIrq, acctSoft;
  long busyTotal;
  /** Start of the running segment, and its category (not used for app steps, which split usr/sys). */
  long segStart;
  private int segCat;
  /** The usr/sys split of the running app step. */
  long stepUsr, stepSys;
  // live telemetry (null unless a backend is installed): cumulative ns per category, warm-up included
  private KernelTelemetry tel;
  private KernelTelemetry.CoreGauges gauges;
  private long[] telAcct;

  CpuTime(long warmupNanos) {
    this.warm = warmupNanos;
  }

  /** Attaches the host's live telemetry (null: none). */
  final void attachTelemetry(KernelTelemetry t, int cpu, long now) {
    tel = t;
    if (t != null) {
      gauges = t.core(cpu, now);
      telAcct = new long[4];
    }
  }

  final void startSegment(int cat, long now) {
    segCat = cat;
    segStart = now;
  }

  final void account(int cat, long from, long to, long end) {
    long a = Math.max(from, warm);
    long b = Math.min(to, end);
    if (b > a) {
      switch (cat) {
        case CoreEntity.USR -> acctUsr += b - a;
        case CoreEntity.SYS -> acctSys += b - a;
        case CoreEntity.IRQ -> acctIrq += b - a;
        default -> acctSoft += b - a;
      }
    }
    if (to > from) busyTotal += to - from;
    if (telAcct != null && to > from) telAcct[cat] += to - from;
  }

  /** Accounts the running segment up to {@code t}; {@code appStep}: it is an app thread's step (usr/sys split). */
  final void closeSegment(long t, long end, boolean idle, boolean appStep) {
    if (idle || t <= segStart) {
      segStart = Math.max(segStart, t);
      return;
    }
    if (appStep) {
      long total = stepUsr + stepSys;
      long ran = t - segStart;
      long u = total == 0 ? 0 : ran * stepUsr / total;
      account(CoreEntity.USR, segStart, segStart + u, end);
      account(CoreEntity.SYS, segStart + u, t, end);
    } else {
      account(segCat, segStart, t, end);
    }
    segStart = t;
  }

  final boolean telemetryDue(long now) {
    return gauges != null && now >= gauges.next;
  }

  /** Publishes the busy shares since the last time (the running step counted up to {@code t}) and the host's counters. */
  final void publish(long t, boolean running, boolean appStep) {
    long[] a = gauges.scratch();
    System.arraycopy(telAcct, 0, a, 0, 4);
    if (running && t > segStart) {
      long ran = t - segStart;
      if (appStep) {
        long total = stepUsr + stepSys;
        long u = total == 0 ? 0 : ran * stepUsr / total;
        a[CoreEntity.USR] += u;
        a[CoreEntity.SYS] += ran - u;
      } else {
        a[segCat] += ran;
      }
    }
    gauges.publish(t, a);
    tel.maybePublishHost(t);
  }

  final void publishFinal(long end, boolean running, boolean appStep) {
    if (gauges == null) return;
    publish(end, running, appStep);
    tel.publishHost();
  }

  final CoreEntity.CoreReport cpuReport(String host, int cpu, long end) {
    long span = Math.max(1, end - warm);
    long[] acct = {acctUsr, acctSys, acctIrq, acctSoft};
    double[] pct = new double[5];
    long busy = 0;
    for (int i = 0; i < 4; i++) {
      pct[i] = 100.0 * acct[i] / span;
      busy += acct[i];
    }
    pct[4] = Math.max(0, 100.0 * (span - busy) / span);
    return new CoreEntity.CoreReport(host, cpu, pct[0], pct[1], pct[2], pct[3], pct[4]);
  }
}
