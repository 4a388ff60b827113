package org.cnemu.nodes.transport;

/**
 * Reno AIMD (RFC 5681): slow start adds the acked bytes (Linux tcp_slow_start, no ABC limit), congestion
 * avoidance adds one MSS per cwnd's worth of acked bytes (Linux tcp_cong_avoid_ai with exact byte counting),
 * and a loss halves the window: ssthresh = max(cwnd / 2, 2 MSS) (Linux tcp_reno_ssthresh).
 */
public final class RenoCongestionControl implements CongestionControl {
    private long bytesAckedInCa;

    @Override
    public String name() {
        return "reno";
    }

    @Override
    public void onAck(CongestionState s, long nowNanos, long ackedBytes) {
        long left = ackedBytes;
        if (s.inSlowStart()) {
            left = CongestionControl.slowStart(s, ackedBytes);
            if (left == 0) return;
        }
        bytesAckedInCa += left;
        while (bytesAckedInCa >= s.cwnd) {
            bytesAckedInCa -= s.cwnd;
            s.cwnd += s.mss();
        }
    }

    @Override
    public long ssthreshOnLoss(CongestionState s, long nowNanos) {
        bytesAckedInCa = 0;
        return Math.max(s.cwnd / 2, 2L * s.mss());
    }
}
