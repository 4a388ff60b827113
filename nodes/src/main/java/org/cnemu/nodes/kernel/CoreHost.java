package org.cnemu.nodes.kernel;

import java.util.List;
import org.cnemu.devices.Profile;
import org.cnemu.emulator.telemetry.Telemetry;
import org.cnemu.kernel.api.SteeringPolicy;

/**
 * What a {@link CoreEntity} needs of its host: the costs and limits it runs with, the NAPI instances
 * it polls, what its hard interrupts, IPIs and timers do, and its threads' steps. The kernel model's
 * implementation is {@link KernelCoreHost}; a test can script one to run a core alone.
 */
interface CoreHost {
  /** Costs and limits (IRQ and IPI handler costs, net_rx_action budget and weight, softirq restarts, slice). */
  Profile profile();

  long warmupNanos();

  String hostId();

  /** How net_rx_action takes NAPI instances from the poll list (the steering policy's choice). */
  SteeringPolicy.PollMode pollMode();

  /** Whether a NAPI instance being scheduled goes to the head of the poll list (the steering policy's choice). */
  boolean napiAtHead(boolean highPriorityWork);

  /** Period of the steering policy's tick on core 0, ns; 0 = none. */
  long tickNanos();

  void tick(CoreEntity c);

  /**
   * The scheduler tick on this host's busy cores: its period, ns (0: none). A scripted host (a test) has none unless
   * it says so.
   */
  default long schedTickPeriodNanos() {
    return 0;
  }

  /** Where this host's ticks fall: at virtual times phase + k x period, all its cores alike (sched_skew_tick = 0). */
  default long schedTickPhaseNanos() {
    return 0;
  }

  /**
   * A local APIC timer interrupt taken at {@code nowNanos} (/proc/interrupts' LOC line; counted in the measured
   * window): the scheduler tick ({@code tick}) or a timed sleep's hrtimer.
   */
  default void countLocalTimer(long nowNanos, boolean tick) {}

  // NAPI instances of core {@code cpu}: RX queues and TX completion queues whose MSI-X vector is affine to it,
  // its gro_cell and its backlog

  NetRxAction.Napi[] rxNapis(int cpu);

  NetRxAction.Napi[] txNapis(int cpu);

  NetRxAction.Napi cellNapi(int cpu);

  NetRxAction.Napi backlogNapi(int cpu);

  // hard interrupts

  /** MSI-X vector {@code vector} (and its event queue): its EQ state and IRQ counters. */
  MsixVector vector(int vector);

  int vectorOfTxQueue(int txq);

  /** The hard IRQ of RX queue {@code queue} runs on core {@code c} from {@code from} to {@code to} (journeys). */
  default void rxIrqRan(CoreEntity c, int queue, long from, long to) {}

  /** An RX queue's hard interrupt taken at {@code nowNanos} (/proc/interrupts; counted in the measured window). */
  void countIrq(long nowNanos);

  /**
   * TX queue {@code txq}'s completion interrupt taken at {@code nowNanos}: one more hard interrupt of the host and
   * of the ring (counted in the measured window). An event that a running handler of its vector saw is none.
   */
  void countTxIrq(int txq, long nowNanos);

  /** One more net_rx_action invocation on the host, at {@code nowNanos} (/proc/softirqs; counted in the measured window). */
  void countNetRxAction(long nowNanos);

  /** Another core's hand-offs land in this core's backlog / gro_cell queues. */
  void handed(CoreEntity c, CoreEntity.Handed m);

  /** The IPI handler: schedules the NAPI instances that {@code m} names. */
  void ipi(CoreEntity c, CoreEntity.NapiIpi m);

  /**
   * The end of core {@code c}'s net_rx_action, {@code offsetNanos} after now: sends the IPIs of {@link
   * CoreEntity#ipisQueued} (net_rps_send_ipi); returns their CPU time.
   */
  long sendIpis(CoreEntity c, long offsetNanos);

  /**
   * Called after a message (or the start) whose step set {@link CoreEntity#handoffsPending}: sends the step's
   * cross-core hand-offs (one {@link CoreEntity.Handed} per target).
   */
  void endOfStep(CoreEntity c);

  /** The host's live telemetry, created on first use; null without a backend. */
  KernelTelemetry telemetry(Telemetry t);

  // timers

  void mergeTimer(CoreEntity c, int flow);

  void tcpTimer(CoreEntity c, Sock k);

  // threads and sockets

  List<Sock> socks();

  Sock sock(int id);

  /** Bytes or a datagram became readable in {@code k}. */
  void sockData(Sock k, long bytes, int datagrams, long seq);

  /**
   * One step of {@code k}'s thread: {usr, sys} ns (read at once: the next step may reuse the array), or null when it
   * must sleep.
   */
  long[] appStep(CoreEntity c, Sock k);

  /**
   * Whether thread {@code k} blocks in the kernel when it has nothing to do (schedule(): it is switched out and
   * in again), rather than polling a FreeFlow ring in user space.
   */
  boolean blocksInKernel(Sock k);

  /** release_sock of TCP socket {@code k} at the end of the owner's step on {@code c}: the sys time it takes. */
  long releaseSock(CoreEntity c, Sock k);

  void shmData(CoreEntity c, CoreEntity.ShmData m);

  void shmSpace(CoreEntity c, CoreEntity.ShmSpace m);

  void shmConnected(CoreEntity c, CoreEntity.ShmConnected m);
}
