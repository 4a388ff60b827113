package org.cnemu.nodes.tcp;

/**
 * The congestion state machine of tcp_fastretrans_alert for a {@link TcpSender}: Open / Disorder / CWR
 * / Recovery / Loss, entering recovery (tcp_enter_recovery) and loss (tcp_enter_loss), proportional
 * rate reduction (tcp_cwnd_reduction), the end of a reduction, the undo of a spurious one (D-SACK,
 * timestamps, partial undo with reordering) and the TLP episode (tcp_process_tlp_ack).
 */
final class Recovery {
  static final int OPEN = 0, DISORDER = 1, CWR = 2, RECOVERY = 3, LOSS = 4;

  private final TcpSender s;
  int state = OPEN;
  /** high_seq: snd_nxt when the reduction began. */
  long highSeq;
  // undo (tcp_init_undo / tcp_undo_cwnd_reduction)
  long undoMarker = -1;
  int undoRetrans = -1;
  int priorCwnd;
  int priorSsthresh;
  // PRR
  int prrDelivered;
  int prrOut;
  long tlpHighSeq = -1;
  boolean tlpRetrans;
  /** retrans_stamp: TCP timestamp (ms, +1) of the first retransmission of the episode (0: none). */
  long retransStamp;
  boolean packetDelayed;
  long priorUnaOfAck;
  long undos;

  Recovery(TcpSender s) {
    this.s = s;
  }

  boolean inCwndReduction() {
    return state == CWR || state == RECOVERY;
  }

  void onDsack(long start, long end, long priorUna) {
    s.dsacks++;
    s.loss.rack.dsackSeen = true;
    if (end <= priorUna) {
      if (undoMarker >= 0 && undoRetrans > 0 && end > undoMarker) undoRetrans--;
      return;
    }
    for (int i = s.sb.indexAfter(start); i < s.sb.size() && s.sb.start(i) < end; i++) {
      if (s.sb.end(i) <= end && s.sb.has(i, Scoreboard.EVER_RETRANS) && undoMarker >= 0 && undoRetrans > 0
          && s.sb.end(i) > undoMarker) {
        undoRetrans--;
      }
    }
  }

  /** tcp_fastretrans_alert; returns true when it entered recovery (a fast retransmit is due). */
  boolean fastRetransAlert(long now, boolean advanced) {
    if (state == CWR && s.una > highSeq) {
      endCwndReduction();
      state = OPEN;
    } else if (state == RECOVERY && s.una >= highSeq) {
      tryUndoRecovery();
      endCwndReduction();
    }
    switch (state) {
      case RECOVERY -> {
        if (advanced && undoMarker >= 0 && packetDelayed) { // tcp_try_undo_partial
          s.loss.checkReordering(priorUnaOfAck);
          if (s.sb.retransOut > 0) return false;
          undo(true);
          keepOpen();
          return false;
        }
        if (tryUndoDsack()) {
          keepOpen();
          return false;
        }
        s.loss.identify(now);
        return false;
      }
      case LOSS -> {
        if (s.una >= highSeq || tryUndoDsack()) {
          if (undoMarker >= 0 && undoRetrans == 0) undo(true);
          state = OPEN;
          keepOpen();
          return false;
        }
        s.loss.identify(now);
        return false;
      }
      default -> {
        if (state <= DISORDER) tryUndoDsack();
        s.loss.identify(now);
        if (!s.loss.timeToRecover()) {
          if (state != CWR) keepOpen();
          return false;
        }
        enterRecovery(now);
        return true;
      }
    }
  }

  /** tcp_enter_recovery. */
  void enterRecovery(long now) {
    priorSsthresh = 0;
    undoMarker = s.una;
    undoRetrans = s.sb.retransOut > 0 ? s.sb.retransOut : -1;
    if (!inCwndReduction()) {
      priorSsthresh = currentSsthresh();
      initCwndReduction(now);
    }
    state = RECOVERY;
  }

  int currentSsthresh() {
    return inCwndReduction() ? s.ssthresh : Math.max(s.ssthresh, (s.cwnd >> 1) + (s.cwnd >> 2));
  }

  void initCwndReduction(long now) {
    highSeq = s.nxt;
    tlpHighSeq = -1;
    priorCwnd = s.cwnd;
    prrDelivered = 0;
    prrOut = 0;
    s.ssthresh = s.cc.ssthresh(s.cwnd, now);
  }

  /** tcp_cwnd_reduction: proportional rate reduction (RFC 6937). */
  void cwndReduction(int newlyAckedSacked, boolean retransAcked, boolean fastRexmit) {
    if (newlyAckedSacked <= 0 || priorCwnd == 0) return;
    prrDelivered += newlyAckedSacked;
    int inflight = s.sb.inFlight();
    int delta = s.ssthresh - inflight;
    long sndcnt;
    if (delta < 0) {
      sndcnt = ((long) s.ssthresh * prrDelivered + priorCwnd - 1) / priorCwnd - prrOut;
    } else if (retransAcked) {
      sndcnt = Math.min(delta, Math.max(prrDelivered - prrOut, newlyAckedSacked) + 1);
    } else {
      sndcnt = Math.min(delta, newlyAckedSacked);
    }
    sndcnt = Math.max(sndcnt, prrOut > 0 ? 0 : 1);
    s.cwnd = (int) (inflight + sndcnt);
  }

  void endCwndReduction() {
    if (state == CWR || (undoMarker >= 0 && s.ssthresh < CongestionControl.INFINITE_SSTHRESH)) s.cwnd = s.ssthresh;
  }

  void keepOpen() {
    if (s.sb.retransOut == 0) retransStamp = 0;
    int st = s.sb.sackedOut + s.sb.lostOut > 0 || s.sb.retransOut > 0 ? DISORDER : OPEN;
    if (state != st) {
      state = st;
      highSeq = s.nxt;
    }
  }

  boolean tryUndoDsack() {
    if (undoMarker >= 0 && undoRetrans == 0) {
      undo(false);
      return true;
    }
    return false;
  }

  void tryUndoRecovery() {
    if (undoMarker >= 0 && (undoRetrans == 0 || packetDelayed)) undo(false);
    state = OPEN;
  }

  /** tcp_undo_cwnd_reduction: the reduction was spurious (every retransmission D-SACKed). */
  void undo(boolean unmarkLoss) {
    if (unmarkLoss) s.sb.clearLost();
    if (priorSsthresh > 0) {
      s.cwnd = Math.max(s.cwnd, priorCwnd); // tcp_reno_undo_cwnd, also CUBIC's since Linux 4.13
      if (priorSsthresh > s.ssthresh) s.ssthresh = priorSsthresh;
    }
    undoMarker = -1;
    undos++;
  }

  /** tcp_process_tlp_ack: an ACK beyond the probe without a D-SACK shows a repaired s.loss: reduce s.cwnd. */
  void processTlpAck(long now, long ack, boolean dsack, boolean advanced, boolean sacked) {
    if (ack < tlpHighSeq) return;
    if (!tlpRetrans || dsack) {
      tlpHighSeq = -1;
    } else if (ack > tlpHighSeq) {
      initCwndReduction(now);
      state = CWR;
      endCwndReduction();
      keepOpen();
    } else if (!advanced && !sacked) {
      tlpHighSeq = -1;
    }
  }

  /** tcp_retransmit_timer -> tcp_enter_loss: everything not SACKed is lost, s.cwnd 1, backoff. */
  void enterLoss(long now) {
    s.rtos++;
    if (state <= DISORDER || s.una >= highSeq || state == LOSS && undoMarker < 0) {
      priorSsthresh = currentSsthresh();
      priorCwnd = s.cwnd;
      s.ssthresh = s.cc.ssthresh(s.cwnd, now);
      undoMarker = s.una;
      undoRetrans = s.sb.retransOut > 0 ? s.sb.retransOut : -1;
    }
    s.cc.onLoss(now, s.nxt); // tcp_set_ca_state(sk, TCP_CA_Loss) on every RTO, inside the window or not
    for (int i = 0; i < s.sb.size(); i++) if (!s.sb.has(i, Scoreboard.SACKED)) s.sb.markLost(i);
    s.cwnd = s.sb.inFlight() + 1;
    state = LOSS;
    highSeq = s.nxt;
    tlpHighSeq = -1;
    s.rtt.backOff();
    s.rearmRto(now);
  }
}
