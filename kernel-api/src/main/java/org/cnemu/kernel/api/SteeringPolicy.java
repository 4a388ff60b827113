package org.cnemu.kernel.api;

/**
 * A packet-steering policy: decides per skb at each {@link Boundary} which core runs the next stage
 * (and with what priority), and per core in which order pending NAPI instances are served. One
 * instance per host, created by {@link SteeringPolicyProvider#create}; it is called only from that
 * host's partition, so it may keep plain mutable state, but must be deterministic (no wall clock, no
 * identity hashes, no HashMap iteration order leaking into decisions).
 *
 * <p>A policy adds mechanisms, never cost factors: its effect must come from where and when the
 * host model runs the work it is told to place.
 */
public interface SteeringPolicy {
  /** The policy name as written in experiment files. */
  String name();

  /**
   * The core that runs the stage after {@code boundary} for this skb. Return {@code ctx.cpu()} to
   * stay (vanilla). A different core means a cross-core enqueue (+IPI) in the host model.
   */
  int targetCpu(Boundary boundary, StageContext ctx);

  /**
   * Whether the skb goes to the high-priority queue of the next stage (PRISM), asked at GRO_CELL and
   * BACKLOG. The host model keeps a high-priority queue beside every per-CPU gro_cell and backlog,
   * drains it first and without quota when the NAPI instance is polled, and schedules the instance
   * with {@link #scheduleAtHead}{@code (true)}. Default: never.
   */
  default boolean highPriority(Boundary boundary, StageContext ctx) {
    return false;
  }

  /**
   * Whether the skb runs all remaining stages at once on the current core, without gro_cell/backlog
   * queueing (PRISM-sync for high-priority packets). Default: never.
   */
  default boolean runToCompletion(Boundary boundary, StageContext ctx) {
    return false;
  }

  /** How net_rx_action takes NAPI instances from the poll list. */
  enum PollMode {
    /** Linux: splice the whole poll list at entry; instances scheduled during a run wait for the next run. */
    SPLICE,
    /** PRISM: pop one instance at a time from the head, so newly scheduled high-priority work can jump ahead. */
    POP_HEAD
  }

  default PollMode pollMode() {
    return PollMode.SPLICE;
  }

  /**
   * Where a NAPI instance being scheduled on a core goes in its poll list: false = tail (Linux),
   * true = head (PRISM moves a backlog with high-priority work to the head).
   */
  default boolean scheduleAtHead(boolean highPriorityWork) {
    return false;
  }

  /**
   * Period of {@link #onTick}, virtual ns; 0 = never. The host calls {@code onTick} at every
   * multiple of it (from its core 0), with a context whose {@code busyNanos(cpu)} gives each core's
   * cumulative busy time (Falcon's load EWMA); the per-skb accessors of that context are undefined.
   */
  default long tickNanos() {
    return 0;
  }

  default void onTick(StageContext host) {}

  /**
   * Whether packets handed to another core at {@link Boundary#AFTER_DRIVER} still go through GRO
   * there (Falcon's softirq splitting and mFlow's early split: yes; PRISM's first-stage split of
   * low-priority packets: no, they lose GRO as in the real patch). Default true.
   */
  default boolean groAfterSplit(StageContext ctx) {
    return true;
  }

  /**
   * Kernel bypass (FreeFlow): asked once per flow endpoint when the host builds its sockets. Return
   * a channel spec to carry the flow through a shared-memory ring instead of the kernel, or null
   * (default) for the kernel path. The host model calls it only with {@code sameHost} telling whether
   * both containers are on this host; a policy returns null for flows between hosts, which then take
   * the overlay path.
   */
  default SharedMemorySpec sharedMemory(boolean sameHost, int flowId) {
    return null;
  }

  /**
   * Whether the TRANSPORT boundary must deliver in sequence per flow (mFlow's merge). The host model
   * then keeps a per-flow reorder buffer before TCP/UDP (ordered by TCP sequence, or by datagram and
   * fragment for UDP), releasing skbs only in order. Default false.
   */
  default boolean mergeBeforeTransport() {
    return false;
  }

  /**
   * How long the reorder buffer holds skbs behind a gap (a packet lost before the merge) before it
   * gives up on the gap and releases what it holds in order; ns.
   */
  default long mergeTimeoutNanos() {
    return 1_000_000;
  }
}
