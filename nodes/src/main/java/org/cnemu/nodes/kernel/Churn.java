package org.cnemu.nodes.kernel;

import java.util.Arrays;
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
 * <p>This class is the threads' side (connect, accept, close, the client loop's states, ports, the listen
 * socket's uses); {@link ChurnSegments} sends and receives the connections' control segments.
 *
 * <p>The listen socket is shared by the server threads of all connections to its endpoint (one listener, no
 * SO_REUSEPORT). Linux 4.4 and 5.4 write the same listener lines per connection ({@link #LINE}): its refcount
 * (the request sock's hold at the SYN, its put when accept() frees it), the accept queue (qlen / young at the
 * SYN and the handshake's ACK, rskq_lock with head / tail at the ACK's enqueue and at accept()), sk_ack_backlog
 * (read at the SYN, written at the enqueue and at accept()), the socket lock (lock_sock in accept()), the wait
 * queue (the ACK's wake-up of a thread asleep in accept(), and that thread's prepare_to_wait_exclusive), and
 * the listening port's bind bucket and its lock (__inet_inherit_port at the child's creation, inet_put_port
 * when the child closes). Each line remembers the core that used it last; a use on another core moves it, at
 * cache-line-transfer, so one core pays nothing and more cores pay more per connection. Nothing is fitted to
 * it (docs/calibration.md, "Connection churn", on why spinning on the locks is not modelled). Each connection
 * is accepted by the thread that serves its stream (as if accept() returned that one).
 *
 * <p>Two more kinds of line move the same way. The host's {@code tcp_memory_allocated} (tcp_prot's one global
 * counter of the pages charged to TCP sockets; a per-CPU reserve in front of it only since Linux 6.0): a new
 * socket starts with no forward allocation, so its first charge adds to the counter, and tcp_close's
 * sk_mem_reclaim with tcp_send_fin's sk_forced_mem_schedule, and inet_csk_destroy_sock's reclaim write it again
 * ({@link #chargeMemory}). And the server's child socket ({@link #CHILD_LINE}): created by the softirq of the
 * connection's RSS core, accepted, closed by its thread, destroyed by the softirq again, so its request sock,
 * its socket/wait-queue line and its state line move between the two cores when the thread runs elsewhere. The
 * lines the data path's segments share between the softirq and the reader (the socket lock, the queues, the
 * sequence numbers) are not among them: the per-packet costs were measured with the reader on another core.
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
    /** The stream's transactions at connect: the connection counts if its own transaction counted. */
    long txAtOpen;
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
    /** Server: the thread slept in accept() for this connection (its wake-up went through the listener). */
    boolean sleptInAccept;
    /** Server: per {@link #CHILD_LINE}, the core that used the current connection's line last (-1: none yet). */
    final int[] childCpu = {-1, -1, -1};
    /** Server: the core that wrote the state line of each older connection in {@link #closing} last, by seed. */
    final Map<Integer, Integer> closingStateCpu = new HashMap<>();
    /** Server: the current connection's first data was charged to tcp_memory_allocated. */
    boolean charged;
  }

  /** The listen socket's shared cache lines: the fields each stands for are in the class comment. */
  static final int L_REFCOUNT = 0, L_ACCEPT_QUEUE = 1, L_ACK_BACKLOG = 2, L_SOCKET_LOCK = 3, L_WAIT_QUEUE = 4,
      L_BIND_LOCK = 5, L_BIND_BUCKET = 6;
  /** The lines' names in results (hosts[].steering churn.listen_transfers.NAME). */
  static final String[] LINE = {"refcount", "accept_queue", "ack_backlog", "socket_lock", "wait_queue", "bind_lock",
      "bind_bucket"};
  /** tcp_conn_request: the queue-full checks (qlen, sk_ack_backlog), inet_reqsk_alloc's hold, qlen / young ++. */
  static final int[] SYN_LINES = {L_ACCEPT_QUEUE, L_ACK_BACKLOG, L_REFCOUNT};
  /** The handshake's ACK: __inet_inherit_port, inet_csk_reqsk_queue_drop and _add (rskq_lock, tail, backlog). */
  static final int[] CHILD_LINES = {L_BIND_LOCK, L_BIND_BUCKET, L_ACCEPT_QUEUE, L_ACK_BACKLOG};
  /** inet_csk_accept: lock_sock, reqsk_queue_remove (rskq_lock, head, backlog), release_sock, the request's put. */
  static final int[] ACCEPT_LINES = {L_SOCKET_LOCK, L_ACCEPT_QUEUE, L_ACK_BACKLOG, L_REFCOUNT};
  /** The child's close (tcp_set_state TCP_CLOSE): inet_put_port. */
  static final int[] PUT_PORT_LINES = {L_BIND_LOCK, L_BIND_BUCKET};
  /** The listener's wait queue: wake_up of a thread asleep in accept(), or its prepare_to_wait_exclusive. */
  static final int[] WAIT_LINES = {L_WAIT_QUEUE};

  /**
   * The server's child socket lines its connection steps write (hosts[].steering churn.child_transfers.NAME):
   * the request sock (made at the SYN, completed by the handshake's ACK, reqsk_put by accept()), the socket's
   * sk_socket / sk_wq (sk_clone_lock writes them at the child's creation, accept()'s sock_graft again), its
   * state (sk_state and sk_shutdown: created, tcp_fin's CLOSE_WAIT, close()'s LAST_ACK, tcp_done's CLOSE).
   */
  static final String[] CHILD_LINE = {"request", "socket", "state"};
  static final int C_REQUEST = 0, C_SOCKET = 1, C_STATE = 2;

  /** One listen socket (per dst endpoint). */
  static final class Listener {
    /** Per line, the core that used it last (-1: none yet). */
    final int[] lastCpu = {-1, -1, -1, -1, -1, -1, -1};
    int queued;
    final int backlog;
    /** Per line, the uses on another core than its last. */
    final long[] transfers = new long[LINE.length];
    long overflows;

    Listener(int backlog) {
      this.backlog = backlog;
    }
  }

  private final HostKernel h;
  private final Profile p;
  private final Map<String, EphemeralPorts> ports = new HashMap<>();
  private final Map<String, Listener> listeners = new HashMap<>();
  private final ChurnSegments seg;
  /** The core that wrote the host's tcp_memory_allocated last (-1: none yet), and the writes that moved it. */
  private final int[] memoryCpu = {-1};
  private final long[] memoryTransfers = new long[1];
  /** Per {@link #CHILD_LINE}, the uses of a server child socket's line on another core than its last. */
  private final long[] childTransfers = new long[CHILD_LINE.length];
  /**
   * The timeline of this host's first connection event of each kind after the warm-up, ns (-1: none):
   * connect() start, SYN at the listener's TCP, SYN-ACK at the client's TCP, accept() start and return,
   * close() return (client), the server's read() that returns 0 (start) and its close()'s FIN (handed to the
   * transmit path). In hosts[].steering as churn.first_*_ns: a trace of one connection.
   */
  private final long[] first = {-1, -1, -1, -1, -1, -1, -1, -1};
  private static final String[] FIRST =
      {"connect", "syn_rx", "synack_rx", "accept_start", "accept_return", "close", "eof_read", "server_fin"};

  void mark(int event, long at) {
    if (at >= h.warmup && first[event] < 0) first[event] = at;
  }

  Churn(HostKernel h) {
    this.h = h;
    this.p = h.p;
    this.seg = new ChurnSegments(this, h);
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
        st[1] += p.timer + seg.control(c, k, SYN, 0, false, st[0] + st[1]);
        c.toCore(h.coreAddr[k.cpu], SYN_RTO_NANOS << Math.min(6, cs.synTries - 1), new CoreEntity.AppTimer(k.id));
        return st;
      }
      default -> {
        if (now < k.nextSendAt) {
          if (k.timerAt != k.nextSendAt) {
            k.timerAt = k.nextSendAt;
            c.toCore(h.coreAddr[k.cpu], k.nextSendAt - now, new CoreEntity.AppTimer(k.id));
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
      st[1] += 2 * h.syscallNanos;
      return st;
    }
    cs.port = port;
    int ph = cs.ports.portHash(port);
    fresh(k, ph, true);
    cs.connStart = now;
    mark(0, now);
    cs.firstSeq = k.reqSeq;
    cs.txAtOpen = k.transactions;
    k.nextSendAt = now; // the request goes as soon as the connection is up
    if (shm) { // FreeFlow: socket + connect through the monitor (ShmPath.connect), no kernel handshake
      h.shm.reopen(k);
      cs.state = C_ESTABLISHED;
      return CONTINUE;
    }
    // tcp_connect's SYN skb: sk_stream_alloc_skb with force_schedule on a socket with no forward allocation
    st[1] += 2 * h.syscallNanos + p.tcpConnect + chargeMemory(c.cpu);
    cs.state = C_SYN_SENT;
    cs.synTries = 1;
    cs.synAt = now;
    st[1] += seg.control(c, k, SYN, 0, true, st[0] + st[1]); // tcp_connect built it (tcp-connect)
    c.toCore(h.coreAddr[k.cpu], SYN_RTO_NANOS, new CoreEntity.AppTimer(k.id));
    return st; // connect() blocks until the SYN-ACK
  }

  /** close() after the response: the FIN (or FreeFlow's close through the monitor); the connection's latency. */
  private long[] close(CoreEntity c, Sock k, long[] st, boolean shm) {
    Side cs = k.cs;
    long now = c.nowNs();
    st[1] += h.syscallNanos + p.tcpClose;
    if (shm) {
      st[0] += h.shm.close(c, k);
      cs.ports.release(cs.port); // no kernel connection: the port is free at once
    } else {
      st[1] += chargeMemory(c.cpu); // tcp_close's sk_mem_reclaim, tcp_send_fin's sk_forced_mem_schedule
      st[1] += seg.control(c, k, FIN, 0, true, st[0] + st[1]); // tcp_send_fin (tcp-close)
      cs.closing.put(k.portHash, cs.port);
    }
    cs.state = C_CLOSED;
    if (first[0] >= 0) mark(5, now + st[0] + st[1]);
    if (k.transactions > cs.txAtOpen) cs.connections++; // its transaction completed in the measured window
    if (cs.connStart >= h.warmup) {
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
  void fresh(Sock k, int portHash, boolean client) {
    org.cnemu.nodes.tcp.TcpConfig tc =
        TcpSetup.config(p, h.stack, k.flow.congestionControl(), k.flow.load().nodelay(), h.wallClockPhaseNanos);
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
      Arrays.fill(k.cs.childCpu, -1);
      k.cs.charged = false;
    }
  }

  /** The server's response sender of the connection whose request receiver is {@code r}. */
  Sock respSender(Sock r) {
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
      // its read() that returned 0 (tcp_recvmsg finds RCV_SHUTDOWN), then close()
      st[1] += 2 * h.syscallNanos + p.tcpClose + chargeMemory(c.cpu) + closingState(cs, seed, c.cpu);
      st[1] += seg.control(c, r, FIN_ACK, 1, seed, true, st[0] + st[1]);
      cs.closing.put(seed, S_LAST_ACK);
      return st;
    }
    switch (cs.state) {
      case S_QUEUED -> { // accept(): the listen socket's lock and queue
        mark(3, c.nowNs());
        st[1] += h.syscallNanos + p.tcpAccept + touch(cs.listener, ACCEPT_LINES, c.cpu);
        st[1] += child(cs, C_REQUEST, c.cpu) + child(cs, C_SOCKET, c.cpu); // reqsk_put, sock_graft
        if (cs.sleptInAccept) st[1] += touch(cs.listener, WAIT_LINES, c.cpu); // its prepare_to_wait_exclusive
        cs.sleptInAccept = false;
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
        // read() returns 0 (a syscall of its own: entry/exit, lock_sock, tcp_recvmsg finds RCV_SHUTDOWN), then
        // close(): our FIN (with the ACK of theirs)
        long eof = c.nowNs();
        st[1] += 2 * h.syscallNanos + p.tcpClose;
        st[1] += chargeMemory(c.cpu) + child(cs, C_STATE, c.cpu); // reclaim and the FIN's charge; LAST_ACK
        if (first[6] < 0 && eof >= h.warmup) {
          mark(6, eof);
          mark(7, eof + st[0] + st[1]);
        }
        st[1] += seg.control(c, r, FIN_ACK, 1, true, st[0] + st[1]);
        cs.state = S_LAST_ACK;
        return st;
      }
      default -> {
        return null;
      }
    }
  }

  /**
   * A use of lines {@code lines} of listen socket {@code l} on core {@code cpu}: each line another core used
   * last moves here (cache-line-transfer); returns the CPU time.
   */
  long touch(Listener l, int[] lines, int cpu) {
    long cost = 0;
    for (int line : lines) cost += use(l.lastCpu, l.transfers, line, cpu);
    return cost;
  }

  /**
   * A use of line {@code line} on core {@code cpu}, whose last core is {@code lastCpu[line]} (-1: none yet): if
   * another core used it last it moves here, counted in {@code transfers[line]}; returns the CPU time
   * (cache-line-transfer or 0). The one mechanism of every shared line of this class.
   */
  private long use(int[] lastCpu, long[] transfers, int line, int cpu) {
    int last = lastCpu[line];
    lastCpu[line] = cpu;
    return moved(last, cpu, transfers, line);
  }

  /** A line last used by core {@code last} (-1: none) used on {@code cpu}: its transfer's cost, counted if any. */
  private long moved(int last, int cpu, long[] transfers, int line) {
    if (last < 0 || last == cpu) return 0;
    transfers[line]++;
    return p.cacheLineTransfer;
  }

  /**
   * A write of the host's tcp_memory_allocated on core {@code cpu} (an atomic add to tcp_prot's global counter:
   * __sk_mem_schedule / sk_forced_mem_schedule, __sk_mem_reclaim): the line moves here if another core wrote it
   * last (cache-line-transfer); returns the CPU time. Writes back to back on one core move it once.
   */
  long chargeMemory(int cpu) {
    return use(memoryCpu, memoryTransfers, 0, cpu);
  }

  /** A use of line {@code line} ({@link #CHILD_LINE}) of server side {@code cs}'s current child on core {@code cpu}. */
  long child(Side cs, int line, int cpu) {
    return use(cs.childCpu, childTransfers, line, cpu);
  }

  /**
   * The current connection of {@code cs} is overtaken by a new one (its SYN): the old child keeps its state line,
   * with the core that used it last.
   */
  void retire(Side cs, int seed) {
    if (cs.childCpu[C_STATE] >= 0) cs.closingStateCpu.put(seed, cs.childCpu[C_STATE]);
  }

  /** A use of the state line of older connection {@code seed} of {@code cs} on core {@code cpu}. */
  long closingState(Side cs, int seed, int cpu) {
    return stateMoved(cs.closingStateCpu.put(seed, cpu), cpu);
  }

  /** The last use of the state line of older connection {@code seed} of {@code cs} (tcp_done), on core {@code cpu}. */
  long closingStateDone(Side cs, int seed, int cpu) {
    return stateMoved(cs.closingStateCpu.remove(seed), cpu);
  }

  private long stateMoved(Integer was, int cpu) {
    return moved(was == null ? -1 : was, cpu, childTransfers, C_STATE);
  }

  /** The softirq's TCP receive of a packet of a churned connection: {@link ChurnSegments#rx}. */
  long rx(CoreEntity c, Packet s, long offset) {
    return seg.rx(c, s, offset);
  }

  /** Counters for results (hosts[].steering): listen-socket line transfers (all, per line), overflows, stale segments. */
  void report(SteeringStats st) {
    long overflows = 0;
    long[] transfers = new long[LINE.length];
    for (Listener l : listeners.values()) {
      for (int i = 0; i < LINE.length; i++) transfers[i] += l.transfers[i];
      overflows += l.overflows;
    }
    if (!listeners.isEmpty()) {
      st.count("churn.listen_transfers", Arrays.stream(transfers).sum());
      for (int i = 0; i < LINE.length; i++) st.count("churn.listen_transfers." + LINE[i], transfers[i]);
      st.count("churn.accept_queue_overflows", overflows);
      st.count("churn.child_transfers", Arrays.stream(childTransfers).sum());
      for (int i = 0; i < CHILD_LINE.length; i++) st.count("churn.child_transfers." + CHILD_LINE[i], childTransfers[i]);
    }
    if (!ports.isEmpty() || !listeners.isEmpty()) st.count("churn.tcp_memory_transfers", memoryTransfers[0]);
    if (seg.stale > 0) st.count("churn.no_connection_segments", seg.stale);
    for (int i = 0; i < first.length; i++) if (first[i] >= 0) st.count("churn.first_" + FIRST[i] + "_ns", first[i]);
  }
}
