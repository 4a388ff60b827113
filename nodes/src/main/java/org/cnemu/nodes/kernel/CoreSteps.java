package org.cnemu.nodes.kernel;

/**
 * The steps of one core: what it runs ({@link #mode}: idle, a hard IRQ, softirq on IRQ exit, a thread), when
 * the running step ends, and the {@link CoreEntity.Done} message that ends it, stale once a newer step (or a
 * step extended by a nested hard IRQ) replaced it. The step ends are recycled through a free list that the core
 * allocates with itself (at most two are pending at once: a step's and a stale one).
 *
 * <p>A base class of {@link CoreEntity} (like {@link CpuTime} and {@link CoreThreads}): the step state is
 * fields of the core, so a step end reads no object beyond the message and the core.
 */
abstract class CoreSteps extends CoreThreads {
  static final int IDLE = 0, HARD = 1, SOFTM = 2, THREAD = 3;
  /** What the core runs: {@link #IDLE}, {@link #HARD}, {@link #SOFTM} (softirq on IRQ exit) or {@link #THREAD}. */
  int mode = IDLE;
  /** Generation of the running step: a {@link CoreEntity.Done} of another generation is stale. */
  private long gen;
  private long stepEnd;
  /** Delivered {@link CoreEntity.Done} messages, reused by the next steps. */
  private CoreEntity.Done freeDone;
  /** {@link CoreEntity.Done} messages this core allocated (for tests: bounded by those pending at once). */
  int donesAllocated;
  /**
   * The scheduler tick's period on this host (0: none) and this core's next tick time on the host's grid (phase +
   * k x period), ns; whether a tick is on its way to this core (for that time).
   */
  private final long tickPeriodNanos;
  private long nextTickNanos;
  private boolean tickArmed;

  CoreSteps(CoreHost host) {
    super(host);
    tickPeriodNanos = host.schedTickPeriodNanos();
    nextTickNanos = host.schedTickPhaseNanos();
    // two step ends allocated with the core, so the one each step delivers shares the core's pages and lines
    // instead of being a cold object of its own
    CoreEntity.Done first = done(0);
    first.next = done(0); // (the free list is still empty: both are new)
    freeDone = first;
  }

  /** The running step ended (its {@link CoreEntity.Done} was current): what the core runs decides what follows. */
  abstract void stepDone();

  /** Starts a step of {@code duration} ns in {@code newMode}, its time accounted to {@code cat}. */
  final void startStep(int newMode, int cat, long duration) {
    mode = newMode;
    startSegment(cat, now());
    stepEnd = now() + Math.max(1, duration);
    if (tickPeriodNanos > 0 && !tickArmed) tickIfCovered();
    schedule(stepEnd - now(), done(++gen));
  }

  /**
   * The running step covers the core's next tick time: the tick comes then (the core is busy at that time). The
   * message is sent by the step that covers the time, so it is near (within a step), and a core idle at a tick
   * time (CONFIG_NO_HZ_IDLE: its idle loop stopped the tick) gets none; the tick times it slept through are
   * skipped (tick_nohz_restart forwards the tick on its period's grid).
   */
  private void tickIfCovered() {
    long now = now();
    if (nextTickNanos < now) nextTickNanos += (now - nextTickNanos + tickPeriodNanos - 1) / tickPeriodNanos * tickPeriodNanos;
    if (nextTickNanos < stepEnd) {
      tickArmed = true;
      schedule(nextTickNanos - now, CoreEntity.SchedTick.TICK);
    }
  }

  /** The armed tick arrived: the next one is a period later. */
  final void tickDelivered() {
    tickArmed = false;
    nextTickNanos += tickPeriodNanos;
  }

  /** A nested hard IRQ extends the running step by its handler's {@code costNanos}; the old step end goes stale. */
  final void extendStep(long costNanos) {
    stepEnd += costNanos;
    if (tickPeriodNanos > 0 && !tickArmed) tickIfCovered();
    schedule(stepEnd - now(), done(++gen));
  }

  /** What is left of the running step. */
  final long stepRemainingNanos() {
    return stepEnd - now();
  }

  /** Step end {@code d} is delivered: it returns to the free list, and ends the step unless it is stale. */
  final void stepEnded(CoreEntity.Done d) {
    long g = d.gen;
    d.next = freeDone; // the engine let go of the message before delivering it
    freeDone = d;
    if (g == gen) stepDone();
  }

  /** A {@link CoreEntity.Done} of generation {@code g}: a delivered one if any, else a new one. */
  private CoreEntity.Done done(long g) {
    CoreEntity.Done d = freeDone;
    if (d == null) {
      donesAllocated++;
      return new CoreEntity.Done(g);
    }
    freeDone = d.next;
    d.next = null;
    d.gen = g;
    return d;
  }

  /** Accounts the running segment up to {@code t}. */
  final void closeSegment(long t) {
    closeSegment(t, endNanos(), mode == IDLE, appStepRunning());
  }

  final boolean appStepRunning() {
    return mode == THREAD && appRunning();
  }

  @Override
  final boolean idle() {
    return mode == IDLE;
  }

  @Override
  final void setIdle() {
    mode = IDLE;
  }

  /** A step of schedule() switching a thread in or out: {@code costNanos} of sys time. */
  @Override
  final void runSwitchStep(long costNanos) {
    startStep(THREAD, CoreEntity.SYS, costNanos);
  }

  /** A step of the app thread the scheduler picked: {@code usr} + {@code sys} ns. */
  @Override
  final void runAppStep(long usr, long sys) {
    stepUsr = usr;
    stepSys = sys;
    startStep(THREAD, CoreEntity.SYS, usr + sys);
  }
}
