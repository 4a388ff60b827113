package org.cnemu.devices;

/**
 * A veth pair: the host end (a bridge port in the host namespace) and the container end (eth0 in the
 * container's namespace). veth_xmit on one end is netif_rx on the other: the skb goes into the per-CPU
 * backlog (softnet_data.input_pkt_queue) of the CPU that transmits, bounded by netdev_max_backlog
 * (enqueue_to_backlog drops beyond it); process_backlog later runs the peer's receive path there.
 */
public final class VethPair {
  public final End host;
  public final End container;
  /** This pair's port on the bridge (host end). */
  public final int bridgePort;

  /** One end of the pair. */
  public static final class End extends NetDevice {
    End peer;

    End(String name, int ifindex, NetNamespace ns) {
      super(name, ifindex, ns);
    }

    @Override
    public String kind() {
      return "veth";
    }

    public End peer() {
      return peer;
    }

    /**
     * veth_xmit from this end: netif_rx into {@code backlog} (the current CPU's, or the one RPS / a
     * policy chose); false (a drop on the peer) when it is full.
     */
    public boolean xmit(Packet s, PacketQueue backlog, int resumeStage) {
      txPackets++;
      if (backlog.offer(s, resumeStage)) {
        peer.rxPackets++;
        return true;
      }
      peer.drops += s.segs();
      return false;
    }

    /**
     * veth_xmit whose netif_rx the caller performs (the host model's steering decides which CPU's
     * backlog, and a policy may hand it to another CPU): counts the skb on both ends.
     */
    public void xmitCounted() {
      txPackets++;
      peer.rxPackets++;
    }
  }

  public VethPair(String hostName, int hostIfindex, NetNamespace hostNs, int containerIfindex, NetNamespace containerNs,
      int bridgePort) {
    host = new End(hostName, hostIfindex, hostNs);
    container = new End("eth0", containerIfindex, containerNs);
    host.peer = container;
    container.peer = host;
    this.bridgePort = bridgePort;
  }
}
