package org.cnemu.nodes.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UdpTest {
    @Test
    void pacingIsExactWithoutDriftOverAMillionDatagrams() {
        long rate = 3_000_000_000L; // 8000 bits every 2666.67 ns
        UdpSource src = new UdpSource(1, rate, 958, 1000, 5_000L);
        int n = 1_000_000;
        long prev = -1;
        long[] count = {0};
        long t = src.nextSendTime();
        assertEquals(5_000L, t);
        while (count[0] < n) {
            t = src.nextSendTime();
            int k = src.emitDue(t, d -> count[0]++);
            assertEquals(1, k);
            if (prev >= 0) {
                long gap = t - prev;
                assertTrue(gap == 2666 || gap == 2667, "gap " + gap);
            }
            prev = t;
        }
        // datagram n-1 leaves exactly at floor((n-1) * 8000 / 3) ns after the start
        assertEquals(5_000L + (n - 1L) * 8000L / 3L, prev);
        assertEquals(5_000L + (long) n * 8000L / 3L, src.nextSendTime());
        assertEquals((long) n * 958, src.payloadBytesSent());
        assertNull(src.poll(src.nextSendTime() - 1));
    }

    @Test
    void hugeCountsDoNotOverflow() {
        // 4e9 datagrams x 12000 bits x 1e9 overflows a long in the intermediate product
        UdpSource src = new UdpSource(1, 30_000_000L, 1, 1500, 0);
        assertEquals(new java.math.BigInteger("48000000000000").multiply(java.math.BigInteger.valueOf(1_000_000_000L))
                .divide(java.math.BigInteger.valueOf(30_000_000L)).longValueExact(), src.sendTimeOf(4_000_000_000L));
        assertEquals(1_600_000_000_000_000L, src.sendTimeOf(4_000_000_000L));
    }

    @Test
    void burstsLeaveTogetherAndKeepTheMeanRate() {
        UdpSource src = new UdpSource(1, 1_000_000_000L, 1472, 1500, 0, 10, 100);
        long[] times = new long[100];
        int[] i = {0};
        while (src.nextSendTime() != Long.MAX_VALUE) {
            long t = src.nextSendTime();
            src.emitDue(t, d -> times[i[0]++] = d.sentAtNanos());
        }
        assertEquals(100, i[0]);
        for (int k = 0; k < 100; k++) assertEquals((k / 10) * 10L * 12_000L, times[k]);
        assertEquals(100, src.datagramsSent());
    }

    @Test
    void sinkDetectsLossReorderingAndDuplicates() {
        UdpSink sink = new UdpSink();
        long[] order = {0, 1, 3, 2, 5, 5, 7, 6};
        for (long s : order) sink.onDatagram(100 + s, new UdpDatagram(1, s, 100, 128, s));
        assertEquals(7, sink.datagrams());
        assertEquals(700, sink.payloadBytes());
        assertEquals(2, sink.reordered()); // 2 and 6 arrived late
        assertEquals(1, sink.duplicates());
        assertEquals(1, sink.lost()); // 4 missing
        assertEquals(7, sink.highestSeq());
        assertEquals(7, sink.oneWayDelayNanos().getTotalCount());
        assertEquals(100, sink.oneWayDelayNanos().getMaxValue());
        assertEquals(0.0, sink.jitterNanos(), 1e-12);
    }
}
