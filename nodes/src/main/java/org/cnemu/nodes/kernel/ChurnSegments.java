package org.cnemu.nodes.kernel;

import static org.cnemu.nodes.kernel.Churn.C_ESTABLISHED;
import static org.cnemu.nodes.kernel.Churn.C_SYN_SENT;
import static org.cnemu.nodes.kernel.Churn.FIN;
import static org.cnemu.nodes.kernel.Churn.FIN_ACK;
import static org.cnemu.nodes.kernel.Churn.HS_ACK;
import static org.cnemu.nodes.kernel.Churn.LAST_ACK;
import static org.cnemu.nodes.kernel.Churn.SYN;
import static org.cnemu.nodes.kernel.Churn.SYN_ACK;
import static org.cnemu.nodes.kernel.Churn.S_ACCEPTED;
import static org.cnemu.nodes.kernel.Churn.S_CLOSE_WAIT;
import static org.cnemu.nodes.kernel.Churn.S_LAST_ACK;
import static org.cnemu.nodes.kernel.Churn.S_LISTEN;
import static org.cnemu.nodes.kernel.Churn.S_QUEUED;
import static org.cnemu.nodes.kernel.Churn.S_SYN_RCVD;

import org.cnemu.devices.Hashing;
import org.cnemu.devices.Packet;
import org.cnemu.devices.Profile;
import org.cnemu.nodes.kernel.Churn.Side;

/**
 * The segments of churned connections ({@link Churn}): the control packets a connection's steps send
 * through the host's TX path (SYN, SYN-ACK, handshake ACK, the FINs, the last ACK), and their receive in
 * the softirq: the listener's SYN and the accept queue's child (a SYN finding the queue full is dropped),
 * the client's SYN-ACK, the FIN/ACK exchange with TIME_WAIT, and segments of connections already gone.
 *
 * <p>Packets carry their control type in the TCP packet's {@code frag} field (unused by TCP) and their
 * connection in the skb hash (its 4-tuple); a SYN carries the connection's port hash in its {@code ack}
 * field (a SYN's acknowledgment number is unused), so the server derives the hashes of the connection's
 * other packets from it. A segment whose hash is not the receiving socket's current connection belongs to
 * a connection already gone: Linux answers it with a RST; the model drops it ("tcp", "no_connection").
 */
final class ChurnSegments {
  private final Churn churn;
  private final HostKernel h;
  private final Profile p;
  /** Segments of connections already gone (dropped). */
  long stale;

  ChurnSegments(Churn churn, HostKernel h) {
    this.churn = churn;
    this.h = h;
    this.p = h.p;
  }

  /**
   * Sends control packet {@code type} of socket {@code k}'s connection (request flow) in direction {@code dir}
   * through the host's TX path; returns its CPU time. {@code built}: the skb was built by the caller's own
   * key (tcp_connect's SYN in tcp-connect, tcp_make_synack in tcp-syn-rx, the handshake ACK in tcp-synack-rx,
   * tcp_send_fin in tcp-close), so only the IP and driver path remains; otherwise tcp_send_ack /
   * tcp_retransmit_skb builds it (tcp-ack-tx).
   */
  long control(CoreEntity c, Sock k, short type, int dir, boolean built, long offset) {
    return control(c, k, type, dir, k.portHash, built, offset);
  }

  /** {@link #control} for the connection with port hash seed {@code seed} (an older, closing one). */
  long control(CoreEntity c, Sock k, short type, int dir, int seed, boolean built, long offset) {
    Spec.FlowSpec f = k.flow;
    long now = c.nowNs();
    // the client's FIN also acknowledges the response (its ack field, window and TSecr: the response
    // receiver's), as Linux's FIN carries the ACK flag; a SYN carries the connection's port hash seed
    boolean finAck = type == FIN && k.peer != null && k.peer.rx != null;
    long ackField = type == SYN ? seed : finAck ? k.peer.rx.ackSeq() : 0;
    Packet s = new Packet(f.index(), (byte) dir, false, 0, 0, 1, ackField, finAck ? k.peer.rx.window() : 0, 0, 0, 0,
        type, (short) 1, HostKernel.hash(seed, dir), (byte) f.prio(), dir == 0 ? f.dstHost() : f.srcHost(),
        finAck ? k.peer.rx.tsEcr() : now + offset, false);
    if (finAck) k.peer.rx.ackSent();
    h.sent += 1;
    long build = built ? 0 : p.tcpAckTx;
    return build + h.tx.tx(c, s, offset + build);
  }

  /**
   * The TCP receive of a packet of a churned connection (softirq): a control packet is handled here (its
   * cost returned, >= 0); a segment of a connection that is gone is dropped (cost returned); a segment of
   * the current connection goes on to TCP: returns -1 - the cost spent here.
   */
  long rx(CoreEntity c, Packet s, long offset) {
    Spec.FlowSpec f = h.spec.flows.get(s.flow());
    boolean ack = s.isAck();
    Sock k = ack ? h.txSockByFlow[h.slot(s.flow())] : h.rxSockByFlow[h.slot(s.flow())];
    if (s.frag() == 0) { // data or ACK
      if (s.hash() != HostKernel.hash(k.portHash, s.dir())) {
        if (!closingOwns(k, f, s)) return gone(s);
        h.delivered += s.segs(); // a late segment of a closing connection: its own socket takes it
        return s.len() == 0 ? p.tcpAckRx : p.tcpRx;
      }
      long cost = 0;
      boolean atServer = !f.reverse() && !ack && k.cs != null;
      // request data at a server still in SYN_RCVD: its ACK completes the handshake (tcp_check_req)
      if (atServer && k.cs.state == S_SYN_RCVD) cost += established(c, k, offset);
      if (atServer && !k.cs.charged && s.len() > 0) {
        k.cs.charged = true; // the child's first data: tcp_data_queue's charge of a socket with no forward allocation
        cost += churn.chargeMemory(c.cpu);
      }
      return -1 - cost;
    }
    h.delivered += 1;
    // header only: tcp_v4_rcv and tcp_ack; the state's own work is its key below. The client's FIN at the
    // server goes through tcp_data_queue -> tcp_fin and wakes the reader with EOF, as data does.
    long cost = s.frag() == FIN ? p.tcpRx : p.tcpAckRx;
    switch (s.frag()) {
      case SYN -> { // at the listener
        churn.mark(1, c.nowNs() + offset);
        Side cs = k.cs;
        int ph = (int) s.ack();
        if (k.portHash == ph && cs.state != S_LISTEN) { // a retransmitted SYN of the current connection
          if (cs.state == S_SYN_RCVD) cost += control(c, k, SYN_ACK, 1, false, offset + cost); // inet_rtx_syn_ack
          return cost;
        }
        cost += p.tcpSynRx + churn.touch(cs.listener, Churn.SYN_LINES, c.cpu);
        if (cs.listener.queued >= cs.listener.backlog) { // sk_acceptq_is_full: the SYN is dropped
          cs.listener.overflows++;
          h.delivered -= 1;
          h.drop("listen", "accept_queue_full", 1);
          return cost;
        }
        if (cs.state == S_QUEUED) cs.listener.queued--; // never accepted: the old child is reset
        // an older connection still open keeps its own socket (its FIN, close() and last ACK are still to come)
        if (cs.state == S_LAST_ACK || cs.state == S_ACCEPTED) cs.closing.put(k.portHash, cs.state);
        if (cs.state == S_CLOSE_WAIT) {
          cs.closing.put(k.portHash, S_CLOSE_WAIT);
          cs.closeWait.add(k.portHash);
        }
        if (cs.state >= S_ACCEPTED) churn.retire(cs, k.portHash);
        churn.fresh(k, ph, false);
        churn.child(cs, Churn.C_REQUEST, c.cpu); // inet_reqsk_alloc: the request sock is made here
        cs.state = S_SYN_RCVD;
        cost += control(c, k, SYN_ACK, 1, true, offset + cost); // tcp_make_synack (tcp-syn-rx)
        return cost;
      }
      case HS_ACK -> {
        if (s.hash() != HostKernel.hash(k.portHash, 0)) return gone(s) + cost;
        if (k.cs.state == S_SYN_RCVD) cost += established(c, k, offset + cost);
        return cost;
      }
      case SYN_ACK -> { // at the client
        Side cs = k.cs;
        if (s.hash() != HostKernel.hash(k.portHash, 1)) return gone(s) + cost;
        boolean first = cs.state == C_SYN_SENT;
        if (first) {
          churn.mark(2, c.nowNs() + offset);
          cost += p.tcpSynAckRx;
          cs.state = C_ESTABLISHED;
          cost += h.wakeThread(c, k.thread, offset + cost);
        }
        cost += control(c, k, HS_ACK, 0, first, offset + cost); // built in tcp-synack-rx; re-ACKs a duplicate
        return cost;
      }
      case FIN -> { // the client's FIN at the server: read() will return 0
        if (s.hash() != HostKernel.hash(k.portHash, 0)) {
          for (Integer seed : new java.util.TreeSet<>(k.cs.closing.keySet())) { // an older connection's FIN
            if (HostKernel.hash(seed, 0) == s.hash() && k.cs.closing.get(seed) == S_ACCEPTED) {
              k.cs.closing.put(seed, S_CLOSE_WAIT);
              k.cs.closeWait.add(seed);
              cost += churn.closingState(k.cs, seed, c.cpu); // tcp_fin: CLOSE_WAIT
              cost += h.wakeThread(c, churn.respSender(k).thread, offset + cost);
              return cost;
            }
          }
          return gone(s) + cost;
        }
        Sock resp = churn.respSender(k); // the FIN's ACK of the response (no push: the response is whole)
        resp.tx.onAck(c.nowNs() + offset, s.ack(), s.wnd(), 0, 0, 0, s.sentNanos());
        if (k.cs.state == S_SYN_RCVD) cost += established(c, k, offset + cost);
        if (k.cs.state == S_QUEUED || k.cs.state == S_ACCEPTED) {
          if (k.cs.state == S_QUEUED) { // closed before accept(): accept returns it, the thread reads EOF
            k.cs.listener.queued--;
            cost += churn.touch(k.cs.listener, Churn.ACCEPT_LINES, c.cpu);
            k.cs.sleptInAccept = false;
          }
          k.cs.state = S_CLOSE_WAIT;
          cost += churn.child(k.cs, Churn.C_STATE, c.cpu); // tcp_fin: CLOSE_WAIT, RCV_SHUTDOWN
          cost += h.wakeThread(c, churn.respSender(k).thread, offset + cost);
        }
        return cost;
      }
      case FIN_ACK -> { // the server's FIN at the client: the last ACK, TIME_WAIT
        int seed = closingSeed(k, s);
        Integer port = k.cs.closing.remove(seed);
        if (port == null) return gone(s) + cost;
        // tcp_time_wait -> tcp_done -> inet_csk_destroy_sock: sk_stream_kill_queues' reclaim
        cost += p.tcpDestroy + churn.chargeMemory(c.cpu);
        cost += control(c, k, LAST_ACK, 0, seed, false, offset + cost); // tcp_send_ack
        long now = c.nowNs() + offset + cost;
        k.cs.ports.timeWait(port, now);
        return cost;
      }
      case LAST_ACK -> {
        if (s.hash() == HostKernel.hash(k.portHash, 0) && k.cs.state == S_LAST_ACK) {
          k.cs.state = S_LISTEN;
          // tcp_done: CLOSE; inet_csk_destroy_sock's reclaim; inet_put_port
          return cost + p.tcpDestroy + churn.child(k.cs, Churn.C_STATE, c.cpu) + churn.chargeMemory(c.cpu)
              + churn.touch(k.cs.listener, Churn.PUT_PORT_LINES, c.cpu);
        }
        for (Integer seed : new java.util.TreeSet<>(k.cs.closing.keySet())) {
          if (HostKernel.hash(seed, 0) == s.hash() && k.cs.closing.get(seed) == S_LAST_ACK) {
            k.cs.closing.remove(seed);
            return cost + p.tcpDestroy + churn.closingStateDone(k.cs, seed, c.cpu) + churn.chargeMemory(c.cpu)
                + churn.touch(k.cs.listener, Churn.PUT_PORT_LINES, c.cpu);
          }
        }
        return gone(s) + cost;
      }
      default -> throw new IllegalStateException("control " + s.frag());
    }
  }

  /** Whether packet {@code s} (data or ACK) belongs to a closing connection of socket {@code k}'s stream. */
  private static boolean closingOwns(Sock k, Spec.FlowSpec f, Packet s) {
    Side cs = k.cs != null ? k.cs : k.peer != null && k.peer.cs != null ? k.peer.cs : k.thread.cs;
    if (cs == null) return false;
    for (Integer seed : cs.closing.keySet()) {
      int ph = f.reverse() ? Hashing.mix32(seed) : seed;
      if (HostKernel.hash(ph, s.dir()) == s.hash()) return true;
    }
    return false;
  }

  /** The port hash seed of {@code k}'s closing connection that packet {@code s} (a reverse-direction FIN) is of. */
  private static int closingSeed(Sock k, Packet s) {
    int best = Integer.MIN_VALUE; // no closing connection has it: the lookup below finds nothing
    for (Integer seed : new java.util.TreeSet<>(k.cs.closing.keySet())) {
      if (HostKernel.hash(seed, 1) == s.hash()) best = seed;
    }
    return best;
  }

  /** The handshake completes at the server: the child socket joins the accept queue; the thread wakes. */
  private long established(CoreEntity c, Sock r, long offset) {
    long cost = p.tcpChildCreate + churn.touch(r.cs.listener, Churn.CHILD_LINES, c.cpu);
    // tcp_check_req completes the request sock; sk_clone_lock writes the new child's lines here
    for (int line = 0; line < Churn.CHILD_LINE.length; line++) cost += churn.child(r.cs, line, c.cpu);
    r.cs.listener.queued++;
    r.cs.state = S_QUEUED;
    Sock t = churn.respSender(r).thread;
    r.cs.sleptInAccept = t.asleep(); // sock_def_readable: a sleeper on the listener's wait queue
    if (r.cs.sleptInAccept) {
      cost += churn.touch(r.cs.listener, Churn.WAIT_LINES, c.cpu);
      cost += h.wakeThread(c, t, offset + cost);
    }
    return cost;
  }

  /** A packet of a connection that is gone: dropped (Linux answers it with a RST). Returns 0 (its cost is the caller's). */
  private long gone(Packet s) {
    if (s.frag() != 0) h.delivered -= 1; // a control packet was counted delivered on arrival
    stale += s.segs();
    h.drop("tcp", "no_connection", s.segs());
    return 0;
  }
}
