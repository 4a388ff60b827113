package org.cnemu.nodes.kernel;

import java.util.ArrayDeque;

/** A socket and the application thread using it (iperf-like), on one host. */
final class Sock {
  final int id;
  final Spec.FlowSpec flow;
  final boolean sender;
  final int cpu;
  final boolean udp;
  /** Request-response: the other direction's socket on this host (client: response receiver; server: request receiver). */
  Sock peer;
  /** The socket whose application thread consumes this socket's data (itself, or an RR thread). */
  Sock thread = this;
  /**
   * Fan-in: the server sockets this thread serves in turn (itself first), or null (only itself). A
   * member that is not the thread has {@link #thread} set to it and never runs as a thread.
   */
  Sock[] members;
  int nextMember;
  /** The socket whose receive buffer this one's datagrams fill (fan-in UDP: the one server socket). */
  Sock buffer = this;
  // request-response state (on the thread's socket)
  java.util.SplittableRandom rng;
  /** The flow's arrival (pacing / open-loop request) and think-time streams of the run. */
  java.util.SplittableRandom arrivals;
  java.util.SplittableRandom thinks;
  /** Client: requests sent and not yet answered, by sequence number: {start ns, response bytes}. */
  final java.util.TreeMap<Long, long[]> pending = new java.util.TreeMap<>();
  /** Client: the request drawn but not yet written (no send space): {request bytes, response bytes}; null: none. */
  long[] drawn;
  long reqSeq;
  /** When this thread's app timer is set to fire (-1: none), so an open-loop client sets one per send time. */
  long timerAt = -1;
  /** UDP client: requests given up after reply-timeout. */
  long lost;
  long expect;
  /**
   * Bytes of the message being received (server: the request; client: the oldest response) already read:
   * the thread reads what has arrived, as a recv() loop does, so a message larger than the receive window
   * still arrives (reading opens the window).
   */
  long got;
  long respBytes;
  long transactions;
  org.HdrHistogram.Histogram latency;
  /** Goodput bytes per throughput-series interval (whole run, warm-up included). */
  long[] series;
  org.cnemu.nodes.tcp.TcpSender tx;
  org.cnemu.nodes.tcp.TcpReceiver rx;
  /** When a TsqWake for this socket is due (-1: none scheduled). */
  long tsqWakeAt = -1;
  /**
   * The application owns the socket (lock_sock .. release_sock; softirq work on it waits meanwhile). TCP sender:
   * inside a sendmsg(), from the start of the thread step that writes it to that step's end. TCP receiver
   * (kernel.tcp.reader-backlog): inside a tcp_recvmsg(), from the read step's start until its release_sock
   * found the backlog empty.
   */
  boolean owned;
  /**
   * Segments that arrived while the application owned the socket (sk_backlog), processed at release_sock: ACKs
   * (a sender's socket) or data (a receiver's).
   */
  final ArrayDeque<org.cnemu.devices.Packet> backlog = new ArrayDeque<>(2);
  /** The xmit timer or a TSQ wake-up fired while the socket was owned (tcp_release_cb runs it). */
  boolean releaseTimer;
  /** Thread: the socket its running step writes or reads (and owns), or null. */
  Sock owns;
  /** Payload bytes of the data segments in {@link #backlog} (sk_backlog.len, against sk_rcvqueues_full). */
  long backlogBytes;
  /** TCP receiver owning the socket: bytes its tcp_recvmsg may still copy (the read's length left). */
  long recvLeft;
  /**
   * TCP receiver owning the socket: when its read step's lock_sock comes (after the step's user time and the
   * loop's select(), which hold no socket lock); a segment the softirq handles before it is processed as usual.
   */
  long ownedFromNs;
  /** TCP data segments (retransmissions included) put on the wire after the warm-up. */
  long wireSegs;
  /**
   * Which path its thread's steps take, once asked ({@link ShmPath#has}, at the first step): 0 not yet,
   * {@link #KERNEL} the socket calls, {@link #SHM} FreeFlow's shared-memory ring. Kept here: the answer
   * lives in per-host tables that are cold at each step with many hosts.
   */
  byte fastPath;
  static final byte KERNEL = 1, SHM = 2;
  /** Thread state: sleeping (waits for data/space/timer), or on a run queue / running. */
  boolean sleeping = true;
  boolean wakePending;
  /**
   * Its last sleep switched it out in the kernel (it paid costs.sched-out; {@link CoreThreads}), so its wake-up
   * switches it back in; and that switch is due before its next step.
   */
  boolean switchedOut, switchInDue;
  /** CFS vruntime of its thread on its core (ns of its steps; nice 0), kept while it sleeps ({@link CoreThreads}). */
  long vruntimeNanos;
  /**
   * SOCK_NOSPACE: a write found no send space and its thread sleeps for it (sk_stream_wait_memory); the ACK that
   * frees space wakes it (tcp_check_space -> sk_write_space), and only then.
   */
  boolean noSpace;
  /** How its thread waits, once asked: 0 not yet, {@link #BLOCKS} in the kernel, {@link #POLLS} on a FreeFlow ring. */
  byte waits;
  static final byte BLOCKS = 1, POLLS = 2;

  /** Whether this thread sleeps with no wake-up on its way. */
  boolean asleep() {
    return sleeping && !wakePending;
  }
  // receive side
  long readable;
  /**
   * TCP receiver (Linux 4.4, kernel.tcp.prequeue): data segments the softirq queued to ucopy.prequeue for the
   * reader waiting in tcp_recvmsg, and their bytes; the reader processes them (tcp_prequeue_process).
   */
  final ArrayDeque<org.cnemu.devices.Packet> prequeue = new ArrayDeque<>(2);
  long prequeueBytes;
  /** iperf TCP receiver: bytes of the current block (message-size) already read: Nread loops read() until it has all. */
  long blockRead;
  /** Paced iperf sender: bytes written since the stream's start (iperf3's bytes_sent, for its throttle). */
  long pacedBytes;
  /**
   * UDP datagrams queued and unread, in arrival order: {bytes, segs, seq, unused} per datagram in a ring of
   * a power-of-two capacity. Primitive so that a read touches the socket and one line of this array, not a
   * deque, its array and an object per datagram (each cold by the time the reader runs, with many hosts).
   */
  private long[] dgramRing = NO_DGRAMS; // allocated at the first datagram: TCP sockets need none
  private static final long[] NO_DGRAMS = new long[0];
  private int dgramHead;
  private int dgramCount;
  long udpQueuedBytes;
  /**
   * Receiver: the kernel-path bytes not yet read by the application, in arrival order, for latency
   * ({@link SteeringStats#toSocket}, {@link SteeringStats#toApp}): per skb {bytes not yet read, sent at}
   * in a ring of a power-of-two capacity (null until the first), its head and size, and the journeys
   * ending with each skb (null until a sampled one).
   */
  long[] unread;
  int unreadHead;
  int unreadSize;
  org.cnemu.devices.Journey[] unreadJourneys;
  /** Receiver: one-way latency samples, to the application and to the socket (null until one). */
  LatencySamples owd;
  LatencySamples owdSock;
  long partialSeq = -1;
  int partialFrags;
  long partialBytes;
  // UDP send side
  long dgramSeq;
  /**
   * A Docker container's fragmented datagram this thread is sending, one fragment per step (SocketDriver#udpSend):
   * the socket it goes out on (null: none), the next fragment's index and the count, its payload, sequence number,
   * when the send began and where its socket_send stage starts (absolute ns).
   */
  Sock fragSock;
  int fragNext;
  int fragCount;
  long fragBytes;
  long fragSeq;
  long fragStartNanos;
  long fragFromNanos;
  long nextSendAt;
  // stats
  long goodBytes;
  /** IP packets of the datagrams read after the warm-up (shared memory: ring slots): UDP's packet rate. */
  long goodSegs;
  long deliveredSegs;
  long sentSegs;
  long dgramsDelivered;
  /**
   * The hash seed of this socket's 4-tuple ({@link HostKernel#hash}): the flow's, or (connection churn) the
   * current connection's, whose ephemeral source port is new each time.
   */
  int portHash;
  /** Connection churn: this side's connection state (null: the connection lives for the whole run). */
  Churn.Side cs;
  /** Connection churn: counters of the TCP states of connections already closed (results sum them in). */
  long retiredRetrans;
  long retiredOoo;

  Sock(int id, Spec.FlowSpec flow, boolean sender, int cpu) {
    this.id = id;
    this.flow = flow;
    this.sender = sender;
    this.cpu = cpu;
    this.udp = flow.udp();
    this.portHash = flow.portHash();
  }

  /** True when a datagram is queued, unread. */
  boolean hasDgram() {
    return dgramCount > 0;
  }

  /** Bytes of the first unread datagram (one must be queued). */
  long headDgramBytes() {
    return dgramRing[dgramHead << 2];
  }

  /** Segments (skbs) of the first unread datagram. */
  long headDgramSegs() {
    return dgramRing[(dgramHead << 2) + 1];
  }

  /** Sequence number of the first unread datagram. */
  long headDgramSeq() {
    return dgramRing[(dgramHead << 2) + 2];
  }

  /** Drops the first unread datagram (read). */
  void pollDgram() {
    dgramHead = (dgramHead + 1) & ((dgramRing.length >> 2) - 1);
    dgramCount--;
  }

  /** Queues a datagram of {@code bytes} in {@code segs} skbs, sequence {@code seq}. */
  void queueDgram(long bytes, long segs, long seq) {
    int cap = dgramRing.length >> 2;
    if (dgramCount == cap) {
      long[] n = new long[Math.max(4 * 8, dgramRing.length * 2)];
      for (int k = 0; k < dgramCount; k++) System.arraycopy(dgramRing, ((dgramHead + k) & (cap - 1)) << 2, n, k << 2, 4);
      dgramRing = n;
      dgramHead = 0;
      cap = n.length >> 2;
    }
    int o = ((dgramHead + dgramCount) & (cap - 1)) << 2;
    dgramRing[o] = bytes;
    dgramRing[o + 1] = segs;
    dgramRing[o + 2] = seq;
    dgramCount++;
  }
}
