package org.cnemu.nodes.kernel;

import static org.cnemu.nodes.kernel.HostKernel.IF_PNIC;
import static org.cnemu.nodes.kernel.HostKernel.IF_VETH;
import static org.cnemu.nodes.kernel.HostKernel.IF_VXLAN;
import static org.cnemu.nodes.kernel.HostKernel.S_CELL;
import static org.cnemu.nodes.kernel.HostKernel.S_CONT;
import static org.cnemu.nodes.kernel.HostKernel.S_GRO;
import static org.cnemu.nodes.kernel.HostKernel.S_L3;
import static org.cnemu.nodes.kernel.HostKernel.S_TX_HOST;

import java.util.ArrayList;
import java.util.List;
import org.cnemu.devices.Gro;
import org.cnemu.devices.Packet;
import org.cnemu.devices.PacketQueue;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.cnemu.devices.TxRing;
import org.cnemu.devices.VethPair;
import org.cnemu.devices.VxlanDevice;
import org.cnemu.devices.BridgeDevice;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.SteeringPolicy;

/**
 * The receive path of one host: the NAPI polls (pNIC driver and GRO, gro_cell, backlog, TX
 * completion) and the stages after them (IP, VXLAN decap, bridge and veth, the container's IP), up
 * to the destination namespace's transport ({@link TransportRx}: UDP and TCP sockets, behind mFlow's
 * reorder buffer when the policy asks for it). Every method runs on the core that passes itself in,
 * returns the CPU time it took, and stamps its effects {@code offset} ns into the core's current step.
 */
final class RxPath {
  private final HostKernel h;
  private final Profile p;
  private final SteeringPolicy policy;
  private final SteeringStats stats;
  private final StackKind stack;
  private final VxlanDevice vxlan;
  private final BridgeDevice bridge;
  private final PacketQueue[] groCell;
  private final PacketQueue[] groCellHi;
  private final PacketQueue[] backlog;
  private final PacketQueue[] backlogHi;
  private final long[] macSrc;
  private final long[] macDst;
  private final VethPair[] vethOf;
  /**
   * A pNIC poll's packets after the driver and what its GRO sends up: kept and cleared per poll, where two lists
   * and their arrays per poll were ~23 % of a star run's allocation.
   */
  private final ArrayList<Packet> nicBatch = new ArrayList<>();
  private final ArrayList<Packet> nicUp = new ArrayList<>();

  RxPath(HostKernel h) {
    this.h = h;
    this.p = h.p;
    this.policy = h.policy;
    this.stats = h.stats;
    this.stack = h.stack;
    this.vxlan = h.vxlan;
    this.bridge = h.bridge;
    this.groCell = h.groCell;
    this.groCellHi = h.groCellHi;
    this.backlog = h.backlog;
    this.backlogHi = h.backlogHi;
    this.macSrc = h.macSrc;
    this.macDst = h.macDst;
    this.vethOf = h.vethOf;
  }

  /**
   * The driver's RX loop over the packets of {@code ring} arrived by now, up to {@code quota}: driver, then
   * napi_gro_receive of each into {@code gro} (the NAPI's GRO list, kept over the poll), then the rest of the
   * path for what GRO sends up now, starting {@code offsetNanos} into the poll; what GRO holds goes up at
   * {@link #flushGro}. Sets {@code napi.work} to the packets taken and returns their CPU time (0 when none had
   * arrived).
   */
  long pollNic(CoreEntity c, NicQueue ring, int quota, long offsetNanos, NetRxAction.Napi napi, Gro gro) {
    long now = c.nowNs();
    int k = Math.min(quota, ring.ready(now));
    napi.work = k;
    long cost = offsetNanos;
    if (k == 0) return 0;
    // the poll's lists are the path's own, cleared per poll (a poll never runs inside another on one host)
    ArrayList<Packet> batch = nicBatch;
    batch.clear();
    for (int i = 0; i < k; i++) {
      Packet pk = ring.poll();
      if (pk.journey() != null) {
        h.journeys.polled(ring.queue, pk.journey());
        Journeys.mark(h, pk, Journeys.NAPI_POLL, c, cost, cost + p.driverRx);
      }
      cost += p.driverRx;
      stats.ranStage(c.cpu, pk, now);
      int t = policy.targetCpu(Boundary.AFTER_DRIVER, h.view.ctx(c, pk, IF_PNIC));
      if (t != c.cpu) {
        // split before GRO (Falcon softirq splitting, mFlow early split, PRISM low-priority split)
        cost += h.handoff.remote(c, pk, t, false, policy.groAfterSplit(h.view.ctx(c, pk, IF_PNIC)) ? S_GRO : S_L3, cost);
      } else {
        batch.add(pk);
      }
    }
    cost += groAndL3(c, batch, gro, cost);
    return cost - offsetNanos;
  }

  /**
   * napi_gro_flush of a pNIC queue's GRO list at the end of its poll: what it held goes up the stack, except,
   * with {@code keepJiffy} >= 0, what was held in that jiffy. Returns the CPU time.
   */
  long flushGro(CoreEntity c, Gro gro, long keepJiffy) {
    if (gro.held() == 0) return 0;
    List<Packet> up = new ArrayList<>(gro.held());
    gro.flush(keepJiffy, up);
    return l3(c, up, 0);
  }

  /** The jiffy of the core's step {@code offsetNanos} in (the kernel's jiffies, 1 / kernel.hz). */
  long jiffy(CoreEntity c, long offsetNanos) {
    return (c.nowNs() + offsetNanos) / p.jiffyNanos;
  }

  /**
   * GRO of {@code batch} into {@code gro} (null: a list of its own, flushed at the batch's end), then the rest
   * of the path for what goes up.
   */
  private long groAndL3(CoreEntity c, List<Packet> batch, Gro gro, long offset) {
    long cost = 0;
    if (batch.isEmpty()) return 0;
    if (p.gro) {
      long per = p.groPerPkt + (stack.overlay() && p.tunnelOffload ? p.groTunnel : 0);
      if (h.journeys != null) {
        for (int i = 0; i < batch.size(); i++) {
          Journeys.mark(h, batch.get(i), Journeys.GRO, c, offset + i * per, offset + (i + 1) * per);
        }
      }
      cost += (long) batch.size() * p.groPerPkt;
      // Without tunnel RX offload the outer GRO cannot aggregate VXLAN packets (inner csum unverified).
      if (stack.overlay() && p.tunnelOffload) cost += (long) batch.size() * p.groTunnel;
      if (!stack.overlay() || p.tunnelOffload) {
        if (gro == null) {
          batch = Gro.coalesce(batch, p.groMaxSegs);
        } else {
          ArrayList<Packet> up = nicUp;
          up.clear();
          long jiffy = jiffy(c, offset);
          for (int i = 0; i < batch.size(); i++) gro.receive(batch.get(i), jiffy, up);
          batch = up;
        }
      }
    }
    return cost + l3(c, batch, offset + cost);
  }

  /** The skbs GRO sent up: boundary AFTER_GRO (RPS/RFS), then IP on this core or the policy's. */
  private long l3(CoreEntity c, List<Packet> up, long offset) {
    long cost = 0;
    for (int i = 0; i < up.size(); i++) {
      Packet s = up.get(i);
      stats.ranStage(c.cpu, s, c.nowNs());
      int t = policy.targetCpu(Boundary.AFTER_GRO, h.view.ctx(c, s, IF_PNIC));
      if (t != c.cpu) {
        cost += h.handoff.remote(c, s, t, false, S_L3, offset + cost);
      } else {
        cost += rx(c, S_L3, s, offset + cost);
      }
    }
    return cost;
  }

  /**
   * gro_cell_poll of this core's cell, up to {@code quota}; {@code done}: -1 for a new poll, else the skbs the poll
   * took before this re-read of its queue (no poll cost, PRISM's high-priority queue left to its reschedule).
   */
  long pollGroCell(CoreEntity c, int quota, NetRxAction.Napi napi, int done) {
    PacketQueue q = groCell[c.cpu];
    long cost = done < 0 ? p.napiPoll : 0;
    List<Packet> batch = new ArrayList<>();
    PacketQueue hq = groCellHi[c.cpu];
    while (done < 0 && !PacketQueue.isEmpty(hq)) { // PRISM: the high-priority queue drains first, without quota
      Packet s = hq.poll();
      stats.dequeued(s, c.cpu, c.nowNs());
      batch.add(s);
    }
    int hi = batch.size();
    if (!q.isEmpty() && done <= 0) stats.loBatches[c.cpu]++;
    int n = 0;
    while (n < quota && !q.isEmpty()) {
      Packet s = q.poll();
      stats.dequeued(s, c.cpu, c.nowNs());
      batch.add(s);
      n++;
    }
    napi.work = n;
    h.groCellSkbs += n + hi;
    for (Packet s : batch) stats.ranStage(c.cpu, s, c.nowNs());
    if (p.gro) {
      for (Packet s : batch) {
        long b = cost;
        cost += (long) s.segs() * p.groPerPkt;
        Journeys.mark(h, s, Journeys.GRO_CELL, c, b, cost);
      }
      batch = Gro.coalesce(batch, p.groMaxSegs);
    } else if (h.journeys != null) {
      for (Packet s : batch) Journeys.mark(h, s, Journeys.GRO_CELL, c, cost, cost);
    }
    for (Packet s : batch) cost += rx(c, S_CELL, s, cost);
    return cost;
  }

  /** process_backlog took {@code s} (bound for stage {@code st}) off a backlog at {@code cost}: the cost after it. */
  private long dequeued(CoreEntity c, int st, Packet s, long cost) {
    stats.dequeued(s, c.cpu, c.nowNs());
    if (st != S_TX_HOST) stats.ranStage(c.cpu, s, c.nowNs());
    Journeys.mark(h, s, backlogStage(st), c, cost, cost + p.backlogPoll);
    return cost + p.backlogPoll;
  }

  /** process_backlog of this core's backlog, up to {@code quota}; {@code done} as for {@link #pollGroCell}. */
  long pollBacklog(CoreEntity c, int quota, NetRxAction.Napi napi, int done) {
    PacketQueue q = backlog[c.cpu];
    long cost = done < 0 ? p.napiPoll : 0;
    int n = 0;
    List<Packet> groBatch = null;
    PacketQueue hq = backlogHi[c.cpu];
    int hi = 0;
    while (done < 0 && !PacketQueue.isEmpty(hq)) { // PRISM: the high-priority queue drains first, without quota
      int st = hq.peekStage();
      Packet s = hq.poll();
      hi++;
      cost = dequeued(c, st, s, cost);
      if (st == S_TX_HOST) cost += h.tx.txHost(c, s, cost);
      else cost += rx(c, st, s, cost);
    }
    h.backlogSkbs += hi;
    if (!q.isEmpty() && done <= 0) stats.loBatches[c.cpu]++;
    while (n < quota && !q.isEmpty()) {
      int st = q.peekStage();
      Packet s = q.poll();
      n++;
      cost = dequeued(c, st, s, cost);
      if (st == S_GRO) {
        if (groBatch == null) groBatch = new ArrayList<>();
        groBatch.add(s);
        continue;
      }
      if (st == S_TX_HOST) cost += h.tx.txHost(c, s, cost);
      else cost += rx(c, st, s, cost);
    }
    if (groBatch != null) cost += groAndL3(c, groBatch, null, cost);
    napi.work = n;
    h.backlogSkbs += n;
    return cost;
  }

  /**
   * An unfragmented packet, or a datagram's last fragment: conntrack's hooks see the datagram once, after nf_defrag
   * gathered its fragments.
   */
  private static boolean completesDatagram(Packet s) {
    return !s.fragmented() || s.ufo() || s.frag() == s.frags() - 1;
  }

  /**
   * The bridge forwarding an skb with Docker's rules and conntrack in the host netns (br_netfilter). An IP fragment
   * is gathered first: br_handle_frame hands it to br_nf_pre_routing, whose IPv4 PRE_ROUTING hooks start with
   * nf_defrag_ipv4 (ip_defrag with IP_DEFRAG_CONNTRACK_BRIDGE_IN), so conntrack, the FDB lookup, br_forward and the
   * tables run once per datagram, on the fragment that completes it, and br_nf_dev_queue_xmit fragments the datagram
   * again for the egress port (br_nf_ip_fragment): per fragment ip-defrag + ip-frag (Linux 4.4
   * net/bridge/br_netfilter_hooks.c, net/ipv4/netfilter/nf_defrag_ipv4.c). A UFO skb is one IP packet, not a
   * fragment: nothing to gather, and br_nf_dev_queue_xmit sends a GSO skb on whole.
   */
  static long bridgeForward(Profile p, Packet s) {
    if (!s.fragmented() || s.ufo()) return p.bridge + p.netfilter;
    return p.ipDefrag + p.ipFrag + (completesDatagram(s) ? p.bridge + p.netfilter : 0);
  }

  /** The journey stage of process_backlog for an skb queued to resume at {@code st}. */
  private static int backlogStage(int st) {
    return st == S_TX_HOST ? Journeys.TX_BACKLOG : st == S_CONT ? Journeys.VETH_BACKLOG : Journeys.BACKLOG;
  }

  /**
   * TX completion NAPI (mlx4_en_poll_tx_cq -> mlx4_en_process_tx_cq, Linux 4.4): frees the completed
   * descriptors (up to MLX4_EN_DEFAULT_TX_WORK = 256 per poll; TX NAPI work does not consume the
   * net_rx_action budget). A stopped queue with room again is woken (netif_tx_wake_queue ->
   * __netif_schedule raises NET_TX; net_tx_action runs in the same __do_softirq pass).
   * Returns the cost; {@code napi.work} = descriptors freed.
   */
  long pollTx(CoreEntity c, TxRing r, NetRxAction.Napi napi) {
    int n = r.clean(c.nowNs(), HostNapis.TX_WORK);
    napi.work = n;
    long cost = p.napiPoll + (long) n * p.txClean;
    if (r.wakeIfRoom()) {
      h.netTx++;
      cost += p.netTxAction;
    }
    return cost;
  }

  /** Runs the receive path of {@code s} from {@code stage} until it is queued or delivered. */
  long rx(CoreEntity c, int stage, Packet s, long offset) {
    long cost = 0;
    switch (stage) {
      case S_L3 -> {
        cost += p.ipRx;
        if (!stack.overlay()) {
          // host netns: Docker's conntrack and rules (PREROUTING + INPUT); nf_defrag gathers the
          // fragments of a datagram first, so conntrack runs once per datagram
          if (completesDatagram(s)) cost += p.netfilter;
          Journeys.mark(h, s, Journeys.IP_RX, c, offset, offset + cost);
          return cost + h.l4.rx(c, s, offset + cost);
        }
        // the outer VXLAN packet passes the host netns's PREROUTING + INPUT before encap_rcv, on both overlays; not
        // charged on either (docs/datapath.md, "Known gaps")
        cost += p.udpRx + p.vxlanDecap;
        vxlan.decap(s);
        if (!p.tunnelOffload && !s.udp()) cost += p.csum(s.len());
        Journeys.mark(h, s, Journeys.VXLAN, c, offset, offset + cost);
        if (policy.runToCompletion(Boundary.GRO_CELL, h.view.ctx(c, s, IF_VXLAN))) {
          if (s.prio() > 0) stats.hiInline++;
          return cost + rx(c, S_CELL, s, offset + cost);
        }
        int t = policy.targetCpu(Boundary.GRO_CELL, h.view.ctx(c, s, IF_VXLAN));
        if (t != c.cpu) return cost + h.handoff.remote(c, s, t, true, S_CELL, offset + cost);
        cost += p.groCellEnqueue;
        Journeys.extend(s, c, offset + cost);
        h.handoff.enqueue(c, s, true, S_CELL);
        return cost;
      }
      case S_CELL -> {
        if (stack == StackKind.LINUX_OVERLAY) {
          // the inner packet, received on vxlan0 in the host netns, passes PREROUTING + INPUT again, once per
          // datagram as a native one (nf_defrag gathers the fragments first)
          cost += p.ipRx + (completesDatagram(s) ? p.netfilter : 0);
          Journeys.mark(h, s, Journeys.IP_RX, c, offset, offset + cost);
          return cost + h.l4.rx(c, s, offset + cost);
        }
        cost += bridgeForward(p, s) + p.veth;
        Journeys.mark(h, s, Journeys.BRIDGE, c, offset, offset + cost);
        int i = h.slot(s.flow()) * 2 + s.dir();
        bridge.forward(macSrc[i], macDst[i], 0); // in on vxlan0, out on the container's veth
        vethOf[i].host.xmitCounted(); // veth_xmit -> netif_rx (toBacklog)
        if (policy.runToCompletion(Boundary.BACKLOG, h.view.ctx(c, s, IF_VETH))) {
          if (s.prio() > 0) stats.hiInline++;
          return cost + rx(c, S_CONT, s, offset + cost);
        }
        return cost + toBacklog(c, s, S_CONT, offset + cost);
      }
      case S_CONT -> {
        // container netns: no iptables rules of its own (Docker installs them in the host netns), but on Linux
        // before 4.10 conntrack and the empty tables hook it (kernel.conntrack-every-netns): PRE_ROUTING + LOCAL_IN,
        // once per datagram (nf_defrag gathers the fragments first)
        cost += p.ipRx;
        if (completesDatagram(s)) cost += p.containerNetfilter;
        Journeys.mark(h, s, Journeys.IP_RX, c, offset, offset + cost);
        return cost + h.l4.rx(c, s, offset + cost);
      }
      default -> throw new IllegalStateException("stage " + stage);
    }
  }

  /** netif_rx: enqueue_to_backlog of the core the policy picks (vanilla: this one). */
  long toBacklog(CoreEntity c, Packet s, int stage, long offset) {
    int t = policy.targetCpu(Boundary.BACKLOG, h.view.ctx(c, s, IF_VETH));
    if (t != c.cpu) return h.handoff.remote(c, s, t, false, stage, offset);
    Journeys.extend(s, c, offset + p.backlogEnqueue);
    h.handoff.enqueue(c, s, false, stage);
    return p.backlogEnqueue;
  }
}
