package org.cnemu.nodes.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpTransferTest {
    static final long MS = 1_000_000L;
    static final int MSS = 1448;

    static TcpConfig cfg() {
        return TcpConfig.linuxDefaults().withGsoMaxBytes(0).withQuickAckSegments(0);
    }

    @Test
    void losslessBulkReachesPipeRateAndNeverExceedsRwnd() {
        int rcvBuf = 200 * 1024; // > BDP (125 KB) so the pipe can be filled, small enough to bind
        TcpHarness h = new TcpHarness(cfg().withReceiveBufferBytes(rcvBuf), new RenoCongestionControl(),
                1_000_000_000L, MS / 2);
        h.iperf = new IperfStream(1, 128 * 1024, 0, 0, 0, 10 * MS);
        h.start();
        h.runUntil(300 * MS);
        double gbps = h.iperf.goodputGbps(100 * MS, 300 * MS);
        assertTrue(gbps > 0.98 && gbps <= 1.0 + 1e-9, "goodput " + gbps);
        assertTrue(h.maxInflightOverWindow <= 0, "sent beyond rwnd by " + h.maxInflightOverWindow);
        assertTrue(h.maxInflightOverCwnd <= 0, "sent beyond cwnd by " + h.maxInflightOverCwnd);
        assertEquals(0, h.snd.retransmits());
        assertEquals(0, h.snd.rtoEvents());
        assertEquals(0, h.rcv.outOfOrderSegments());
        assertEquals(h.rcv.bytesDelivered(), h.rcv.bytesRead());
        // rwnd-limited, not cwnd-limited: cwnd stops growing once flight is bounded by the window
        assertTrue(h.snd.cwndBytes() <= 2L * rcvBuf + 10 * MSS, "cwnd " + h.snd.cwndBytes());
    }

    @Test
    void tsoSuperSegmentsAreSplitIntoMssAndGoodputIsTheSame() {
        TcpConfig c = cfg().withGsoMaxBytes(65536).withReceiveBufferBytes(400 * 1024);
        TcpHarness h = new TcpHarness(c, new CubicCongestionControl(), 1_000_000_000L, MS / 2);
        h.iperf = new IperfStream(1, 128 * 1024, 0, 0, 0, 10 * MS);
        h.start();
        h.runUntil(200 * MS);
        assertTrue(h.iperf.goodputGbps(100 * MS, 200 * MS) > 0.98);
        assertTrue(h.snd.superSegmentsSent() < h.snd.segmentsSent(), "expected super-segments");
        assertEquals(10 * MSS, h.sent.get(0).seg().lenBytes(), "initial window leaves as one 10-MSS TSO frame");
        for (TcpHarness.Sent s : h.sent) {
            assertTrue(s.seg().lenBytes() <= 45 * MSS && (s.seg().lenBytes() % MSS == 0), "size " + s.seg().lenBytes());
        }
    }

    @Test
    void slowStartDoublesCwndPerRtt() {
        // infinitely fast pipe, RTT 10 ms, ACK every 2 segments: 10 -> 20 -> 40 -> 80 -> 160 segments
        TcpHarness h = new TcpHarness(cfg(), new RenoCongestionControl(), 1_000_000_000_000_000L, 5 * MS);
        h.snd.writeUnlimited();
        List<long[]> samples = new ArrayList<>();
        h.snd.setCwndListener((t, cwnd, ss) -> samples.add(new long[] {t, cwnd}));
        h.start();
        for (int k = 1; k <= 4; k++) {
            h.runUntil(k * 10 * MS + MS);
            assertEquals(10L * (1L << k) * MSS, h.snd.cwndBytes(), "cwnd after RTT " + k);
        }
        assertEquals(0, h.snd.retransmits());
    }

    static long cwndBeforeFirstReduction(List<long[]> samples) {
        long prev = -1;
        for (long[] s : samples) {
            if (s[2] != CongestionState.INFINITE_SSTHRESH) return prev;
            prev = s[1];
        }
        return -1;
    }

    private TcpHarness singleLoss(CongestionControl cc, List<long[]> samples) {
        TcpHarness h = new TcpHarness(cfg().withReceiveBufferBytes(400 * 1024), cc, 100_000_000L, MS);
        h.iperf = new IperfStream(1, 128 * 1024, 0, 0, 0, 10 * MS);
        h.drop = (i, s) -> i == 150;
        h.snd.setCwndListener((t, c, ss) -> samples.add(new long[] {t, c, ss}));
        h.start();
        h.runUntil(500 * MS);
        return h;
    }

    @Test
    void singleLossRenoFastRetransmitHalvesCwndWithoutRto() {
        List<long[]> samples = new ArrayList<>();
        TcpHarness h = singleLoss(new RenoCongestionControl(), samples);
        assertEquals(1, h.dropped);
        assertEquals(1, h.snd.fastRecoveries());
        assertEquals(1, h.snd.fastRetransmits());
        assertEquals(0, h.snd.timeoutRetransmits());
        assertEquals(0, h.snd.rtoEvents());
        assertTrue(h.snd.dupAcksReceived() >= 3);
        long before = cwndBeforeFirstReduction(samples);
        long ssthresh = samples.stream().filter(s -> s[2] != CongestionState.INFINITE_SSTHRESH).findFirst().get()[2];
        assertEquals(before / 2, ssthresh);
        // the lost byte was sent twice: original and one fast retransmit
        long lostSeq = 150L * MSS;
        assertEquals(2, h.transmissionsOf(lostSeq).size());
        assertTrue(h.rcv.bytesDelivered() >= h.snd.sndUna()
                && h.rcv.bytesDelivered() <= h.snd.sndUna() + h.snd.inflightBytes());
        assertTrue(h.rcv.outOfOrderSegments() >= 3);
    }

    @Test
    void singleLossCubicReducesCwndToSevenTenths() {
        List<long[]> samples = new ArrayList<>();
        CubicCongestionControl cubic = new CubicCongestionControl();
        TcpHarness h = singleLoss(cubic, samples);
        assertEquals(1, h.snd.fastRecoveries());
        assertEquals(1, h.snd.fastRetransmits());
        assertEquals(0, h.snd.rtoEvents());
        long before = cwndBeforeFirstReduction(samples);
        long ssthresh = samples.stream().filter(s -> s[2] != CongestionState.INFINITE_SSTHRESH).findFirst().get()[2];
        assertEquals(before * 7 / 10, ssthresh);
        assertEquals(before / (double) MSS, cubic.wLastMaxSegments(), 1e-9);
    }

    @Test
    void tailLossIsRecoveredByRtoNotFastRetransmit() {
        TcpHarness h = new TcpHarness(cfg(), new RenoCongestionControl(), 1_000_000_000L, MS);
        h.snd.write(20L * MSS);
        h.drop = (i, s) -> i == 19; // last segment, first transmission
        h.start();
        h.runUntil(2_000 * MS);
        assertEquals(1, h.snd.rtoEvents());
        assertEquals(1, h.snd.timeoutRetransmits());
        assertEquals(0, h.snd.fastRetransmits());
        assertTrue(h.snd.allAcked());
        List<TcpHarness.Sent> tx = h.transmissionsOf(19L * MSS);
        assertEquals(2, tx.size());
        // the timer restarts on the last ACK (a delayed ACK: 19 segments is odd); RTO = srtt + max(4 rttvar, 200 ms)
        long lastAckArrival = h.acks.get(h.acks.size() - 2).time() + MS;
        long gap = tx.get(1).time() - lastAckArrival;
        assertTrue(gap >= 200 * MS && gap <= 210 * MS, "RTO " + gap);
        assertEquals(TcpSender.NO_DEADLINE, h.snd.nextTimerDeadline());
    }

    @Test
    void lostRetransmissionBacksOffExponentially() {
        TcpHarness h = new TcpHarness(cfg(), new RenoCongestionControl(), 1_000_000_000L, MS);
        h.snd.write(20L * MSS);
        long[] seen = {0};
        h.drop = (i, s) -> s.seq() == 19L * MSS && seen[0]++ < 3; // original + 2 retransmissions lost
        h.start();
        h.runUntil(10_000 * MS);
        assertEquals(3, h.snd.rtoEvents());
        assertTrue(h.snd.allAcked());
        List<TcpHarness.Sent> tx = h.transmissionsOf(19L * MSS);
        assertEquals(4, tx.size());
        long g1 = tx.get(1).time() - tx.get(0).time();
        long g2 = tx.get(2).time() - tx.get(1).time();
        long g3 = tx.get(3).time() - tx.get(2).time();
        assertTrue(g1 >= 200 * MS, "g1 " + g1);
        assertTrue(g2 >= 400 * MS && g2 <= 420 * MS && g2 < 2 * g1, "g1 " + g1 + " g2 " + g2);
        assertEquals(2 * g2, g3); // timer re-armed at expiry with the doubled RTO
        assertEquals(0, h.snd.rttEstimator().backoffCount(), "backoff cleared by the final ACK");
    }

    @Test
    void lostFastRetransmissionEndsInRto() {
        TcpHarness h = new TcpHarness(cfg().withReceiveBufferBytes(400 * 1024), new RenoCongestionControl(),
                100_000_000L, MS);
        h.iperf = new IperfStream(1, 128 * 1024, 0, 0, 0, 10 * MS);
        long lost = 150L * MSS;
        int[] n = {0};
        h.drop = (i, s) -> s.seq() == lost && n[0]++ < 2;
        h.start();
        h.runUntil(1_000 * MS);
        assertEquals(1, h.snd.fastRecoveries());
        assertEquals(1, h.snd.rtoEvents());
        assertTrue(h.snd.timeoutRetransmits() >= 1);
        assertTrue(h.rcv.bytesDelivered() > lost + 1_000_000, "transfer resumed after the RTO");
    }

    /** Run a bulk flow through a 100 Mbit/s pipe with a BDP-sized drop-tail queue and optional reordering. */
    private TcpHarness reorderRun(TcpHarness.DelayRule extra, CongestionControl cc) {
        // rwnd 200 KB > BDP (125 KB) fills the pipe; the 250 KB drop-tail queue never overflows in order
        TcpHarness h = new TcpHarness(cfg().withReceiveBufferBytes(200 * 1024), cc, 100_000_000L, 5 * MS);
        h.queueLimitBytes = 250_000;
        h.iperf = new IperfStream(1, 128 * 1024, 0, 0, 0, 100 * MS);
        h.extraDelay = extra;
        h.start();
        h.runUntil(3_000 * MS);
        return h;
    }

    @Test
    void adjacentSwapsCauseDupAcksButNoFastRetransmit() {
        long ser = 1448L * 8 * 10; // ns per MSS at 100 Mbit/s = 115840
        TcpHarness h = reorderRun((i, s) -> i % 20 == 0 ? ser + ser / 2 : 0, new RenoCongestionControl());
        TcpHarness base = reorderRun((i, s) -> 0, new RenoCongestionControl());
        assertTrue(h.rcv.outOfOrderSegments() > 1000, "ooo " + h.rcv.outOfOrderSegments());
        assertTrue(h.snd.dupAcksReceived() >= h.rcv.outOfOrderSegments() * 9 / 10);
        // one dup ACK per swap never reaches the threshold of 3: no more recoveries than the in-order run
        assertTrue(h.snd.fastRecoveries() <= base.snd.fastRecoveries() + 1,
                h.snd.fastRecoveries() + " vs " + base.snd.fastRecoveries());
    }

    @Test
    void reorderingBeyondThreeSegmentsCausesSpuriousRetransmitsAndLowerThroughput() {
        long ser = 1448L * 8 * 10;
        for (CongestionControl[] ccs : new CongestionControl[][] {
                {new RenoCongestionControl(), new RenoCongestionControl()},
                {new CubicCongestionControl(), new CubicCongestionControl()}}) {
            TcpHarness base = reorderRun((i, s) -> 0, ccs[0]);
            TcpHarness h = reorderRun((i, s) -> i % 20 == 0 ? 4 * ser + ser / 2 : 0, ccs[1]);
            double g0 = base.iperf.goodputGbps(1_000 * MS, 3_000 * MS);
            double g1 = h.iperf.goodputGbps(1_000 * MS, 3_000 * MS);
            assertTrue(g0 > 0.09, ccs[0].name() + " in-order goodput " + g0);
            assertTrue(g1 < 0.8 * g0, ccs[1].name() + " reordered goodput " + g1 + " vs " + g0);
            assertTrue(h.snd.fastRetransmits() > 10 * Math.max(1, base.snd.fastRetransmits()),
                    "spurious fast retransmits " + h.snd.fastRetransmits() + " vs " + base.snd.fastRetransmits());
            assertTrue(h.rcv.duplicateSegments() > 10, "spurious retransmissions arrive as duplicates");
            assertEquals(0, h.dropped);
            assertEquals(0, base.queueDrops);
            assertEquals(0, base.snd.retransmits());
        }
    }

    @Test
    void zeroWindowStallsThenWindowUpdateResumes() {
        int rcvBuf = 64 * 1024;
        TcpHarness h = new TcpHarness(cfg().withReceiveBufferBytes(rcvBuf), new RenoCongestionControl(),
                1_000_000_000L, MS);
        h.appReads = false;
        h.snd.write(1_000_000);
        h.start();
        h.runUntil(100 * MS);
        assertEquals(0, h.rcv.advertisedWindow());
        assertTrue(h.maxReadable <= rcvBuf);
        long stalledAt = h.snd.sndUna();
        assertTrue(stalledAt > rcvBuf - MSS && stalledAt <= rcvBuf, "stalled at " + stalledAt);
        assertEquals(0, h.snd.inflightBytes());
        assertTrue(h.snd.persistDeadline() != TcpSender.NO_DEADLINE, "persist timer armed");
        h.runUntil(1_000 * MS);
        assertTrue(h.snd.probesSent() >= 2, "probes " + h.snd.probesSent());
        assertTrue(h.rcv.probesAnswered() >= 2);
        assertEquals(stalledAt, h.snd.sndUna(), "no progress while the application does not read");
        // the application reads: a window update ACK restarts the transfer
        long updatesBefore = h.rcv.windowUpdatesSent();
        h.scheduleRead(1_000 * MS);
        h.appReads = true;
        h.runUntil(3_000 * MS);
        assertTrue(h.rcv.windowUpdatesSent() > updatesBefore);
        assertTrue(h.snd.allAcked(), "sndUna " + h.snd.sndUna());
        assertEquals(1_000_000, h.rcv.bytesRead());
        assertTrue(h.maxInflightOverWindow <= 0);
        assertEquals(0, h.snd.rtoEvents());
    }

    @Test
    void persistProbeRecoversWhenTheWindowUpdateIsLost() {
        int rcvBuf = 64 * 1024;
        TcpHarness h = new TcpHarness(cfg().withReceiveBufferBytes(rcvBuf), new RenoCongestionControl(),
                1_000_000_000L, MS);
        h.appReads = false;
        h.snd.write(300_000);
        h.start();
        h.runUntil(100 * MS);
        // read silently (as if the window update were lost): only the persist probe can discover it
        h.rcv.read(h.now, Long.MAX_VALUE, SegmentOutput.DISCARD);
        h.appReads = true;
        h.runUntil(5_000 * MS);
        assertTrue(h.snd.probesSent() >= 1);
        assertTrue(h.snd.allAcked());
    }

    @Test
    void karnRttWithoutTimestampsAndDeterminism() {
        long[] results = new long[2];
        for (int r = 0; r < 2; r++) {
            TcpHarness h = new TcpHarness(cfg().withTimestamps(false), new CubicCongestionControl(), 100_000_000L, MS);
            h.iperf = new IperfStream(1, 128 * 1024, 0, 0, 0, 10 * MS);
            h.drop = (i, s) -> i % 500 == 499;
            h.start();
            h.runUntil(1_000 * MS);
            assertTrue(h.snd.rttEstimator().sampleCount() > 10);
            assertTrue(h.snd.rttEstimator().minRttNanos() >= 2 * MS);
            results[r] = h.rcv.bytesDelivered() * 31 + h.snd.retransmits() * 7 + h.snd.cwndBytes();
        }
        assertEquals(results[0], results[1], "same inputs, same outcome");
    }
}
