package org.cnemu.devices;

import java.util.TreeMap;

/**
 * A VXLAN device (drivers/net/vxlan.c): VNI, forwarding database of remote VTEPs (inner destination
 * MAC -> outer destination IP, here the remote host's index, as Docker's overlay driver programs static
 * entries from its control plane), encapsulation/decapsulation counters, and one gro_cell per CPU
 * (gro_cells_receive: a NAPI instance per CPU whose queue is bounded by netdev_max_backlog), plus
 * PRISM's high-priority cell beside each one.
 */
public final class VxlanDevice extends NetDevice {
  public final int vni;
  private final TreeMap<Long, Integer> fdb = new TreeMap<>();
  /** Per-CPU gro_cells and their high-priority companions (PRISM). */
  public final PacketQueue[] cells;
  public final PacketQueue[] cellsHi; // filled on first use (PacketQueue.at)
  private final int netdevMaxBacklog;
  public long fdbMisses;

  public VxlanDevice(String name, int ifindex, NetNamespace ns, int vni, int cpus, int netdevMaxBacklog) {
    super(name, ifindex, ns);
    this.vni = vni;
    this.netdevMaxBacklog = netdevMaxBacklog;
    cells = new PacketQueue[cpus];
    cellsHi = new PacketQueue[cpus];
    for (int c = 0; c < cpus; c++) {
      cells[c] = new PacketQueue("gro_cell", netdevMaxBacklog);
    }
  }

  @Override
  public String kind() {
    return "vxlan";
  }

  /** `bridge fdb append <mac> dev vxlan0 dst <vtep>`. */
  public void fdbAdd(long innerMac, int vtep) {
    fdb.put(innerMac, vtep);
  }

  /** The remote VTEP of {@code innerMac}, or -1 (Linux would use the default destination / drop). */
  public int fdbLookup(long innerMac) {
    Integer v = fdb.get(innerMac);
    return v == null ? -1 : v;
  }

  /**
   * vxlan_xmit: looks the inner destination up and encapsulates; -1 (counted as a drop) on a miss. tx_packets counts
   * skbs, as Linux does (iptunnel_xmit_stats: one packet per skb vxlan_xmit_one sent, a TSO or UFO skb included).
   */
  public int encap(Packet s, long innerDstMac) {
    int vtep = fdbLookup(innerDstMac);
    if (vtep < 0) {
      fdbMisses++;
      drops += s.segs();
      return -1;
    }
    txPackets++;
    return vtep;
  }

  /**
   * vxlan_rcv: the outer UDP/IP headers are gone; the skb hash survives. rx_packets counts skbs (vxlan_rcv's
   * rx_packets++, a GRO aggregate of the outer GRO included).
   */
  public void decap(Packet s) {
    rxPackets++;
  }

  /** gro_cells_receive on {@code cpu}: false (and a drop) when that CPU's cell holds netdev_max_backlog skbs. */
  public boolean groCellReceive(int cpu, Packet s, int resumeStage, boolean hi) {
    PacketQueue q = hi ? PacketQueue.at(cellsHi, cpu, "gro_cell_hi", netdevMaxBacklog) : cells[cpu];
    if (q.offer(s, resumeStage)) return true;
    drops += s.segs();
    return false;
  }
}
