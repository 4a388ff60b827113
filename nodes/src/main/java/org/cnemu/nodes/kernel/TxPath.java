package org.cnemu.nodes.kernel;

import static org.cnemu.nodes.kernel.HostKernel.IF_VETH;
import static org.cnemu.nodes.kernel.HostKernel.S_CONT;
import static org.cnemu.nodes.kernel.HostKernel.S_TX_HOST;

import org.cnemu.devices.BridgeDevice;
import org.cnemu.devices.Packet;
import org.cnemu.devices.PacketQueue;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.cnemu.devices.VethPair;
import org.cnemu.devices.VxlanDevice;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.SteeringPolicy;

/**
 * The transmit path of one host: TCP output (tcp_write_xmit, ACKs, the per-socket timers), IP, the
 * stack's devices (VXLAN encap; Docker: veth, the host-side backlog, bridge) and the driver's hand-off
 * to the pNIC ({@link NicEntity.Tx}), keeping each flow's skbs in order.
 */
final class TxPath {
  private final HostKernel h;
  private final Profile p;
  private final SteeringPolicy policy;
  private final StackKind stack;
  /** The MSS and UDP fragment payload of this host's sockets' route MTU (an overlay's is the vxlan device's). */
  private final int mssBytes;
  private final int fragPayloadBytes;
  private final VxlanDevice vxlan;
  private final BridgeDevice bridge;
  private final PacketQueue[] backlog;
  private final Spec spec;
  private final Spec.HostSpec hs;
  private final long[] macSrc;
  private final long[] macDst;
  private final VethPair[] vethOf;
  /** Per slot*2+dir: when the flow's last skb was handed to the driver (keeps a flow's skbs in order). */
  private final long[] lastTx;
  /** Per slot*2+dir: the fragments of a container's datagram the bridge's nf_defrag holds, by index (txHost). */
  private final Packet[][] gathered;
  /** Per slot*2+dir: the sequence number of the datagram {@link #gathered} holds fragments of (-1: none yet). */
  private final long[] gatheredSeq;
  /** Per slot*2+dir: how many fragments {@link #gathered} holds. */
  private final int[] gatheredCount;
  /** Estimated end of the serialization of the last skb handed to the pNIC (the link is one FIFO). */
  private long wireFreeAt;
  /** Estimated TX completion (skb freed, sk_wmem_alloc released) of the skb {@link #tx} handled last. */
  private long completeAt;

  /**
   * A test's probe of the ACKs the receiver's timers send ({@link #tcpTimer}): null in a run. Static, read only at a
   * timer's expiry (off the per-packet path), so that a test of a whole run can see the virtual time of each.
   */
  static TimerAckProbe timerAckProbe;

  /** What {@link #timerAckProbe} is told of each ACK a receiver's timer sends. */
  interface TimerAckProbe {
    /** At {@code nowNanos}, the ACK of flow {@code flow} whose compressed-ACK hrtimer expired at {@code compAckAtNanos} (-1: a delayed ACK). */
    void sent(int flow, long nowNanos, long compAckAtNanos);
  }

  /** @param flows how many flows the host has (per-flow state by slot, see HostKernel.slot) */
  TxPath(HostKernel h, int flows) {
    this.h = h;
    this.p = h.p;
    this.policy = h.policy;
    this.stack = h.stack;
    this.mssBytes = p.mssBytes(h.stack);
    this.fragPayloadBytes = p.fragPayloadBytes(h.stack);
    this.vxlan = h.vxlan;
    this.bridge = h.bridge;
    this.backlog = h.backlog;
    this.spec = h.spec;
    this.hs = h.hs;
    this.macSrc = h.macSrc;
    this.macDst = h.macDst;
    this.vethOf = h.vethOf;
    this.lastTx = new long[flows * 2];
    this.gathered = new Packet[flows * 2][];
    this.gatheredSeq = new long[flows * 2];
    java.util.Arrays.fill(gatheredSeq, -1);
    this.gatheredCount = new int[flows * 2];
  }

  /**
   * The TCP timers of a socket, polled every millisecond (and on a TX completion it waits for): the
   * sender's xmit timer (RTO, TLP, RACK reorder timer) and throttled data (TSQ, autocork), the
   * receiver's delayed ACK and compressed-ACK hrtimer (run at its expiry by a {@link CoreEntity.CompAckKick}).
   * The timers' work is not charged CPU time.
   */
  void tcpTimer(CoreEntity c, Sock k) {
    long now = c.nowNs();
    if (k.tx != null && k.owned) {
      k.releaseTimer = true; // tcp_write_timer / tcp_tasklet_func: deferred to the owner's release_sock (tcp_release_cb)
    } else if (k.tx != null) {
      boolean push = k.tx.onTimer(now);
      if (k.tsqWakeAt >= 0 && now >= k.tsqWakeAt) {
        k.tsqWakeAt = -1;
        push = true;
      }
      if (push) tcpPush(c, k, p.timer, false);
    }
    if (k.rx != null && k.rx.timerAckDue(now)) {
      // tcp_delack_timer / tcp_compressed_ack_kick: deferred to the reader's release_sock (tcp_release_cb)
      if (k.owned) {
        k.releaseTimer = true;
      } else {
        if (timerAckProbe != null) timerAckProbe.sent(k.flow.index(), now, k.rx.compAckAt());
        sendAck(c, k, p.timer);
      }
    }
  }

  /**
   * release_sock at the end of the sendmsg() that owned {@code k}, run by the owner's core as the end of
   * its step: __release_sock processes the ACKs the softirq queued to the socket backlog meanwhile
   * (tcp_v4_do_rcv -> tcp_rcv_established, each with its tcp_data_snd_check; their receive cost was charged
   * by that softirq), then tcp_release_cb the deferred xmit timer / TSQ work. Returns the transmit cost
   * (sys time of the owner), so what an ACK releases follows the write's own skbs, from the owner's core.
   * The socket stays owned while that work runs (sk_lock.owned is cleared after __release_sock and
   * tcp_release_cb): with a cost the caller runs it as a step and calls this again, which processes what reached
   * the backlog meanwhile (__release_sock's loop), until a pass has nothing to do and releases the socket.
   */
  long releaseSock(CoreEntity c, Sock k) {
    long cost = 0;
    for (Packet a; (a = k.backlog.poll()) != null; ) cost += ackRx(c, k, a, cost);
    if (k.releaseTimer) {
      k.releaseTimer = false;
      boolean push = k.tx.onTimer(c.nowNs());
      if (k.tsqWakeAt >= 0 && c.nowNs() >= k.tsqWakeAt) {
        k.tsqWakeAt = -1;
        push = true;
      }
      if (push) cost += tcpPush(c, k, cost, false);
    }
    if (cost == 0) k.owned = false;
    return cost;
  }

  /** tcp_ack + tcp_data_snd_check of ACK {@code s} on sender socket {@code k}; returns the transmit cost. */
  long ackRx(CoreEntity c, Sock k, Packet s, long offset) {
    boolean freed = k.tx.onAck(c.nowNs() + offset, s.ack(), s.wnd(), s.sack0(), s.sack1(), s.sack2(), s.sentNanos());
    long cost = tcpPush(c, k, offset, false);
    // tcp_check_space -> sk_write_space wakes a writer that found no space (SOCK_NOSPACE; fan-in: the server thread
    // writes this connection's responses); a thread asleep for anything else stays asleep
    if (freed && k.noSpace) {
      k.noSpace = false;
      cost += h.wakeThread(c, k.thread, offset + cost);
    }
    return cost;
  }

  /** tcp_send_ack: a pure ACK with the receiver's cumulative ACK, window and SACK blocks (a D-SACK block first). */
  long sendAck(CoreEntity c, Sock k, long offset) {
    Packet a = ack(k, k.rx.ackSeq(), k.rx.window(), k.rx.sack(0), k.rx.sack(1), k.rx.sack(2), k.rx.tsEcr());
    k.rx.ackSent();
    h.sent += 1;
    return p.tcpAckTx + tx(c, a, offset + p.tcpAckTx);
  }

  /**
   * The ACK tcp_sack_new_ofo_skb sent under SACK compression before the segment's block displaced the oldest
   * ({@link org.cnemu.nodes.tcp.TcpReceiver#takeFlush}); the receiver already counted it sent.
   */
  long sendFlushAck(CoreEntity c, Sock k, long offset) {
    Packet a = ack(k, k.rx.flushAckSeq(), k.rx.flushWindow(), k.rx.flushSack(0), k.rx.flushSack(1),
        k.rx.flushSack(2), k.rx.flushTsEcr());
    h.sent += 1;
    return p.tcpAckTx + tx(c, a, offset + p.tcpAckTx);
  }

  private static Packet ack(Sock k, long ackSeq, int wnd, long sack0, long sack1, long sack2, long tsEcr) {
    Spec.FlowSpec f = k.flow;
    return new Packet(f.index(), (byte) 1, false, 0, 0, 1, ackSeq, wnd, sack0, sack1, sack2, (short) 0, (short) 1,
        HostKernel.hash(k.portHash, 1), (byte) f.prio(), f.srcHost(), tsEcr, false); // sentNanos of an ACK: its TSecr
  }

  /**
   * tcp_write_xmit from whatever context runs it (app sendmsg: {@code fromSendmsg}, where autocorking
   * applies; ACK softirq; timers; TX completion). Each skb's TX completion time is estimated here so
   * that TSQ and autocorking see the bytes still below TCP; throttled data gets a {@link CoreEntity.TsqWake}.
   */
  long tcpPush(CoreEntity c, Sock k, long offset, boolean fromSendmsg) {
    long cost = 0;
    Spec.FlowSpec f = k.flow;
    long now = c.nowNs();
    int n = k.tx.output(now + offset, fromSendmsg);
    for (int i = 0; i < n; i++) {
      int len = k.tx.outLen[i];
      int segs = (len + mssBytes - 1) / mssBytes;
      long sent = now + offset + cost;
      Packet s = new Packet(f.index(), (byte) 0, false, k.tx.outSeq[i], len, segs, 0, 0, 0, 0, 0, (short) 0,
          (short) 1, HostKernel.hash(k.portHash, 0), (byte) f.prio(), f.dstHost(), sent, k.tx.outRetx[i],
          h.journeys == null ? null : h.journeys.start(f.index(), sent));
      h.sent += segs;
      k.sentSegs += segs;
      if (sent >= h.warmup) k.wireSegs += segs;
      Journeys.mark(h, s, Journeys.SOCKET_SEND, c, offset + cost, offset + cost + p.tcpTx);
      cost += p.tcpTx;
      cost += tx(c, s, offset + cost);
      k.tx.queuedBelow(len, completeAt);
    }
    long w = k.tx.tsqWakeAt(now + offset + cost);
    if (w >= 0 && (k.tsqWakeAt < 0 || w < k.tsqWakeAt)) {
      k.tsqWakeAt = w;
      c.toCore(h.coreAddr[k.cpu], Math.max(offset + cost, w - now), new CoreEntity.TsqWake(k.id));
    }
    return cost;
  }

  /**
   * A TCP skb, or a datagram's first (or only) fragment: what passes the hooks that run before ip_fragment
   * (LOCAL_OUT, POST_ROUTING), once per datagram.
   */
  private static boolean firstOfDatagram(Packet s) {
    return !s.udp() || s.frag() == 0;
  }

  /** Transmit path of an skb leaving a socket of this host's stack. */
  long tx(CoreEntity c, Packet s, long offset) {
    // ip_fragment hands every fragment after the first to ip_finish_output2 only: the datagram's first fragment
    // paid ip_local_out / ip_output / ip_finish_output once for all of them
    long cost = firstOfDatagram(s) ? p.ipTx : p.ipTxFrag;
    switch (stack) {
      case NATIVE -> {
        // the host netns holds Docker's iptables rules and conntrack: OUTPUT + POSTROUTING, once per
        // datagram (the hooks run before ip_fragment)
        if (firstOfDatagram(s)) cost += p.netfilter;
        Journeys.mark(h, s, Journeys.IP_TX, c, offset, offset + cost);
        cost += driverTx(c, s, offset + cost);
      }
      case LINUX_OVERLAY -> {
        // the socket is in the host netns: its packet passes OUTPUT + POSTROUTING as a native one does, once per
        // datagram. vxlan_xmit's outer packet passes them again (iptunnel_xmit -> ip_local_out), not charged, as
        // on the Docker overlay (docs/datapath.md, "Known gaps")
        if (firstOfDatagram(s)) cost += p.netfilter;
        cost += p.vxlanEncap + p.ipTx;
        vxlan.encap(s, macDst[h.slot(s.flow()) * 2 + s.dir()]);
        Journeys.mark(h, s, Journeys.IP_TX, c, offset, offset + cost);
        cost += driverTx(c, s, offset + cost);
      }
      case DOCKER_OVERLAY -> {
        // the container's netns: conntrack and the empty tables at LOCAL_OUT + POST_ROUTING on Linux before 4.10
        // (kernel.conntrack-every-netns), once per datagram (before ip_fragment); Docker's rules run in txHost
        if (firstOfDatagram(s)) cost += p.containerNetfilter;
        cost += p.veth;
        completeAt = c.nowNs() + offset + cost; // veth_xmit orphans the skb: the socket's bytes are released
        vethOf[h.slot(s.flow()) * 2 + s.dir()].container.xmitCounted();
        h.view.ctxTx = true;
        int t = policy.targetCpu(Boundary.BACKLOG, h.view.ctx(c, s, IF_VETH));
        h.view.ctxTx = false;
        Journeys.mark(h, s, Journeys.IP_TX, c, offset, offset + cost);
        if (t != c.cpu) {
          cost += h.handoff.remote(c, s, t, false, S_TX_HOST, offset + cost);
        } else if (backlog[c.cpu].offer(s, S_TX_HOST)) {
          cost += p.backlogEnqueue;
          Journeys.extend(s, c, offset + cost);
          c.scheduleBacklog(false);
        } else {
          h.drop("backlog", "netdev_max_backlog", s.segs());
        }
      }
    }
    return cost;
  }

  /**
   * Host side of the Docker transmit path (process_backlog of the veth peer). A container's IP fragment is gathered
   * first: br_netfilter's PRE_ROUTING starts with nf_defrag_ipv4, which keeps each fragment (ip_defrag, NF_STOLEN)
   * until the datagram's last completes it; that pass runs conntrack, the bridge and br_nf_dev_queue_xmit's
   * refragmentation, and sends every fragment through VXLAN and the pNIC (Linux 4.4 / 5.4
   * net/bridge/br_netfilter_hooks.c). As the sender drains its backlog after each fragment (SocketDriver#udpSend),
   * the earlier fragments' passes only queue them, and the datagram's fragments leave back to back.
   */
  long txHost(CoreEntity c, Packet s, long offset) {
    if (s.fragmented() && !s.ufo()) {
      int key = h.slot(s.flow()) * 2 + s.dir();
      Packet[] held = gathered[key];
      if (held == null || held.length < s.frags()) held = gathered[key] = new Packet[s.frags()];
      if (gatheredSeq[key] != s.seq()) {
        // a new datagram: what is held of an earlier one lost a fragment at a backlog and never completes
        // (ip_expire frees it after ipfrag_time)
        if (gatheredCount[key] > 0) h.drop("bridge", "incomplete_datagram", gatheredCount[key]);
        java.util.Arrays.fill(held, null);
        gatheredCount[key] = 0;
        gatheredSeq[key] = s.seq();
      }
      if (held[s.frag()] == null) gatheredCount[key]++;
      held[s.frag()] = s;
      if (gatheredCount[key] < s.frags()) return p.ipDefrag; // ip_defrag queues it
      long cost = p.ipDefrag + p.bridge + p.netfilter; // it completes the datagram: conntrack and the bridge, once
      for (int i = 0; i < s.frags(); i++) {
        Packet f = held[i];
        held[i] = null;
        cost += p.ipFrag; // br_nf_ip_fragment's frag_list fast path: each fragment again
        cost += forwardOut(c, f, offset + cost, 0);
      }
      gatheredSeq[key] = -1;
      gatheredCount[key] = 0;
      return cost;
    }
    return forwardOut(c, s, offset, RxPath.bridgeForward(p, s));
  }

  /** Fragments the bridge's nf_defrag holds at the end of the run (conservation: in flight). */
  long gatheredPackets() {
    long n = 0;
    for (int c : gatheredCount) n += c;
    return n;
  }

  /** The bridge's forwarding of {@code s}, {@code bridgeNanos}, then its egress: the peer's veth or VXLAN and the pNIC. */
  private long forwardOut(CoreEntity c, Packet s, long offset, long bridgeNanos) {
    if (s.dstHost() == hs.index()) {
      // both containers on this host: the bridge forwards to the peer's veth (no VXLAN, no NIC)
      int i = h.slot(s.flow()) * 2 + s.dir();
      bridge.forward(macSrc[i], macDst[i], h.veth(s.dir() == 0 ? spec.flows.get(s.flow()).src()
          : spec.flows.get(s.flow()).dst()).bridgePort);
      h.veth(s.dir() == 0 ? spec.flows.get(s.flow()).dst() : spec.flows.get(s.flow()).src()).host.xmitCounted();
      long cost = bridgeNanos + p.veth;
      Journeys.mark(h, s, Journeys.BRIDGE, c, offset, offset + cost);
      return cost + h.rx.toBacklog(c, s, S_CONT, offset + cost);
    }
    int i = h.slot(s.flow()) * 2 + s.dir();
    bridge.forward(macSrc[i], macDst[i], vethOf[i].bridgePort);
    vxlan.encap(s, macDst[i]);
    long cost = bridgeNanos + headRealloc(s) + p.vxlanEncap + p.ipTx;
    Journeys.extend(s, c, offset + cost); // the backlog poll, bridge and encap: one stage (TX_BACKLOG)
    return cost + driverTx(c, s, offset + cost);
  }

  /**
   * vxlan_xmit_skb's skb_cow_head of container skb {@code s} (Linux 4.4, kernel.bridge-rx-headroom off): udp_sendmsg
   * left it LL_RESERVED_SPACE(veth) = 16 B of headroom, 2 B after the Ethernet header, and the VXLAN, UDP and outer IP
   * headers need 52 B, so pskb_expand_head copies the head: headroom, Ethernet and IP headers and what the head holds
   * beyond (a datagram or fragment built by __ip_append_data is linear; a UFO skb holds only the UDP header, its data
   * in page frags). TCP skbs and ACKs have MAX_TCP_HEADER of headroom.
   */
  private long headRealloc(Packet s) {
    if (!s.udp()) return 0;
    int beyondIp = s.ufo() ? UDP_HEADER : s.len() + (s.fragmented() ? 0 : UDP_HEADER); // a fragment's len holds its part of it
    return p.headRealloc(SHORT_HEADROOM + ETH_HEADER + IP_HEADER + beyondIp);
  }

  private static final int SHORT_HEADROOM = 2, ETH_HEADER = 14, IP_HEADER = 20, UDP_HEADER = 8;
  /** The head {@link #headRealloc} copies beside a container UDP skb's data: headroom, Ethernet, IP, UDP. */
  static final int UDP_HEAD_BYTES = SHORT_HEADROOM + ETH_HEADER + IP_HEADER + UDP_HEADER;

  private long driverTx(CoreEntity c, Packet s, long offset) {
    if (s.ufo()) return ufoXmit(c, s, offset);
    long cost = p.qdisc + p.driverTx; // dev_queue_xmit through the pNIC's qdisc, then the driver
    if (!p.txCqInterrupts) cost += p.txClean; // completion reaped from the xmit path (one per descriptor)
    if (s.segs() > 1 && !p.tso) cost += (long) s.segs() * (p.gsoSeg + p.driverTxPerPkt);
    Journeys.mark(h, s, Journeys.DRIVER_TX, c, offset, offset + cost);
    toNic(c, s, offset + cost);
    return cost;
  }

  /**
   * dev_queue_xmit of a UFO skb ({@link Packet#ufo}) to the pNIC, which has no NETIF_F_UFO: after the qdisc,
   * validate_xmit_skb segments it in software (skb_gso_segment; a VXLAN packet through skb_udp_tunnel_segment to
   * the inner one), udp4_ufo_fragment computes the UDP checksum over the whole datagram (skb_checksum) and
   * skb_segment cuts it into IP fragments (each with its own outer headers), and dev_hard_start_xmit hands each
   * fragment to the driver (Linux 4.4 net/core/dev.c, net/ipv4/udp_offload.c). The datagram's journey rides its last
   * fragment, as when IP fragments it.
   */
  private long ufoXmit(CoreEntity c, Packet s, long offset) {
    long cost = p.qdisc + p.driverTx + p.csum(s.len());
    int fp = fragPayloadBytes;
    int n = s.segs();
    for (int i = 0; i < n; i++) {
      cost += p.gsoSeg + p.driverTxPerPkt;
      if (!p.txCqInterrupts) cost += p.txClean;
      Packet f = s.ipFragment(i, Math.min(fp, s.len() - i * fp), i == n - 1 ? s.journey() : null);
      Journeys.mark(h, f, Journeys.DRIVER_TX, c, offset, offset + cost);
      toNic(c, f, offset + cost);
    }
    return cost;
  }

  /** Hands {@code s} to the pNIC at {@code offset} into the core's step, keeping its flow's skbs in order. */
  private void toNic(CoreEntity c, Packet s, long offset) {
    // the socket lock / qdisc keep one flow's skbs in order even when app and softirq both transmit
    int key = h.slot(s.flow()) * 2 + s.dir();
    long at = Math.max(c.nowNs() + offset, lastTx[key] + 1); // strictly later: no same-time tie to break
    lastTx[key] = at;
    {
      long ser = NicEntity.serNanos(s.len() + (long) s.segs() * NicEntity.overhead(h, s), h.hs.linkRateBps());
      wireFreeAt = Math.max(at, wireFreeAt) + ser;
      completeAt = wireFreeAt + (p.txCqInterrupts ? p.txUsecs + p.irqLatency : 0);
    }
    c.toNic(h.nicAddr, at - c.nowNs(), new NicEntity.Tx(s, h.txQueue(c.cpu)));
  }
}
