package org.cnemu.nodes.tcp;

/**
 * RACK (net/ipv4/tcp_recovery.c): the most recently (re)sent segment that was delivered (its transmit
 * time and end sequence, rack.mstamp / rack.end_seq) and that delivery's RTT; a segment sent before it
 * and not delivered within rack.rtt + reo_wnd is lost. The reordering window reo_wnd is min_rtt / 4 x
 * reo_wnd_steps (raised by one step per D-SACK round, at most srtt), or 0 while no reordering was seen
 * and either the flow is in recovery or sacked_out reached tp->reordering (the dupthresh).
 */
final class Rack {
  long mstamp = -1;
  long endSeq;
  long rttNanos;
  boolean advanced;
  int reoWndSteps = 1;
  boolean dsackSeen;
  int reoWndPersist;
  long lastDelivered;

  /** tcp_rack_sent_after(t1, t2, seq1, seq2): sent later, or at the same time with a higher sequence. */
  static boolean sentAfter(long t1, long t2, long seq1, long seq2) {
    return t1 > t2 || (t1 == t2 && seq1 > seq2);
  }

  /** tcp_rack_advance: segment [.., end) sent at {@code xmit} was delivered (ACKed or SACKed) at {@code now}. */
  void advance(boolean everRetrans, long end, long xmit, long now, long minRtt) {
    long rtt = now - xmit;
    if (everRetrans && rtt < minRtt) return; // ACK of the original, not of the retransmission
    advanced = true;
    rttNanos = rtt;
    if (mstamp < 0 || sentAfter(xmit, mstamp, end, endSeq)) {
      mstamp = xmit;
      endSeq = end;
    }
  }

  /** tcp_rack_update_reo_wnd after an ACK; {@code priorDelivered}: packets delivered before it. */
  void updateReoWnd(long priorDelivered, long delivered) {
    if (priorDelivered < lastDelivered) dsackSeen = false; // not a round trip since the last step
    if (dsackSeen) {
      reoWndSteps = Math.min(0xff, reoWndSteps + 1);
      dsackSeen = false;
      lastDelivered = delivered;
      reoWndPersist = 16; // TCP_RACK_RECOVERY_THRESH
    } else if (reoWndPersist == 0) {
      reoWndSteps = 1;
    }
  }
}
