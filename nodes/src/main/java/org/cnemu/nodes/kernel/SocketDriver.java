package org.cnemu.nodes.kernel;

import org.cnemu.devices.Packet;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;

/**
 * The application threads' side of the sockets: one step of an iperf sender or receiver (TCP or
 * UDP, paced or not), through the kernel's socket calls or FreeFlow's shared-memory ring ({@link ShmPath}),
 * or of a request-response / ping-pong client or server ({@link RequestResponse}). A step returns its
 * {usr, sys} time, or null when the thread must sleep.
 */
final class SocketDriver {
  private final HostKernel h;
  private final Profile p;
  private final Spec spec;
  private final ShmPath shm;
  private final SteeringStats stats;
  private final long warmup;
  private final RequestResponse rr;
  /**
   * Whether the route of this host's sockets leaves by a device with UDP fragmentation offload
   * (kernel.udp-fragmentation-offload): a Docker container's eth0 (veth) or the Linux overlay's vxlan device;
   * never the pNIC (mlx4_en has no NETIF_F_UFO).
   */
  private final boolean ufoRoute;
  /** The route MTU of this host's sockets (on an overlay the vxlan device's or a container veth's), what it holds. */
  private final int mtuBytes;
  private final int mssBytes;
  private final int fragPayloadBytes;

  SocketDriver(HostKernel h) {
    this.h = h;
    this.p = h.p;
    this.spec = h.spec;
    this.shm = h.shm;
    this.stats = h.stats;
    this.warmup = h.warmup;
    this.rr = new RequestResponse(h, this);
    this.ufoRoute = ufoRoute(p, h.stack);
    this.mtuBytes = p.mtuBytes(h.stack);
    this.mssBytes = p.mssBytes(h.stack);
    this.fragPayloadBytes = p.fragPayloadBytes(h.stack);
  }

  /** Whether a host of {@code stack} routes its sockets through a device with UFO (see {@link #ufoRoute}). */
  static boolean ufoRoute(Profile p, StackKind stack) {
    return p.udpFragmentationOffload && stack != StackKind.NATIVE;
  }

  /**
   * {usr, sys} of the step just run, returned by {@link #appStep}: one array per host, filled by each step and read
   * at once by the core that ran it ({@link CoreThreads}); an array per step was ~13 % of a star run's allocation.
   */
  private final long[] stepTimes = new long[2];
  /** The thread whose step {@link #appStep} runs: a fragmented datagram's remaining fragments are its next steps. */
  private Sock stepThread;

  private long[] stepTimes(long usr, long sys) {
    stepTimes[0] = usr;
    stepTimes[1] = sys;
    return stepTimes;
  }

  /**
   * One app step: returns {usr, sys} ns (valid until this host's next step: the caller reads it at once), or null
   * when the thread must sleep.
   */
  long[] appStep(CoreEntity c, Sock k) {
    if (k.fragSock != null) return nextFragment(c, k);
    stepThread = k;
    long now = c.nowNs();
    Spec.FlowSpec f = k.flow;
    if (now < f.startNanos()) {
      k.nextSendAt = f.startNanos();
      c.toCore(h.coreAddr[k.cpu], f.startNanos() - now, new CoreEntity.AppTimer(k.id));
      return null;
    }
    if (f.rr() != null) return rr.step(c, k);
    if (k.fastPath == 0) k.fastPath = shm.has(f.index()) ? Sock.SHM : Sock.KERNEL;
    if (k.fastPath == Sock.SHM) return shm.appStep(c, k); // FreeFlow: shared-memory ring, no kernel
    if (k.sender && !k.udp) {
      if (waitsToWrite(c, k, now)) return null;
      long space = k.tx.space();
      if (space <= 0) {
        k.noSpace = true;
        return null;
      }
      long bytes = Math.min(f.messageBytes(), space);
      wrote(k, now, bytes);
      k.tx.written += bytes;
      own(k);
      // copy_from_user of the buffer iperf reuses: cache-resident
      long sys = selectShare(f) + h.syscallNanos + p.memcpy(bytes);
      sys += h.tx.tcpPush(c, k, sys + p.appPerMessage, true);
      return stepTimes(p.appPerMessage, sys);
    }
    if (k.sender) {
      if (waitsToWrite(c, k, now)) return null;
      if (udpBlocked(c, k)) return null; // qdisc/TX ring full: the socket blocks until the NIC drains
      long bytes = f.messageBytes();
      long sys = selectShare(f) + h.syscallNanos + udpCopy(bytes) + p.udpTx;
      sys += udpSend(c, k, bytes, k.dgramSeq++, 0, sys + p.appPerMessage);
      wrote(k, now, bytes);
      return stepTimes(p.appPerMessage, sys);
    }
    // receiver (fan-in: the server thread reads the next of its sockets with data)
    k = readyMember(k);
    if (k == null) return null;
    f = k.flow;
    if (k.udp) {
      if (!k.hasDgram()) return null;
      long dBytes = k.headDgramBytes();
      long dSegs = k.headDgramSegs();
      k.pollDgram();
      k.buffer.udpQueuedBytes -= dBytes;
      k.dgramsDelivered++;
      if (now >= warmup) {
        k.goodBytes += dBytes;
        k.goodSegs += dSegs;
      }
      seriesAdd(k, now, dBytes);
      h.lastRecvCpu[h.slot(f.index())] = c.cpu;
      // iperf3's server reads one datagram per select() (iperf_recv: one rcv per ready stream)
      long rsys = h.pollSyscallNanos + h.syscallNanos + p.copyToUser(dBytes) + p.skbFree * dSegs;
      stats.toApp(k, dBytes, now, now + p.appPerMessage + rsys, c.cpu);
      return stepTimes(p.appPerMessage, rsys);
    }
    // Linux 4.4: segments the softirq prequeued for this reader (it waited inside read()): tcp_prequeue_process
    long pre = k.prequeue.isEmpty() ? 0 : h.l4.processInReader(c, k, k.prequeue);
    if (k.readable <= 0) return pre > 0 ? stepTimes(0, pre) : null;
    long bytes = Math.min(k.readable, f.messageBytes());
    if (p.tcpReaderBacklog) { // tcp_recvmsg's lock_sock: segments arriving until its release_sock go to the backlog
      own(k);
      k.ownedFromNs = now + p.appPerMessage + pre + h.pollSyscallNanos;
      k.recvLeft = f.messageBytes() - bytes;
    }
    long sys = pre + h.pollSyscallNanos + h.syscallNanos;
    return stepTimes(p.appPerMessage, sys + copyOut(c, k, bytes, p.appPerMessage, sys));
  }

  /**
   * tcp_recvmsg copies {@code bytes} of receiver {@code k} to the user, {@code usr} + {@code sys} ns into the
   * step: the copy, the skbs freed, and the ACK tcp_cleanup_rbuf sends. Returns its sys time.
   */
  private long copyOut(CoreEntity c, Sock k, long bytes, long usr, long sys) {
    long now = c.nowNs();
    Spec.FlowSpec f = k.flow;
    k.readable -= bytes;
    k.blockRead = (k.blockRead + bytes) % f.messageBytes(); // iperf3's Nread: inside a block, the next wait is in read()
    int before = k.rx.window();
    k.rx.onRead(now, bytes);
    if (now >= warmup) k.goodBytes += bytes;
    seriesAdd(k, now, bytes);
    h.lastRecvCpu[h.slot(f.index())] = c.cpu;
    long cost = p.copyToUser(bytes) + p.skbFree * Math.max(1, bytes / (mssBytes * 20L));
    stats.toApp(k, bytes, now, now + usr + sys + cost, c.cpu);
    // tcp_cleanup_rbuf: the delayed ACK the read made due (TcpReceiver.onRead), or a window update when the
    // advertised window was at most half the clamp and the
    // read at least doubled it (so a zero window always reopens at once)
    int after = k.rx.window();
    if (k.rx.ackDue() || 2L * before <= Math.min(k.rx.clamp, k.rx.rcvbuf / 2) && after > 0 && after >= 2L * before) {
      cost += h.tx.sendAck(c, k, sys + cost);
    }
    return cost;
  }

  /**
   * release_sock by the reader of TCP receiver {@code k} (kernel.tcp.reader-backlog), at the end of its read
   * step: with segments in the backlog, tcp_recvmsg's loop processes them (release_sock + lock_sock ->
   * __release_sock -> tcp_v4_do_rcv, {@link TransportRx#processInReader}) and copies the data they made readable, up
   * to what is left of the read's length; the socket stays owned (the caller runs this as a step of the thread
   * and calls again at its end). With none, the socket is released: tcp_release_cb sends a delayed ACK whose
   * timer fired meanwhile (tcp_delack_timer: TCP_DELACK_TIMER_DEFERRED). Returns the sys time.
   */
  long releaseReader(CoreEntity c, Sock k) {
    if (k.backlog.isEmpty()) {
      k.owned = false;
      if (!k.releaseTimer) return 0;
      k.releaseTimer = false;
      return k.rx.timerAckDue(c.nowNs()) ? h.tx.sendAck(c, k, 0) : 0;
    }
    long cost = h.l4.processInReader(c, k, k.backlog);
    long bytes = Math.min(k.readable, k.recvLeft);
    if (bytes <= 0) return cost;
    k.recvLeft -= bytes;
    return cost + copyOut(c, k, bytes, 0, cost);
  }

  /**
   * Whether paced sender {@code k} must wait before its next write (iperf3 -b): for its throttle's next
   * tick ({@link #throttleWait}), or for the time its rate spaces the next write at; an app timer wakes it.
   */
  private boolean waitsToWrite(CoreEntity c, Sock k, long now) {
    if (throttleWait(c, k, now)) return true;
    if (k.flow.rateBps() > 0 && now < k.nextSendAt) {
      c.toCore(h.coreAddr[k.cpu], k.nextSendAt - now, new CoreEntity.AppTimer(k.id));
      return true;
    }
    return false;
  }

  /**
   * Sender {@code k} wrote {@code bytes} at {@code now}: when it may write next, by iperf3's throttle
   * ({@code iperf_check_throttle} after the write) or by its arrival process at its rate.
   */
  private void wrote(Sock k, long now, long bytes) {
    Spec.FlowSpec f = k.flow;
    k.pacedBytes += bytes;
    if (Pacing.throttled(f)) {
      k.nextSendAt = Pacing.nextWrite(k, now);
    } else if (f.rateBps() > 0) {
      k.nextSendAt = Math.max(k.nextSendAt, f.startNanos())
          + f.load().gapNanos(k.arrivals, bytes * 8 * 1_000_000_000L / f.rateBps());
    }
  }

  /**
   * iperf3's throttle ({@link Pacing}): a stream whose light is off waits for its send timer's next tick, at
   * {@code k.nextSendAt}; one app timer per tick however often the thread is woken meanwhile. True: it waits.
   */
  private boolean throttleWait(CoreEntity c, Sock k, long now) {
    if (!Pacing.throttled(k.flow) || now >= k.nextSendAt) return false;
    if (k.timerAt != k.nextSendAt) {
      k.timerAt = k.nextSendAt;
      c.toCore(h.coreAddr[k.cpu], k.nextSendAt - now, new CoreEntity.AppTimer(k.id));
    }
    return true;
  }

  /**
   * The step writing or reading TCP socket {@code k} owns it until the step ends (lock_sock; the step's end runs
   * release_sock, {@link CoreThreads#appStepDone}): the softirq meanwhile only queues to the socket backlog.
   */
  static void own(Sock k) {
    k.owned = true;
    k.thread.owns = k;
  }

  /**
   * The socket thread {@code t} reads next: itself, or (fan-in) the next of its member sockets in turn
   * that has data (one thread serves them all, as iperf3's select loop does); null when none has.
   */
  private static Sock readyMember(Sock t) {
    if (t.members == null) return t;
    int n = t.members.length;
    for (int i = 0; i < n; i++) {
      Sock m = t.members[(t.nextMember + i) % n];
      if (m.udp ? m.hasDgram() : m.readable > 0) {
        t.nextMember = (t.nextMember + i + 1) % n;
        return m;
      }
    }
    return null;
  }

  /**
   * Sends one UDP datagram of {@code bytes} payload and sequence number {@code seq} on {@code k} from the app step;
   * returns the sys time of its transmit path (the caller charges the syscall, copy and UDP output). One larger than
   * the MTU is IP-fragmented (ip_fragment) or, when the socket's route device has UDP fragmentation offload
   * ({@link #ufoRoute}), sent as one UFO skb that software GSO fragments at the pNIC ({@link TxPath}). A sampled
   * datagram's socket_send stage runs from {@code from}, where the send began, to its transmit at {@code offset}.
   */
  long udpSend(CoreEntity c, Sock k, long bytes, long seq, long from, long offset) {
    Spec.FlowSpec f = k.flow;
    long now = c.nowNs();
    long sys = 0;
    int frags = p.udpPackets(bytes, h.stack);
    if (frags > 1 && ufoRoute) { // ip_ufo_append_data: one skb of the whole datagram, its fragments' wire packets
      Packet s = new Packet(f.index(), (byte) 0, true, seq, (int) (bytes + 8), frags, 0, 0, 0, 0, 0, (short) 0,
          (short) frags, HostKernel.flowHash(f, 0), (byte) f.prio(), f.dstHost(), now, false,
          h.journeys == null ? null : h.journeys.start(f.index(), now));
      Journeys.mark(h, s, Journeys.SOCKET_SEND, c, from, offset);
      h.sent += frags;
      k.sentSegs += frags;
      return h.tx.tx(c, s, offset);
    }
    // A Docker container's veth hands each fragment to this core's backlog (veth_xmit -> netif_rx, NET_RX raised),
    // and ip_finish_output2's / __dev_queue_xmit's rcu_read_unlock_bh -> local_bh_enable -> do_softirq drains it
    // before ip_fragment builds the next (Linux 4.4 / 5.4 net/ipv4/ip_output.c, net/core/dev.c): so each fragment
    // after the first is a step of its own (nextFragment), each step's end running the softirqs it raised
    // (CoreThreads#appStepDone). The native and Linux overlay stacks queue nothing to a backlog: one step.
    if (frags > 1 && h.stack == StackKind.DOCKER_OVERLAY) {
      Sock t = stepThread;
      t.fragSock = k;
      t.fragNext = 1;
      t.fragCount = frags;
      t.fragBytes = bytes;
      t.fragSeq = seq;
      t.fragStartNanos = now;
      t.fragFromNanos = now + from;
      return fragment(c, k, 0, frags, bytes, seq, now, from, offset);
    }
    for (int i = 0; i < frags; i++) sys += fragment(c, k, i, frags, bytes, seq, now, from, offset + sys);
    return sys;
  }

  /**
   * The next fragment of the datagram thread {@code t} is sending ({@link Sock#fragSock}): ip_fragment's output of it,
   * a step of sys time (the datagram's syscall, copy and first fragment were the first step's).
   */
  private long[] nextFragment(CoreEntity c, Sock t) {
    Sock k = t.fragSock;
    int i = t.fragNext++;
    if (t.fragNext == t.fragCount) t.fragSock = null;
    long sys = fragment(c, k, i, t.fragCount, t.fragBytes, t.fragSeq, t.fragStartNanos, t.fragFromNanos - c.nowNs(), 0);
    return stepTimes(0, sys);
  }

  /**
   * Fragment {@code i} of {@code frags} of a datagram of {@code bytes} payload sent on {@code k} at {@code startNanos},
   * handed to IP at {@code offset} ns into the step; returns its sys time (ip_fragment's part and the transmit path).
   */
  private long fragment(CoreEntity c, Sock k, int i, int frags, long bytes, long seq, long startNanos, long from,
      long offset) {
    Spec.FlowSpec f = k.flow;
    long total = bytes + 8;
    int len = frags == 1 ? (int) bytes : (int) Math.min(fragPayloadBytes, total - (long) i * fragPayloadBytes);
    // a sampled datagram's journey rides its last fragment: the one whose arrival completes it
    Packet s = new Packet(f.index(), (byte) 0, true, seq, len, 1, 0, 0, 0, 0, 0, (short) i, (short) frags,
        HostKernel.flowHash(f, 0), (byte) f.prio(), f.dstHost(), startNanos, false,
        h.journeys == null || i < frags - 1 ? null : h.journeys.start(f.index(), startNanos));
    long sys = frags > 1 ? p.ipFrag : 0;
    Journeys.mark(h, s, Journeys.SOCKET_SEND, c, from, offset + sys);
    h.sent += 1;
    k.sentSegs += 1;
    return sys + h.tx.tx(c, s, offset + sys);
  }

  /**
   * udp_sendmsg's copy of a {@code bytes} datagram from the user. One that fits the MTU leaves its checksum to the
   * NIC (CHECKSUM_PARTIAL); a datagram IP will fragment cannot, so __ip_append_data copies it with
   * csum_and_copy_from_iter, checksumming every byte in software (Linux 4.4 / 5.4 net/ipv4/ip_output.c: csummode
   * stays CHECKSUM_NONE unless length + header <= mtu), as the receiver does after reassembly; the copy and the
   * checksum are one pass ({@link Profile#copyAndCsum}). A UFO skb ({@link #ufoRoute}) is CHECKSUM_PARTIAL too
   * (ip_generic_getfrag: copy_from_iter): its checksum is computed where software GSO fragments it.
   */
  long udpCopy(long bytes) {
    return bytes + 8 > mtuBytes - 20 && !ufoRoute ? p.copyAndCsum(bytes) : p.memcpy(bytes);
  }

  /** Whether the TX ring/qdisc of the host is backlogged over 100 us: a UDP socket then blocks (and a timer is set). */
  boolean udpBlocked(CoreEntity c, Sock k) {
    long backlogNs = h.nic.txBusyUntil - c.nowNs();
    if (backlogNs <= 100_000) return false;
    c.toCore(h.coreAddr[k.cpu], backlogNs - 50_000, new CoreEntity.AppTimer(k.id));
    return true;
  }

  /**
   * The share of the iperf3 client loop's select() in one write: iperf_send writes once per select()
   * when the test is paced (-b), and up to multisend = 10 times when it is not (iperf_api.c).
   */
  private long selectShare(Spec.FlowSpec f) {
    return f.rateBps() > 0 ? h.pollSyscallNanos : h.pollSyscallNanos / IPERF_MULTISEND;
  }

  /** iperf3's default multisend: writes per select() of an unpaced client (iperf_api.c, testp->multisend). */
  private static final int IPERF_MULTISEND = 10;

  void seriesAdd(Sock k, long now, long bytes) {
    int i = (int) Math.min(k.series.length - 1, now / spec.seriesNanos);
    k.series[i] += bytes;
  }

  /** Bytes/datagrams became readable in {@code k} (SockData handled on the app core). */
  void sockData(Sock k, long bytes, int datagrams, long seq) {
    if (k.udp) k.queueDgram(bytes, datagrams, seq);
    else k.readable += bytes;
  }
}
