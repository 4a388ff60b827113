package org.cnemu.nodes.tcp;

import org.cnemu.devices.SackBlocks;

/**
 * The sending half of a Linux TCP connection: tcp_write_xmit (cwnd, receive window, Nagle with
 * Minshall's check, autocorking, TCP small queues, TSO size goal), tcp_ack (SACK tagging, D-SACK,
 * cumulative ACK, RTT sampling, adaptive reordering), the recovery state machine of
 * tcp_fastretrans_alert (Open / Disorder / CWR / Recovery / Loss, PRR, undo) with RACK loss
 * detection ({@link LossDetector}), and the one xmit timer (RTO, tail loss probe, RACK reorder timer).
 *
 * <p>Output goes into reusable arrays ({@link #outN} skbs of {@link #outSeq}/{@link #outLen}/
 * {@link #outRetx}); the caller transmits them and reports each skb's estimated TX completion
 * ({@link #queuedBelow}) so that TSQ and autocorking see the bytes still in the qdisc/NIC.
 */
public final class TcpSender {
  static final int OPEN = Recovery.OPEN, DISORDER = Recovery.DISORDER, CWR = Recovery.CWR,
      RECOVERY = Recovery.RECOVERY, LOSS = Recovery.LOSS;
  static final int T_NONE = 0, T_RTO = 1, T_TLP = 2, T_REO = 3;
  /** SKB_TRUESIZE overhead: struct sk_buff + skb_shared_info, cache-aligned (x86-64). */
  static final int TRUESIZE_OVERHEAD = 576;

  final TcpConfig cfg;
  final int mss;
  private final long sizeGoal;
  final CongestionControl cc;
  final Scoreboard sb = new Scoreboard();
  final RttEstimator rtt;
  final LossDetector loss;
  final Recovery rec;

  /** Bytes the application wrote (write_seq), acknowledged (snd_una), sent (snd_nxt). */
  public long written;
  long una;
  long nxt;
  long rwnd;
  int cwnd = 10; // TCP_INIT_CWND
  int ssthresh = CongestionControl.INFINITE_SSTHRESH;
  long delivered;
  // xmit timer
  long timerAt = -1;
  int timerKind = T_NONE;
  private int probe; // 0 none, 1 new segment, 2 retransmit the last
  // Nagle (Minshall): end of the last sub-MSS segment sent
  private long sndSml = -1;
  // cwnd validation (tcp_cwnd_validate)
  private int maxPacketsOut;
  private long maxPacketsSeq;
  private boolean cwndLimited;
  /** This socket's skbs below TCP (qdisc, driver, NIC) until their TX completion (sk_wmem_alloc). */
  private final BelowTcp belowTcp = new BelowTcp();
  /** Data waits for a TX completion (TSQ throttled or autocorked). */
  boolean throttled;

  // output of the last call
  public int outN;
  public long[] outSeq = new long[16];
  public int[] outLen = new int[16];
  public boolean[] outRetx = new boolean[16];

  // statistics
  public long segsSent;
  public long retransSegs;
  public long dsacks;
  public long probes;
  public long rtos;

  public TcpSender(TcpConfig cfg) {
    this.cfg = cfg;
    this.mss = cfg.mss();
    this.sizeGoal = (long) cfg.mss() * cfg.tsoSegs();
    this.cc = CongestionControl.of(cfg);
    this.rtt = new RttEstimator(cfg);
    this.loss = new LossDetector(this);
    this.rec = new Recovery(this);
    this.rwnd = Math.max(cfg.rmemDefaultBytes() / 2, 2L * mss);
  }

  public String congestionControl() {
    return cc.name();
  }

  /** Free space in the send buffer (tcp_wmem[2] minus unacknowledged and unsent bytes). */
  public long space() {
    return Math.max(0, cfg.sndbufBytes() - (written - una));
  }

  public long cwndBytes() {
    return (long) cwnd * mss;
  }

  public int cwnd() {
    return cwnd;
  }

  public int ssthresh() {
    return ssthresh;
  }

  public long srttNanos() {
    return rtt.srttNanos();
  }

  /** cwnd reductions undone as spurious. */
  public long undos() {
    return rec.undos;
  }

  public int reordering() {
    return loss.reordering;
  }

  boolean inCwndReduction() {
    return rec.inCwndReduction();
  }

  // ------------------------------------------------------------------ output

  /**
   * tcp_write_xmit (and tcp_push when {@code fromSendmsg}: autocorking applies only there): the
   * pending loss probe, lost segments (tcp_xmit_retransmit_queue) and then new data. Fills the out arrays.
   */
  public int output(long now, boolean fromSendmsg) {
    outN = 0;
    boolean sentNew = false;
    if (probe != 0) sentNew = sendProbe(now);
    if (sb.lostOut > 0) retransmitLost(now);
    throttled = false;
    long before = nxt;
    sendNew(now, fromSendmsg);
    if (nxt > before) sentNew = true;
    // tcp_cwnd_validate
    if (una >= maxPacketsSeq || sb.size() > maxPacketsOut) {
      maxPacketsOut = sb.size();
      maxPacketsSeq = nxt;
      cwndLimited = false;
    }
    cwndLimited |= sb.inFlight() >= cwnd;
    if (sentNew && (timerKind == T_NONE || timerKind == T_TLP || timerKind == T_RTO)) {
      if (!scheduleLossProbe(now) && timerKind == T_NONE) rearmRto(now);
    } else if (outN > 0 && timerKind == T_NONE) {
      rearmRto(now);
    }
    return outN;
  }

  private void emit(long seq, long len, boolean retx) {
    if (outN == outSeq.length) {
      outSeq = java.util.Arrays.copyOf(outSeq, outN * 2);
      outLen = java.util.Arrays.copyOf(outLen, outN * 2);
      outRetx = java.util.Arrays.copyOf(outRetx, outN * 2);
    }
    outSeq[outN] = seq;
    outLen[outN] = (int) len;
    outRetx[outN] = retx;
    outN++;
    int segs = (int) ((len + mss - 1) / mss);
    segsSent += segs;
    if (retx) retransSegs += segs;
    if (rec.state == RECOVERY) rec.prrOut += segs;
  }

  private void sendNew(long now, boolean fromSendmsg) {
    while (nxt < written) {
      long unsent = written - nxt;
      int quota = cwnd - sb.inFlight();
      if (quota <= 0) break;
      long wndEnd = una + rwnd;
      if (nxt + Math.min(unsent, mss) > wndEnd) break; // tcp_snd_wnd_test
      long len = Math.min(Math.min(unsent, sizeGoal), Math.min((long) quota * mss, wndEnd - nxt));
      if (len < mss && unsent > len) break; // no sub-MSS segment while more data waits (window-limited)
      boolean nagle = !cfg.nodelay() && sb.size() > 0 && sndSml > una; // Nagle, Minshall's variant
      if (len % mss != 0 && len == unsent && nagle) { // tcp_mss_split_point: the partial tail waits
        len -= len % mss;
        if (len == 0) break;
      }
      long b = below(now);
      if (fromSendmsg && len == unsent && len < sizeGoal && cfg.autocorking() && sb.size() > 0 && b > 0) {
        throttled = true; // tcp_should_autocork: the previous skb is still in the qdisc/NIC
        break;
      }
      if (sb.size() > 0 && b > tsqLimit(len)) {
        throttled = true; // tcp_small_queue_check
        break;
      }
      long end = nxt + len;
      for (long s = nxt; s < end; s += mss) sb.add(s, Math.min(end, s + mss), now);
      emit(nxt, len, false);
      if (len < mss) sndSml = end;
      nxt = end;
    }
  }

  /** TSQ limit: max(2 x truesize, pacing rate x ~1 ms) capped at tcp_limit_output_bytes. */
  private long tsqLimit(long len) {
    long srtt = rtt.srttNanos();
    long pacing = 0;
    if (srtt > 0) {
      long ratio = cwnd < ssthresh ? 200 : 120; // sysctl_tcp_pacing_ss_ratio / ca_ratio
      pacing = (long) ((double) cwnd * mss * ratio / 100 * 1e9 / srtt) >> 10; // sk_pacing_shift 10
    }
    return Math.min(Math.max(2 * (len + TRUESIZE_OVERHEAD), pacing), cfg.limitOutputBytes());
  }

  private void retransmitLost(long now) {
    for (int i = 0; i < sb.size() && sb.inFlight() < cwnd; i++) {
      byte f = sb.flags(i);
      if ((f & Scoreboard.LOST) == 0 || (f & (Scoreboard.RETRANS | Scoreboard.SACKED)) != 0) continue;
      int j = i;
      while (j < sb.size() && j - i < cfg.tsoSegs() && sb.inFlight() < cwnd
          && (sb.flags(j) & (Scoreboard.LOST | Scoreboard.RETRANS | Scoreboard.SACKED)) == Scoreboard.LOST
          && (j == i || sb.start(j) == sb.end(j - 1))) {
        sb.retransmitted(j, now);
        j++;
      }
      retransmitted(i, j);
      i = j - 1;
    }
  }

  /** The TCP timestamp clock: milliseconds, 0 reserved for "none". */
  static long tsMs(long nanos) {
    return nanos / 1_000_000L + 1;
  }

  private void retransmitted(int i, int j) {
    if (rec.retransStamp == 0) rec.retransStamp = tsMs(sb.xmit(i));
    if (rec.undoRetrans < 0) rec.undoRetrans = 0;
    rec.undoRetrans += j - i;
    emit(sb.start(i), sb.end(j - 1) - sb.start(i), true);
  }

  private boolean sendProbe(long now) {
    int kind = probe;
    probe = 0;
    probes++;
    if (kind == 1 && nxt < written && nxt + Math.min(mss, written - nxt) <= una + rwnd) {
      long len = Math.min(mss, written - nxt);
      sb.add(nxt, nxt + len, now);
      emit(nxt, len, false);
      nxt += len;
      rec.tlpRetrans = false;
      rec.tlpHighSeq = nxt;
      return true;
    }
    int last = sb.size() - 1;
    if (last >= 0 && !sb.has(last, Scoreboard.SACKED)) {
      sb.retransmitted(last, now);
      retransmitted(last, last + 1);
      rec.tlpRetrans = true;
      rec.tlpHighSeq = nxt;
    }
    return false;
  }

  // ------------------------------------------------------------------ bytes below TCP

  /** An s  // ------------------------------------------------------------------ bytes below TCP

  /** An skb of {@code bytes} payload left TCP now and is TX-completed (freed) at {@code completeAt}. */
  public void queuedBelow(long bytes, long completeAt) {
    belowTcp.add(bytes + TRUESIZE_OVERHEAD, completeAt);
  }

  /** sk_wmem_alloc: truesize of this socket's skbs not yet TX-completed at {@code now}. */
  long below(long now) {
    return belowTcp.at(now);
  }

  /** Throttled data waits for a TX completion: the time to run tcp_tsq_handler, or -1. */
  public long tsqWakeAt(long now) {
    if (!throttled) return -1;
    belowTcp.at(now);
    return belowTcp.next();
  }

  // ------------------------------------------------------------------ ACK processing

  /**
   * tcp_ack: one ACK with cumulative {@code ack}, window {@code wnd}, up to three SACK blocks packed against
   * {@code ack} ({@link SackBlocks}; the first is a D-SACK block when it lies below {@code ack} or inside the
   * second, tcp_check_dsack; {@link SackBlocks#NONE}: no block) and TSecr {@code tsEcr} (the echoed send time,
   * ns; 0: none). Returns true if snd_una advanced.
   */
  public boolean onAck(long now, long ack, long wnd, long sack0, long sack1, long sack2, long tsEcr) {
    if (ack > nxt) return false;
    rwnd = wnd;
    // tcp_packet_delayed: the ACK echoes a timestamp older than the first retransmission (TCP timestamps
    // tick in milliseconds, tcp_time_stamp): the original, not the retransmission, got through
    rec.packetDelayed = rec.retransStamp > 0 && tsEcr > 0 && tsMs(tsEcr) < rec.retransStamp;
    loss.sackRttXmit = -1;
    loss.sackCaXmit = -1;
    long priorUna = una;
    long priorFack = sb.sackedOut > 0 ? sb.highestSack : una;
    long priorDelivered = delivered;
    boolean hasBlock = sack0 != SackBlocks.NONE;
    long start0 = SackBlocks.start(ack, sack0);
    long end0 = SackBlocks.end(ack, sack0);
    boolean dsack = hasBlock && (start0 < Math.max(ack, una) || sack1 != SackBlocks.NONE
        && start0 >= SackBlocks.start(ack, sack1) && end0 <= SackBlocks.end(ack, sack1));
    int newlySacked = 0;
    if (hasBlock) {
      if (dsack) rec.onDsack(start0, end0, priorUna);
      else loss.addBlock(start0, end0);
      if (sack1 != SackBlocks.NONE) {
        loss.addBlock(SackBlocks.start(ack, sack1), SackBlocks.end(ack, sack1));
        if (sack2 != SackBlocks.NONE) loss.addBlock(SackBlocks.start(ack, sack2), SackBlocks.end(ack, sack2));
      }
      newlySacked = loss.sacktag(now);
    }
    int newlyAcked = 0;
    boolean retransAcked = false;
    long caRttXmit = -1; // ca_rtt_us: the newest newly acked (last_ackt) or SACKed (last_sackt) segment's
    if (ack > una) {
      long firstAckt = -1;
      long lastAckt = -1;
      long reord = Long.MAX_VALUE;
      while (sb.size() > 0 && sb.end(0) <= ack) {
        byte f = sb.flags(0);
        if ((f & Scoreboard.SACKED) == 0) {
          boolean ever = (f & Scoreboard.EVER_RETRANS) != 0;
          if (ever) {
            retransAcked = true;
          } else {
            if (firstAckt < 0) firstAckt = sb.xmit(0);
            lastAckt = sb.xmit(0);
            reord = Math.min(reord, sb.start(0));
          }
          loss.rack.advance(ever, sb.end(0), sb.xmit(0), now, rtt.minRttNanos());
          newlyAcked++;
        }
        sb.popHead();
      }
      una = ack;
      if (firstAckt >= 0 && !retransAcked) caRttXmit = lastAckt;
      if (firstAckt >= 0) rtt.sample(now - firstAckt);
      else if (loss.sackRttXmit >= 0) rtt.sample(now - loss.sackRttXmit);
      else if (tsEcr > 0) rtt.sample(Math.max(1, tsMs(now) - tsMs(tsEcr)) * 1_000_000L); // tcp_rtt_tsopt_us
      if (reord < priorFack) loss.checkReordering(reord);
    } else if (loss.sackRttXmit >= 0) {
      rtt.sample(now - loss.sackRttXmit);
    }
    if (loss.sackCaXmit >= 0) caRttXmit = loss.sackCaXmit;
    int newlyAckedSacked = newlyAcked + newlySacked;
    if (newlyAckedSacked > 0) ssthresh = cc.onRttSample(cwnd, ssthresh, caRttXmit < 0 ? -1 : now - caRttXmit, now);
    delivered += newlyAckedSacked;
    loss.rack.updateReoWnd(priorDelivered, delivered);
    boolean advanced = una > priorUna;
    rec.priorUnaOfAck = priorUna;
    if (rec.tlpHighSeq >= 0) rec.processTlpAck(now, ack, dsack, advanced, newlySacked > 0);
    if (advanced) {
      if (sb.size() == 0) timerKind = T_NONE;
      else if (!scheduleLossProbe(now)) rearmRto(now);
    }
    boolean fastRexmit = false;
    if (hasBlock || rec.state != OPEN || !advanced) fastRexmit = rec.fastRetransAlert(now, advanced);
    // tcp_cong_control
    if (inCwndReduction()) {
      rec.cwndReduction(newlyAckedSacked, retransAcked, fastRexmit);
    } else if (newlyAckedSacked > 0 && (loss.reordering > cfg.reordering() || newlyAcked > 0) && isCwndLimited()) {
      cwnd = cc.onAck(cwnd, ssthresh, newlyAckedSacked, ack, nxt, now, rtt.minRttNanos());
    }
    return advanced;
  }

  private boolean isCwndLimited() {
    if (cwnd < ssthresh) return cwnd < 2 * maxPacketsOut;
    return cwndLimited;
  }

  // ------------------------------------------------------------------ timers

  private void arm(int kind, long at) {
    timerKind = kind;
    timerAt = at;
  }

  void rearmRto(long now) {
    arm(T_RTO, cfg.deadline(now, rtt.timeoutNanos()));
  }

  void armReo(long now, long remainingNanos) {
    arm(T_REO, cfg.deadline(now, remainingNanos) + 2 * cfg.jiffyNanos()); // + TCP_TIMEOUT_MIN
  }

  /** tcp_schedule_loss_probe. */
  private boolean scheduleLossProbe(long now) {
    if (sb.size() == 0 || rec.tlpHighSeq >= 0) return false;
    if (cfg.rackTlp() ? rec.state != OPEN && rec.state != CWR : rec.state != OPEN) return false;
    long srtt = rtt.srttNanos();
    long j = cfg.jiffyNanos();
    long at;
    if (cfg.rackTlp()) { // 5.4: 2 srtt + TCP_TIMEOUT_MIN, or + TCP_RTO_MIN with one packet out
      at = srtt > 0 ? cfg.deadline(now, 2 * srtt) + (sb.size() == 1 ? cfg.minRtoNanos() : 2 * j)
          : cfg.deadline(now, cfg.initRtoNanos());
    } else { // 4.4: max(2 srtt, 10 ms); one packet out: at least 1.5 srtt + TCP_DELACK_MAX
      long t = srtt > 0 ? 2 * srtt : cfg.initRtoNanos();
      if (sb.size() == 1) t = Math.max(t, srtt + srtt / 2 + 200_000_000L);
      at = cfg.deadline(now, Math.max(t, 10_000_000L));
    }
    long rtoDelta = rtt.timeoutNanos() - (now - sb.xmit(0));
    if (rtoDelta > 0) at = Math.min(at, cfg.deadline(now, rtoDelta));
    arm(T_TLP, at);
    return true;
  }

  /** When the xmit timer fires (-1: not armed). */
  public long timerAt() {
    return timerKind == T_NONE ? -1 : timerAt;
  }

  /** Runs the xmit timer if due; returns true when {@link #output} has something to send. */
  public boolean onTimer(long now) {
    if (timerKind == T_NONE || now < timerAt) return false;
    int kind = timerKind;
    timerKind = T_NONE;
    if (sb.size() == 0) return false;
    switch (kind) {
      case T_REO -> {
        int prior = sb.inFlight();
        loss.detect(now, false);
        if (prior != sb.inFlight()) {
          if (rec.state != RECOVERY) {
            rec.enterRecovery(now);
            rec.cwndReduction(1, false, true);
          }
        }
        if (timerKind == T_NONE) rearmRto(now);
      }
      case T_TLP -> {
        probe = nxt < written ? 1 : 2;
        rearmRto(now);
      }
      default -> rec.enterLoss(now);
    }
    return true;
  }

}
