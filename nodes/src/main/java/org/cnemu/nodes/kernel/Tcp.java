package org.cnemu.nodes.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cnemu.nodes.transport.CongestionControl;
import org.cnemu.nodes.transport.CongestionState;

/**
 * The host model's TCP: ACK clocking, slow start and congestion avoidance by a pluggable
 * {@link CongestionControl} from the transport package (CUBIC by default, as in Linux; Reno
 * selectable per workload), fast retransmit on 3 duplicate ACKs with SACK-style hole repair
 * (hole = [snd_una, first SACK block)), RACK-like timer, RTO, receive window, per-skb ACKs (Linux
 * acks every >= 2 full segments; a GRO aggregate counts as its segments).
 */
final class Tcp {
  private Tcp() {}

  /** A segment range to send: [seq, seq+len), retransmission flag. */
  record Seg(long seq, int len, boolean retx) {}

  static final class Sender {
    final int mss;
    final int maxSkbBytes;
    final long sndbuf;
    long written;
    long una;
    long nxt;
    long cwnd;
    long ssthresh = Long.MAX_VALUE / 4;
    long rwnd;
    int dup;
    boolean recovery;
    long recover;
    long holeEnd;
    long retxNext;
    long lastProgress;
    long srtt = 0;
    // stats
    long segsSent;
    long retransSegs;

    private final CongestionControl cc;
    private final CongestionState cs;

    Sender(int mss, int maxSegs, long sndbuf, long initialRwnd, String congestionControl) {
      this.mss = mss;
      this.maxSkbBytes = mss * maxSegs;
      this.sndbuf = sndbuf;
      this.cwnd = 10L * mss;
      this.rwnd = initialRwnd;
      this.cc = CongestionControl.byName(congestionControl);
      this.cs = CongestionState.create(mss, cwnd);
    }

    private CongestionState state() {
      cs.sync(cwnd, ssthresh, inflight(), srtt);
      return cs;
    }

    /** A loss was detected: the algorithm's new ssthresh (Reno: half the window; CUBIC: 0.7 of it). */
    private long lossThreshold(long now) {
      return Math.max(cc.ssthreshOnLoss(state(), now), 2L * mss);
    }

    String congestionControl() {
      return cc.name();
    }

    long space() {
      return Math.max(0, sndbuf - (written - una));
    }

    long inflight() {
      return nxt - una;
    }

    /** Segments (TSO skbs) allowed now. */
    List<Seg> output(long now) {
      List<Seg> out = new ArrayList<>();
      if (recovery) {
        while (retxNext < holeEnd && retxNext < nxt && retxNext - una < cwnd) {
          int l = (int) Math.min(maxSkbBytes, Math.min(holeEnd, nxt) - retxNext);
          out.add(new Seg(retxNext, l, true));
          retxNext += l;
          retransSegs += (l + mss - 1) / mss;
          segsSent += (l + mss - 1) / mss;
        }
      }
      long wnd = Math.min(cwnd, Math.max(rwnd, mss));
      while (nxt < written && nxt - una < wnd) {
        long room = wnd - (nxt - una);
        long l = Math.min(Math.min(maxSkbBytes, written - nxt), room);
        if (l < mss && written - nxt > l && nxt > una) break; // Nagle-ish: wait for a full segment
        out.add(new Seg(nxt, (int) l, false));
        nxt += l;
        segsSent += (l + mss - 1) / mss;
      }
      if (!out.isEmpty() && lastProgress == 0) lastProgress = now;
      return out;
    }

    /** Handles an ACK; returns true if it freed send-buffer space. */
    long lastSack = -1;

    boolean onAck(long ack, int wnd, long sackStart, long sackEnd, long sentNanos, long now) {
      rwnd = wnd;
      lastSack = sackStart;
      if (ack > una) {
        long acked = ack - una;
        una = ack;
        dup = 0;
        lastProgress = now;
        if (sentNanos > 0) {
          long rtt = now - sentNanos;
          srtt = srtt == 0 ? rtt : (7 * srtt + rtt) / 8;
        }
        if (recovery) {
          if (ack >= recover) {
            recovery = false;
            cwnd = Math.max(ssthresh, 2L * mss);
            cc.onRecoveryExit(state(), now);
          } else {
            long hs = sackStart > ack ? sackStart : recover; // no SACK block: everything up to recover is lost
            holeEnd = Math.max(holeEnd, Math.min(hs, recover));
            if (retxNext < ack) retxNext = ack;
          }
        } else {
          CongestionState st = state();
          cc.onAck(st, now, acked);
          cwnd = st.cwnd();
        }
        if (nxt < una) nxt = una;
        return true;
      }
      if (ack == una && nxt > una && sackStart > ack) {
        dup++;
        if (dup == 3 && !recovery) {
          recovery = true;
          recover = nxt;
          ssthresh = lossThreshold(now);
          cwnd = ssthresh;
          retxNext = una;
          holeEnd = Math.min(sackStart, nxt);
        } else if (recovery) {
          holeEnd = Math.max(holeEnd, Math.min(sackStart, recover));
        }
      }
      return false;
    }

    /**
     * RACK/TLP-like loss detection by time (Linux marks segments lost when a later one was delivered
     * a reorder window ago, and probes tail losses after ~2 SRTT): when nothing progressed for
     * max(2 SRTT, floor), (re)enter recovery and repair the hole again (also catches lost
     * retransmissions). Returns true if it changed state.
     */
    boolean onRackTimer(long now, long floorNanos) {
      if (nxt <= una || lastProgress == 0 || now - lastProgress < Math.max(2 * srtt, floorNanos)) return false;
      if (!recovery) {
        ssthresh = lossThreshold(now);
        cwnd = ssthresh;
        recovery = true;
        recover = nxt;
      }
      retxNext = una;
      holeEnd = lastSack > una ? Math.min(lastSack, recover) : recover;
      lastProgress = now;
      return true;
    }

    /** RTO: go back to snd_una with cwnd = 1 MSS. */
    boolean checkRto(long now, long minRto) {
      if (nxt > una && lastProgress > 0 && now - lastProgress >= Math.max(minRto, 4 * srtt)) {
        ssthresh = lossThreshold(now);
        cc.onRto(state(), now);
        cwnd = mss;
        recovery = false;
        retransSegs += (nxt - una + mss - 1) / mss;
        nxt = una;
        lastProgress = now;
        return true;
      }
      return false;
    }
  }

  static final class Receiver {
    final long rcvbuf;
    long rcvNxt;
    final TreeMap<Long, Long> ooo = new TreeMap<>();
    long queued; // bytes accepted but not yet read by the app
    long oooSegs;
    long pendingAckSegs;
    long lastSackStart = -1;
    long lastSackEnd = -1;

    // Receive-buffer autotuning (Linux tcp_rcv_rtt_measure + tcp_rcv_space_adjust, "DRS"): the window
    // clamp starts at tcp_rmem[1]/2 and grows to 2 x (bytes the app copied in one receiver RTT)
    // + 16 MSS (x1.5 / x2 while the copy rate still grows by 25 % / 50 %), never shrinking, up to
    // tcp_rmem[2]/2. The receiver RTT is the time to receive one window of data, min-filtered
    // (win_dep = 1). This is what keeps a receiver-bound flow from parking megabytes in the RX ring.
    final int mss;
    long clamp;
    private long rttEst;
    private long rttSeq = -1;
    private long rttTime;
    private long copied;
    private long space;
    private long spaceSeq;
    private long spaceTime = -1;

    Receiver(long rcvbuf, long initialRcvbuf, int mss) {
      this.rcvbuf = rcvbuf;
      this.mss = mss;
      this.clamp = Math.max(initialRcvbuf / 2, 2L * mss);
      this.space = 10L * mss; // TCP_INIT_CWND * advmss
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

    /** tcp_rcv_space_adjust, called when the application has read {@code bytes}. */
    void onRead(long now, long bytes) {
      copied += bytes;
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

    int window() {
      return (int) Math.max(0, Math.min(clamp, rcvbuf / 2) - queued);
    }

    /** Accepts a data skb; returns newly in-order bytes; sets whether an ACK is due now. */
    long onData(long now, long seq, int len, int segs) {
      long n = onData0(seq, len, segs);
      measureRtt(now);
      return n;
    }

    private long onData0(long seq, int len, int segs) {
      long before = rcvNxt;
      long end = seq + len;
      if (end <= rcvNxt) {
        pendingAckSegs += 2; // duplicate: ack at once
        return 0;
      }
      if (seq > rcvNxt) {
        ooo.merge(seq, end, Math::max);
        oooSegs += segs;
        lastSackStart = seq;
        lastSackEnd = end;
        pendingAckSegs += 2;
        return 0;
      }
      rcvNxt = end;
      while (!ooo.isEmpty()) {
        Map.Entry<Long, Long> f = ooo.firstEntry();
        if (f.getKey() > rcvNxt) break;
        rcvNxt = Math.max(rcvNxt, f.getValue());
        ooo.pollFirstEntry();
      }
      if (ooo.isEmpty()) {
        lastSackStart = -1;
        lastSackEnd = -1;
      } else {
        Map.Entry<Long, Long> f = ooo.firstEntry();
        lastSackStart = f.getKey();
        lastSackEnd = f.getValue();
      }
      pendingAckSegs += segs;
      long n = rcvNxt - before;
      queued += n;
      return n;
    }

    boolean ackDue() {
      return pendingAckSegs >= 2;
    }

    /** When the oldest un-ACKed data arrived (-1: nothing pending): the delayed-ACK timer runs from it. */
    long ackPendingSince = -1;

    /** Linux's delayed ACK: a lone segment is ACKed when the next one arrives or when the timer fires. */
    boolean delayedAckExpired(long now, long delayNanos) {
      return pendingAckSegs > 0 && ackPendingSince >= 0 && now - ackPendingSince >= delayNanos;
    }
  }
}
