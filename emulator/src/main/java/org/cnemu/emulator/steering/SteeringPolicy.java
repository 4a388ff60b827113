package org.cnemu.emulator.steering;

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

  /** Whether the skb goes to the high-priority queue of the next stage (PRISM). Default: never. */
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

  /** Called by the host every {@link #tickNanos()} of virtual time (Falcon's load EWMA); 0 = never. */
  default long tickNanos() {
    return 0;
  }

  default void onTick(StageContext host) {}

  /**
   * Whether the TRANSPORT boundary must deliver in sequence per flow (mFlow's merge). The host model
   * then keeps a per-flow reorder buffer before TCP. Default false.
   */
  default boolean mergeBeforeTransport() {
    return false;
  }
}
