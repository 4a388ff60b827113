package org.cnemu.nodes.kernel;

import java.util.ArrayDeque;

/**
 * The threads of one core: the run queue of app threads (a {@link Sock} each) and ksoftirqd,
 * round-robin with a CFS-like slice ({@code sched-slice}), an app thread suspended by a hard IRQ
 * and resumed after it, and ksoftirqd woken when __do_softirq gives up. The core runs each step.
 */
final class CoreThreads {
  private static final Object KS = new Object(); // ksoftirqd on the run queue
  private final CoreEntity core;
  private final CoreHost host;
  private final long sliceNanos;
  private final ArrayDeque<Object> runq = new ArrayDeque<>(2); // Sock or KS
  private Object current;
  private long sliceStart;
  private Sock suspended;
  private long suspendedRemaining;
  private long suspendedUsr, suspendedSys;
  /** The softirq being run is ksoftirqd's (false: on IRQ exit or local_bh_enable). */
  boolean softInThread;
  boolean ksoftirqdAwake;

  CoreThreads(CoreEntity core, CoreHost host) {
    this.core = core;
    this.host = host;
    this.sliceNanos = host.profile().schedSliceNanos;
  }

  /** An app thread's step runs (its time splits into usr and sys). */
  boolean appRunning() {
    return current instanceof Sock;
  }

  boolean inKsoftirqd() {
    return current == KS;
  }

  /** At the start: thread {@code k} is runnable. */
  void add(Sock k) {
    k.sleeping = false;
    runq.add(k);
  }

  boolean hasRunnable() {
    return !runq.isEmpty();
  }

  /** Makes thread {@code k} runnable if it sleeps; runs it at once on an idle core. */
  void wake(Sock k) {
    k.wakePending = false;
    if (!k.sleeping) return;
    k.sleeping = false;
    runq.add(k);
    if (core.idle()) dispatch();
  }

  /** A hard IRQ preempts the running app thread, which has {@code remaining} ns of its step left. */
  void suspend(long remaining, long stepUsr, long stepSys) {
    suspended = (Sock) current;
    suspendedRemaining = remaining;
    long total = stepUsr + stepSys;
    suspendedUsr = total == 0 ? 0 : stepUsr * remaining / total;
    suspendedSys = remaining - suspendedUsr;
    current = null;
  }

  /** The running app thread's step ended: pending softirqs run first (local_bh_enable), then its next step. */
  void appStepDone() {
    Sock k = (Sock) current;
    Sock w = k.owns;
    if (w != null) { // the step's sendmsg ends: release_sock, charged to the thread as sys time
      k.owns = null;
      long cost = host.releaseSock(core, w);
      if (cost > 0) {
        core.runAppStep(0, cost);
        return;
      }
    }
    core.setIdle();
    if (core.softPending() && !ksoftirqdAwake) {
      suspended = k;
      suspendedRemaining = 0;
      current = null;
      core.startSoftirq(false);
      return;
    }
    continueThread(k);
  }

  /**
   * __do_softirq returned: {@code exhausted} when work is still pending after its restarts or its
   * time, which wakes ksoftirqd (Linux: wakeup_softirqd).
   */
  void softirqEnded(boolean exhausted) {
    if (exhausted) {
      if (!ksoftirqdAwake) {
        ksoftirqdAwake = true;
        runq.add(KS);
      }
      if (softInThread) {
        // ksoftirqd: cond_resched, then go on if nobody else wants the core
        current = null;
        if (!runq.contains(KS)) runq.add(KS);
      }
    } else if (softInThread) {
      ksoftirqdAwake = false;
      runq.remove(KS);
      current = null;
    }
    resumeOrDispatch();
  }

  /** The core is free: resume a suspended thread, or pick the next one. */
  void resumeOrDispatch() {
    core.setIdle();
    if (suspended != null) {
      Sock k = suspended;
      suspended = null;
      if (suspendedRemaining > 0) {
        current = k;
        core.runAppStep(suspendedUsr, suspendedSys);
        return;
      }
      continueThread(k);
      return;
    }
    dispatch();
  }

  /** After a step of app thread {@code k} finished: run its next step, or rotate. */
  private void continueThread(Sock k) {
    core.setIdle();
    current = null;
    long now = core.nowNs();
    if (!runq.isEmpty() && now - sliceStart >= sliceNanos) {
      runq.add(k);
      dispatch();
      return;
    }
    sliceStart = runq.isEmpty() ? now : sliceStart;
    if (!runThread(k)) dispatch();
  }

  void dispatch() {
    core.setIdle();
    while (true) {
      Object t = runq.poll();
      if (t == null) {
        current = null;
        if (core.softPending() && !ksoftirqdAwake) core.startSoftirq(false);
        return;
      }
      sliceStart = core.nowNs();
      if (t == KS) {
        if (!core.softPending()) {
          ksoftirqdAwake = false;
          continue;
        }
        current = KS;
        core.runKsoftirqd();
        return;
      }
      if (runThread((Sock) t)) return;
    }
  }

  /** Runs one step of {@code k}; false if it went to sleep. */
  private boolean runThread(Sock k) {
    long[] st = host.appStep(core, k);
    if (st == null) {
      if (k.owns != null) { // a step that wrote and then slept: its release_sock, at once
        host.releaseSock(core, k.owns);
        k.owns = null;
      }
      k.sleeping = true;
      current = null;
      return false;
    }
    current = k;
    core.runAppStep(st[0], st[1]);
    return true;
  }
}
