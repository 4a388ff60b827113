package org.cnemu.kernel.api;

/**
 * The stage boundaries of the receive path where a steering policy may move work to another core.
 * The host model asks {@link SteeringPolicy#targetCpu} at each one, per skb (a GRO super-packet
 * counts as one skb), and enqueues the next stage on the answer.
 */
public enum Boundary {
  /**
   * After the pNIC driver stage, before GRO ("softirq splitting", Falcon; mFlow's early split
   * point; PRISM's first-stage split). Vanilla: stay on the current core.
   */
  AFTER_DRIVER,
  /** After pNIC GRO and IP, before the protocol/tunnel stage (RPS: get_rps_cpu in netif_receive_skb). */
  AFTER_GRO,
  /** VXLAN decap hands the inner packet to the VXLAN device's gro_cell (gro_cells_receive). */
  GRO_CELL,
  /** veth_xmit -> netif_rx -> enqueue_to_backlog (the container-side per-CPU backlog). */
  BACKLOG,
  /** Just before the transport (TCP/UDP) of the destination namespace (mFlow merge point). */
  TRANSPORT
}
