package org.cnemu.nodes.kernel;

import java.util.ArrayDeque;
import org.cnemu.devices.Packet;
import org.cnemu.devices.Profile;
import org.cnemu.emulator.CarriesPackets;
import org.cnemu.emulator.EntityRef;

/**
 * One CPU core: hard IRQs, NET_RX softirq (net_rx_action with Linux 5.4 semantics) and threads (app
 * threads and ksoftirqd, round-robin with a CFS-like slice), with mpstat time accounting.
 * Priorities: hardirq > softirq > threads. A hard IRQ arriving while softirq or ksoftirqd runs is
 * nested (the current step is extended by the handler's time); one arriving while an app thread
 * runs suspends the thread, runs the handler and the softirqs on IRQ exit, then resumes it.
 *
 * <p>The core knows its host only through {@link CoreHost}: the NAPI instances it polls, what its
 * interrupts and timers do, and its threads' steps. So a core can run alone, against a scripted
 * host (CoreEntityTest). Its time accounting ({@link CpuTime}), threads ({@link CoreThreads}) and steps
 * ({@link CoreSteps}) are its base classes: one object, so that a message touches few cache lines.
 */
final class CoreEntity extends CoreSteps {
  static final int USR = 0, SYS = 1, IRQ = 2, SOFT = 3;
  /** Period of the TCP sender's loss-detection timer (tcp_rack / TLP granularity, ~1 jiffy). */
  static final long TCP_TIMER = 1_000_000;

  // ---------------------------------------------------------------- protocol

  /** What a core handles; each message names its handler, so one without a handler does not compile. */
  sealed interface Msg permits Done, HardIrq, SchedTick, Handed, PolicyTick, MergeTimer, ShmData, ShmSpace,
      ShmConnected, SockData, Wake, TcpTimer, TsqWake, CompAckKick {
    void deliver(CoreEntity c);
  }

  /** A hard interrupt: its handler's cost, its MSI-X vector (-1: an IPI or the local APIC timer) and its effect. */
  sealed interface HardIrq extends Msg permits Irq, TxIrq, Ipi, AppTimer {
    long costNanos(Profile p);

    int vector(CoreHost host);

    /** The handler's effect; {@code counted}: a new interrupt (false: an EQE seen by a running handler of its vector). */
    void apply(CoreEntity c, boolean counted);

    @Override
    default void deliver(CoreEntity c) {
      c.onHardIrq(this);
    }
  }

  /** An inter-processor interrupt: no MSI-X vector, its handler's entry and exit cost ipi-rx. */
  sealed interface Ipi extends HardIrq permits NapiIpi, Resched {
    @Override
    default long costNanos(Profile p) {
      return p.ipiRx;
    }

    @Override
    default int vector(CoreHost host) {
      return -1;
    }
  }


  /**
   * End of the core's current step (stale if {@code gen} moved on). Never leaves its core (a core schedules it
   * to itself), so the core recycles it ({@link CoreSteps}): one per step was the model's largest allocation.
   */
  static final class Done implements Msg {
    long gen;
    /** Next in the core's free list. */
    Done next;

    Done(long gen) {
      this.gen = gen;
    }

    /** For Kryo (the class stays registered with the model's messages). */
    Done() {}

    @Override
    public void deliver(CoreEntity c) {
      c.stepEnded(this);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Done d && d.gen == gen;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(gen);
    }

    @Override
    public String toString() {
      return "Done[gen=" + gen + "]";
    }
  }

  /** MSI-X interrupt of RX queue {@code queue} reaching its affinity core. */
  record Irq(int queue) implements HardIrq {
    @Override
    public long costNanos(Profile p) {
      return p.irq;
    }

    @Override
    public int vector(CoreHost host) {
      return queue;
    }

    @Override
    public void apply(CoreEntity c, boolean counted) {
      c.onRxIrq(queue, counted);
    }
  }

  /** Completion event (MSI-X, vector shared with RX ring {@code queue % rx rings}) of TX queue {@code queue}. */
  record TxIrq(int queue) implements HardIrq {
    @Override
    public long costNanos(Profile p) {
      return p.irq;
    }

    @Override
    public int vector(CoreHost host) {
      return host.vectorOfTxQueue(queue);
    }

    @Override
    public void apply(CoreEntity c, boolean counted) {
      c.onTxIrq(queue, counted);
    }
  }

  /**
   * The skbs one core handed to this core's gro_cells/backlogs during one step, landing when the step's last
   * enqueue ends (Linux: enqueue_to_backlog puts the skb on the target's input_pkt_queue at once, under its
   * lock). No interrupt: the target's NAPI instance is scheduled already (its running or pending poll takes
   * them), or a {@link NapiIpi} schedules it. {@code cell[i]}: the gro_cell rather than the backlog;
   * {@code stage[i]}: where the skb resumes.
   */
  record Handed(Packet[] skbs, boolean[] cell, int[] stage) implements Msg, CarriesPackets {
    @Override
    public int packetCount() {
      int n = 0;
      for (Packet p : skbs) n += p.segs();
      return n;
    }

    @Override
    public void deliver(CoreEntity c) {
      c.host.handed(c, this);
    }
  }

  /**
   * The IPI that schedules this core's backlog ({@code backlog}) and/or gro_cell ({@code cell}) NAPI: sent at
   * the end of the net_rx_action of a core whose enqueue found it idle (Linux: rps_ipi_queued puts the target
   * on the sender's rps_ipi_list; net_rps_send_ipi sends one per target; rps_trigger_softirq schedules it).
   */
  record NapiIpi(boolean backlog, boolean cell) implements Ipi {
    @Override
    public void apply(CoreEntity c, boolean counted) {
      c.host.ipi(c, this);
    }
  }

  /**
   * The reschedule IPI a waker sends to the core of the thread it woke when that thread preempts the running one
   * (resched_curr -> smp_send_reschedule; an idle core polls its flag in mwait and gets none): scheduler_ipi's entry
   * and exit. The thread is already on this core's run queue (a {@link Wake} at the end of try_to_wake_up), at its
   * head with need_resched set, so the handler only costs its time: the switch follows the running step.
   */
  record Resched() implements Ipi {
    @Override
    public void apply(CoreEntity c, boolean counted) {}
  }

  /** The steering policy's periodic tick (SteeringPolicy.tickNanos), on the host's core 0. */
  record PolicyTick() implements Msg {
    @Override
    public void deliver(CoreEntity c) {
      c.onPolicyTick(this);
    }
  }

  /** mFlow's merge: the gap timer of flow {@code flow}'s reorder buffer (on the core that armed it). */
  record MergeTimer(int flow) implements Msg {
    @Override
    public void deliver(CoreEntity c) {
      c.host.mergeTimer(c, flow);
      c.softirqIfIdle();
    }
  }

  /** FreeFlow: the receiver sees {@code bytes} ({@code slots}) more in flow {@code flow}'s ring, pushed at {@code sentAt}. */
  record ShmData(int flow, long bytes, int slots, long sentAt) implements Msg {
    @Override
    public void deliver(CoreEntity c) {
      c.host.shmData(c, this);
    }
  }

  /** FreeFlow: the sender sees {@code bytes} ({@code slots}) freed in flow {@code flow}'s ring. */
  record ShmSpace(int flow, long bytes, int slots) implements Msg {
    @Override
    public void deliver(CoreEntity c) {
      c.host.shmSpace(c, this);
    }
  }

  /** FreeFlow: a monitor event reaches a container's event queue: the flow's connection is established. */
  record ShmConnected(int flow) implements Msg {
    @Override
    public void deliver(CoreEntity c) {
      c.host.shmConnected(c, this);
    }
  }

  /** Bytes (and datagrams: {@code seq} is the datagram's, -1 for TCP) become readable in socket {@code sock}; wakes its thread. */
  record SockData(int sock, long bytes, int datagrams, long seq) implements Msg {
    @Override
    public void deliver(CoreEntity c) {
      c.onSockData(this);
    }
  }

  /** A thread becomes runnable on this core. */
  record Wake(int sock) implements Msg {
    @Override
    public void deliver(CoreEntity c) {
      c.wake(c.host.sock(sock));
    }
  }

  /**
   * A thread's timed sleep ends (rate pacing, think time, flow start, a SYN's retransmission): the local APIC timer's
   * interrupt, whose hrtimer_wakeup wakes it (costs.timer-irq + try-to-wake-up, hard IRQ time on its core). Only a
   * thread asleep in the kernel has the hrtimer armed; one woken otherwise meanwhile cancelled it (select()'s
   * timeout), and one whose wake-up is on its way is woken without a second try_to_wake_up.
   */
  record AppTimer(int sock) implements HardIrq {
    @Override
    public void deliver(CoreEntity c) {
      Sock k = c.host.sock(sock);
      if (k.asleep() && k.switchedOut) c.onHardIrq(this);
      else c.wake(k);
    }

    @Override
    public long costNanos(Profile p) {
      return p.timerIrqNanos + p.tryToWakeUpNanos;
    }

    @Override
    public int vector(CoreHost host) {
      return -1; // the local APIC's timer, no MSI-X vector
    }

    @Override
    public void apply(CoreEntity c, boolean counted) {
      c.host.countLocalTimer(c.nowNs(), false);
      c.makeRunnable(c.host.sock(sock)); // the interrupt's exit runs it
    }
  }

  /**
   * The scheduler tick (CONFIG_HZ, CONFIG_NO_HZ_IDLE): the local APIC timer's interrupt, tick_sched_timer ->
   * update_process_times, costs.tick-irq of hard IRQ time, preempting softirq and thread work like any hard IRQ; its
   * irq_exit runs the softirqs pending then. A core has at most one on its way ({@link CoreSteps#tickIfCovered}),
   * sent by the step that covers the next tick time; a core idle at a tick time gets none. Stateless: one instance
   * serves every core. Not a {@link HardIrq} though it is one: it has no vector, no effect beyond its time and its
   * own priority (it runs before the interrupts queued during a handler), so its own path, {@link #onSchedTick}.
   */
  record SchedTick() implements Msg {
    static final SchedTick TICK = new SchedTick();

    @Override
    public void deliver(CoreEntity c) {
      c.onSchedTick();
    }
  }

  /**
   * The TCP timers of a socket, polled every TCP_TIMER (1 ms; the timers themselves expire on jiffies):
   * the sender's xmit timer (RTO, tail loss probe, RACK reorder timer), the receiver's delayed ACK.
   */
  record TcpTimer(int sock) implements Msg {
    @Override
    public void deliver(CoreEntity c) {
      c.onTcpTimer(this);
    }
  }

  /** TX completion of a socket's skb whose data waits (TSQ / autocork): tcp_tsq_handler runs tcp_write_xmit. */
  record TsqWake(int sock) implements Msg {
    @Override
    public void deliver(CoreEntity c) {
      c.host.tcpTimer(c, c.host.sock(sock));
      c.softirqIfIdle();
    }
  }

  /**
   * A receiver's compressed-ACK hrtimer expires (tcp_compressed_ack_kick, a soft hrtimer on the CPU that armed it):
   * the TCP timer path sends the ACK if the timer is still armed for now (an ACK that left meanwhile stopped it).
   */
  record CompAckKick(int sock) implements Msg {
    @Override
    public void deliver(CoreEntity c) {
      c.host.tcpTimer(c, c.host.sock(sock));
      c.softirqIfIdle();
    }
  }

  // ---------------------------------------------------------------- state

  final int cpu;
  private final Profile p;
  // NAPI instances
  private final NetRxAction.Napi[] nicNapis;
  /** TX completion NAPIs of the TX queues whose CQ shares a vector with this core's RX queues. */
  private final NetRxAction.Napi[] txNapis;
  private final NetRxAction.Napi cellNapi;
  private final NetRxAction.Napi backlogNapi;
  private final NetRxAction netRx;
  /** Hard IRQs raised while one runs, in order; allocated by the first (most cores never see one). */
  private ArrayDeque<HardIrq> hardQ;
  /**
   * Set by {@link Handoff#remote}: this step handed skbs to other cores, to send when the message ends. A
   * flag here, so that a message without hand-offs (most) touches no per-host object for it.
   */
  boolean handoffsPending;
  /**
   * Cores whose idle backlog or gro_cell this core's hand-offs scheduled, each owed one IPI at the end of this
   * core's net_rx_action (Linux's rps_ipi_list; it raises NET_RX here, {@link NetRxAction#pending}).
   */
  int ipisQueued;
  /** A scheduler tick came during a hard IRQ's handler: it runs at that handler's end. */
  private boolean tickPending;

  CoreEntity(CoreHost host, int cpu) {
    super(host);
    this.cpu = cpu;
    this.p = host.profile();
    nicNapis = host.rxNapis(cpu);
    txNapis = host.txNapis(cpu);
    cellNapi = host.cellNapi(cpu);
    backlogNapi = host.backlogNapi(cpu);
    netRx = new NetRxAction(this, host);
  }

  long nowNs() {
    return now();
  }

  // Sends by address (EntityRef.address(), kept in the host's coreAddr / nicAddr / rxQueueAddr): one method per
  // target kind, so that each message is checked against its target's protocol at compile time, as a send to
  // a typed EntityRef is.

  /** To a core of this host ({@code HostKernel.coreAddr}). */
  void toCore(long coreAddress, long delay, Msg msg) {
    send(coreAddress, delay, msg);
  }

  /** To an RX queue of this host's NIC ({@code HostKernel.rxQueueAddr}). */
  void toQueue(long queueAddress, long delay, NicQueue.Msg msg) {
    send(queueAddress, delay, msg);
  }

  /** To this host's NIC ({@code HostKernel.nicAddr}). */
  void toNic(long nicAddress, long delay, NicEntity.Msg msg) {
    send(nicAddress, delay, msg);
  }

  long busyNanos() {
    return busyTotal;
  }

  /** ksoftirqd runs the pending softirqs. */
  @Override
  void runKsoftirqd() {
    mode = THREAD;
    startSoftirq(true);
  }

  // ---------------------------------------------------------------- messages

  @Override
  protected void onStart() {
    attachTelemetry(host.telemetry(telemetry()), cpu, now());
    for (Sock k : host.socks()) {
      if (k.cpu == cpu && k.sender && k.thread == k) { // a fan-in member is served by its server's thread
        addThread(k);
        if (k.tx != null) schedule(TCP_TIMER, new TcpTimer(k.id));
      } else if (k.cpu == cpu && k.rx != null) {
        schedule(TCP_TIMER, new TcpTimer(k.id)); // the receiver's delayed-ACK timer
      }
    }
    if (hasRunnable()) dispatch();
    if (cpu == 0 && host.tickNanos() > 0) schedule(host.tickNanos(), new PolicyTick());
    endOfStep();
  }

  @Override
  protected void onMessage(Msg m) {
    m.deliver(this);
    endOfStep();
    if (telemetryDue(now())) publish(now(), mode != IDLE, appStepRunning());
  }

  /** Sends this step's cross-core hand-offs, if any: one IPI per target core. */
  private void endOfStep() {
    if (!handoffsPending) return;
    handoffsPending = false;
    host.endOfStep(this);
  }

  private void onPolicyTick(PolicyTick t) {
    host.tick(this);
    if (now() + host.tickNanos() < endNanos()) schedule(host.tickNanos(), t);
  }

  /**
   * The data is readable here. Its waker (the softirq that queued it, {@link HostKernel#wakeThread}) woke the
   * reading thread if it slept then; one that went to sleep since (after it found the socket empty, before this
   * message landed) is woken now, without a waker's cost: in Linux the data was there before it slept.
   */
  private void onSockData(SockData s) {
    Sock k = host.sock(s.sock());
    host.sockData(k, s.bytes(), s.datagrams(), s.seq());
    Sock t = k.thread; // request-response: the connection's thread reads this socket
    if (t.asleep()) wake(t);
  }

  /** Starts receiver {@code k}'s compressed-ACK hrtimer on this core, expiring {@code delayNanos} from now. */
  void compAckTimer(Sock k, long delayNanos) {
    schedule(Math.max(0, delayNanos), new CompAckKick(k.id));
  }

  private void onTcpTimer(TcpTimer t) {
    host.tcpTimer(this, host.sock(t.sock()));
    if (now() + TCP_TIMER < endNanos()) schedule(TCP_TIMER, t);
    softirqIfIdle();
  }

  /** Work a timer raised runs at once when the core is idle (the timer softirq's exit). */
  private void softirqIfIdle() {
    if (mode == IDLE && softirqOnExit()) startSoftirq(false);
  }

  // ---------------------------------------------------------------- hard IRQs

  private void applyHard(HardIrq m) {
    int v = m.vector(host);
    if (v >= 0) {
      MsixVector eq = host.vector(v);
      eq.eqQueued = false;
      eq.eqSeenUntil = now() + m.costNanos(p); // the handler polls the EQ until it ends, then re-arms it
    }
    m.apply(this, true);
  }

  private void onRxIrq(int queue, boolean counted) {
    if (counted) { // an event a running handler of the vector saw raised no interrupt of its own
      host.countIrq(now());
      host.rxIrqRan(this, queue, now(), now() + p.irq);
    }
    netRx.schedule(napiFor(queue), false);
  }

  private void onTxIrq(int queue, boolean counted) {
    if (counted) host.countTxIrq(queue, now()); // mlx4_en_tx_irq: same MSI-X vector as the RX ring, in /proc/interrupts alike
    for (NetRxAction.Napi n : txNapis) if (n.queue == queue) netRx.schedule(n, false);
  }

  private NetRxAction.Napi napiFor(int q) {
    for (NetRxAction.Napi n : nicNapis) if (n.queue == q) return n;
    throw new IllegalStateException("queue " + q + " not on cpu " + cpu);
  }

  /**
   * A tick time: taken unless the core waits idle in mwait, and the next one armed with it. As {@link #onHardIrq}
   * for an interrupt without an MSI-X vector: run at once on an idle core, nested in softirq, ksoftirqd or a switch,
   * a thread's step suspended for it; during another handler it waits for that one's end and runs before the
   * interrupts queued behind it (the local APIC timer's vector outranks the devices').
   */
  private void onSchedTick() {
    tickDelivered();
    if (idleInMwait()) return;
    switch (mode) {
      case HARD -> tickPending = true;
      case IDLE -> startTick();
      case SOFTM -> nestedFor(p.tickIrqNanos, null);
      default -> {
        if (inKsoftirqd() || inSwitch()) {
          if (inSwitch()) irqInSwitch = true;
          nestedFor(p.tickIrqNanos, null);
        } else {
          closeSegment(now());
          suspend(stepRemainingNanos());
          startTick();
        }
      }
    }
    host.countLocalTimer(now(), true);
  }

  private void startTick() {
    startStep(HARD, IRQ, p.tickIrqNanos);
  }

  private void onHardIrq(HardIrq m) {
    int v = m.vector(host);
    boolean inIrqOrSoftirq = mode == HARD || mode == SOFTM || (mode == THREAD && inKsoftirqd());
    if (v >= 0 && inIrqOrSoftirq && (host.vector(v).eqQueued || now() < host.vector(v).eqSeenUntil)) {
      // one MSI-X interrupt per EQ arming: the CQ's EQE lands on an EQ whose handler is still polling it (or is
      // queued to run), so that handler schedules this NAPI too (mlx4_eq_int loop -> mlx4_cq_completion); the
      // softirq at its exit (or the running net_rx_action) polls it
      m.apply(this, false);
      return;
    }
    if (v >= 0 && mode == HARD) host.vector(v).eqQueued = true;
    switch (mode) {
      case HARD -> {
        if (hardQ == null) hardQ = new ArrayDeque<>(2);
        hardQ.add(m);
      }
      case IDLE -> startHard(m);
      case SOFTM -> nested(m);
      default -> {
        if (inKsoftirqd() || inSwitch()) { // schedule() runs with interrupts off: the handler follows it at once
          if (inSwitch()) irqInSwitch = true;
          nested(m);
        } else { // app thread: suspend it
          closeSegment(now());
          suspend(stepRemainingNanos());
          startHard(m);
        }
      }
    }
  }

  private void startHard(HardIrq m) {
    applyHard(m);
    startStep(HARD, IRQ, m.costNanos(p));
  }

  /**
   * Hard IRQ nested in softirq/ksoftirqd work: extend the current step by the handler. One that comes while an
   * earlier nested handler still runs (the interrupted work resumes at {@code segStart}, after it) runs after that
   * one: hard IRQs do not nest, and its time must not be counted twice.
   */
  private void nested(HardIrq m) {
    nestedFor(m.costNanos(p), m);
  }

  /**
   * {@link #nested} for a handler of {@code c} ns; {@code effect} applied in it, none for the scheduler tick's
   * (which has no effect beyond its time).
   */
  private void nestedFor(long c, HardIrq effect) {
    closeSegment(now());
    long from = Math.max(now(), segStart);
    account(IRQ, from, from + c, endNanos());
    if (effect != null) applyHard(effect);
    segStart = from + c;
    extendStep(c);
  }

  // ---------------------------------------------------------------- NAPI / softirq

  void scheduleCell(boolean head) {
    netRx.schedule(cellNapi, head);
  }

  void scheduleBacklog(boolean head) {
    netRx.schedule(backlogNapi, head || host.napiAtHead(head));
  }

  /** NAPI_STATE_SCHED of this core's backlog: on a poll list or being polled (an IPI on its way is the host's). */
  boolean backlogScheduled() {
    return backlogNapi.scheduled;
  }

  /** The same for this core's gro_cell. */
  boolean cellScheduled() {
    return cellNapi.scheduled;
  }

  @Override
  boolean softPending() {
    return netRx.pending();
  }

  /** __do_softirq on IRQ exit / local_bh_enable ({@code inThread} false), or in ksoftirqd. */
  @Override
  void startSoftirq(boolean inThread) {
    softInThread = inThread;
    if (!inThread) mode = SOFTM;
    netRx.start(now());
  }

  /** A step of net_rx_action's work (in softirq context, or in ksoftirqd). */
  void softStep(long costNanos) {
    if (inKsoftirqd()) ksoftirqdRan(costNanos);
    startStep(mode == IDLE ? SOFTM : mode, SOFT, costNanos);
  }

  @Override
  void stepDone() {
    closeSegment(now());
    switch (mode) {
      case HARD -> {
        if (tickPending) {
          tickPending = false;
          startTick();
          return;
        }
        HardIrq next = hardQ == null ? null : hardQ.poll();
        if (next != null) {
          startHard(next);
          return;
        }
        mode = IDLE;
        if (softirqOnExit()) {
          startSoftirq(false);
        } else {
          resumeOrDispatch();
        }
      }
      case SOFTM -> netRx.stepDone(now());
      case THREAD -> {
        if (inKsoftirqd()) netRx.stepDone(now());
        else if (inSwitch()) switchDone();
        else appStepDone();
      }
      default -> {}
    }
  }

  // ---------------------------------------------------------------- report

  @Override
  protected Object report() {
    closeSegment(endNanos());
    publishFinal(endNanos(), mode != IDLE, appStepRunning());
    return cpuReport(host.hostId(), cpu, endNanos());
  }

  record CoreReport(String host, int core, double usr, double sys, double irq, double soft, double idle) {}
}
