package org.cnemu.nodes.transport;

/**
 * CUBIC (RFC 8312, Linux tcp_cubic.c without HyStart): window in segments,
 * W_cubic(t) = C (t - K)^3 + W_max with C = 0.4, multiplicative decrease beta = 0.7, fast convergence,
 * and the TCP-friendly region W_est growing by 3(1-beta)/(1+beta) segments per RTT. The cubic time t is
 * virtual: now - epoch start + min RTT (Linux adds delay_min; RFC 8312 evaluates W_cubic(t + RTT)).
 * Per acked segment, cwnd grows by (target - cwnd) / cwnd, at most 0.5 segment (Linux cnt >= 2), and at
 * least 1/20 segment before the first loss (Linux cnt <= 20 when last_max_cwnd == 0). All arithmetic is
 * IEEE double with {@link StrictMath}, hence deterministic.
 */
public final class CubicCongestionControl implements CongestionControl {
    public static final double BETA = 0.7;
    public static final double C = 0.4;
    private static final double ALPHA_FRIENDLY = 3.0 * (1 - BETA) / (1 + BETA);

    private final boolean fastConvergence;
    private final boolean tcpFriendliness;
    private double wLastMax;          // segments
    private long epochStart = -1;     // ns
    private double originPoint;       // segments
    private double kSeconds;
    private double wEst;              // segments, TCP-friendly estimate
    private double cwndCnt;           // fractional segments accumulated toward the next increment
    private long epochCount;

    public CubicCongestionControl() {
        this(true, true);
    }

    public CubicCongestionControl(boolean fastConvergence, boolean tcpFriendliness) {
        this.fastConvergence = fastConvergence;
        this.tcpFriendliness = tcpFriendliness;
    }

    @Override
    public String name() {
        return "cubic";
    }

    @Override
    public void onAck(CongestionState s, long nowNanos, long ackedBytes) {
        long left = ackedBytes;
        if (s.inSlowStart()) {
            left = CongestionControl.slowStart(s, ackedBytes);
            if (left == 0) return;
        }
        double mss = s.mss();
        double cwndSegs = s.cwnd / mss;
        double ackedSegs = left / mss;
        if (epochStart < 0) {
            epochStart = nowNanos;
            epochCount++;
            if (cwndSegs < wLastMax) {
                kSeconds = StrictMath.cbrt((wLastMax - cwndSegs) / C);
                originPoint = wLastMax;
            } else {
                kSeconds = 0;
                originPoint = cwndSegs;
            }
            wEst = cwndSegs;
            cwndCnt = 0;
        }
        long rtt = Math.max(0, s.minRttNanos());
        double t = (nowNanos - epochStart + rtt) / 1e9;
        double d = t - kSeconds;
        double target = originPoint + C * d * d * d;
        if (tcpFriendliness) {
            wEst += ALPHA_FRIENDLY * ackedSegs / cwndSegs;
            if (wEst > target) target = wEst;
        }
        double perSeg;
        if (target > cwndSegs) {
            perSeg = Math.min((target - cwndSegs) / cwndSegs, 0.5);
        } else {
            perSeg = 1.0 / (100.0 * cwndSegs);
        }
        if (wLastMax == 0) perSeg = Math.max(perSeg, 1.0 / 20.0);
        cwndCnt += perSeg * ackedSegs;
        if (cwndCnt >= 1.0) {
            long whole = (long) cwndCnt;
            cwndCnt -= whole;
            s.cwnd += whole * s.mss();
        }
    }

    @Override
    public long ssthreshOnLoss(CongestionState s, long nowNanos) {
        epochStart = -1;
        double cwndSegs = s.cwnd / (double) s.mss();
        if (fastConvergence && cwndSegs < wLastMax) {
            wLastMax = cwndSegs * (1 + BETA) / 2;
        } else {
            wLastMax = cwndSegs;
        }
        return Math.max(s.cwnd * 7 / 10, 2L * s.mss());
    }

    @Override
    public void onRto(CongestionState s, long nowNanos) {
        // Linux bictcp_state(TCP_CA_Loss) -> bictcp_reset: forget W_max and the epoch.
        wLastMax = 0;
        epochStart = -1;
        cwndCnt = 0;
    }

    /** W_max in segments (0 before the first loss or after an RTO). */
    public double wLastMaxSegments() { return wLastMax; }
    /** K in seconds of the current epoch. */
    public double kSeconds() { return kSeconds; }
    /** Number of congestion-avoidance epochs started. */
    public long epochCount() { return epochCount; }
}
