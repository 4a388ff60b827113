package org.cnemu.nodes.kernel;

import org.cnemu.devices.Journey;
import org.cnemu.devices.Packet;

/**
 * The stages a sampled packet's {@link Journey} names (results: {@code journeys}), in path order, and the
 * one-line hooks the stage code calls. A hook does nothing for an unsampled packet (its journey is null),
 * so a run without sampling takes the same path as before, at the cost of a null check per stage.
 *
 * <p>Which packets are sampled is a pure function of (run seed, flow, the skb's place in the flow): no
 * random stream is drawn, so sampling changes no other result, and every partition and JVM picks the
 * same packets.
 */
final class Journeys {
  private Journeys() {}

  static final int SOCKET_SEND = 0; // sendmsg / tcp_write_xmit: the transport builds the skb
  static final int IP_TX = 1; // IP output, VXLAN encap (Linux overlay), the container's veth xmit (Docker)
  static final int TX_BACKLOG = 2; // Docker: the host-side backlog of the veth, bridge, VXLAN encap
  static final int DRIVER_TX = 3; // the driver's xmit (and the TX ring post)
  static final int NIC_TX = 4; // queueing: qdisc and TX queue behind earlier skbs; service: serialization
  static final int LINK = 5; // propagation
  static final int SWITCH = 6; // queueing: the output port's queue; service: serialization onto the next link
  static final int IRQ = 7; // queueing: ring wait + interrupt moderation + IRQ latency; service: hardirq
  static final int NAPI_POLL = 8; // queueing: until the NAPI poll reaches it; service: driver RX
  static final int STEER = 9; // cross-core hand-off (enqueue to another core's backlog/gro_cell + IPI)
  static final int BACKLOG = 10; // process_backlog of a split-off stage on the core the policy picked
  static final int GRO = 11; // GRO on the pNIC NAPI (or after a split)
  static final int VXLAN = 12; // IP, outer UDP, VXLAN decap
  static final int IP_RX = 13; // IP receive (native; inner IP of a Linux overlay; the container netns)
  static final int GRO_CELL = 14; // queueing: vxlan0's gro_cell; service: inner GRO
  static final int BRIDGE = 15; // bridge, netfilter, veth xmit (Docker)
  static final int VETH_BACKLOG = 16; // queueing: the per-CPU backlog behind the veth; service: process_backlog
  static final int SOCKET_RX = 17; // tcp_v4_rcv / udp_rcv into the socket (after mFlow's reorder buffer)
  static final int SHM_RING = 18; // FreeFlow: the shared-memory ring (the cache-line transfer)
  static final int APP_READ = 19; // queueing: the socket queue and the wakeup; service: recvmsg's copy
  static final String[] NAMES = {"socket_send", "ip_tx", "tx_backlog", "driver_tx", "nic_tx", "link", "switch",
      "irq", "napi_poll", "steer", "backlog", "gro", "vxlan", "ip_rx", "gro_cell", "bridge", "veth_backlog",
      "socket_rx", "shm_ring", "app_read"};
  static final int STAGES = NAMES.length;

  /** Flow {@code flow}'s phase among {@code every} (which skb of each {@code every} is sampled), from the run's seed. */
  static long phase(long seed, int flow, int every) {
    long z = seed + (flow + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return Long.remainderUnsigned(z, every);
  }

  /** Stage {@code st} served {@code s} on core {@code c} from {@code fromOff} to {@code toOff} ns into the core's step. */
  static void mark(HostKernel h, Packet s, int st, CoreEntity c, long fromOff, long toOff) {
    Journey j = s.journey();
    if (j == null) return;
    long now = c.nowNs();
    j.add(st, h.where(c.cpu), now + fromOff, now + toOff);
  }

  /** The last stage of {@code s} went on until {@code toOff} ns into the step (a local enqueue). */
  static void extend(Packet s, CoreEntity c, long toOff) {
    Journey j = s.journey();
    if (j != null) j.extendTo(c.nowNs() + toOff);
  }
}
