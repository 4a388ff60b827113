package org.cnemu.nodes.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CongestionControlTest {
    static final int MSS = 1000;

    /** Feeds ACKs every millisecond covering cwnd/10 (RTT 10 ms) until {@code until}; returns cwnd in segments. */
    private static double run(CongestionControl cc, CongestionState s, long from, long until) {
        for (long t = from; t <= until; t += 1_000_000L) cc.onAck(s, t, s.cwnd / 10);
        return s.cwnd / (double) MSS;
    }

    @Test
    void cubicFollowsTheCubicCurveAroundWmax() {
        CubicCongestionControl cc = new CubicCongestionControl(false, false);
        CongestionState s = new CongestionState(MSS, 100L * MSS);
        s.minRttNanos = 0;
        s.setSsthresh(cc.ssthreshOnLoss(s, 0));
        assertEquals(70L * MSS, s.ssthresh());
        s.setCwnd(s.ssthresh());
        double k = Math.cbrt(30 / 0.4); // 4.217 s
        double atHalfK = run(cc, s, 1, (long) (k / 2 * 1e9));
        assertEquals(k, cc.kSeconds(), 1e-9);
        // concave region: W(K/2) = 100 - 0.4 (K/2)^3 = 96.25
        assertTrue(atHalfK > 93 && atHalfK < 97.5, "cwnd at K/2 " + atHalfK);
        double atK = run(cc, s, (long) (k / 2 * 1e9) + 1_000_000L, (long) (k * 1e9));
        assertTrue(atK > 98.5 && atK <= 101, "cwnd at K " + atK);
        double at2K = run(cc, s, (long) (k * 1e9) + 1_000_000L, (long) (2 * k * 1e9));
        // convex region: W(2K) = 100 + 0.4 K^3 = 130
        assertTrue(at2K > 125 && at2K < 132, "cwnd at 2K " + at2K);
    }

    @Test
    void cubicFastConvergenceAndFriendlyRegion() {
        CubicCongestionControl cc = new CubicCongestionControl();
        CongestionState s = new CongestionState(MSS, 100L * MSS);
        s.minRttNanos = 10_000_000L;
        s.setSsthresh(cc.ssthreshOnLoss(s, 0));
        assertEquals(100.0, cc.wLastMaxSegments(), 1e-12);
        s.setCwnd(50L * MSS); // second loss below W_max: fast convergence remembers less
        s.setSsthresh(cc.ssthreshOnLoss(s, 1));
        assertEquals(50 * 1.7 / 2, cc.wLastMaxSegments(), 1e-9);
        assertEquals(35L * MSS, s.ssthresh());
        // small window, short RTT: Reno-friendly estimate grows at least ~0.53 segment per RTT
        CubicCongestionControl f = new CubicCongestionControl();
        CongestionState s2 = new CongestionState(MSS, 10L * MSS);
        s2.minRttNanos = 1_000_000L;
        s2.setSsthresh(f.ssthreshOnLoss(s2, 0));
        s2.setCwnd(s2.ssthresh());
        double start = s2.cwnd / (double) MSS;
        for (int rtt = 0; rtt < 100; rtt++) {
            f.onAck(s2, rtt * 1_000_000L + 1, s2.cwnd);
        }
        assertTrue(s2.cwnd / (double) MSS - start >= 40, "friendly growth " + (s2.cwnd / (double) MSS - start));
    }

    @Test
    void renoAdditiveIncreaseOneMssPerWindow() {
        RenoCongestionControl cc = new RenoCongestionControl();
        CongestionState s = new CongestionState(MSS, 20L * MSS);
        s.setSsthresh(10L * MSS); // congestion avoidance
        cc.onAck(s, 0, 19L * MSS);
        assertEquals(20L * MSS, s.cwnd());
        cc.onAck(s, 0, 1L * MSS);
        assertEquals(21L * MSS, s.cwnd());
        // slow start adds acked bytes up to ssthresh, the rest goes to congestion avoidance
        CongestionState t = new CongestionState(MSS, 10L * MSS);
        t.setSsthresh(15L * MSS);
        cc = new RenoCongestionControl();
        cc.onAck(t, 0, 8L * MSS);
        assertEquals(15L * MSS, t.cwnd());
        assertEquals(7500, cc.ssthreshOnLoss(t, 0));
        assertEquals("cubic", CongestionControl.byName("CUBIC").name());
    }

    @Test
    void rtoEstimatorFollowsRfc6298AndLinuxFloor() {
        RttEstimator rfc = new RttEstimator(1_000_000_000L, 1_000_000L, 120_000_000_000L, false);
        assertEquals(1_000_000_000L, rfc.rtoNanos());
        rfc.sample(100_000_000L);
        assertEquals(100_000_000L, rfc.srttNanos());
        assertEquals(50_000_000L, rfc.rttvarNanos());
        assertEquals(300_000_000L, rfc.rtoNanos());
        rfc.sample(200_000_000L);
        assertEquals(112_500_000L, rfc.srttNanos());
        assertEquals(62_500_000L, rfc.rttvarNanos());
        rfc.backOff();
        rfc.backOff();
        assertEquals(4 * (112_500_000L + 250_000_000L), rfc.rtoNanos());
        RttEstimator linux = new RttEstimator(1_000_000_000L, 200_000_000L, 120_000_000_000L, true);
        linux.sample(1_000_000L);
        assertEquals(201_000_000L, linux.rtoNanos());
        for (int i = 0; i < 20; i++) linux.backOff();
        assertEquals(120_000_000_000L, linux.rtoNanos());
    }
}
