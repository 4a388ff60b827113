package org.cnemu.nodes.tcp;

import org.cnemu.devices.SackBlocks;

/**
 * The receiving half of a Linux TCP connection: in-order and out-of-order queues (intervals in sorted
 * arrays), the SACK blocks of the next ACK (Linux's selective_acks: up to 4 kept, the most recently changed
 * first, of which an ACK with timestamps carries 3; RFC 2018) and a D-SACK block for a duplicate, sent
 * once in the first slot (RFC 2883), the ACK policy of __tcp_ack_snd_check
 * (quick-ack mode at start, ACK when more than one full segment is unacknowledged, at once while the
 * out-of-order queue is not empty, else the delayed-ACK timer of TCP_DELACK_MIN on jiffies), Linux 4.18+'s
 * SACK compression (tcp_comp_sack_nr &gt; 0: while out-of-order data is queued, an hrtimer instead of an ACK
 * per arrival; see {@link #compress}) and receive-buffer autotuning (tcp_rcv_rtt_measure + tcp_rcv_space_adjust).
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
  /** TCP_NUM_SACKS: the blocks tp->selective_acks keeps (an ACK carries the first of them that fit). */
  static final int NUM_SACKS = 4;
  // tp->selective_acks[0 .. numSacks): the most recently added or extended block first
  private final long[] selStart = new long[NUM_SACKS];
  private final long[] selEnd = new long[NUM_SACKS];
  private int numSacks;
  // tp->duplicate_sack, valid while dsack (tp->rx_opt.dsack): the next ACK's first block, sent once
  private boolean dsack;
  private long dsackStart;
  private long dsackEnd;
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
  /** TCP_FASTRETRANS_THRESH: dupACKs sent at once for one rcv_nxt before SACK compression starts. */
  static final int FASTRETRANS_THRESH = 3;
  // SACK compression (Linux 5.4.y: tcp_input.c __tcp_ack_snd_check, tcp_output.c tcp_event_ack_sent,
  // tcp_timer.c tcp_compressed_ack_kick): tp->compressed_ack, tp->compressed_ack_rcv_nxt, the hrtimer's expiry
  private int compressedAck;
  private long compressedAckRcvNxt;
  private long compAckAt = -1;
  /** The last {@link #onData} armed the compressed-ACK timer: the caller starts it ({@link #takeCompArmed}). */
  private boolean compArmed;
  // an ACK tcp_sack_new_ofo_skb sent before the arrival's block went in (the full block array under compression)
  private boolean flushDue;
  private long flushAck;
  private int flushWnd;
  private long flushTsEcr;
  private final long[] flushSack = new long[SackBlocks.MAX_BLOCKS];
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
    if (end <= rcvNxt) { // duplicate: D-SACK it at once (tcp_data_queue -> tcp_dsack_set)
      dupSegs += segs;
      dsackSet(seq, end);
      ackNow = true;
      return 0;
    }
    boolean hadOoo = oooN > 0;
    if (seq > rcvNxt) { // tcp_data_queue_ofo
      if (oooN == 0) {
        numSacks = 1; // the first out-of-order segment: one block
        selStart[0] = seq;
        selEnd[0] = end;
      } else {
        dsackOverlap(seq, end);
        sackNewOfo(seq, end);
      }
      insert(seq, end);
      oooSegs += segs;
      if (cfg.compSackNr() == 0) ackNow = true; // Linux 4.4: every out-of-order arrival at once
      else if (!ackNow) ackSndCheck(now);
      return 0;
    }
    long before = rcvNxt;
    if (seq < rcvNxt) {
      dsackSet(seq, rcvNxt); // partial duplicate: D-SACK the old part
      ackNow = true;
    }
    rcvNxt = end;
    int drop = 0;
    while (drop < oooN && oooStart[drop] <= rcvNxt) {
      // tcp_ofo_queue: out-of-order data the new segment also carried is D-SACKed from its start to the new
      // segment's end (dsack_high), as Linux writes it
      if (drop == 0 && oooStart[0] < end) dsackExtend(oooStart[0], end);
      rcvNxt = Math.max(rcvNxt, oooEnd[drop]);
      drop++;
    }
    if (drop > 0) {
      System.arraycopy(oooStart, drop, oooStart, 0, oooN - drop);
      System.arraycopy(oooEnd, drop, oooEnd, 0, oooN - drop);
      oooN -= drop;
    }
    if (numSacks > 0) sackRemove();
    // RFC 5681 4.2: ACK at once when a gap is filled (tcp_data_queue: ICSK_ACK_NOW once the out-of-order queue
    // is empty); Linux 4.4 also ACKs a partial fill at once (its __tcp_ack_snd_check), 5.4 runs ackSndCheck
    if (hadOoo && (oooN == 0 || cfg.compSackNr() == 0)) ackNow = true;
    unackedSegs += segs;
    if (len < (long) segs * mss) pushed = true; // tcp_measure_rcv_mss: a small segment
    long n = rcvNxt - before;
    queued += n;
    measureRtt(now);
    if (!ackNow && oooN > 0) ackSndCheck(now);
    if (!ackNow && (rcvNxt - rcvWup > mss || quick > 0)) ackNow = true;
    if (!ackNow && delackAt < 0 && compAckAt < 0) delackAt = cfg.deadline(now, cfg.delackNanos());
    return n;
  }

  /**
   * __tcp_ack_snd_check with out-of-order data queued and SACK compression on: at once with more than one full
   * segment unacknowledged or in quick-ack mode, else {@link #compress}.
   */
  private void ackSndCheck(long now) {
    if (rcvNxt - rcvWup > mss || quick > 0) ackNow = true;
    else compress(now);
  }

  /**
   * SACK compression (Linux 5.4.y, with the TCP_FASTRETRANS_THRESH deferral of "tcp: defer SACK compression
   * after DupThresh", a stable fix of 4.18's code): at once when tcp_comp_sack_nr arrivals were counted; the count
   * restarts when rcv_nxt moved, and its first 3 are sent at once (the sender's dupthresh); after that an hrtimer of
   * {@link #compDelayNanos} is armed, if not queued already, and the arrival waits for it.
   */
  private void compress(long now) {
    if (compressedAck >= cfg.compSackNr()) {
      ackNow = true;
      return;
    }
    if (compressedAckRcvNxt != rcvNxt) {
      compressedAckRcvNxt = rcvNxt;
      compressedAck = 0;
    }
    if (++compressedAck <= FASTRETRANS_THRESH) {
      ackNow = true;
      return;
    }
    if (compAckAt >= 0) return; // hrtimer_is_queued
    compAckAt = now + compDelayNanos();
    compArmed = true;
  }

  /**
   * The compressed-ACK timer: min(tcp_comp_sack_delay_ns, 5 % of the RTT), Linux's
   * {@code rtt * (NSEC_PER_USEC >> 3) / 20} on rcv_rtt_est.rtt_us (microseconds &lt;&lt; 3). Linux takes the smaller of
   * that and the socket's srtt (on a pure receiver, the handshake's sample); the model's flows have no handshake, so
   * the receiver's own estimate (tcp_rcv_rtt_measure, {@link #measureRtt}) is the RTT. 0 before any sample, as in
   * Linux: the timer then fires at once.
   */
  long compDelayNanos() {
    long rttUs8 = (rttEst / 1000) << 3;
    return Math.min(cfg.compSackDelayNanos(), rttUs8 * 125 / 20);
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

  /** tcp_dsack_set: the next ACK's first block is the D-SACK [s, e). */
  private void dsackSet(long s, long e) {
    dsack = true;
    dsackStart = s;
    dsackEnd = e;
  }

  /** tcp_dsack_extend: set it, or widen the pending one when [s, e) overlaps or touches it. */
  private void dsackExtend(long s, long e) {
    if (!dsack) {
      dsackSet(s, e);
    } else if (s <= dsackEnd && dsackStart <= e) {
      dsackStart = Math.min(dsackStart, s);
      dsackEnd = Math.max(dsackEnd, e);
    }
  }

  /**
   * tcp_data_queue_ofo's overlap checks, on intervals: the part of an out-of-order arrival [s, e) that was
   * already queued is D-SACKed: all of it, or its overlap with the interval it starts inside (tcp_dsack_set);
   * else the overlap with the first interval it covers (merge_right's tcp_dsack_extend).
   */
  private void dsackOverlap(long s, long e) {
    for (int i = 0; i < oooN && oooStart[i] < e; i++) {
      if (oooEnd[i] <= s) continue;
      if (s >= oooStart[i]) dsackSet(s, Math.min(e, oooEnd[i]));
      else dsackExtend(oooStart[i], Math.min(e, oooEnd[i]));
      return;
    }
  }

  /**
   * tcp_sack_new_ofo_skb: the block that [s, e) overlaps or touches grows to cover it and moves to the front
   * (tcp_sack_maybe_coalesce then merges the blocks it now reaches); otherwise a new block goes in front and,
   * with all TCP_NUM_SACKS in use, the last (least recently changed) is forgotten.
   */
  private void sackNewOfo(long s, long e) {
    for (int i = 0; i < numSacks; i++) {
      if (s <= selEnd[i] && selStart[i] <= e) { // tcp_sack_extend
        pushFront(i, Math.min(selStart[i], s), Math.max(selEnd[i], e));
        if (numSacks > 1) sackCoalesce();
        return;
      }
    }
    if (numSacks == NUM_SACKS && compressedAck > FASTRETRANS_THRESH) flushAck(); // the last block goes: send it first
    int n = Math.min(numSacks, NUM_SACKS - 1);
    pushFront(n, s, e);
    numSacks = n + 1;
  }

  /** Blocks [0, {@code n}) move one slot back (block {@code n}, if any, is overwritten); [s, e) goes first. */
  private void pushFront(int n, long s, long e) {
    System.arraycopy(selStart, 0, selStart, 1, n);
    System.arraycopy(selEnd, 0, selEnd, 1, n);
    selStart[0] = s;
    selEnd[0] = e;
  }

  /**
   * tcp_sack_new_ofo_skb's tcp_send_ack under compression: the ACK leaves with the blocks as they are, before the
   * arrival's block pushes the oldest out; its fields are kept for the caller ({@link #takeFlush}).
   */
  private void flushAck() {
    flushDue = true;
    flushAck = rcvNxt;
    flushWnd = window();
    flushTsEcr = tsRecent;
    for (int i = 0; i < flushSack.length; i++) flushSack[i] = sack(i);
    ackSent();
  }

  /** tcp_sack_maybe_coalesce: the first block absorbs every later one it overlaps or touches. */
  private void sackCoalesce() {
    int i = 1;
    while (i < numSacks) {
      if (selStart[i] <= selEnd[0] && selStart[0] <= selEnd[i]) {
        selStart[0] = Math.min(selStart[0], selStart[i]);
        selEnd[0] = Math.max(selEnd[0], selEnd[i]);
        numSacks--;
        System.arraycopy(selStart, i + 1, selStart, i, numSacks - i);
        System.arraycopy(selEnd, i + 1, selEnd, i, numSacks - i);
        continue;
      }
      i++;
    }
  }

  /** tcp_sack_remove: blocks rcv_nxt reached go (all of them once the out-of-order queue is empty). */
  private void sackRemove() {
    if (oooN == 0) {
      numSacks = 0;
      return;
    }
    int n = 0;
    for (int i = 0; i < numSacks; i++) {
      if (rcvNxt >= selStart[i]) continue;
      selStart[n] = selStart[i];
      selEnd[n] = selEnd[i];
      n++;
    }
    numSacks = n;
  }

  /** An ACK is due now (the caller sends it and calls {@link #ackSent}). */
  public boolean ackDue() {
    return ackNow;
  }

  /** Data is unacknowledged (an ACK would carry news). */
  public boolean ackPending() {
    return ackNow || delackAt >= 0 || compAckAt >= 0;
  }

  /** When the compressed-ACK hrtimer expires (-1: not queued). */
  public long compAckAt() {
    return compAckAt;
  }

  /** A timer for the pending ACK expired by {@code now}: the delayed-ACK timer or the compressed-ACK hrtimer. */
  public boolean timerAckDue(long now) {
    return delackAt >= 0 && now >= delackAt || compAckAt >= 0 && now >= compAckAt;
  }

  /** Whether the last {@link #onData} armed the compressed-ACK timer (at {@link #compAckAt}); clears it. */
  public boolean takeCompArmed() {
    boolean a = compArmed;
    compArmed = false;
    return a;
  }

  /**
   * Whether the last {@link #onData} sent an ACK before queueing its segment (tcp_sack_new_ofo_skb under compression);
   * its fields are {@link #flushAckSeq}, {@link #flushWindow}, {@link #flushSack}, {@link #flushTsEcr}. Clears it.
   */
  public boolean takeFlush() {
    boolean f = flushDue;
    flushDue = false;
    return f;
  }

  public long flushAckSeq() {
    return flushAck;
  }

  public int flushWindow() {
    return flushWnd;
  }

  public long flushTsEcr() {
    return flushTsEcr;
  }

  /** Block {@code i} of the flushed ACK, packed against {@link #flushAckSeq}. */
  public long flushSack(int i) {
    return flushSack[i];
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
    dsack = false; // tcp_options_write: a D-SACK goes out once
    // tcp_event_ack_sent: the count falls back to the dupthresh (the next arrival is compressed), the timer stops
    if (compressedAck > FASTRETRANS_THRESH) compressedAck = FASTRETRANS_THRESH;
    compAckAt = -1;
  }

  /** TSecr of the next ACK: the send time (ns) of the data that last advanced the left edge. */
  public long tsEcr() {
    return tsRecent;
  }

  public long ackSeq() {
    return rcvNxt;
  }

  /**
   * SACK blocks the next ACK carries: the D-SACK block, if any, then the kept blocks in order, as many as
   * the option space leaves room for ({@link SackBlocks#MAX_BLOCKS}; tcp_established_options).
   */
  public int sackBlocks() {
    return Math.min(numSacks + (dsack ? 1 : 0), SackBlocks.MAX_BLOCKS);
  }

  /** Start of the next ACK's block {@code i} (i below {@link #sackBlocks}). */
  public long sackStart(int i) {
    return dsack ? i == 0 ? dsackStart : selStart[i - 1] : selStart[i];
  }

  /** End of the next ACK's block {@code i}. */
  public long sackEnd(int i) {
    return dsack ? i == 0 ? dsackEnd : selEnd[i - 1] : selEnd[i];
  }

  /** The next ACK's block {@code i} packed against its ACK ({@link SackBlocks#NONE} beyond the last). */
  public long sack(int i) {
    return i < sackBlocks() ? SackBlocks.pack(rcvNxt, sackStart(i), sackEnd(i)) : SackBlocks.NONE;
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
