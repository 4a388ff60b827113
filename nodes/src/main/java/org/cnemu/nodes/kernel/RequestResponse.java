package org.cnemu.nodes.kernel;

import org.cnemu.devices.Profile;

/**
 * The request-response and ping-pong threads' steps (a GET/SET request mix, or ping-pong messages): the client
 * draws and writes a request and reads its response, the server reads a whole request and writes its response,
 * through the kernel's sockets or FreeFlow's ring. The datagram and
 * socket primitives they share with the iperf streams are {@link SocketDriver}'s.
 */
final class RequestResponse {
  private final HostKernel h;
  private final SocketDriver io;
  private final Profile p;
  private final ShmPath shm;
  private final SteeringStats stats;
  private final long warmup;

  RequestResponse(HostKernel h, SocketDriver io) {
    this.h = h;
    this.io = io;
    this.p = h.p;
    this.shm = h.shm;
    this.stats = h.stats;
    this.warmup = h.warmup;
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
      long from = now + st[0] + st[1];
      st[1] += h.syscallNanos + p.copyToUser(bytes) + p.skbFree;
      stats.toApp(r, bytes, from, now + st[0] + st[1], c.cpu);
    }
    if (now >= warmup) r.goodBytes += bytes;
    io.seriesAdd(r, now, bytes);
    h.lastRecvCpu[h.slot(r.flow.index())] = c.cpu;
  }

  /**
   * One recv() toward a message of {@code messageBytes} on connection side {@code k}: reads what has arrived of
   * it from {@code k.peer} (at most what is still missing), counts it in {@code k.got}; returns the bytes read.
   */
  private long readToward(CoreEntity c, Sock k, long messageBytes, long[] st) {
    long n = Math.min(messageBytes - k.got, rrReadable(k.peer));
    if (n <= 0) return 0;
    rrRead(c, k.peer, n, st);
    k.got += n;
    return n;
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
    SocketDriver.own(k);
    st[1] += h.syscallNanos + p.memcpy(bytes);
    st[1] += h.tx.tcpPush(c, k, st[0] + st[1], true);
  }

  /**
   * One step of a request-response / ping-pong thread. Client = the request flow's sender: draws the
   * request (GET/SET, size), writes it, reads each whole response and records its latency (write
   * start, or the scheduled send time when open loop, to the response read); closed loop: one request
   * outstanding, then a think time; open loop: requests at {@code request-rate} whatever the responses.
   * Server = the response flow's sender (fan-in: one thread for several connections): waits for a
   * whole request, reads it, writes the response.
   */
  long[] step(CoreEntity c, Sock k) {
    return k.flow.reverse() ? serverStep(c, k) : clientStep(c, k);
  }

  /**
   * The request and response sizes of the next request, {req, resp}, drawn from {@code r}: GET or SET
   * by get-ratio, then the value (ping-pong: message) size when it is not constant. Client and server
   * draw the same sequence: TCP from the connection's request-mix stream in order; UDP (which may lose
   * a request) from the request's own sequence number.
   */
  private static long[] drawRequest(Spec.FlowSpec f, java.util.SplittableRandom r) {
    Spec.Rr rr = f.rr();
    boolean get = r.nextDouble() < rr.getRatio();
    Load.Dist size = f.load().size();
    if (size.constant()) return get ? new long[] {rr.getReq(), rr.getResp()} : new long[] {rr.setReq(), rr.setResp()};
    long v = size.draw(r);
    if (f.kind().equals("ping-pong")) return new long[] {v, v};
    long largest = size.largest(); // Rr holds the sizes of the largest value
    return get ? new long[] {rr.getReq(), rr.getResp() - largest + v} : new long[] {rr.setReq() - largest + v, rr.setResp()};
  }

  /** The random stream of UDP request {@code seq} of a connection (so a lost request shifts nothing). */
  private static java.util.SplittableRandom requestStream(Spec.FlowSpec f, long seq) {
    return new java.util.SplittableRandom(f.rr().seed() ^ org.cnemu.devices.Hashing.mix32(seq) * 0x9E3779B97F4A7C15L);
  }

  private long[] clientStep(CoreEntity c, Sock k) {
    long now = c.nowNs();
    Spec.FlowSpec f = k.flow;
    Load ld = f.load();
    boolean open = ld.requestsPerSec() > 0;
    boolean dgram = k.udp && !shm.has(f.index()); // UDP through the kernel (FreeFlow's ring is a stream)
    long[] st = {p.appPerMessage, 0}; // {usr, sys}
    if (k.cs != null) { // connection churn: connect, or close after the response (Churn)
      long[] r = h.churn.client(c, k, st);
      if (r != Churn.CONTINUE) return r;
    }
    if (shm.has(f.index())) { // FreeFlow: connect through the monitor first
      long w = shm.connect(c, k);
      if (w >= 0) return w > 0 ? new long[] {w, 0} : null;
    }
    // a whole response: read it, record its latency
    if (!k.pending.isEmpty()) {
      Long seq = null;
      if (dgram) {
        if (k.peer.hasDgram()) {
          seq = k.peer.headDgramSeq();
          rrReadDatagram(c, k.peer, st);
        }
      } else if (readToward(c, k, k.pending.firstEntry().getValue()[1], st) > 0) {
        if (k.got < k.pending.firstEntry().getValue()[1]) return st; // part of the response: wait for the rest
        k.got = 0;
        seq = k.pending.firstKey();
      }
      if (seq != null) {
        long[] q = k.pending.remove(seq);
        long done = now + st[0] + st[1];
        // a transaction counts when its response is read in the measured window (a rate of completions: one
        // that started before the warm-up's end and completes after it counts, one still open at the end does
        // not); its latency is recorded only when it also started after the warm-up (no warm-up transient)
        if (q != null && done >= warmup) { // null: the reply of a request given up as lost
          k.transactions++;
          if (q[0] >= warmup) {
            long lat = Math.max(1, done - q[0]);
            k.latency.recordValue(lat);
            if (h.tel != null && h.tel.latency[k.id] != null) h.tel.latency[k.id].record(lat);
          }
        }
        if (!open && k.pending.isEmpty()) k.nextSendAt = now + st[0] + st[1] + think(k);
        return st;
      }
      if (dgram && !open && now - k.pending.firstEntry().getValue()[0] >= ld.replyTimeoutNanos()) {
        k.pending.clear(); // sockperf: the reply did not come in time; the next request goes out
        k.lost++;
        k.nextSendAt = now;
      }
    }
    if (!open && !k.pending.isEmpty()) return null; // closed loop: the response wakes the thread
    if (now < k.nextSendAt) {
      if (k.timerAt != k.nextSendAt) {
        k.timerAt = k.nextSendAt;
        c.toCore(h.coreAddr[k.cpu], k.nextSendAt - now, new CoreEntity.AppTimer(k.id));
      }
      return null;
    }
    long seq = k.reqSeq;
    if (k.drawn == null) k.drawn = drawRequest(f, dgram ? requestStream(f, seq) : k.rng);
    long req = k.drawn[0];
    long start = open ? k.nextSendAt : now;
    if (dgram) {
      if (io.udpBlocked(c, k)) return null;
      long from = st[0] + st[1];
      st[1] += h.syscallNanos + io.udpCopy(req) + p.udpTx;
      st[1] += io.udpSend(c, k, req, seq, from, st[0] + st[1]);
      if (!open) { // wake to give the request up if its reply never comes
        c.toCore(h.coreAddr[k.cpu], ld.replyTimeoutNanos(), new CoreEntity.AppTimer(k.id));
      }
    } else {
      if (rrSpace(k) < req) {
        k.noSpace = true;
        return null;
      }
      rrWrite(c, k, req, st);
    }
    k.pending.put(seq, new long[] {start, k.drawn[1]});
    k.drawn = null;
    k.reqSeq++;
    if (open) {
      k.nextSendAt += ld.gapNanos(k.arrivals, Math.round(1e9 / ld.requestsPerSec()));
    }
    return st;
  }

  /** The client's think time before its next request (closed loop). */
  private static long think(Sock k) {
    Load.Dist t = k.flow.load().think();
    return t.constant() ? k.flow.rr().thinkNanos() : t.draw(k.thinks);
  }

  /**
   * A server thread's step: answers the next of its connections (itself, or with fan-in each member
   * in turn) whose whole request is readable and whose response fits.
   */
  private long[] serverStep(CoreEntity c, Sock t) {
    Sock[] ms = t.members == null ? new Sock[] {t} : t.members;
    for (int i = 0; i < ms.length; i++) {
      int j = (t.nextMember + i) % ms.length;
      long[] st = serve(c, ms[j]);
      if (st != null) {
        t.nextMember = (j + 1) % ms.length;
        return st;
      }
    }
    return null;
  }

  /** Serves one request of connection {@code k} (its response sender), or null when none is ready. */
  private long[] serve(CoreEntity c, Sock k) {
    long[] st = {p.appPerMessage, 0};
    if (k.peer.cs != null) { // connection churn: accept() first, close() after the client's FIN (Churn)
      long[] r = h.churn.server(c, k, st);
      if (r != Churn.CONTINUE) return r;
    }
    if (k.udp && !shm.has(k.flow.index())) {
      if (!k.peer.hasDgram()) return null;
      if (io.udpBlocked(c, k)) return null;
      long dSeq = k.peer.headDgramSeq();
      rrReadDatagram(c, k.peer, st);
      long resp = drawRequest(k.flow, requestStream(k.flow, dSeq))[1];
      long from = st[0] + st[1];
      st[1] += h.syscallNanos + io.udpCopy(resp) + p.udpTx;
      st[1] += io.udpSend(c, k, resp, dSeq, from, st[0] + st[1]);
      return st;
    }
    if (k.expect == 0) {
      long[] r = drawRequest(k.flow, k.rng);
      k.expect = r[0];
      k.respBytes = r[1];
    }
    boolean read = readToward(c, k, k.expect, st) > 0; // what has arrived of the request
    if (k.got < k.expect) return read ? st : null;
    if (rrSpace(k) < k.respBytes) {
      k.noSpace = true;
      return read ? st : null;
    }
    k.expect = 0;
    k.got = 0;
    rrWrite(c, k, k.respBytes, st);
    return st;
  }

  /** Reads the next datagram of UDP socket {@code r} on the app core (recvmsg: sys). */
  private void rrReadDatagram(CoreEntity c, Sock r, long[] st) {
    long now = c.nowNs();
    long dBytes = r.headDgramBytes();
    long dSegs = r.headDgramSegs();
    r.pollDgram();
    r.buffer.udpQueuedBytes -= dBytes;
    r.dgramsDelivered++;
    long from = now + st[0] + st[1];
    st[1] += h.syscallNanos + p.copyToUser(dBytes) + p.skbFree * dSegs;
    stats.toApp(r, dBytes, from, now + st[0] + st[1], c.cpu);
    if (now >= warmup) {
      r.goodBytes += dBytes;
      r.goodSegs += dSegs;
    }
    io.seriesAdd(r, now, dBytes);
    h.lastRecvCpu[h.slot(r.flow.index())] = c.cpu;
  }
}
