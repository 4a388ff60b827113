package org.cnemu.nodes.kernel;

import java.util.ArrayDeque;
import org.cnemu.devices.PacketQueue;
import org.cnemu.devices.RxRing;
import org.cnemu.devices.TxRing;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.EntityRef;
import org.cnemu.kernel.api.SteeringPolicy;

/**
 * One CPU core: hard IRQs, NET_RX softirq (net_rx_action with Linux 5.4 semantics) and threads (app
 * threads and ksoftirqd, round-robin with a CFS-like slice), with mpstat time accounting.
 * Priorities: hardirq > softirq > threads. A hard IRQ arriving while softirq or ksoftirqd runs is
 * nested (the current step is extended by the handler's time); one arriving while an app thread
 * runs suspends the thread, runs the handler and the softirqs on IRQ exit, then resumes it.
 */
final class CoreEntity extends Entity<Object> {
  static final int USR = 0, SYS = 1, IRQ = 2, SOFT = 3;
  private static final int IDLE = 0, HARD = 1, SOFTM = 2, THREAD = 3;
  /** Period of the TCP sender's loss-detection timer (tcp_rack / TLP granularity, ~1 jiffy). */
  static final long TCP_TIMER = 1_000_000;

  final HostKernel h;
  final int cpu;
  private final long warm;
  private final long[] acct = new long[4];
  private long busyTotal;
  // NAPI instances
  private final Napi[] nicNapis;
  /** TX completion NAPIs of the TX queues whose CQ shares a vector with this core's RX queues. */
  private final Napi[] txNapis;
  private final Napi cellNapi = new Napi(Napi.CELL, -1);
  private final Napi backlogNapi = new Napi(Napi.BACKLOG, -1);
  private ArrayDeque<Napi> pollList = new ArrayDeque<>(4); // small: 20 cores per host, most idle
  // state machine
  private int mode = IDLE;
  private long gen;
  private long stepEnd;
  private long segStart;
  private int segCat;
  private long stepUsr, stepSys; // for app steps: split of the step
  private final ArrayDeque<Object> hardQ = new ArrayDeque<>(2);
  // softirq
  private ArrayDeque<Napi> local;
  private ArrayDeque<Napi> repoll;
  private int budget;
  private long invStart;
  private long doStart;
  private int restartsLeft;
  private boolean softInThread;
  private boolean ksoftirqdAwake;
  private final int[] work = new int[1];
  // live telemetry (null unless a backend is installed): cumulative ns per category, warm-up included
  private KernelTelemetry.CoreGauges gauges;
  private long[] telAcct;
  // threads
  private final ArrayDeque<Object> runq = new ArrayDeque<>(2); // Sock or KSOFTIRQD_TOKEN
  private static final Object KS = new Object();
  private Object curThread;
  private long sliceStart;
  private Sock suspended;
  private long suspendedRemaining;
  private long suspendedUsr, suspendedSys;

  CoreEntity(HostKernel h, int cpu) {
    this.h = h;
    this.cpu = cpu;
    this.warm = h.warmup;
    int n = 0;
    for (int q = 0; q < h.rings.length; q++) if (h.irqCpu(q) == cpu) n++;
    nicNapis = new Napi[n];
    n = 0;
    for (int q = 0; q < h.rings.length; q++) if (h.irqCpu(q) == cpu) nicNapis[n++] = new Napi(Napi.NIC, q);
    n = 0;
    for (int q = 0; q < h.txRings.length; q++) if (h.irqCpu(q % h.rings.length) == cpu) n++;
    txNapis = new Napi[n];
    n = 0;
    for (int q = 0; q < h.txRings.length; q++) if (h.irqCpu(q % h.rings.length) == cpu) txNapis[n++] = new Napi(Napi.TX, q);
    h.cores[cpu] = this;
  }

  /** A NAPI instance (pNIC queue, this CPU's gro_cell, or this CPU's backlog). */
  static final class Napi {
    static final int NIC = 0, CELL = 1, BACKLOG = 2, TX = 3;
    final int kind;
    final int queue;
    boolean scheduled;

    Napi(int kind, int queue) {
      this.kind = kind;
      this.queue = queue;
    }
  }

  long nowNs() {
    return now();
  }

  <T> void sendTo(EntityRef<T> to, long delay, T msg) {
    send(to, delay, msg);
  }

  long busyNanos() {
    return busyTotal;
  }

  // ---------------------------------------------------------------- accounting

  private void account(int cat, long from, long to) {
    long end = endNanos();
    long a = Math.max(from, warm);
    long b = Math.min(to, end);
    if (b > a) acct[cat] += b - a;
    if (to > from) busyTotal += to - from;
    if (telAcct != null && to > from) telAcct[cat] += to - from;
  }

  /** Accounts the running segment up to {@code t}. */
  private void closeSegment(long t) {
    if (mode == IDLE || t <= segStart) {
      segStart = Math.max(segStart, t);
      return;
    }
    if (mode == THREAD && curThread instanceof Sock) {
      long total = stepUsr + stepSys;
      long ran = t - segStart;
      long u = total == 0 ? 0 : ran * stepUsr / total;
      account(USR, segStart, segStart + u);
      account(SYS, segStart + u, t);
    } else {
      account(segCat, segStart, t);
    }
    segStart = t;
  }

  private void startStep(int newMode, int cat, long duration) {
    mode = newMode;
    segCat = cat;
    segStart = now();
    stepEnd = now() + Math.max(1, duration);
    schedule(stepEnd - now(), new Msgs.Done(++gen));
  }

  // ---------------------------------------------------------------- messages

  @Override
  protected void onStart() {
    if (!h.telInit) {
      h.telInit = true;
      h.tel = KernelTelemetry.create(telemetry(), h);
    }
    if (h.tel != null) {
      gauges = h.tel.core(cpu, now());
      telAcct = new long[4];
    }
    for (Sock k : h.socks) {
      if (k.cpu == cpu && k.sender) {
        k.sleeping = false;
        runq.add(k);
        if (k.tx != null) schedule(TCP_TIMER, new Msgs.TcpTimer(k.id));
      } else if (k.cpu == cpu && k.rx != null) {
        schedule(TCP_TIMER, new Msgs.TcpTimer(k.id)); // the receiver's delayed-ACK timer
      }
    }
    if (!runq.isEmpty()) dispatch();
    if (cpu == 0 && h.policy.tickNanos() > 0) schedule(h.policy.tickNanos(), new SteerMsgs.PolicyTick());
    h.flushRemote(this);
  }

  @Override
  protected void onMessage(Object m) {
    handle(m);
    h.flushRemote(this); // cross-core hand-offs of this step: one IPI per target core
    if (gauges != null && now() >= gauges.next) publishTelemetry(now());
  }

  private void handle(Object m) {
    if (m instanceof Msgs.Done d) {
      if (d.gen() == gen) stepDone();
    } else if (m instanceof Msgs.Irq || m instanceof Msgs.TxIrq || m instanceof SteerMsgs.RemoteBatch) {
      hardWork(m);
    } else if (m instanceof SteerMsgs.PolicyTick t) {
      h.policyTick(this);
      if (now() + h.policy.tickNanos() < endNanos()) schedule(h.policy.tickNanos(), t);
    } else if (m instanceof SteerMsgs.MergeTimer t) {
      h.mergeTimer(this, t);
      if (mode == IDLE && softPending() && !ksoftirqdAwake) startSoftirq(false);
    } else if (m instanceof ShmPath.Data || m instanceof ShmPath.Space || m instanceof ShmPath.Connected) {
      h.shm.onMessage(this, m);
    } else if (m instanceof Msgs.SockData s) {
      Sock k = h.socks.get(s.sock());
      h.sockData(k, s);
      Sock t = k.thread; // request-response: the connection's thread reads this socket
      if (t.sleeping && !t.wakePending) {
        t.wakePending = true;
        schedule(h.p.wakeup, new Msgs.Wake(t.id));
      }
    } else if (m instanceof Msgs.Wake w) {
      wake(h.socks.get(w.sock()));
    } else if (m instanceof Msgs.AppTimer t) {
      wake(h.socks.get(t.sock()));
    } else if (m instanceof Msgs.TcpTimer t) {
      Sock k = h.socks.get(t.sock());
      h.tcpTimer(this, k);
      if (now() + TCP_TIMER < endNanos()) schedule(TCP_TIMER, t);
      if (mode == IDLE && softPending() && !ksoftirqdAwake) startSoftirq(false);
    }
  }

  /** Makes thread {@code k} runnable now if it sleeps (FreeFlow's polling consumer/producer). */
  void wakeThread(Sock k) {
    wake(k);
  }

  private void wake(Sock k) {
    k.wakePending = false;
    if (!k.sleeping) return;
    k.sleeping = false;
    runq.add(k);
    if (mode == IDLE) dispatch();
  }

  // ---------------------------------------------------------------- hard IRQs

  private long hardCost(Object m) {
    return m instanceof Msgs.Irq || m instanceof Msgs.TxIrq ? h.p.irq : h.p.ipiRx;
  }

  private void applyHard(Object m) {
    int v = vectorOf(m);
    if (v >= 0) {
      h.rings[v].eqQueued = false;
      h.rings[v].eqSeenUntil = now() + hardCost(m); // the handler polls the EQ until it ends, then re-arms it
    }
    applyHard(m, true);
  }

  /** The handler's effect; {@code counted}: a new interrupt (false: an EQE seen by a running handler of its vector). */
  private void applyHard(Object m, boolean counted) {
    if (m instanceof Msgs.Irq irq) {
      if (counted) h.irqs++;
      RxRing r = h.rings[irq.queue()];
      if (counted) r.irqs++;
      else r.eqMerged++;
      schedule(napiFor(irq.queue()), false);
    } else if (m instanceof Msgs.TxIrq irq) {
      if (counted) h.irqs++; // mlx4_en_tx_irq: same MSI-X vector as the RX ring, counted in /proc/interrupts alike
      else { // counted as an event when the CQ fired; it raised no interrupt of its own
        h.txRings[irq.queue()].eqMerged++;
        h.txRings[irq.queue()].irqs--;
      }
      for (Napi n : txNapis) if (n.queue == irq.queue()) schedule(n, false);
    } else if (m instanceof SteerMsgs.RemoteBatch b) {
      h.ipis++;
      h.acceptRemote(this, b);
    }
  }

  private Napi napiFor(int q) {
    for (Napi n : nicNapis) if (n.queue == q) return n;
    throw new IllegalStateException("queue " + q + " not on cpu " + cpu);
  }

  /** MSI-X vector of a NIC interrupt message, or -1 (IPIs). */
  private int vectorOf(Object m) {
    if (m instanceof Msgs.Irq irq) return irq.queue();
    if (m instanceof Msgs.TxIrq irq) return irq.queue() % h.rings.length;
    return -1;
  }

  private void hardWork(Object m) {
    int v = vectorOf(m);
    boolean inIrqOrSoftirq = mode == HARD || mode == SOFTM || (mode == THREAD && curThread == KS);
    if (v >= 0 && inIrqOrSoftirq && (h.rings[v].eqQueued || now() < h.rings[v].eqSeenUntil)) {
      // one MSI-X interrupt per EQ arming: the CQ's EQE lands on an EQ whose handler is still polling it (or is
      // queued to run), so that handler schedules this NAPI too (mlx4_eq_int loop -> mlx4_cq_completion); the
      // softirq at its exit (or the running net_rx_action) polls it
      applyHard(m, false);
      return;
    }
    if (v >= 0 && mode == HARD) h.rings[v].eqQueued = true;
    switch (mode) {
      case HARD -> hardQ.add(m);
      case IDLE -> startHard(m);
      case SOFTM -> nested(m);
      default -> {
        if (curThread == KS) {
          nested(m);
        } else { // app thread: suspend it
          closeSegment(now());
          suspended = (Sock) curThread;
          suspendedRemaining = stepEnd - now();
          long total = stepUsr + stepSys;
          suspendedUsr = total == 0 ? 0 : stepUsr * suspendedRemaining / total;
          suspendedSys = suspendedRemaining - suspendedUsr;
          curThread = null;
          startHard(m);
        }
      }
    }
  }

  private void startHard(Object m) {
    applyHard(m);
    startStep(HARD, IRQ, hardCost(m));
  }

  /** Hard IRQ nested in softirq/ksoftirqd work: extend the current step by the handler. */
  private void nested(Object m) {
    closeSegment(now());
    long c = hardCost(m);
    account(IRQ, now(), now() + c);
    applyHard(m);
    segStart = now() + c;
    stepEnd += c;
    schedule(stepEnd - now(), new Msgs.Done(++gen));
  }

  // ---------------------------------------------------------------- NAPI / softirq

  void scheduleCell(boolean head) {
    schedule(cellNapi, head);
  }

  void scheduleBacklog(boolean head) {
    schedule(backlogNapi, head || h.policy.scheduleAtHead(head));
  }

  private void schedule(Napi n, boolean head) {
    if (n.scheduled) {
      // PRISM: high-priority work pulls its instance to the head, also out of the repoll list
      if (head && (pollList.remove(n) || (repoll != null && repoll.remove(n)))) pollList.addFirst(n);
      return;
    }
    n.scheduled = true;
    if (head) pollList.addFirst(n);
    else pollList.add(n);
    // raised softirqs run at IRQ exit, at the end of the current thread step (local_bh_enable),
    // or at the next invocation of the running net_rx_action loop
  }

  private boolean softPending() {
    return !pollList.isEmpty();
  }

  private void startSoftirq(boolean inThread) {
    softInThread = inThread;
    doStart = now();
    restartsLeft = h.p.maxSoftirqRestart;
    if (!inThread) mode = SOFTM;
    startInvocation(0);
  }

  private void startInvocation(long extra) {
    h.netRx++;
    if (h.policy.pollMode() == SteeringPolicy.PollMode.SPLICE) {
      local = pollList;
      pollList = new ArrayDeque<>(4);
    } else {
      local = null; // POP_HEAD: take from pollList directly
    }
    repoll = new ArrayDeque<>(4);
    budget = h.p.netdevBudget;
    invStart = now();
    pollNext(extra + h.p.netRxAction);
  }

  private void pollNext(long extra) {
    ArrayDeque<Napi> src = local != null ? local : pollList;
    Napi n = src.poll();
    if (n == null) {
      endInvocation(extra);
      return;
    }
    int quota = h.p.napiWeight; // napi_poll always gets the full weight; the budget is checked after
    long cost;
    boolean more;
    switch (n.kind) {
      case Napi.NIC -> {
        RxRing r = h.rings[n.queue];
        cost = h.pollNic(this, r, quota, work);
        more = work[0] == quota;
        // napi_complete_done: the queue re-arms its IRQ (pending descriptors raise it again after moderation)
        if (!more) send(h.rxQueueRefs[n.queue], 0, new Msgs.NapiComplete(n.queue, now() + extra + cost));
      }
      case Napi.TX -> {
        TxRing r = h.txRings[n.queue];
        cost = h.pollTx(this, r, work);
        more = work[0] == 256;
        work[0] = 0; // TX completion work does not count against the softirq budget
        if (!more) {
          // napi_complete + mlx4_en_arm_cq: CQEs written meanwhile raise the event again after moderation
          r.armed = true;
          r.armedAt = now() + extra + cost;
          long next = r.completed(now()) > 0 ? now() : r.nextCompletionAfter(now());
          if (next >= 0) {
            r.armed = false;
            r.irqs++;
            send(h.coreRefs[h.irqCpu(n.queue % h.rings.length)],
                Math.max(r.armedAt, next) - now() + h.p.txUsecs + h.p.irqLatency, new Msgs.TxIrq(n.queue));
          }
        }
      }
      case Napi.CELL -> {
        cost = h.pollGroCell(this, quota, work);
        more = !h.groCell[cpu].isEmpty();
      }
      default -> {
        cost = h.pollBacklog(this, quota, work);
        more = !h.backlog[cpu].isEmpty();
      }
    }
    budget -= work[0];
    if (more) {
      repoll.add(n); // used its whole weight: served again in the next invocation
    } else {
      n.scheduled = false;
    }
    // high-priority work queued on this instance while it ran (PRISM): schedule it again, first
    if (n.kind == Napi.CELL && !PacketQueue.isEmpty(h.groCellHi[cpu])) schedule(n, h.policy.scheduleAtHead(true));
    if (n.kind == Napi.BACKLOG && !PacketQueue.isEmpty(h.backlogHi[cpu])) schedule(n, h.policy.scheduleAtHead(true));
    startStep(mode == IDLE ? SOFTM : mode, SOFT, extra + cost);
  }

  private void endInvocation(long extra) {
    // Linux: remaining + newly scheduled + repoll become the new poll list
    ArrayDeque<Napi> nl = new ArrayDeque<>(4);
    if (local != null) nl.addAll(local);
    nl.addAll(pollList);
    nl.addAll(repoll);
    pollList = nl;
    local = null;
    if (extra > 0) {
      startStep(mode == IDLE ? SOFTM : mode, SOFT, extra);
      pendingEnd = true;
      return;
    }
    afterInvocation();
  }

  private boolean pendingEnd;

  private void afterInvocation() {
    if (softPending()) {
      if (now() - doStart < h.p.maxSoftirqNanos && --restartsLeft > 0) {
        startInvocation(0);
        return;
      }
      // hand over to ksoftirqd
      if (!ksoftirqdAwake) {
        ksoftirqdAwake = true;
        runq.add(KS);
      }
      if (softInThread) {
        // ksoftirqd: cond_resched, then go on if nobody else wants the core
        curThread = null;
        if (!runq.contains(KS)) runq.add(KS);
      }
    } else if (softInThread) {
      ksoftirqdAwake = false;
      runq.remove(KS);
      curThread = null;
    }
    mode = IDLE; // transitional
    resumeOrDispatch();
  }

  private void stepDone() {
    closeSegment(now());
    switch (mode) {
      case HARD -> {
        Object next = hardQ.poll();
        if (next != null) {
          startHard(next);
          return;
        }
        mode = IDLE;
        if (softPending() && !ksoftirqdAwake) {
          startSoftirq(false);
        } else {
          resumeOrDispatch();
        }
      }
      case SOFTM -> softStepDone();
      case THREAD -> {
        if (curThread == KS) {
          softStepDone();
          return;
        }
        Sock k = (Sock) curThread;
        mode = IDLE;
        // local_bh_enable after the syscall: pending softirqs run now
        if (softPending() && !ksoftirqdAwake) {
          suspended = k;
          suspendedRemaining = 0;
          curThread = null;
          startSoftirq(false);
          return;
        }
        continueThread(k);
      }
      default -> {}
    }
  }

  private void softStepDone() {
    if (pendingEnd) {
      pendingEnd = false;
      afterInvocation();
      return;
    }
    if (budget <= 0 || now() - invStart >= h.p.netdevBudgetNanos) {
      endInvocation(0);
      return;
    }
    pollNext(0);
  }

  // ---------------------------------------------------------------- threads

  private void resumeOrDispatch() {
    mode = IDLE;
    if (suspended != null) {
      Sock k = suspended;
      suspended = null;
      if (suspendedRemaining > 0) {
        curThread = k;
        stepUsr = suspendedUsr;
        stepSys = suspendedSys;
        startStep(THREAD, SYS, suspendedRemaining);
        return;
      }
      continueThread(k);
      return;
    }
    dispatch();
  }

  /** After a step of app thread {@code k} finished: run its next step, or rotate. */
  private void continueThread(Sock k) {
    mode = IDLE;
    curThread = null;
    if (!runq.isEmpty() && now() - sliceStart >= h.p.schedSliceNanos) {
      runq.add(k);
      dispatch();
      return;
    }
    sliceStart = runq.isEmpty() ? now() : sliceStart;
    if (!runThread(k)) dispatch();
  }

  private void dispatch() {
    mode = IDLE;
    while (true) {
      Object t = runq.poll();
      if (t == null) {
        curThread = null;
        if (softPending() && !ksoftirqdAwake) startSoftirq(false);
        return;
      }
      sliceStart = now();
      if (t == KS) {
        if (!softPending()) {
          ksoftirqdAwake = false;
          continue;
        }
        curThread = KS;
        mode = THREAD;
        startSoftirq(true);
        return;
      }
      if (runThread((Sock) t)) return;
    }
  }

  /** Runs one step of {@code k}; false if it went to sleep. */
  private boolean runThread(Sock k) {
    long[] st = h.appStep(this, k);
    if (st == null) {
      k.sleeping = true;
      curThread = null;
      return false;
    }
    curThread = k;
    stepUsr = st[0];
    stepSys = st[1];
    startStep(THREAD, SYS, st[0] + st[1]);
    return true;
  }

  // ---------------------------------------------------------------- telemetry

  /** Publishes this core's busy shares since the last time (the running step counted up to {@code t}) and the host's counters. */
  private void publishTelemetry(long t) {
    long[] a = gauges.scratch();
    System.arraycopy(telAcct, 0, a, 0, 4);
    if (mode != IDLE && t > segStart) {
      long ran = t - segStart;
      if (mode == THREAD && curThread instanceof Sock) {
        long total = stepUsr + stepSys;
        long u = total == 0 ? 0 : ran * stepUsr / total;
        a[USR] += u;
        a[SYS] += ran - u;
      } else {
        a[segCat] += ran;
      }
    }
    gauges.publish(t, a);
    h.tel.maybePublishHost(t);
  }

  // ---------------------------------------------------------------- report

  @Override
  protected Object report() {
    closeSegment(endNanos());
    if (gauges != null) {
      publishTelemetry(endNanos());
      h.tel.publishHost();
    }
    long span = Math.max(1, endNanos() - warm);
    double[] pct = new double[5];
    long busy = 0;
    for (int i = 0; i < 4; i++) {
      pct[i] = 100.0 * acct[i] / span;
      busy += acct[i];
    }
    pct[4] = Math.max(0, 100.0 * (span - busy) / span);
    return new CoreReport(h.hs.id(), cpu, pct[0], pct[1], pct[2], pct[3], pct[4]);
  }

  record CoreReport(String host, int core, double usr, double sys, double irq, double soft, double idle) {}
}
