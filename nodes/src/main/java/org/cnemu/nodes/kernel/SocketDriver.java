package org.cnemu.nodes.kernel;

import org.cnemu.devices.Packet;
import org.cnemu.devices.Profile;

/**
 * The application threads' side of the sockets: one step of an iperf sender or receiver (TCP or
 * UDP, paced or not) or of a request-response / ping-pong client or server, through the kernel's
 * socket calls or FreeFlow's shared-memory ring ({@link ShmPath}). A step returns its {usr, sys}
 * time, or null when the thread must sleep.
 */
final class SocketDriver {
  private final HostKernel h;
  private final Profile p;
  private final Spec spec;
  private final ShmPath shm;
  private final SteeringStats stats;
  private final long warmup;

  SocketDriver(HostKernel h) {
    this.h = h;
    this.p = h.p;
    this.spec = h.spec;
    this.shm = h.shm;
    this.stats = h.stats;
    this.warmup = h.warmup;
  }

  /** One app step: returns {usr, sys} ns, or null when the thread must sleep. */
  long[] appStep(CoreEntity c, Sock k) {
    long now = c.nowNs();
    Spec.FlowSpec f = k.flow;
    if (now < f.startNanos()) {
      k.nextSendAt = f.startNanos();
      c.sendTo(h.coreRefs[k.cpu], f.startNanos() - now, new CoreEntity.AppTimer(k.id));
      return null;
    }
    if (f.rr() != null) return rrStep(c, k);
    if (shm.has(f.index())) return shm.appStep(c, k); // FreeFlow: shared-memory ring, no kernel
    if (k.sender && !k.udp) {
      if (f.rateBps() > 0 && now < k.nextSendAt) { // iperf3 -b: paced writes
        c.sendTo(h.coreRefs[k.cpu], k.nextSendAt - now, new CoreEntity.AppTimer(k.id));
        return null;
      }
      long space = k.tx.space();
      if (space <= 0) return null;
      long bytes = Math.min(f.messageBytes(), space);
      if (f.rateBps() > 0) {
        k.nextSendAt = Math.max(k.nextSendAt, f.startNanos()) + Math.max(1, bytes * 8 * 1_000_000_000L / f.rateBps());
      }
      k.tx.written += bytes;
      long sys = p.syscall + p.copy(bytes);
      sys += h.tx.tcpPush(c, k, sys + p.appPerMessage, true);
      return new long[] {p.appPerMessage, sys};
    }
    if (k.sender) {
      if (f.rateBps() > 0 && now < k.nextSendAt) {
        c.sendTo(h.coreRefs[k.cpu], k.nextSendAt - now, new CoreEntity.AppTimer(k.id));
        return null;
      }
      long backlogNs = h.nic.txBusyUntil - now;
      if (backlogNs > 100_000) { // qdisc/TX ring full: the socket blocks until the NIC drains
        c.sendTo(h.coreRefs[k.cpu], backlogNs - 50_000, new CoreEntity.AppTimer(k.id));
        return null;
      }
      long bytes = f.messageBytes();
      long sys = p.syscall + p.copy(bytes) + p.udpTx;
      int fp = p.fragPayload();
      long total = bytes + 8;
      int frags = total <= p.mtu - 20 ? 1 : (int) ((total + fp - 1) / fp);
      long seq = k.dgramSeq++;
      int hash = HostKernel.flowHash(f, 0);
      for (int i = 0; i < frags; i++) {
        int len = frags == 1 ? (int) bytes : (int) Math.min(fp, total - (long) i * fp);
        Packet s = new Packet(f.index(), (byte) 0, true, seq, len, 1, 0, 0, -1, -1, (short) i, (short) frags, hash,
            (byte) f.prio(), f.dstHost(), now, false);
        if (frags > 1) sys += p.ipFrag;
        h.sent += 1;
        k.sentSegs += 1;
        sys += h.tx.tx(c, s, sys + p.appPerMessage);
      }
      if (f.rateBps() > 0) {
        long interval = Math.max(1, bytes * 8 * 1_000_000_000L / f.rateBps());
        k.nextSendAt = Math.max(k.nextSendAt, f.startNanos()) + interval;
      }
      return new long[] {p.appPerMessage, sys};
    }
    // receiver
    if (k.udp) {
      long[] d = k.dgrams.poll();
      if (d == null) return null;
      k.udpQueuedBytes -= d[0];
      k.dgramsDelivered++;
      if (now >= warmup) k.goodBytes += d[0];
      seriesAdd(k, now, d[0]);
      h.lastRecvCpu[h.slot(f.index())] = c.cpu;
      long rsys = p.syscall + p.copy(d[0]) + p.skbFree * d[1];
      stats.toApp(f.index(), d[0], now + p.appPerMessage + rsys);
      return new long[] {p.appPerMessage, rsys};
    }
    if (k.readable <= 0) return null;
    long bytes = Math.min(k.readable, f.messageBytes());
    k.readable -= bytes;
    int before = k.rx.window();
    k.rx.onRead(now, bytes);
    if (now >= warmup) k.goodBytes += bytes;
    seriesAdd(k, now, bytes);
    h.lastRecvCpu[h.slot(f.index())] = c.cpu;
    long sys = p.syscall + p.copy(bytes) + p.skbFree * Math.max(1, bytes / (p.mss() * 20L));
    stats.toApp(f.index(), bytes, now + p.appPerMessage + sys);
    // tcp_cleanup_rbuf: the delayed ACK the read made due (TcpReceiver.onRead), or a window update when the advertised window was at most half the clamp and the
    // read at least doubled it (so a zero window always reopens at once)
    int after = k.rx.window();
    if (k.rx.ackDue() || 2L * before <= Math.min(k.rx.clamp, k.rx.rcvbuf / 2) && after > 0 && after >= 2L * before) {
      sys += h.tx.sendAck(c, k, sys);
    }
    return new long[] {p.appPerMessage, sys};
  }

  private void seriesAdd(Sock k, long now, long bytes) {
    int i = (int) Math.min(k.series.length - 1, now / spec.seriesNanos);
    k.series[i] += bytes;
  }

  /**
   * Reads {@code bytes} from data socket {@code r} on the app core, adding the time to {@code st}
   * ({usr, sys} of the step so far): recvmsg (sys), or FreeFlow's ring (usr, no syscall).
   */
  private void rrRead(CoreEntity c, Sock r, long bytes, long[] st) {
    long now = c.nowNs();
    if (shm.has(r.flow.index())) {
      st[0] += shm.read(c, r, bytes, st[0] + st[1]);
    } else {
      r.readable -= bytes;
      r.rx.onRead(now, bytes);
      st[1] += p.syscall + p.copy(bytes) + p.skbFree;
      stats.toApp(r.flow.index(), bytes, now + st[0] + st[1]);
    }
    if (now >= warmup) r.goodBytes += bytes;
    seriesAdd(r, now, bytes);
    h.lastRecvCpu[h.slot(r.flow.index())] = c.cpu;
  }

  /** Bytes of a whole message thread can read from data socket {@code r} (kernel socket or ring). */
  private long rrReadable(Sock r) {
    return shm.has(r.flow.index()) ? shm.readable(r.flow.index()) : r.readable;
  }

  /** Free send space of connection side {@code k}. */
  private long rrSpace(Sock k) {
    return shm.has(k.flow.index()) ? shm.space(k.flow.index()) : k.tx.space();
  }

  /** Writes {@code bytes} on {@code k}: sendmsg + tcp_write_xmit (sys), or a push into FreeFlow's ring (usr). */
  private void rrWrite(CoreEntity c, Sock k, long bytes, long[] st) {
    if (shm.has(k.flow.index())) {
      st[0] += shm.write(c, k, bytes, st[0] + st[1]);
      return;
    }
    k.tx.written += bytes;
    st[1] += p.syscall + p.copy(bytes);
    st[1] += h.tx.tcpPush(c, k, st[0] + st[1], true);
  }

  /**
   * One step of a request-response / ping-pong thread (closed loop, one outstanding request per
   * connection). Client = the request flow's sender: draws GET/SET, writes the request, sleeps until
   * the whole response is readable, records the latency (write start to response read), thinks.
   * Server = the response flow's sender: waits for a whole request, reads it, writes the response.
   */
  private long[] rrStep(CoreEntity c, Sock k) {
    long now = c.nowNs();
    Spec.FlowSpec f = k.flow;
    Spec.Rr rr = f.rr();
    long[] st = {p.appPerMessage, 0}; // {usr, sys}
    if (!f.reverse()) { // client
      if (shm.has(f.index())) { // FreeFlow: connect through the monitor first
        long w = shm.connect(c, k);
        if (w >= 0) return w > 0 ? new long[] {w, 0} : null;
      }
      if (k.waiting) {
        if (rrReadable(k.peer) < k.expect) return null;
        rrRead(c, k.peer, k.expect, st);
        k.waiting = false;
        if (k.reqStart >= warmup) {
          k.latency.recordValue(Math.max(1, now + st[0] + st[1] - k.reqStart));
          if (h.tel != null && h.tel.latency[k.id] != null) h.tel.latency[k.id].record(Math.max(1, now + st[0] + st[1] - k.reqStart));
          k.transactions++;
        }
        k.nextSendAt = now + st[0] + st[1] + rr.thinkNanos();
        return st;
      }
      if (now < k.nextSendAt) {
        c.sendTo(h.coreRefs[k.cpu], k.nextSendAt - now, new CoreEntity.AppTimer(k.id));
        return null;
      }
      boolean get = k.rng.nextDouble() < rr.getRatio();
      long req = get ? rr.getReq() : rr.setReq();
      if (rrSpace(k) < req) return null;
      k.expect = get ? rr.getResp() : rr.setResp();
      k.waiting = true;
      k.reqStart = now;
      rrWrite(c, k, req, st);
      return st;
    }
    // server
    if (k.expect == 0) {
      boolean get = k.rng.nextDouble() < rr.getRatio();
      k.expect = get ? rr.getReq() : rr.setReq();
      k.respBytes = get ? rr.getResp() : rr.setResp();
    }
    if (rrReadable(k.peer) < k.expect || rrSpace(k) < k.respBytes) return null;
    rrRead(c, k.peer, k.expect, st);
    k.expect = 0;
    rrWrite(c, k, k.respBytes, st);
    return st;
  }

  /** Bytes/datagrams became readable in {@code k} (SockData handled on the app core). */
  void sockData(Sock k, long bytes, int datagrams) {
    if (k.udp) k.dgrams.add(new long[] {bytes, datagrams});
    else k.readable += bytes;
  }
}
