package org.cnemu.nodes.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpReceiverTest {
    static final long MS = 1_000_000L;
    static final int MSS = 1448;

    final List<TcpSegment> acks = new ArrayList<>();
    final SegmentOutput out = acks::add;

    static TcpConfig cfg() {
        return TcpConfig.linuxDefaults().withQuickAckSegments(0);
    }

    static TcpSegment data(long idx, long tsVal) {
        return new TcpSegment(7, idx * MSS, MSS, 0, 0, TcpSegment.PSH, tsVal, TcpSegment.NO_TS, false);
    }

    @Test
    void outOfOrderCounterCountsExactlySegmentsAboveRcvNxt() {
        TcpReceiver r = new TcpReceiver(7, cfg());
        r.onSegment(0, data(0, 0), out);   // in order (delayed ACK pending)
        r.onSegment(1, data(2, 1), out);   // ooo #1 -> immediate dup ACK
        r.onSegment(2, data(3, 2), out);   // ooo #2
        r.onSegment(3, data(3, 3), out);   // ooo #3 (same range again, still seq > rcv_nxt)
        assertEquals(3, r.outOfOrderSegments());
        assertEquals(3, acks.size());
        for (TcpSegment a : acks) {
            assertEquals(MSS, a.ack());
            assertTrue(a.has(TcpSegment.SACK));
        }
        assertEquals(2, r.dupAcksSent()); // the first of them advanced the ACK to 1 MSS: not a duplicate
        r.onSegment(4, data(1, 4), out);   // fills the hole: immediate ACK up to 4 MSS
        assertEquals(4, acks.size());
        assertEquals(4L * MSS, acks.get(3).ack());
        assertFalse(acks.get(3).has(TcpSegment.SACK));
        r.onSegment(5, data(2, 5), out);   // old duplicate: not out of order, immediate ACK
        assertEquals(1, r.duplicateSegments());
        assertEquals(3, r.outOfOrderSegments());
        assertEquals(5, acks.size());
        r.onSegment(6, data(4, 6), out);   // in order again
        assertEquals(3, r.outOfOrderSegments());
        assertEquals(5L * MSS, r.rcvNxt());
        assertEquals(5L * MSS, r.bytesDelivered());
    }

    @Test
    void delayedAckEveryTwoSegmentsAndOnTimer() {
        TcpReceiver r = new TcpReceiver(7, cfg());
        r.onSegment(0, data(0, 0), out);
        assertEquals(0, acks.size());
        assertEquals(40 * MS, r.nextTimerDeadline());
        r.onSegment(1 * MS, data(1, 1 * MS), out);
        assertEquals(1, acks.size());
        assertEquals(2L * MSS, acks.get(0).ack());
        assertEquals(0, acks.get(0).tsEcrNanos(), "echoes the tsVal of the segment that opened the ACK");
        assertEquals(TcpReceiver.NO_DEADLINE, r.nextTimerDeadline());
        r.onSegment(2 * MS, data(2, 2 * MS), out);
        assertEquals(42 * MS, r.nextTimerDeadline());
        r.onTimer(41 * MS, out); // early/stale timer: nothing
        assertEquals(1, acks.size());
        r.onTimer(42 * MS, out);
        assertEquals(2, acks.size());
        assertEquals(3L * MSS, acks.get(1).ack());
        assertEquals(1, r.delayedAcksFired());
        r.onTimer(43 * MS, out); // stale again
        assertEquals(2, acks.size());
        // six more in-order segments: three ACKs
        for (int i = 3; i < 9; i++) r.onSegment(50 * MS + i, data(i, 50 * MS), out);
        assertEquals(5, acks.size());
    }

    @Test
    void groSuperSegmentIsAckedAtOnceAndCountsAsSeveralSegments() {
        TcpReceiver r = new TcpReceiver(7, cfg());
        TcpSegment gro = new TcpSegment(7, 0, 10 * MSS, 0, 0, 0, 0, TcpSegment.NO_TS, false);
        r.onSegment(0, gro, out);
        assertEquals(1, acks.size());
        assertEquals(10L * MSS, acks.get(0).ack());
        // coalescing helpers used by the host model's GRO
        TcpSegment a = data(10, 5);
        TcpSegment b = data(11, 6);
        TcpSegment m = a.tryCoalesce(b);
        assertEquals(2 * MSS, m.lenBytes());
        assertEquals(2, m.split(MSS).size());
        assertEquals(null, a.tryCoalesce(data(12, 6)));
        // an out-of-order GRO segment counts once in segments and 3 times in MSS units
        r.onSegment(1, new TcpSegment(7, 20L * MSS, 3 * MSS, 0, 0, 0, 1, TcpSegment.NO_TS, false), out);
        assertEquals(1, r.outOfOrderSegments());
        assertEquals(3, r.outOfOrderMssSegments());
    }

    @Test
    void quickAckModeAcksEverySegmentAtStart() {
        TcpReceiver r = new TcpReceiver(7, cfg().withQuickAckSegments(4));
        for (int i = 0; i < 8; i++) r.onSegment(i, data(i, i), out);
        assertEquals(4 + 2, acks.size());
    }

    @Test
    void windowShrinksWithUnreadDataAndReadSendsWindowUpdate() {
        int buf = 20 * MSS;
        TcpReceiver r = new TcpReceiver(7, cfg().withReceiveBufferBytes(buf));
        assertEquals(buf, r.advertisedWindow());
        for (int i = 0; i < 10; i++) r.onSegment(i, data(i, i), out);
        assertEquals(10 * MSS, r.advertisedWindow());
        for (int i = 10; i < 20; i++) r.onSegment(i, data(i, i), out);
        assertEquals(0, acks.get(acks.size() - 1).windowBytes());
        // beyond the window: dropped
        r.onSegment(30, data(20, 30), out);
        assertEquals(1, r.droppedSegments());
        int before = acks.size();
        assertEquals(5L * MSS, r.read(40, 5L * MSS, out)); // window 0 -> 5 MSS: update
        assertEquals(before + 1, acks.size());
        assertEquals(5 * MSS, acks.get(acks.size() - 1).windowBytes());
        assertEquals(1, r.windowUpdatesSent());
        assertEquals(15L * MSS, r.readableBytes());
        // a probe is answered at once with the current window
        r.onSegment(50, new TcpSegment(7, r.rcvNxt() - 1, 0, 0, 0, TcpSegment.PROBE, 50, TcpSegment.NO_TS, false), out);
        assertEquals(before + 2, acks.size());
        assertEquals(1, r.probesAnswered());
    }

    @Test
    void rightEdgeNeverMovesBackwards() {
        int buf = 10 * MSS;
        TcpReceiver r = new TcpReceiver(7, cfg().withReceiveBufferBytes(buf));
        r.onSegment(0, data(0, 0), out);
        r.onSegment(1, data(1, 1), out);
        TcpSegment a = acks.get(acks.size() - 1);
        assertTrue(a.ack() + a.windowBytes() >= buf);
        for (int i = 2; i < 9; i++) r.onSegment(i, data(i, i), out);
        for (TcpSegment x : acks) assertEquals(buf, x.ack() + x.windowBytes());
        r.onSegment(10, new TcpSegment(7, 9L * MSS, 1000, 0, 0, 0, 10, TcpSegment.NO_TS, false), out);
        // free space 448 B < MSS would be advertised as 0, but the right edge is kept
        assertTrue(r.advertisedWindow() >= 0);
        assertTrue(r.rcvNxt() + r.advertisedWindow() >= buf - MSS);
    }

    @Test
    void rangeSetMergesAndDrains() {
        RangeSet s = new RangeSet();
        s.add(10, 20);
        s.add(30, 40);
        assertEquals(20, s.totalLength());
        s.add(15, 35);
        assertEquals(1, s.rangeCount());
        assertEquals(30, s.totalLength());
        assertEquals(5, s.remove(20, 25));
        assertEquals(2, s.rangeCount());
        assertTrue(s.contains(19));
        assertFalse(s.contains(22));
        assertEquals(20, s.drainFrom(12));
        assertEquals(15, s.totalLength());
        assertEquals(40, s.drainFrom(25));
        assertTrue(s.isEmpty());
    }
}
