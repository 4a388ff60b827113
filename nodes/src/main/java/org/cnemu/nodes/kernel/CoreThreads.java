package org.cnemu.nodes.kernel;

/**
 * The threads of one core: the run queue of app threads (a {@link Sock} each) and ksoftirqd,
 * round-robin with a CFS-like slice ({@code sched-slice}), an app thread suspended by a hard IRQ
 * and resumed after it, and ksoftirqd woken when __do_softirq gives up. The core runs each step.
 *
 * <p>CFS's wake-up preemption with the least state that decides it: each thread's vruntime (the ns of its steps;
 * all threads are nice 0), the core's min_vruntime, a woken thread placed no lower than min_vruntime minus the
 * sleeper credit (half of sched-latency), and check_preempt_wakeup's test against the running thread. A thread that
 * preempts runs next, after the running thread's step (the model's steps end at a syscall's return).
 *
 * <p>A base class of {@link CoreEntity} (like {@link CpuTime}) so that the scheduler's state is fields
 * of the core, and the run queue a ring array of it rather than a deque object and its array: with
 * thousands of hosts each object a step touches is a cache miss.
 */
abstract class CoreThreads extends CpuTime {
  private static final Object KS = new Object(); // ksoftirqd on the run queue
  /**
   * The core runs schedule() for {@link #switchThread}: switching it out as it blocks, or in as it was woken. An app
   * thread or ksoftirqd alike: ksoftirqd is a kthread, and its wake-up (wakeup_softirqd), sleep and cond_resched go
   * through the same __schedule().
   */
  private static final Object SWITCH = new Object();
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
  /** The thread the running {@link #SWITCH} step switches (a Sock or KS), and whether it switches it in (false: out). */
  private Object switchThread;
  private boolean switchingIn;
  /**
   * The core runs the idle task (nothing but interrupts and their softirqs since its run queue emptied): a thread
   * woken here first leaves the idle loop (costs.idle-exit).
   */
  private boolean inIdleTask = true;
  /** A hard IRQ came during the current {@link #SWITCH} step: its irq_exit runs pending softirqs at the switch's end. */
  boolean irqInSwitch;
  private final long schedOutNanos, schedInNanos, idleExitNanos;
  /**
   * CFS state of the core (ns): min_vruntime, and ksoftirqd's vruntime (an app thread's is {@link Sock#vruntimeNanos}).
   */
  private long minVruntimeNanos, ksVruntimeNanos;
  /** GENTLE_FAIR_SLEEPERS' credit (sched-latency / 2) and sched-wakeup-granularity. */
  private final long sleeperCreditNanos, wakeupGranularityNanos;
  /** TIF_NEED_RESCHED: a woken thread preempts the running one at the end of its step. */
  private boolean needResched;
  /** The softirq being run is ksoftirqd's (false: on IRQ exit or local_bh_enable). */
  boolean softInThread;
  boolean ksoftirqdAwake;
  /** ksoftirqd is runnable but not on the core (woken, or put back by cond_resched): schedule() switches it in first. */
  private boolean ksSwitchInDue;
  /** kernel.softirq-waits-for-ksoftirqd: Linux 4.9+ leaves pending softirqs to a runnable ksoftirqd; 4.4 does not. */
  private final boolean waitsForKsoftirqd;

  CoreThreads(CoreHost host) {
    super(host.warmupNanos());
    this.host = host;
    this.sliceNanos = host.profile().schedSliceNanos;
    this.waitsForKsoftirqd = host.profile().softirqWaitsForKsoftirqd;
    this.schedOutNanos = host.profile().schedOutNanos;
    this.schedInNanos = host.profile().schedInNanos;
    this.idleExitNanos = host.profile().idleExitNanos;
    this.sleeperCreditNanos = host.profile().schedLatencyNanos / 2;
    this.wakeupGranularityNanos = host.profile().schedWakeupGranularityNanos;
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

  /** A step of schedule() of {@code costNanos}, sys time (CoreSteps). */
  abstract void runSwitchStep(long costNanos);

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

  /** Puts {@code t} at the head of the run queue: it runs next. */
  private void enqueueHead(Object t) {
    enqueue(t); // grows the ring if full; then moves t from the tail to the head
    int mask = runq.length - 1;
    runq[(runqHead + runqSize - 1) & mask] = null;
    runqHead = (runqHead - 1) & mask;
    runq[runqHead] = t;
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

  // ---------------------------------------------------------------- CFS vruntime

  /** vruntime of {@code t}: an app thread or ksoftirqd. */
  private long vruntimeOf(Object t) {
    return t == KS ? ksVruntimeNanos : ((Sock) t).vruntimeNanos;
  }

  /** ksoftirqd ran {@code nanos} of softirq work: its vruntime. */
  final void ksoftirqdRan(long nanos) {
    ksVruntimeNanos += nanos;
  }

  /** rq->curr of the fair class: the app thread running, suspended by an interrupt or switched in, or ksoftirqd; null: the idle task (or schedule() between two threads). */
  private Object currThread() {
    if (suspended != null) return suspended;
    if (current == SWITCH) return switchingIn ? switchThread : null;
    return current;
  }

  /**
   * update_min_vruntime with {@code curr} running: the least of its vruntime and the queued threads', never lower
   * than before (monotonic); unchanged with neither.
   */
  private long minVruntime(Object curr) {
    long m = curr == null ? Long.MAX_VALUE : vruntimeOf(curr);
    int mask = runq.length - 1;
    for (int i = 0; i < runqSize; i++) m = Math.min(m, vruntimeOf(runq[(runqHead + i) & mask]));
    return m == Long.MAX_VALUE ? minVruntimeNanos : Math.max(minVruntimeNanos, m);
  }

  /**
   * The vruntime a thread at {@code v} gets as it wakes (place_entity for a wake-up): min_vruntime less the sleeper
   * credit at the lowest, so a long sleep earns at most that credit.
   */
  private long placed(long v, long minVruntime) {
    return Math.max(v, minVruntime - sleeperCreditNanos);
  }

  /** wakeup_preempt_entity: a woken thread at {@code placed} preempts {@code curr} (null: the idle task, nothing to preempt). */
  private boolean preempts(Object curr, long placed) {
    return curr != null && vruntimeOf(curr) - placed > wakeupGranularityNanos;
  }

  /**
   * Whether waking sleeping thread {@code k} now would preempt this core's running thread (a query, for the waker on
   * another core: resched_curr sends the reschedule IPI only then).
   */
  final boolean wakePreempts(Sock k) {
    Object curr = currThread();
    return k.switchedOut && preempts(curr, placed(k.vruntimeNanos, minVruntime(curr)));
  }

  /**
   * Thread {@code t} (a Sock that slept in the kernel, or ksoftirqd) becomes runnable: placed, then queued at the
   * tail, or at the head with TIF_NEED_RESCHED set when it preempts the running thread.
   */
  private void enqueueWoken(Object t) {
    Object curr = currThread();
    minVruntimeNanos = minVruntime(curr);
    long v = placed(vruntimeOf(t), minVruntimeNanos);
    if (t == KS) ksVruntimeNanos = v;
    else ((Sock) t).vruntimeNanos = v;
    if (preempts(curr, v)) {
      needResched = true;
      enqueueHead(t);
    } else {
      enqueue(t);
    }
  }

  // ---------------------------------------------------------------- threads

  /** An app thread's step runs (its time splits into usr and sys). */
  final boolean appRunning() {
    // a Sock: compares references, without loading the socket's header
    return current != null && current != KS && current != SWITCH;
  }

  final boolean inKsoftirqd() {
    return current == KS;
  }

  /** The core runs schedule(), switching a thread out or in ({@link #SWITCH}). */
  final boolean inSwitch() {
    return current == SWITCH;
  }

  /** The core waits in the idle loop (mwait): nothing runs, not even an interrupt. */
  final boolean idleInMwait() {
    return idle() && current == null && suspended == null;
  }

  /**
   * At the start: thread {@code k} is runnable. The first on the core is taken as running already; the others wait
   * on the run queue and are switched in when they first run.
   */
  final void addThread(Sock k) {
    k.sleeping = false;
    k.switchInDue = runqSize > 0;
    enqueue(k);
  }

  final boolean hasRunnable() {
    return runqSize > 0;
  }

  /**
   * Makes thread {@code k} runnable if it sleeps; runs it at once on an idle core. A thread its core is still
   * switching out (woken inside its own schedule(), which then finds it TASK_RUNNING) is not switched out, so it
   * is not switched in either.
   */
  final void wake(Sock k) {
    if (makeRunnable(k) && idle()) dispatch();
  }

  /**
   * {@link #wake} without running it: an interrupt's handler woke it, and the interrupt's exit picks what runs
   * (resumeOrDispatch). False if it did not sleep.
   */
  final boolean makeRunnable(Sock k) {
    k.wakePending = false;
    if (!k.sleeping) return false;
    k.sleeping = false;
    if (k.switchedOut) {
      k.switchedOut = false;
      k.switchInDue = !(current == SWITCH && switchThread == k);
      if (k.switchInDue) enqueueWoken(k); // it slept: CFS places it and tests preemption
      else enqueue(k); // never left the core: no wake-up for CFS
    } else {
      enqueue(k); // a FreeFlow thread polls its ring in user space: it never slept in the kernel
    }
    return true;
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
        k.vruntimeNanos += cost;
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
        ksSwitchInDue = true; // it slept in smpboot_thread_fn: it is switched in before it runs
        enqueueWoken(KS); // wakeup_softirqd: a wake-up like any thread's
      }
      if (softInThread) {
        // run_ksoftirqd's cond_resched: it calls schedule() only with TIF_NEED_RESCHED set (a preempting wake-up, or
        // the tick past ksoftirqd's slice): then ksoftirqd is switched out (still runnable) and back in at its turn.
        // Else it keeps the core (smpboot_thread_fn loops while softirqs are pending): its next pass at once, no
        // switch, its slice going on while others wait (as an app thread's, continueThread)
        if (reschedDue()) {
          needResched = false;
          current = null;
          if (indexOfKs() < 0) enqueue(KS);
          ksSwitchInDue = true;
          setIdle();
          startSwitch(KS, false, schedOutNanos);
          return;
        }
        if (runqSize == 0) sliceStart = now();
        setIdle();
        runKsoftirqd();
        return;
      }
    } else if (softInThread) { // ksoftirqd found no more work: it sleeps (schedule() switches it out)
      ksoftirqdAwake = false;
      removeKs();
      current = null;
      setIdle();
      startSwitch(KS, false, schedOutNanos);
      return;
    }
    resumeOrDispatch();
  }

  /**
   * need_resched() as __do_softirq reads it before a restart, and ksoftirqd's cond_resched after a pass: TIF_NEED_RESCHED
   * of the task the softirq runs in. ksoftirqd or an interrupted app thread: a woken thread preempted it
   * (check_preempt_wakeup), or it ran past its slice with another waiting (the tick's check_preempt_tick, read here
   * as continueThread reads it). The idle task: any thread woken onto the run queue (check_preempt_curr always
   * preempts idle). Between two threads (a switch's IRQ exit): a preempting wake-up only.
   */
  final boolean reschedDue() {
    if (softInThread || suspended != null) {
      return needResched || (runqSize > 0 && now() - sliceStart >= sliceNanos);
    }
    return inIdleTask ? runqSize > 0 : needResched;
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

  /**
   * After a step of app thread {@code k} finished: run its next step, or let another run: at its slice's end (the
   * tick's check_preempt_tick) or when a woken thread preempts it. Either runs schedule(): {@code k} stays runnable,
   * is switched out (costs.sched-out, though no dequeue: put_prev_task puts it back in the tree instead) and
   * switched back in before its next step, through the same step as a thread that sleeps.
   */
  private void continueThread(Sock k) {
    setIdle();
    current = null;
    long now = now();
    // a thread amid a fragmented datagram's sendmsg (Sock#fragSock) runs on: the kernel (no CONFIG_PREEMPT) switches
    // it out on its way back to user space, after the last fragment
    if (k.fragSock == null && runqSize > 0 && (needResched || now - sliceStart >= sliceNanos)) {
      needResched = false;
      enqueue(k);
      k.switchInDue = true;
      startSwitch(k, false, schedOutNanos);
      return;
    }
    sliceStart = runqSize == 0 ? now : sliceStart;
    if (!runThread(k)) dispatch();
  }

  final void dispatch() {
    setIdle();
    needResched = false; // schedule() picks the next thread
    while (true) {
      Object t = poll();
      if (t == null) {
        current = null;
        inIdleTask = true;
        if (softirqOnExit()) startSoftirq(false);
        return;
      }
      sliceStart = now();
      if (t == KS) {
        if (ksSwitchInDue) { // woken or put back: schedule() switches to it (leaving the idle loop first if there)
          ksSwitchInDue = false;
          startSwitch(KS, true, schedInNanos + (inIdleTask ? idleExitNanos : 0));
          return;
        }
        if (!softPending()) { // on the core, it finds nothing left (an IRQ exit ran it): it sleeps again
          ksoftirqdAwake = false;
          startSwitch(KS, false, schedOutNanos);
          return;
        }
        current = KS;
        inIdleTask = false;
        runKsoftirqd();
        return;
      }
      Sock k = (Sock) t;
      if (k.switchInDue) { // a woken thread: schedule() switches to it (from the idle loop, which it leaves first)
        k.switchInDue = false;
        startSwitch(k, true, schedInNanos + (inIdleTask ? idleExitNanos : 0));
        return;
      }
      if (runThread(k)) return;
    }
  }

  /**
   * A step of schedule() switching thread {@code k} (a Sock or KS) in or out: sys time of the core, before or after
   * its steps.
   */
  private void startSwitch(Object k, boolean in, long costNanos) {
    irqInSwitch = false;
    current = SWITCH;
    switchThread = k;
    switchingIn = in;
    inIdleTask = false;
    runSwitchStep(costNanos);
  }

  /**
   * The {@link #SWITCH} step ended: a thread switched in runs its step; after one switched out, the next runs.
   * Softirqs run here only if a hard IRQ came during the switch (schedule() ran with interrupts off: the interrupt's
   * irq_exit follows it), with the switched-in thread set aside as after a step (resumeOrDispatch runs it). Softirqs
   * left pending from before (an __do_softirq that ran out of restarts or time and woke ksoftirqd) do not: Linux's
   * finish_task_switch re-enables interrupts without a local_bh_enable, so they wait for ksoftirqd's turn, the next
   * interrupt's exit or the next thread's local_bh_enable (its step's end).
   */
  final void switchDone() {
    boolean run = irqInSwitch && softirqOnExit();
    Object k = switchThread;
    boolean in = switchingIn;
    switchThread = null;
    current = null;
    setIdle();
    if (in && k == KS) { // ksoftirqd is on the core: dispatch runs it next (after an IRQ exit's softirqs, if any)
      enqueueHead(KS);
      if (run) startSoftirq(false);
      else dispatch();
      return;
    }
    if (run) {
      if (in) {
        suspended = (Sock) k;
        suspendedRemaining = 0;
      }
      startSoftirq(false);
      return;
    }
    if (in && runThread((Sock) k)) return;
    dispatch();
  }

  /**
   * Runs one step of {@code k}; false if it went to sleep with the core free. A thread that blocks in the kernel
   * (not one polling a FreeFlow ring) is switched out by a step of schedule() (costs.sched-out), and true is
   * returned: it sleeps from the step's start, so a wake-up meanwhile finds it asleep (no wake-up is lost).
   */
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
      if (!host.blocksInKernel(k)) return false;
      minVruntimeNanos = minVruntime(k); // dequeue_entity's update_min_vruntime, with k still rq->curr
      k.switchedOut = true;
      startSwitch(k, false, schedOutNanos);
      return true;
    }
    current = k;
    inIdleTask = false;
    k.vruntimeNanos += st[0] + st[1];
    runAppStep(st[0], st[1]);
    return true;
  }
}
