package org.cnemu.nodes.tcp;

/**
 * The receiving half of a Linux TCP connection: in-order and out-of-order queues (intervals in sorted
 * arrays), the SACK block of the next ACK (the one holding the latest out-of-order arrival, RFC 2018's
 * first block) or a D-SACK block for a duplicate (RFC 2883), the ACK policy of __tcp_ack_snd_check
 * (quick-ack mode at start, ACK when more than one full segment is unacknowledged, at once while the
 * out-of-order queue is not empty, else the delayed-ACK timer of TCP_DELACK_MIN on jiffies) and
 * receive-buffer autotuning (tcp_rcv_rtt_measure + tcp_rcv_space_adjust).
 */
public final class TcpReceiver {
  private final TcpConfig cfg;
  private final int mss;
  /** tcp_rmem[2]. */
  public final long rcvbuf;
  /** rcv_nxt; rcv_wup: rcv_nxt when the last ACK left. */
  long rcvNxt;
  private long rcvWup;
  // out-of-order intervals [oooStart, oooEnd), sorted, disjoint
  private long[] oooStart = new long[8];
  private long[] oooEnd = new long[8];
  private int oooN;
  /** Bytes accepted in order but not yet read by the application. */
  public long queued;
  public long oooSegs;
  public long dupSegs;
  // the block of the next ACK
  private long sackStart = -1;
  private long sackEnd = -1;
  private long lastOoo = -1;
  /** ts_recent: the timestamp the next ACK echoes (TSecr). */
  private long tsRecent;
  // ACK policy
  private boolean started;
  private int quick;
  private boolean ackNow;
  private long delackAt = -1;
  private long lastRecv;
  private long unackedSegs;
  /** ICSK_ACK_PUSHED: a sub-MSS segment (the end of a write, PSH) is waiting for its ACK. */
  private boolean pushed;
  // autotuning
  public long clamp;
  private long rttEst;
  private long rttSeq = -1;
  private long rttTime;
  private long copied;
  private long space;
  private long spaceSeq;
  private long spaceTime = -1;

  public TcpReceiver(TcpConfig cfg) {
    this.cfg = cfg;
    this.mss = cfg.mss();
    this.rcvbuf = cfg.rmemBytes();
    this.clamp = Math.max(cfg.rmemDefaultBytes() / 2, 2L * mss);
    this.space = 10L * mss; // TCP_INIT_CWND * advmss
  }

  /**
   * A data skb of {@code segs} segments and timestamp {@code tsVal} (its send time, ns) arrived at
   * {@code now}; returns the bytes newly in order.
   * Afterwards {@link #ackDue} says whether an ACK leaves now, else {@link #delackAt} when.
   */
  public long onData(long now, long seq, int len, int segs, long tsVal) {
    if (seq <= rcvWup && tsVal > 0) tsRecent = tsVal; // tcp_store_ts_recent: the segment at the left edge
    if (!started) { // tcp_event_data_recv: first data: quick-ack mode, ato = TCP_ATO_MIN
      started = true;
      incrQuickack();
    } else if (now - lastRecv > cfg.minRtoNanos()) {
      incrQuickack(); // idle longer than the RTO: the sender restarts from a small window
    }
    lastRecv = now;
    long end = seq + len;
    if (end <= rcvNxt) { // duplicate: D-SACK it at once (tcp_send_dupack)
      dupSegs += segs;
      sackStart = seq;
      sackEnd = end;
      ackNow = true;
      return 0;
    }
    boolean hadOoo = oooN > 0;
    if (seq > rcvNxt) {
      insert(seq, end);
      oooSegs += segs;
      lastOoo = seq;
      setSackBlock();
      ackNow = true;
      return 0;
    }
    long before = rcvNxt;
    if (seq < rcvNxt) {
      sackStart = seq; // partial duplicate: D-SACK the old part
      sackEnd = rcvNxt;
      ackNow = true;
    }
    rcvNxt = end;
    int drop = 0;
    while (drop < oooN && oooStart[drop] <= rcvNxt) {
      rcvNxt = Math.max(rcvNxt, oooEnd[drop]);
      drop++;
    }
    if (drop > 0) {
      System.arraycopy(oooStart, drop, oooStart, 0, oooN - drop);
      System.arraycopy(oooEnd, drop, oooEnd, 0, oooN - drop);
      oooN -= drop;
    }
    if (sackStart < 0 || sackStart >= before) setSackBlock();
    if (hadOoo) ackNow = true; // RFC 5681 4.2: ACK at once when a gap is filled
    unackedSegs += segs;
    if (len < (long) segs * mss) pushed = true; // tcp_measure_rcv_mss: a small segment
    long n = rcvNxt - before;
    queued += n;
    measureRtt(now);
    if (!ackNow && (rcvNxt - rcvWup > mss || quick > 0)) ackNow = true;
    if (!ackNow && delackAt < 0) delackAt = cfg.deadline(now, cfg.delackNanos());
    return n;
  }

  private void incrQuickack() {
    long q = Math.max(2, window() / (2L * mss));
    quick = (int) Math.max(quick, Math.min(q, cfg.quickAcks()));
  }

  private void insert(long s, long e) {
    int i = 0;
    while (i < oooN && oooEnd[i] < s) i++;
    if (i < oooN && oooStart[i] <= e) { // overlaps or touches: merge forward
      if (s >= oooStart[i] && e <= oooEnd[i]) dupSegs++;
      oooStart[i] = Math.min(oooStart[i], s);
      oooEnd[i] = Math.max(oooEnd[i], e);
      int j = i + 1;
      while (j < oooN && oooStart[j] <= oooEnd[i]) {
        oooEnd[i] = Math.max(oooEnd[i], oooEnd[j]);
        j++;
      }
      if (j > i + 1) {
        System.arraycopy(oooStart, j, oooStart, i + 1, oooN - j);
        System.arraycopy(oooEnd, j, oooEnd, i + 1, oooN - j);
        oooN -= j - i - 1;
      }
      return;
    }
    if (oooN == oooStart.length) {
      oooStart = java.util.Arrays.copyOf(oooStart, oooN * 2);
      oooEnd = java.util.Arrays.copyOf(oooEnd, oooN * 2);
    }
    System.arraycopy(oooStart, i, oooStart, i + 1, oooN - i);
    System.arraycopy(oooEnd, i, oooEnd, i + 1, oooN - i);
    oooStart[i] = s;
    oooEnd[i] = e;
    oooN++;
  }

  /** The first SACK block: the interval holding the latest out-of-order arrival, else the lowest one. */
  private void setSackBlock() {
    sackStart = -1;
    sackEnd = -1;
    for (int i = 0; i < oooN; i++) {
      if (i == 0 || (oooStart[i] <= lastOoo && lastOoo < oooEnd[i])) {
        sackStart = oooStart[i];
        sackEnd = oooEnd[i];
      }
    }
  }

  /** An ACK is due now (the caller sends it and calls {@link #ackSent}). */
  public boolean ackDue() {
    return ackNow;
  }

  /** Data is unacknowledged (an ACK would carry news). */
  public boolean ackPending() {
    return ackNow || delackAt >= 0;
  }

  /** When the delayed-ACK timer fires (-1: not armed). */
  public long delackAt() {
    return delackAt;
  }

  /** The ACK left: its fields were read; tcp_dec_quickack_mode, timer stopped, D-SACK consumed. */
  public void ackSent() {
    rcvWup = rcvNxt;
    if (quick > 0) quick--;
    ackNow = false;
    delackAt = -1;
    unackedSegs = 0;
    pushed = false;
    if (sackStart >= 0 && sackStart < rcvNxt) setSackBlock(); // a D-SACK goes out once
  }

  /** TSecr of the next ACK: the send time (ns) of the data that last advanced the left edge. */
  public long tsEcr() {
    return tsRecent;
  }

  public long ackSeq() {
    return rcvNxt;
  }

  public long sackStart() {
    return sackStart;
  }

  public long sackEnd() {
    return sackEnd;
  }

  /** The advertised window: the autotuned clamp (at most rcvbuf / 2) minus unread bytes. */
  public int window() {
    return (int) Math.max(0, Math.min(clamp, rcvbuf / 2) - queued);
  }

  /** tcp_rcv_rtt_measure: time to receive one advertised window, min-filtered. */
  private void measureRtt(long now) {
    if (rttSeq >= 0) {
      if (rcvNxt < rttSeq) return;
      long sample = Math.max(1, now - rttTime);
      rttEst = rttEst == 0 ? sample : Math.min(rttEst, sample);
    }
    rttSeq = rcvNxt + window();
    rttTime = now;
  }

  /**
   * The application read {@code bytes} (afterwards {@link #ackDue} may say that an ACK leaves now):
   * tcp_rcv_space_adjust grows the clamp to 2 x the bytes copied
   * per receiver RTT + 16 MSS (x1.5 / x2 while the rate still grows by 25 % / 50 %), never shrinking,
   * up to tcp_rmem[2] / 2.
   */
  public void onRead(long now, long bytes) {
    queued -= bytes;
    copied += bytes;
    // tcp_cleanup_rbuf: a delayed ACK leaves now if more than one segment waits for it, or if this read
    // drained the buffer after a pushed small segment (so Nagle at the sender does not wait for the timer)
    if (delackAt >= 0 && bytes > 0 && (rcvNxt - rcvWup > mss || (pushed && queued == 0))) ackNow = true;
    if (spaceTime < 0) {
      spaceTime = now;
      return;
    }
    if (rttEst == 0 || now - spaceTime < rttEst) return;
    long c = copied - spaceSeq;
    if (c > space) {
      long rcvwin = 2 * c + 16L * mss;
      if (c >= space + (space >> 2)) rcvwin = c >= space + (space >> 1) ? rcvwin * 2 : rcvwin + (rcvwin >> 1);
      clamp = Math.max(clamp, Math.min(rcvwin, rcvbuf / 2));
      space = c;
    }
    spaceSeq = copied;
    spaceTime = now;
  }
}
