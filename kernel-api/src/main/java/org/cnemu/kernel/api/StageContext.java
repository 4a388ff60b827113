package org.cnemu.kernel.api;

/**
 * What a policy may know about one skb at a stage boundary and about the host it runs on. The host
 * model implements it; a policy must not keep a reference past the call.
 */
public interface StageContext {
  /** Virtual time now, ns. */
  long now();

  /** The core running the current stage. */
  int cpu();

  /** Number of cores of the host. */
  int cpus();

  /** The skb hash (RSS/flow hash; survives VXLAN decap, so every stage of a flow sees the same one). */
  int flowHash();

  /** Interface index of the device whose stage comes next (pNIC, vxlan0, veth...): Falcon hashes it. */
  int ifindex();

  /** Flow id (stable, unique in the run); -1 when unknown (e.g. ACKs of foreign flows). */
  int flowId();

  /** Priority tag of the flow: 0 = normal, higher = more important (PRISM). */
  int priority();

  /** Wire packets in this skb (a GRO super-packet carries several). */
  int segments();

  /** Core of the flow's last recvmsg on this host (RFS's sock_rps_record_flow), or -1. */
  int lastRecvCpu();

  /**
   * Packets ever enqueued to / dequeued from {@code cpu}'s backlog (RFS: a flow may move only when
   * the old core has dequeued past the flow's last enqueue).
   */
  long backlogEnqueued(int cpu);

  long backlogDequeued(int cpu);

  /** Cumulative busy time (irq + soft + sys + usr) of {@code cpu} since the start, ns (Falcon's load). */
  long busyNanos(int cpu);

  /** True on the transmit path (the sender's veth -> backlog hand-off), false on the receive path. */
  default boolean transmit() {
    return false;
  }

  /** True when the skb carries no payload (a pure TCP ACK): mFlow splits only data. */
  default boolean pureAck() {
    return false;
  }
}
