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
 * completion), the stages after them (IP, VXLAN decap, bridge and veth, the container's IP) and the
 * transport's receive side (UDP defragmentation and socket queue, TCP data and ACK processing),
 * behind mFlow's reorder buffer when the policy asks for it. Every method runs on the core that
 * passes itself in, returns the CPU time it took, and stamps its effects {@code offset} ns into
 * the core's current step.
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
  private final ReorderBuffer merge;
  private final Sock[] rxSockByFlow;
  private final Sock[] txSockByFlow;
  private final long[] macSrc;
  private final long[] macDst;
  private final VethPair[] vethOf;

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
    this.merge = h.merge;
    this.rxSockByFlow = h.rxSockByFlow;
    this.txSockByFlow = h.txSockByFlow;
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
    List<Packet> batch = new ArrayList<>(k);
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
          List<Packet> up = new ArrayList<>(batch.size());
          long jiffy = jiffy(c, offset);
          for (Packet pk : batch) gro.receive(pk, jiffy, up);
          batch = up;
        }
      }
    }
    return cost + l3(c, batch, offset + cost);
  }

  /** The skbs GRO sent up: boundary AFTER_GRO (RPS/RFS), then IP on this core or the policy's. */
  private long l3(CoreEntity c, List<Packet> up, long offset) {
    long cost = 0;
    for (Packet s : up) {
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

  long pollGroCell(CoreEntity c, int quota, NetRxAction.Napi napi) {
    PacketQueue q = groCell[c.cpu];
    long cost = p.napiPoll;
    List<Packet> batch = new ArrayList<>();
    PacketQueue hq = groCellHi[c.cpu];
    while (!PacketQueue.isEmpty(hq)) { // PRISM: the high-priority queue drains first, without quota
      Packet s = hq.poll();
      stats.dequeued(s, c.cpu, c.nowNs());
      batch.add(s);
    }
    int hi = batch.size();
    if (!q.isEmpty()) stats.loBatches[c.cpu]++;
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

  long pollBacklog(CoreEntity c, int quota, NetRxAction.Napi napi) {
    PacketQueue q = backlog[c.cpu];
    long cost = p.napiPoll;
    int n = 0;
    List<Packet> groBatch = null;
    PacketQueue hq = backlogHi[c.cpu];
    int hi = 0;
    while (!PacketQueue.isEmpty(hq)) { // PRISM: the high-priority queue drains first, without quota
      int st = hq.peekStage();
      Packet s = hq.poll();
      hi++;
      cost = dequeued(c, st, s, cost);
      if (st == S_TX_HOST) cost += h.tx.txHost(c, s, cost);
      else cost += rx(c, st, s, cost);
    }
    h.backlogSkbs += hi;
    if (!q.isEmpty()) stats.loBatches[c.cpu]++;
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
          return cost + l4(c, s, offset + cost);
        }
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
          Journeys.mark(h, s, Journeys.IP_RX, c, offset, offset + p.ipRx);
          return cost + p.ipRx + l4(c, s, offset + cost + p.ipRx);
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
        return cost + l4(c, s, offset + cost);
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

  /** Transport layer of the destination namespace, behind mFlow's reorder buffer if the policy asks. */
  private long l4(CoreEntity c, Packet s, long offset) {
    stats.ranStage(c.cpu, s, c.nowNs());
    if (merge == null || s.isAck() || (!s.udp() && s.len() == 0)) return l4Now(c, s, offset);
    List<Packet> ready = merge.offer(s, c.nowNs() + offset);
    long cost = ready.isEmpty() ? p.backlogEnqueue : 0;
    for (Packet r : ready) cost += l4Now(c, r, offset + cost);
    armMergeTimer(c);
    return cost;
  }

  private void armMergeTimer(CoreEntity c) {
    int flow = merge.armFlow();
    long at = merge.takeArm();
    if (at >= 0) c.toCore(h.coreAddr[c.cpu], Math.max(0, at - c.nowNs()), new CoreEntity.MergeTimer(flow));
  }

  /**
   * mFlow's merge gap timer fired (timer softirq on this core): give up the gap and run the
   * transport for what is released. Like the TCP timers, its CPU time is not charged.
   */
  void mergeTimer(CoreEntity c, int flow) {
    long cost = p.timer;
    for (Packet r : merge.onTimer(flow, c.nowNs())) cost += l4Now(c, r, cost);
    armMergeTimer(c);
  }

  private long l4Now(CoreEntity c, Packet s, long offset) {
    long cost = 0;
    if (!s.udp() && h.churn.churned(s.flow())) { // connection churn: handshake/FIN packets, segments of closed connections
      long r = h.churn.rx(c, s, offset);
      if (r >= 0) return r;
      cost = -1 - r; // the segment goes on to TCP (after completing the handshake it implies, if any)
    }
    if (s.udp()) {
      Sock k = rxSockByFlow[h.slot(s.flow())];
      // IP fragments are gathered first; a UFO skb (a container's datagram to a container of the same host, over
      // the bridge) arrives whole, its checksum still CHECKSUM_PARTIAL: nothing to verify
      boolean frag = s.fragmented() && !s.ufo();
      if (frag) {
        cost += p.ipDefrag;
        if (k.partialSeq != s.seq()) {
          if (k.partialSeq >= 0 && k.partialFrags > 0) h.drop("ip_defrag", "incomplete", k.partialFrags);
          k.partialSeq = s.seq();
          k.partialFrags = 0;
          k.partialBytes = 0;
        }
        k.partialFrags++;
        k.partialBytes += s.len();
        if (s.frag() != s.frags() - 1) return cost;
        if (k.partialFrags != s.frags()) {
          h.drop("ip_defrag", "incomplete", k.partialFrags);
          k.partialSeq = -1;
          k.partialFrags = 0;
          return cost;
        }
        k.partialSeq = -1;
        k.partialFrags = 0;
      }
      int segs = s.frags();
      // the fragments (and a UFO skb) carry the UDP header once
      long bytes = frag ? k.partialBytes - 8 : s.ufo() ? s.len() - 8 : s.len();
      cost += p.udpRx + (frag ? p.csum(bytes) : 0);
      if (k.buffer.udpQueuedBytes + bytes > p.udpRmem) { // fan-in: the one server socket's buffer
        h.drop("socket", "rcvbuf_full", segs);
        return cost;
      }
      h.delivered += segs;
      k.deliveredSegs += segs;
      k.buffer.udpQueuedBytes += bytes;
      Journeys.mark(h, s, Journeys.SOCKET_RX, c, offset, offset + cost);
      stats.toSocket(k, bytes, s.sentNanos(), c.nowNs() + offset + cost, s.journey());
      c.toCore(h.coreAddr[k.cpu], offset + cost, new CoreEntity.SockData(k.id, bytes, segs, s.seq()));
      return cost;
    }
    if (s.isAck()) {
      Sock k = txSockByFlow[h.slot(s.flow())];
      h.delivered += s.segs();
      cost += p.tcpAckRx; // a pure ACK: tcp_ack on the fast path, nothing queued, no reader woken
      if (k.owned) { // sock_owned_by_user: sk_add_backlog; the owner's release_sock handles it
        k.backlog.add(s);
        return cost;
      }
      return cost + h.tx.ackRx(c, k, s, offset + cost);
    }
    Sock k = rxSockByFlow[h.slot(s.flow())];
    if (k.owned && c.nowNs() + offset >= k.ownedFromNs) { // the reader is in tcp_recvmsg (kernel.tcp.reader-backlog): sk_add_backlog
      if (k.backlogBytes + k.rx.queued + s.len() > k.rx.rcvbuf + p.tcpWmem) { // sk_rcvqueues_full: TCPBacklogDrop
        h.drop("socket", "backlog_full", s.segs());
        return cost + p.tcpRxDeferred;
      }
      h.delivered += s.segs();
      k.deliveredSegs += s.segs();
      k.backlog.add(s);
      k.backlogBytes += s.len();
      return cost + p.tcpRxDeferred;
    }
    h.delivered += s.segs();
    k.deliveredSegs += s.segs();
    if (prequeues(k)) return cost + prequeue(c, k, s, offset + cost);
    return cost + tcpData(c, k, s, offset, p.tcpRx, true);
  }

  /** tcp_prequeue's ucopy.prequeue holds at most this many skbs before the softirq processes them itself. */
  static final int PREQUEUE_MAX_SKBS = 32;

  /**
   * Whether tcp_v4_rcv hands a data segment of receiver {@code k} to its reader (Linux 4.4 tcp_prequeue,
   * kernel.tcp.prequeue): the reader waits inside tcp_recvmsg (ucopy.task set). iperf3's reader does so
   * in the middle of a block (Nread loops read() until it has message-size bytes); at a block's start it
   * waits in select(), where ucopy.task is not set, and a request-response thread waits in its poll.
   */
  private boolean prequeues(Sock k) {
    return p.tcpPrequeue && k.thread == k && k.members == null && k.flow.rr() == null && k.sleeping
        && k.blockRead > 0;
  }

  /**
   * tcp_prequeue: queues data segment {@code s} to reader {@code k}'s ucopy.prequeue (the softirq pays
   * tcp-rx-deferred) and wakes the reader on the first; at 32 skbs or past the receive buffer the softirq runs
   * them itself (sk_backlog_rcv for each). Returns the softirq's cost.
   */
  private long prequeue(CoreEntity c, Sock k, Packet s, long offset) {
    long cost = p.tcpRxDeferred;
    k.prequeue.add(s);
    k.prequeueBytes += s.len();
    if (k.prequeue.size() >= PREQUEUE_MAX_SKBS || k.prequeueBytes + k.readable > k.rx.rcvbuf) {
      k.prequeueBytes = 0;
      for (Packet q; (q = k.prequeue.poll()) != null; ) {
        cost += tcpData(c, k, q, offset + cost, p.tcpRx - p.tcpRxDeferred, true);
      }
    } else if (k.prequeue.size() == 1) { // wake_up_interruptible_sync_poll on the first
      c.toCore(h.coreAddr[k.cpu], offset + cost, new CoreEntity.SockData(k.id, 0, 0, -1));
    }
    return cost;
  }

  /**
   * Reader {@code k}'s thread, on its own core ({@code c}), runs tcp_rcv_established for each data segment of
   * {@code q} with the ACKs it sends: its prequeue (tcp_prequeue_process, under local_bh_disable) or its socket
   * backlog (__release_sock -> tcp_v4_do_rcv); the NET_RX those ACKs raise on this core runs at the step's end
   * (local_bh_enable). The data is readable at once. Returns the reader's sys time.
   */
  long processInReader(CoreEntity c, Sock k, java.util.ArrayDeque<Packet> q) {
    long cost = 0;
    if (q == k.prequeue) k.prequeueBytes = 0;
    else k.backlogBytes = 0;
    for (Packet s; (s = q.poll()) != null; ) cost += tcpData(c, k, s, cost, p.tcpRx - p.tcpRxDeferred, false);
    return cost;
  }

  /**
   * tcp_rcv_established for data segment {@code s} of receiver {@code k}, costing {@code rxCost} + the
   * per-segment part: in softirq ({@code softirq}: the data becomes readable through a SockData to the
   * reader's core) or in the reader's process context (readable at once). Returns the cost, ACK included.
   */
  private long tcpData(CoreEntity c, Sock k, Packet s, long offset, long rxCost, boolean softirq) {
    long cost = rxCost + (long) s.segs() * p.tcpRxPerSeg;
    boolean dup = s.journey() != null && s.endSeq() <= k.rx.ackSeq();
    long n = k.rx.onData(c.nowNs() + offset, s.seq(), s.len(), s.segs(), s.sentNanos());
    org.cnemu.devices.Journey j = s.journey();
    if (j != null && !dup) {
      Journeys.mark(h, s, Journeys.SOCKET_RX, c, offset, offset + cost);
      if (n <= 0) h.journeys.outOfOrder(h.slot(s.flow()), j, s.endSeq()); // waits for the gap: socket queue
      j = n <= 0 ? null : h.journeys.inOrder(h.slot(s.flow()), j, k.rx.ackSeq());
    } else if (h.journeys != null && n > 0) {
      j = h.journeys.inOrder(h.slot(s.flow()), null, k.rx.ackSeq());
    } else {
      j = null; // a duplicate's data was read before: its journey ends here, unrecorded
    }
    stats.toSocket(k, n, s.sentNanos(), c.nowNs() + offset + cost, j);
    if (n > 0 && softirq) c.toCore(h.coreAddr[k.cpu], offset + cost, new CoreEntity.SockData(k.id, n, 0, -1));
    else if (n > 0) k.readable += n;
    // request-response: the model has no piggy-backed ACK on the response, so every request is ACKed at once
    if (k.rx.ackDue() || (k.flow.rr() != null && k.rx.ackPending())) cost += h.tx.sendAck(c, k, offset + cost);
    return cost;
  }
}
