package org.cnemu.nodes.tcp;

import org.cnemu.devices.SackBlocks;

/**
 * Which sent segments are lost: SACK tagging with reordering detection (tcp_sacktag_one,
 * tcp_check_sack_reordering: tp->reordering grows to the observed distance, at most
 * tcp_max_reordering), RACK (tcp_rack_detect_loss, its reorder timer) and, for Linux 4.4, the FACK
 * dupthresh (tcp_time_to_recover / tcp_update_scoreboard).
 */
final class LossDetector {
  private final TcpSender s;
  private final Scoreboard sb;
  final Rack rack = new Rack();
  int reordering;
  int reordSeen;
  /** 4.4: FACK counts holes up to the highest SACK until reordering is seen (tcp_disable_fack). */
  private boolean fack = true;
  /** Transmit time of the first newly SACKed never-retransmitted segment of the last ACK (-1: none). */
  long sackRttXmit = -1;
  /** Transmit time of the last newly SACKed never-retransmitted segment of the last ACK (last_sackt; -1: none). */
  long sackCaXmit = -1;

  LossDetector(TcpSender s) {
    this.s = s;
    this.sb = s.sb;
    this.reordering = s.cfg.reordering();
  }

  /** The SACK blocks of the ACK being processed ({@link #addBlock}), D-SACK excluded; {@link #sacktag} empties it. */
  private final long[] blockStart = new long[SackBlocks.MAX_BLOCKS];
  private final long[] blockEnd = new long[SackBlocks.MAX_BLOCKS];
  private int blocks;

  /** One SACK block [start, end) of the ACK being processed. */
  void addBlock(long start, long end) {
    blockStart[blocks] = start;
    blockEnd[blocks] = end;
    blocks++;
  }

  /**
   * tcp_sacktag_write_queue: marks the segments inside the ACK's blocks SACKed, the blocks in sequence order
   * (Linux sorts them so that one walk of the queue visits each segment in order: the RTT sample is the first
   * newly SACKed segment's, the CC sample the last's), then checks the reordering once with the lowest late
   * segment of all blocks. Returns how many segments were newly SACKed.
   */
  int sacktag(long now) {
    for (int i = 1; i < blocks; i++) { // insertion sort of at most three blocks
      long bs = blockStart[i];
      long be = blockEnd[i];
      int j = i;
      for (; j > 0 && blockStart[j - 1] > bs; j--) {
        blockStart[j] = blockStart[j - 1];
        blockEnd[j] = blockEnd[j - 1];
      }
      blockStart[j] = bs;
      blockEnd[j] = be;
    }
    int n = 0;
    long reord = Long.MAX_VALUE;
    for (int b = 0; b < blocks; b++) {
      long start = blockStart[b];
      long end = blockEnd[b];
      for (int i = sb.indexAfter(start); i < sb.size() && sb.start(i) < end; i++) {
        if (sb.end(i) > end || sb.start(i) < start || sb.has(i, Scoreboard.SACKED)) continue;
        boolean ever = sb.has(i, Scoreboard.EVER_RETRANS);
        if (!ever) {
          if (sb.highestSack >= 0 && sb.start(i) < sb.highestSack) reord = Math.min(reord, sb.start(i));
          if (sackRttXmit < 0) sackRttXmit = sb.xmit(i);
          sackCaXmit = sb.xmit(i);
        }
        rack.advance(ever, sb.end(i), sb.xmit(i), now, s.rtt.minRttNanos());
        sb.sack(i);
        n++;
      }
    }
    blocks = 0;
    if (reord != Long.MAX_VALUE) checkReordering(reord);
    return n;
  }

  /** tcp_check_sack_reordering: a never-retransmitted segment below the highest SACK was delivered late. */
  void checkReordering(long lowSeq) {
    long fackSeq = sb.sackedOut > 0 ? sb.highestSack : s.una;
    if (lowSeq >= fackSeq) return;
    long metric = fackSeq - lowSeq;
    if (metric > (long) reordering * s.mss) {
      reordering = (int) Math.min((metric + s.mss - 1) / s.mss, s.cfg.maxReordering());
      fack = false;
    }
    reordSeen++;
  }

  /** tcp_rack_reo_wnd (5.4) / the static window of Linux 4.4's tcp_rack_mark_lost. */
  long reoWnd() {
    long minRtt = s.rtt.minRttNanos();
    if (!s.cfg.rackTlp()) return reordSeen > 0 ? Math.max(minRtt / 4, 1_000_000L) : 1_000_000L;
    if (reordSeen == 0) {
      if (s.rec.state >= TcpSender.RECOVERY) return 0;
      if (sb.sackedOut >= reordering) return 0;
    }
    return Math.min(minRtt / 4 * rack.reoWndSteps, s.rtt.srttNanos());
  }

  /** tcp_identify_packet_loss after an ACK: RACK when it advanced, and 4.4's dupthresh marking. */
  void identify(long now) {
    if (sb.size() == 0) return;
    if (rack.advanced) {
      rack.advanced = false;
      detect(now, s.cfg.rackTlp());
    }
    if (!s.cfg.rackTlp() && dupthresh()) markHeadLost(); // tcp_update_scoreboard when do_lost
  }

  /**
   * tcp_rack_detect_loss: a segment sent before the last delivered one and not delivered within
   * rack.rtt + reo_wnd of its transmission is lost; the latest deadline of the others arms the reorder
   * timer (5.4). Walks in sequence order: originals are also in send order, and a retransmission was
   * sent after every original before it.
   */
  void detect(long now, boolean armTimer) {
    if (rack.mstamp < 0) return;
    long reo = reoWnd();
    long maxRem = 0;
    for (int i = 0; i < sb.size(); i++) {
      byte f = sb.flags(i);
      if ((f & Scoreboard.SACKED) != 0) continue;
      if ((f & Scoreboard.LOST) != 0 && (f & Scoreboard.RETRANS) == 0) continue;
      long x = sb.xmit(i);
      if (!Rack.sentAfter(rack.mstamp, x, rack.endSeq, sb.end(i))) {
        if ((f & Scoreboard.EVER_RETRANS) == 0) break;
        continue;
      }
      long rem = rack.rttNanos + reo - (now - x);
      if (rem <= 0) sb.markLost(i);
      else maxRem = Math.max(maxRem, rem);
    }
    if (armTimer && maxRem > 0) s.armReo(now, maxRem);
  }

  /** tcp_time_to_recover. */
  boolean timeToRecover() {
    if (sb.lostOut > 0) return true;
    return !s.cfg.rackTlp() && dupthresh();
  }

  /** 4.4's tcp_dupack_heuristics > tp->reordering: fackets_out with FACK, else sacked_out + 1. */
  private boolean dupthresh() {
    if (sb.sackedOut == 0) return false;
    int h = fack ? sb.indexAfter(sb.highestSack - 1) + 1 : sb.sackedOut + 1;
    return h > reordering;
  }

  /** tcp_update_scoreboard (4.4): the head holes beyond the reordering degree are lost (at least one). */
  private void markHeadLost() {
    int limit = fack ? sb.indexAfter(sb.highestSack - 1) + 1 - reordering : sb.sackedOut - reordering;
    limit = Math.max(limit, 1);
    for (int i = 0; i < sb.size() && i < limit; i++) {
      if (sb.has(i, Scoreboard.SACKED) || sb.has(i, Scoreboard.LOST)) continue;
      if (sb.has(i, Scoreboard.EVER_RETRANS)) continue;
      sb.markLost(i);
    }
  }
}
