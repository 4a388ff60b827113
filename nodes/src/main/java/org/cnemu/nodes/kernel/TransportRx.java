package org.cnemu.nodes.kernel;

import java.util.ArrayDeque;
import java.util.List;
import org.cnemu.devices.Journey;
import org.cnemu.devices.Packet;
import org.cnemu.devices.Profile;

/**
 * The transport's receive side of one host, after the receive path ({@link RxPath}) has brought a packet to its
 * destination namespace: UDP defragmentation and the socket queue, TCP data (the reader's socket backlog,
 * tcp_prequeue, tcp_rcv_established) and ACK processing, behind mFlow's reorder buffer when the policy asks for it.
 * Like RxPath, every method runs on the core that passes itself in, returns the CPU time it took, and stamps its
 * effects {@code offset} ns into the core's current step.
 */
final class TransportRx {
  private final HostKernel h;
  private final Profile p;
  private final SteeringStats stats;
  private final ReorderBuffer merge;
  private final Sock[] rxSockByFlow;
  private final Sock[] txSockByFlow;

  TransportRx(HostKernel h) {
    this.h = h;
    this.p = h.p;
    this.stats = h.stats;
    this.merge = h.merge;
    this.rxSockByFlow = h.rxSockByFlow;
    this.txSockByFlow = h.txSockByFlow;
  }

  /** Transport layer of the destination namespace, behind mFlow's reorder buffer if the policy asks. */
  long rx(CoreEntity c, Packet s, long offset) {
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
      return cost + h.wakeThread(c, k.thread, offset + cost); // sock_def_readable wakes a sleeping reader
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
      cost += h.wakeThread(c, k.thread, offset + cost);
    }
    return cost;
  }

  /**
   * Reader {@code k}'s thread, on its own core ({@code c}), runs tcp_rcv_established for each data segment of
   * {@code q} with the ACKs it sends: its prequeue (tcp_prequeue_process, under local_bh_disable) or its socket
   * backlog (__release_sock -> tcp_v4_do_rcv); the NET_RX those ACKs raise on this core runs at the step's end
   * (local_bh_enable). The data is readable at once. Returns the reader's sys time.
   */
  long processInReader(CoreEntity c, Sock k, ArrayDeque<Packet> q) {
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
    if (k.rx.takeFlush()) cost += h.tx.sendFlushAck(c, k, offset + cost);
    Journey j = s.journey();
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
    if (n > 0 && softirq) { // sk_data_ready: the data is the reader's, and a sleeping reader is woken
      c.toCore(h.coreAddr[k.cpu], offset + cost, new CoreEntity.SockData(k.id, n, 0, -1));
      cost += h.wakeThread(c, k.thread, offset + cost);
    } else if (n > 0) {
      k.readable += n;
    }
    // request-response: the model has no piggy-backed ACK on the response, so every request is ACKed at once
    if (k.rx.ackDue() || (k.flow.rr() != null && k.rx.ackPending())) cost += h.tx.sendAck(c, k, offset + cost);
    // SACK compression: the hrtimer, pinned to this CPU (HRTIMER_MODE_REL_PINNED_SOFT), at its exact expiry
    if (k.rx.takeCompArmed() && k.rx.compAckAt() >= 0) c.compAckTimer(k, k.rx.compAckAt() - c.nowNs());
    return cost;
  }
}
