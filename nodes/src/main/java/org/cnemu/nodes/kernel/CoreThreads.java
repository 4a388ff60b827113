package org.cnemu.nodes.kernel;

/**
 * The threads of one core: the run queue of app threads (a {@link Sock} each) and ksoftirqd,
 * round-robin with a CFS-like slice ({@code sched-slice}), an app thread suspended by a hard IRQ
 * and resumed after it, and ksoftirqd woken when __do_softirq gives up. The core runs each step.
 *
 * <p>A base class of {@link CoreEntity} (like {@link CpuTime}) so that the scheduler's state is fields
 * of the core, and the run queue a ring array of it rather than a deque object and its array: with
 * thousands of hosts each object a step touches is a cache miss.
 */
abstract class CoreThreads extends CpuTime {
  private static final Object KS = new Object(); // ksoftirqd on the run queue
  final CoreHost host;
  private final long sliceNanos;
  /** The run queue, FIFO: a ring of Sock or KS, capacity a power of two (grown when full). */
  private Object[] runq = new Object[4];
  private int runqHead, runqSize;
  private Object current;
  private long sliceStart;
  private Sock suspended;
  private long suspendedRemaining;
  private long suspendedUsr, suspendedSys;
  /** The softirq being run is ksoftirqd's (false: on IRQ exit or local_bh_enable). */
  boolean softInThread;
  boolean ksoftirqdAwake;
  /** kernel.softirq-waits-for-ksoftirqd: Linux 4.9+ leaves pending softirqs to a runnable ksoftirqd; 4.4 does not. */
  private final boolean waitsForKsoftirqd;

  CoreThreads(CoreHost host) {
    super(host.warmupNanos());
    this.host = host;
    this.sliceNanos = host.profile().schedSliceNanos;
    this.waitsForKsoftirqd = host.profile().softirqWaitsForKsoftirqd;
  }

  /**
   * Whether irq_exit / local_bh_enable runs the pending softirqs now (__do_softirq): always on Linux 4.4,
   * only while ksoftirqd is not runnable from 4.9 on (ksoftirqd_running() in invoke_softirq / do_softirq).
   */
  final boolean softirqOnExit() {
    return softPending() && !(ksoftirqdAwake && waitsForKsoftirqd);
  }

  // what the core does for its threads (CoreEntity)
  abstract boolean idle();

  abstract void setIdle();

  abstract boolean softPending();

  abstract void startSoftirq(boolean inThread);

  abstract void runKsoftirqd();

  abstract void runAppStep(long usr, long sys);

  private CoreEntity core() {
    return (CoreEntity) this;
  }

  // ---------------------------------------------------------------- run queue

  private void enqueue(Object t) {
    if (runqSize == runq.length) {
      Object[] n = new Object[runq.length * 2];
      for (int i = 0; i < runqSize; i++) n[i] = runq[(runqHead + i) & (runq.length - 1)];
      runq = n;
      runqHead = 0;
    }
    runq[(runqHead + runqSize++) & (runq.length - 1)] = t;
  }

  /** The head of the run queue, removed (null: empty). */
  private Object poll() {
    if (runqSize == 0) return null;
    Object t = runq[runqHead];
    runq[runqHead] = null;
    runqHead = (runqHead + 1) & (runq.length - 1);
    runqSize--;
    return t;
  }

  /** Position of ksoftirqd in the run queue (-1: not queued). */
  private int indexOfKs() {
    for (int i = 0; i < runqSize; i++) if (runq[(runqHead + i) & (runq.length - 1)] == KS) return i;
    return -1;
  }

  /** Removes ksoftirqd from the run queue (the others keep their order). */
  private void removeKs() {
    int i = indexOfKs();
    if (i < 0) return;
    int mask = runq.length - 1;
    for (; i < runqSize - 1; i++) runq[(runqHead + i) & mask] = runq[(runqHead + i + 1) & mask];
    runq[(runqHead + runqSize - 1) & mask] = null;
    runqSize--;
  }

  // ---------------------------------------------------------------- threads

  /** An app thread's step runs (its time splits into usr and sys). */
  final boolean appRunning() {
    return current != null && current != KS; // a Sock: compares references, without loading the socket's header
  }

  final boolean inKsoftirqd() {
    return current == KS;
  }

  /** At the start: thread {@code k} is runnable. */
  final void addThread(Sock k) {
    k.sleeping = false;
    enqueue(k);
  }

  final boolean hasRunnable() {
    return runqSize > 0;
  }

  /** Makes thread {@code k} runnable if it sleeps; runs it at once on an idle core. */
  final void wake(Sock k) {
    k.wakePending = false;
    if (!k.sleeping) return;
    k.sleeping = false;
    enqueue(k);
    if (idle()) dispatch();
  }

  /** A hard IRQ preempts the running app thread, which has {@code remaining} ns of its step left. */
  final void suspend(long remaining) {
    suspended = (Sock) current;
    suspendedRemaining = remaining;
    long total = stepUsr + stepSys;
    suspendedUsr = total == 0 ? 0 : stepUsr * remaining / total;
    suspendedSys = remaining - suspendedUsr;
    current = null;
  }

  /**
   * The running app thread's step ended: pending softirqs run first (local_bh_enable), then its next step. A
   * sendmsg's step runs them before its release_sock: Linux runs the softirqs its transmits raised (a veth's netif_rx
   * to this CPU's backlog) at dev_queue_xmit's local_bh_enable, inside tcp_sendmsg, while the socket is still owned;
   * so an ACK that another core takes meanwhile waits in the socket backlog, and what it releases cannot overtake
   * the write's own skbs from that other core's backlog.
   */
  final void appStepDone() {
    Sock k = (Sock) current;
    Sock w = k.owns;
    if (w != null && w.rx == null && softirqOnExit()) {
      suspended = k;
      suspendedRemaining = 0;
      current = null;
      setIdle();
      startSoftirq(false); // resumeOrDispatch then runs the release_sock
      return;
    }
    if (w != null) { // the step's sendmsg / recvmsg ends: release_sock, charged to the thread as sys time
      k.owns = null;
      long cost = host.releaseSock(core(), w);
      // a reader's recvmsg processed its backlog, or a sender's release_sock has work: it owns the socket until the
      // next pass
      if (w.owned) k.owns = w;
      if (cost > 0) {
        runAppStep(0, cost);
        return;
      }
    }
    setIdle();
    if (softirqOnExit()) {
      suspended = k;
      suspendedRemaining = 0;
      current = null;
      startSoftirq(false);
      return;
    }
    continueThread(k);
  }

  /**
   * __do_softirq returned: {@code exhausted} when work is still pending after its restarts or its
   * time, which wakes ksoftirqd (Linux: wakeup_softirqd).
   */
  final void softirqEnded(boolean exhausted) {
    if (exhausted) {
      if (!ksoftirqdAwake) {
        ksoftirqdAwake = true;
        enqueue(KS);
      }
      if (softInThread) {
        // ksoftirqd: cond_resched, then go on if nobody else wants the core
        current = null;
        if (indexOfKs() < 0) enqueue(KS);
      }
    } else if (softInThread) {
      ksoftirqdAwake = false;
      removeKs();
      current = null;
    }
    resumeOrDispatch();
  }

  /** The core is free: resume a suspended thread, or pick the next one. */
  final void resumeOrDispatch() {
    setIdle();
    if (suspended != null) {
      Sock k = suspended;
      suspended = null;
      if (suspendedRemaining > 0) {
        current = k;
        runAppStep(suspendedUsr, suspendedSys);
        return;
      }
      if (k.owns != null && k.owns.rx == null) { // a sendmsg's step ended and its softirqs ran: its release_sock
        current = k;
        appStepDone();
        return;
      }
      continueThread(k);
      return;
    }
    dispatch();
  }

  /** After a step of app thread {@code k} finished: run its next step, or rotate. */
  private void continueThread(Sock k) {
    setIdle();
    current = null;
    long now = now();
    if (runqSize > 0 && now - sliceStart >= sliceNanos) {
      enqueue(k);
      dispatch();
      return;
    }
    sliceStart = runqSize == 0 ? now : sliceStart;
    if (!runThread(k)) dispatch();
  }

  final void dispatch() {
    setIdle();
    while (true) {
      Object t = poll();
      if (t == null) {
        current = null;
        if (softirqOnExit()) startSoftirq(false);
        return;
      }
      sliceStart = now();
      if (t == KS) {
        if (!softPending()) {
          ksoftirqdAwake = false;
          continue;
        }
        current = KS;
        runKsoftirqd();
        return;
      }
      if (runThread((Sock) t)) return;
    }
  }

  /** Runs one step of {@code k}; false if it went to sleep. */
  private boolean runThread(Sock k) {
    long[] st = host.appStep(core(), k);
    if (st == null) {
      if (k.owns != null) { // a step that wrote and then slept: its release_sock, at once
        host.releaseSock(core(), k.owns);
        if (k.owns.rx == null) k.owns.owned = false; // sk_stream_wait_memory's release_sock: it sleeps without it
        k.owns = null;
      }
      k.sleeping = true;
      current = null;
      return false;
    }
    current = k;
    runAppStep(st[0], st[1]);
    return true;
  }
}
