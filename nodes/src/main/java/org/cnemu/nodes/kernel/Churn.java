package org.cnemu.nodes.kernel;

import java.util.HashMap;
import java.util.Map;
import org.cnemu.devices.Hashing;
import org.cnemu.devices.Packet;
import org.cnemu.devices.Profile;
import org.cnemu.nodes.tcp.TcpReceiver;
import org.cnemu.nodes.tcp.TcpSender;

/**
 * Connection churn ({@code connection = "per-request"}): each request-response / ping-pong stream opens a
 * TCP connection, sends one request, reads its response and closes, over and over (netperf TCP_CRR, HTTP
 * with {@code Connection: close}).
 *
 * <p>Client (the request flow's sender): socket() + connect() picks an ephemeral source port (Linux's
 * __inet_hash_connect: consecutive ports from a per-destination offset, skipping ports in use or in
 * TIME_WAIT) and sends a SYN; the SYN-ACK's softirq answers with the handshake's ACK and wakes the thread,
 * which writes its request; after the response it calls close() (FIN) and, when the server's FIN comes,
 * sends the last ACK and keeps the port in TIME_WAIT (60 s; tcp_tw_reuse lets connect() take it after 1 s).
 * Server: a SYN at the listen socket of the dst endpoint makes a request socket and a SYN-ACK; the
 * handshake's ACK creates the child socket and queues it on the listener's accept queue (a SYN finding it
 * full is dropped); the server thread accept()s it, answers the request and close()s once it has read the
 * client's FIN; the client's last ACK frees it. Every one of these packets runs the host's real TX and RX
 * paths (RSS, RPS/RFS and the steering policy see them as packets of the flow). Each connection starts
 * TCP afresh (new sender and receiver: initial window, RTT, ssthresh). FreeFlow: socket/connect/accept and
 * close go through the monitor's queues for every connection ({@link ShmPath#reopen}, {@link ShmPath#close}).
 *
 * <p>Packets carry their control type in the TCP packet's {@code frag} field (unused by TCP) and their
 * connection in the skb hash (its 4-tuple); a SYN carries the connection's port hash in its {@code ack}
 * field (a SYN's acknowledgment number is unused), so the server derives the hashes of the connection's
 * other packets from it. A segment whose hash is not the receiving socket's current connection belongs to
 * a connection already gone: Linux answers it with a RST; the model drops it ("tcp", "no_connection").
 *
 * <p>The listen socket is shared by the server threads of all connections to its endpoint: its accept
 * queue's lock, head and counters (listen-cache-lines) move to the core of each use (SYN softirq, child
 * enqueue, accept()) when the previous use was on another core, at cache-line-transfer each. That is the
 * sub-linear scaling over cores; nothing is fitted to it. Each connection is accepted by the thread that
 * serves its stream (as if accept() returned that one).
 */
final class Churn {
  /** Control packet types (Packet.frag of a TCP packet). */
  static final short SYN = 1, SYN_ACK = 2, HS_ACK = 3, FIN = 4, FIN_ACK = 5, LAST_ACK = 6;
  // client states
  static final int C_CLOSED = 0, C_SYN_SENT = 1, C_ESTABLISHED = 2;
  // server states
  static final int S_LISTEN = 0, S_SYN_RCVD = 1, S_QUEUED = 2, S_ACCEPTED = 3, S_CLOSE_WAIT = 4, S_LAST_ACK = 5;
  /** TCP_TIMEOUT_INIT: the first SYN retransmission timeout (doubling after each). */
  static final long SYN_RTO_NANOS = 1_000_000_000L;
  /** A step that leaves the request-response logic to run (the connection is up). */
  static final long[] CONTINUE = new long[0];

  /** One side's connection state (client: the request sender; server: the request receiver). */
  static final class Side {
    int state;
    // client
    long connStart;
    long synAt;
    int synTries;
    /** reqSeq at connect: the connection's request is answered once pending is empty past it. */
    long firstSeq;
    int port = -1;
    EphemeralPorts ports;
    /**
     * Client: ports of this stream's connections closed and waiting for the server's FIN, by port hash seed.
     * Server: seeds of older connections of the stream that a new one overtook (each still its own socket),
     * mapped to their state: S_ACCEPTED (its FIN not yet in), S_CLOSE_WAIT, S_LAST_ACK.
     */
    final Map<Integer, Integer> closing = new HashMap<>();
    /** Server: older connections whose FIN came in and that the thread has still to close(), in order. */
    final java.util.ArrayDeque<Integer> closeWait = new java.util.ArrayDeque<>();
    long connections;
    long connectFailures;
    org.HdrHistogram.Histogram latency;
    // server
    Listener listener;
  }

  /** One listen socket (per dst endpoint). */
  static final class Listener {
    int lastCpu = -1;
    int queued;
    final int backlog;
    long transfers;
    long overflows;

    Listener(int backlog) {
      this.backlog = backlog;
    }
  }

  private final HostKernel h;
  private final Profile p;
  private final Map<String, EphemeralPorts> ports = new HashMap<>();
  private final Map<String, Listener> listeners = new HashMap<>();
  long stale;
  /**
   * The timeline of this host's first connection event of each kind after the warm-up, ns (-1: none):
   * connect() start, SYN at the listener's TCP, SYN-ACK at the client's TCP, accept() start and return,
   * close() return (client). In hosts[].steering as churn.first_*_ns: a trace of one connection.
   */
  private final long[] first = {-1, -1, -1, -1, -1, -1};
  private static final String[] FIRST = {"connect", "syn_rx", "synack_rx", "accept_start", "accept_return", "close"};

  private void mark(int event, long at) {
    if (at >= h.warmup && first[event] < 0) first[event] = at;
  }

  Churn(HostKernel h) {
    this.h = h;
    this.p = h.p;
  }

  /** Whether flow {@code flow} (either direction of a connection) opens a connection per request. */
  boolean churned(int flow) {
    return h.spec.flows.get(flow).load().perRequest();
  }

  /** Sets up the churn state of socket {@code k} of this host at build time. */
  void attach(Sock k) {
    Spec.FlowSpec f = k.flow;
    if (f.rr() == null || f.udp() || !f.load().perRequest() || f.reverse()) return;
    k.cs = new Side();
    if (k.sender) {
      k.cs.ports = ports.computeIfAbsent(f.dst(),
          d -> new EphemeralPorts(h.spec.streams.stream("host/" + h.hs.id(), "ports/" + d), p.twReuse));
      k.cs.latency = new org.HdrHistogram.Histogram(3_600_000_000_000L, 3);
    } else {
      k.cs.listener = listeners.computeIfAbsent(f.dst(),
          d -> new Listener(Math.max(1, Math.min(f.load().listenBacklog(), p.somaxconn))));
    }
  }

  // ------------------------------------------------------------------ client thread

  /**
   * The client thread's connection step before its request-response logic: {@link #CONTINUE} when the
   * connection is up and its request not yet answered; else the step's {usr, sys} or null to sleep.
   */
  long[] client(CoreEntity c, Sock k, long[] st) {
    Side cs = k.cs;
    long now = c.nowNs();
    boolean shm = h.shm.has(k.flow.index());
    switch (cs.state) {
      case C_ESTABLISHED -> {
        if (k.reqSeq == cs.firstSeq || !k.pending.isEmpty()) return CONTINUE;
        return close(c, k, st, shm);
      }
      case C_SYN_SENT -> {
        if (now < cs.synAt + (SYN_RTO_NANOS << Math.min(6, cs.synTries - 1))) return null;
        cs.synTries++; // tcp_retransmit_timer of a SYN_SENT socket: resend, doubled timeout
        cs.synAt = now;
        st[1] += p.timer + control(c, k, SYN, 0, false, st[0] + st[1]);
        c.sendTo(h.coreRefs[k.cpu], SYN_RTO_NANOS << Math.min(6, cs.synTries - 1), new CoreEntity.AppTimer(k.id));
        return st;
      }
      default -> {
        if (now < k.nextSendAt) {
          if (k.timerAt != k.nextSendAt) {
            k.timerAt = k.nextSendAt;
            c.sendTo(h.coreRefs[k.cpu], k.nextSendAt - now, new CoreEntity.AppTimer(k.id));
          }
          return null;
        }
        return open(c, k, st, shm);
      }
    }
  }

  /** socket() + connect(): a new port, fresh TCP state on both of the connection's sockets, the SYN. */
  private long[] open(CoreEntity c, Sock k, long[] st, boolean shm) {
    Side cs = k.cs;
    long now = c.nowNs();
    int port = cs.ports.take(now);
    if (port < 0) { // EADDRNOTAVAIL: every port is in use or in TIME_WAIT; try again when the first frees
      cs.connectFailures++;
      long next = cs.ports.firstFreeAt();
      k.nextSendAt = next == Long.MAX_VALUE ? now + SYN_RTO_NANOS : next;
      st[1] += 2 * p.syscall;
      return st;
    }
    cs.port = port;
    int ph = cs.ports.portHash(port);
    fresh(k, ph, true);
    cs.connStart = now;
    mark(0, now);
    cs.firstSeq = k.reqSeq;
    k.nextSendAt = now; // the request goes as soon as the connection is up
    if (shm) { // FreeFlow: socket + connect through the monitor (ShmPath.connect), no kernel handshake
      h.shm.reopen(k);
      cs.state = C_ESTABLISHED;
      return CONTINUE;
    }
    st[1] += 2 * p.syscall + p.tcpConnect;
    cs.state = C_SYN_SENT;
    cs.synTries = 1;
    cs.synAt = now;
    st[1] += control(c, k, SYN, 0, true, st[0] + st[1]); // tcp_connect built it (tcp-connect)
    c.sendTo(h.coreRefs[k.cpu], SYN_RTO_NANOS, new CoreEntity.AppTimer(k.id));
    return st; // connect() blocks until the SYN-ACK
  }

  /** close() after the response: the FIN (or FreeFlow's close through the monitor); the connection's latency. */
  private long[] close(CoreEntity c, Sock k, long[] st, boolean shm) {
    Side cs = k.cs;
    long now = c.nowNs();
    st[1] += p.syscall + p.tcpClose;
    if (shm) {
      st[0] += h.shm.close(c, k);
      cs.ports.release(cs.port); // no kernel connection: the port is free at once
    } else {
      st[1] += control(c, k, FIN, 0, true, st[0] + st[1]); // tcp_send_fin (tcp-close)
      cs.closing.put(k.portHash, cs.port);
    }
    cs.state = C_CLOSED;
    if (first[0] >= 0) mark(5, now + st[0] + st[1]);
    if (cs.connStart >= h.warmup) {
      cs.connections++;
      long lat = Math.max(1, now + st[0] + st[1] - cs.connStart);
      cs.latency.recordValue(lat);
    }
    return st;
  }

  /**
   * A new connection on socket {@code k}'s side (client: {@code k} is the request sender, k.peer the
   * response receiver; server: {@code k} the request receiver, {@code resp} the response sender): the
   * 4-tuple's hash seed, and new TCP sender and receiver (tcp_init_sock: initial window 10, no RTT sample).
   */
  private void fresh(Sock k, int portHash, boolean client) {
    org.cnemu.nodes.tcp.TcpConfig tc = TcpSetup.config(p, k.flow.congestionControl());
    Sock data = k; // the request flow's socket on this host
    Sock other = client ? k.peer : respSender(k);
    data.portHash = portHash;
    other.portHash = Hashing.mix32(portHash); // the response flow's seed, as Spec derives it for persistent flows
    Sock snd = client ? data : other;
    Sock rcv = client ? other : data;
    snd.retiredRetrans += snd.tx.retransSegs;
    snd.tx = new TcpSender(tc);
    rcv.retiredOoo += rcv.rx.oooSegs;
    rcv.rx = new TcpReceiver(tc);
    rcv.readable = 0;
    snd.tsqWakeAt = -1;
    // a request drawn but not yet sent (client) or expected (server) stays: both sides draw the same sequence
    if (client) {
      k.got = 0;
      k.pending.clear();
    } else {
      other.got = 0;
    }
  }

  /** The server's response sender of the connection whose request receiver is {@code r}. */
  private Sock respSender(Sock r) {
    return h.txSockByFlow[h.slot(r.flow.pair())];
  }

  // ------------------------------------------------------------------ server thread

  /**
   * The server thread's connection step for connection side {@code k} (its response sender) before the
   * request-response logic: {@link #CONTINUE} to serve; the step; or null when this connection has nothing.
   */
  long[] server(CoreEntity c, Sock k, long[] st) {
    Sock r = k.peer;
    Side cs = r.cs;
    if (h.shm.has(k.flow.index())) return CONTINUE; // FreeFlow: the monitor accepted it
    if (!cs.closeWait.isEmpty()) { // an older connection read EOF: close() it first
      int seed = cs.closeWait.poll();
      st[1] += p.syscall + p.tcpClose + control(c, r, FIN_ACK, 1, seed, true, st[0] + st[1]);
      cs.closing.put(seed, S_LAST_ACK);
      return st;
    }
    switch (cs.state) {
      case S_QUEUED -> { // accept(): the listen socket's lock and queue
        mark(3, c.nowNs());
        st[1] += p.syscall + p.tcpAccept + touch(cs.listener, c.cpu);
        if (first[3] == c.nowNs()) mark(4, c.nowNs() + st[0] + st[1]);
        cs.listener.queued--;
        cs.state = S_ACCEPTED;
        return st;
      }
      case S_ACCEPTED -> {
        return CONTINUE;
      }
      case S_CLOSE_WAIT -> {
        if (r.readable > 0 || k.got > 0) return CONTINUE; // the request before the FIN first
        st[1] += p.syscall + p.tcpClose; // read() returned 0: close(), our FIN (with the ACK of theirs)
        st[1] += control(c, r, FIN_ACK, 1, true, st[0] + st[1]);
        cs.state = S_LAST_ACK;
        return st;
      }
      default -> {
        return null;
      }
    }
  }

  /** A use of listen socket {@code l} on core {@code cpu}: its lines move here if another core used it last. */
  private long touch(Listener l, int cpu) {
    long cost = 0;
    if (l.lastCpu >= 0 && l.lastCpu != cpu) {
      cost = (long) p.listenCacheLines * p.cacheLineTransfer;
      l.transfers++;
    }
    l.lastCpu = cpu;
    return cost;
  }

  // ------------------------------------------------------------------ packets

  /**
   * Sends control packet {@code type} of socket {@code k}'s connection (request flow) in direction {@code dir}
   * through the host's TX path; returns its CPU time. {@code built}: the skb was built by the caller's own
   * key (tcp_connect's SYN in tcp-connect, tcp_make_synack in tcp-syn-rx, the handshake ACK in tcp-synack-rx,
   * tcp_send_fin in tcp-close), so only the IP and driver path remains; otherwise tcp_send_ack /
   * tcp_retransmit_skb builds it (tcp-ack-tx).
   */
  private long control(CoreEntity c, Sock k, short type, int dir, boolean built, long offset) {
    return control(c, k, type, dir, k.portHash, built, offset);
  }

  /** {@link #control} for the connection with port hash seed {@code seed} (an older, closing one). */
  private long control(CoreEntity c, Sock k, short type, int dir, int seed, boolean built, long offset) {
    Spec.FlowSpec f = k.flow;
    long now = c.nowNs();
    // the client's FIN also acknowledges the response (its ack field, window and TSecr: the response
    // receiver's), as Linux's FIN carries the ACK flag; a SYN carries the connection's port hash seed
    boolean finAck = type == FIN && k.peer != null && k.peer.rx != null;
    long ackField = type == SYN ? seed : finAck ? k.peer.rx.ackSeq() : 0;
    Packet s = new Packet(f.index(), (byte) dir, false, 0, 0, 1, ackField, finAck ? k.peer.rx.window() : 0, -1, -1,
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
      // request data at a server still in SYN_RCVD: its ACK completes the handshake (tcp_check_req)
      if (!f.reverse() && !ack && k.cs != null && k.cs.state == S_SYN_RCVD) return -1 - established(c, k, offset);
      return -1;
    }
    h.delivered += 1;
    // header only: tcp_v4_rcv and tcp_ack; the state's own work is its key below. The client's FIN at the
    // server goes through tcp_data_queue -> tcp_fin and wakes the reader with EOF, as data does.
    long cost = s.frag() == FIN ? p.tcpRx : p.tcpAckRx;
    switch (s.frag()) {
      case SYN -> { // at the listener
        mark(1, c.nowNs() + offset);
        Side cs = k.cs;
        int ph = (int) s.ack();
        if (k.portHash == ph && cs.state != S_LISTEN) { // a retransmitted SYN of the current connection
          if (cs.state == S_SYN_RCVD) cost += control(c, k, SYN_ACK, 1, false, offset + cost); // inet_rtx_syn_ack
          return cost;
        }
        cost += p.tcpSynRx + touch(cs.listener, c.cpu);
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
        fresh(k, ph, false);
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
          mark(2, c.nowNs() + offset);
          cost += p.tcpSynAckRx;
          cs.state = C_ESTABLISHED;
          wake(c, k, offset + cost);
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
              wake(c, respSender(k), offset + cost);
              return cost;
            }
          }
          return gone(s) + cost;
        }
        Sock resp = respSender(k); // the FIN's ACK of the response (no push: the response is whole)
        resp.tx.onAck(c.nowNs() + offset, s.ack(), s.wnd(), -1, -1, s.sentNanos());
        if (k.cs.state == S_SYN_RCVD) cost += established(c, k, offset + cost);
        if (k.cs.state == S_QUEUED || k.cs.state == S_ACCEPTED) {
          if (k.cs.state == S_QUEUED) { // closed before accept(): accept returns it, the thread reads EOF
            k.cs.listener.queued--;
            cost += touch(k.cs.listener, c.cpu);
          }
          k.cs.state = S_CLOSE_WAIT;
          wake(c, respSender(k), offset + cost);
        }
        return cost;
      }
      case FIN_ACK -> { // the server's FIN at the client: the last ACK, TIME_WAIT
        int seed = closingSeed(k, s);
        Integer port = k.cs.closing.remove(seed);
        if (port == null) return gone(s) + cost;
        cost += p.tcpDestroy + control(c, k, LAST_ACK, 0, seed, false, offset + cost); // tcp_send_ack
        long now = c.nowNs() + offset + cost;
        k.cs.ports.timeWait(port, now);
        return cost;
      }
      case LAST_ACK -> {
        if (s.hash() == HostKernel.hash(k.portHash, 0) && k.cs.state == S_LAST_ACK) {
          k.cs.state = S_LISTEN;
          return cost + p.tcpDestroy;
        }
        for (Integer seed : new java.util.TreeSet<>(k.cs.closing.keySet())) {
          if (HostKernel.hash(seed, 0) == s.hash() && k.cs.closing.get(seed) == S_LAST_ACK) {
            k.cs.closing.remove(seed);
            return cost + p.tcpDestroy;
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
    long cost = p.tcpChildCreate + touch(r.cs.listener, c.cpu);
    r.cs.listener.queued++;
    r.cs.state = S_QUEUED;
    wake(c, respSender(r), offset + cost);
    return cost;
  }

  /** Wakes the thread of socket {@code k} (connect() returned, or accept()/read() has something). */
  private void wake(CoreEntity c, Sock k, long offset) {
    Sock t = k.thread;
    if (t.sleeping && !t.wakePending) {
      t.wakePending = true;
      c.sendTo(h.coreRefs[t.cpu], offset + p.wakeup, new CoreEntity.Wake(t.id));
    }
  }

  /** A packet of a connection that is gone: dropped (Linux answers it with a RST). Returns 0 (its cost is the caller's). */
  private long gone(Packet s) {
    if (s.frag() != 0) h.delivered -= 1; // a control packet was counted delivered on arrival
    stale += s.segs();
    h.drop("tcp", "no_connection", s.segs());
    return 0;
  }

  /** Counters for results (hosts[].steering): listen-socket line transfers and overflows, stale segments. */
  void report(SteeringStats st) {
    long transfers = 0, overflows = 0;
    for (Listener l : listeners.values()) {
      transfers += l.transfers;
      overflows += l.overflows;
    }
    if (!listeners.isEmpty()) {
      st.count("churn.listen_transfers", transfers);
      st.count("churn.accept_queue_overflows", overflows);
    }
    if (stale > 0) st.count("churn.no_connection_segments", stale);
    for (int i = 0; i < first.length; i++) if (first[i] >= 0) st.count("churn.first_" + FIRST[i] + "_ns", first[i]);
  }
}
