package org.cnemu.nodes.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AppsTest {
    static final long US = 1_000L;
    static final long MS = 1_000_000L;

    @Test
    void requestResponseRecordsLatencyAndThinkTime() {
        RequestResponseClient c = new RequestResponseClient(3, 16, 100, 0.25, 50 * US, 1_000, null, 8);
        RequestResponseServer s = new RequestResponseServer(2 * US);
        long oneWay = 10 * US;
        long now = c.nextIssueTime();
        assertEquals(1_000, now);
        List<RequestResponseClient.Request> done = new ArrayList<>();
        while (c.nextIssueTime() != Long.MAX_VALUE) {
            now = c.nextIssueTime();
            RequestResponseClient.Request r = c.issue(now);
            assertNull(c.issue(now), "one outstanding request");
            RequestResponseServer.Response resp = s.onRequest(now + oneWay, r);
            long arrive = resp.readyAtNanos() + oneWay;
            // response read in two chunks
            assertNull(c.onResponseBytes(arrive - 1, resp.responseBytes() - 1));
            done.add(c.onResponseBytes(arrive, 1));
            assertEquals(arrive + 50 * US, c.nextIssueTime() == Long.MAX_VALUE ? arrive + 50 * US : c.nextIssueTime());
        }
        assertEquals(8, done.size());
        assertEquals(8, c.completed());
        assertEquals(2, c.sets()); // 0.25 x 8, spread deterministically
        assertEquals(2, s.sets());
        assertEquals(6, s.gets());
        assertEquals(RequestResponseClient.Op.SET, done.get(3).op());
        assertEquals(24 + 16, done.get(0).requestBytes());
        assertEquals(24 + 4 + 100, done.get(0).responseBytes());
        assertEquals(24 + 8 + 16 + 100, done.get(3).requestBytes());
        assertEquals(24, done.get(3).responseBytes());
        assertEquals(8, c.latencyNanos().getTotalCount());
        long expected = 2 * oneWay + 2 * US;
        assertTrue(c.latencyNanos().valuesAreEquivalent(expected, c.latencyNanos().getMinValue()));
        assertTrue(c.latencyNanos().valuesAreEquivalent(expected, c.latencyNanos().getMaxValue()));
        // the random variant is reproducible from the seed
        RequestResponseClient a = new RequestResponseClient(1, 16, 100, 0.5, 0, 0, new SplittableRandom(42), 100);
        RequestResponseClient b = new RequestResponseClient(1, 16, 100, 0.5, 0, 0, new SplittableRandom(42), 100);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.issue(i).op(), b.issue(i).op());
            a.onResponse(i, i);
            b.onResponse(i, i);
        }
        assertEquals(a.sets(), b.sets());
    }

    @Test
    void pingPongOneOutstandingProbeRttAndTimeout() {
        PingPong p = new PingPong(9, 64, 100 * US, 10 * MS, 0, 5);
        PingPong.Probe a = p.poll(0);
        assertEquals(0, a.probeId());
        assertNull(p.poll(1), "one outstanding");
        assertEquals(-1, p.onReply(30 * US, 77), "unknown id ignored");
        assertEquals(37 * US, p.onReply(37 * US, 0));
        assertNull(p.poll(100 * US));
        assertEquals(137 * US, p.nextDeadline());
        PingPong.Probe b = p.poll(137 * US);
        assertEquals(1, b.probeId());
        // no reply: lost after the timeout, next probe goes out at once
        assertEquals(137 * US + 10 * MS, p.nextDeadline());
        PingPong.Probe c = p.poll(137 * US + 10 * MS);
        assertEquals(2, c.probeId());
        assertEquals(1, p.lost());
        assertEquals(-1, p.onReply(137 * US + 10 * MS + 5, 1), "late reply of the lost probe is stale");
        assertEquals(50 * US, p.onReply(187 * US + 10 * MS, 2));
        assertEquals(2, p.rttNanos().getTotalCount());
        assertEquals(37 * US, p.rttNanos().getMinValue(), 37 * US / 1000.0);
        assertEquals(50 * US, p.rttNanos().getMaxValue(), 50 * US / 1000.0);
    }

    @Test
    void iperfRateLimitedWritesAndIntervals() {
        TcpConfig cfg = TcpConfig.linuxDefaults();
        TcpSender snd = new TcpSender(1, cfg, new RenoCongestionControl());
        IperfStream s = new IperfStream(1, 1000, 8_000_000L, 0, 0, 10 * MS); // 1 MB/s = 1000 B per ms
        assertEquals(1000, s.writeTo(0, snd));
        assertEquals(1 * MS, s.nextWriteTime());
        assertEquals(0, s.writeTo(MS - 1, snd));
        assertEquals(1000, s.writeTo(MS, snd));
        assertEquals(2000, s.writeTo(3 * MS, snd)); // catches up: a message starts while written <= rate x elapsed
        assertEquals(4000, s.bytesWritten());
        assertEquals(4, s.messagesWritten());
        s.onRead(1 * MS, 500);
        s.onRead(9 * MS, 500);
        s.onRead(25 * MS, 1000);
        List<IperfStream.Interval> iv = s.intervals();
        assertEquals(3, iv.size());
        assertEquals(1000, iv.get(0).bytes());
        assertEquals(0, iv.get(1).bytes());
        assertEquals(1000, iv.get(2).bytes());
        assertEquals(1000 * 8.0 / (10 * MS), iv.get(0).gbps(), 1e-15);
        // total-bytes mode stops exactly at the total, last message shorter
        IperfStream n = new IperfStream(2, 1000, 0, 2500, 0, MS);
        TcpSender snd2 = new TcpSender(2, cfg, new RenoCongestionControl());
        assertEquals(2500, n.writeTo(0, snd2));
        assertTrue(n.doneWriting());
        assertEquals(3, n.messagesWritten());
        assertEquals(Long.MAX_VALUE, n.nextWriteTime());
    }

    @Test
    void framerReturnsMessagesInOrderAsBytesAreRead() {
        MessageFramer<String> f = new MessageFramer<>();
        f.push(10, "a");
        f.push(5, "b");
        f.push(1, "c");
        assertEquals(List.of(), f.onBytesRead(9));
        assertEquals(1, f.bytesToNextBoundary());
        assertEquals(List.of("a", "b"), f.onBytesRead(6));
        assertEquals(List.of("c"), f.onBytesRead(1));
        assertEquals(0, f.pendingMessages());
    }

    /** Request/response over two TcpEndpoints joined by 20 us one-way pipes: ACKs piggyback on responses. */
    @Test
    void requestResponseOverTcpEndpoints() {
        TcpConfig cfg = TcpConfig.linuxDefaults().withNoDelay(true);
        TcpEndpoint cli = new TcpEndpoint(1, cfg, new CubicCongestionControl());
        TcpEndpoint srv = new TcpEndpoint(1, cfg, new CubicCongestionControl());
        long oneWay = 20 * US;
        record Ev(long t, long order, boolean toServer, TcpSegment seg) { }
        PriorityQueue<Ev> q = new PriorityQueue<>((x, y) -> x.t != y.t ? Long.compare(x.t, y.t) : Long.compare(x.order, y.order));
        long[] order = {0};
        long[] now = {0};
        SegmentOutput toSrv = s -> q.add(new Ev(now[0] + oneWay, order[0]++, true, s));
        SegmentOutput toCli = s -> q.add(new Ev(now[0] + oneWay, order[0]++, false, s));
        RequestResponseClient client = new RequestResponseClient(1, 16, 4000, 0.0, 10 * US, 0, null, 50);
        RequestResponseServer server = new RequestResponseServer(0);
        MessageFramer<RequestResponseClient.Request> reqFramer = new MessageFramer<>();
        RequestResponseClient.Request r0 = client.issue(0);
        reqFramer.push(r0.requestBytes(), r0);
        cli.write(0, r0.requestBytes(), toSrv);
        long pureAcks = 0;
        while (client.completed() < 50) {
            long nextTimer = Math.min(cli.nextTimerDeadline(), srv.nextTimerDeadline());
            long nextIssue = client.nextIssueTime();
            Ev e = q.peek();
            long te = e == null ? Long.MAX_VALUE : e.t;
            long t = Math.min(te, Math.min(nextTimer, nextIssue));
            assertTrue(t != Long.MAX_VALUE, "stuck");
            now[0] = t;
            if (t == nextIssue) {
                RequestResponseClient.Request r = client.issue(t);
                reqFramer.push(r.requestBytes(), r);
                cli.write(t, r.requestBytes(), toSrv);
            } else if (t == te) {
                q.poll();
                if (e.toServer) {
                    srv.onSegment(t, e.seg, toCli);
                    long n = srv.read(t, Long.MAX_VALUE, toCli);
                    for (RequestResponseClient.Request r : reqFramer.onBytesRead(n)) {
                        RequestResponseServer.Response resp = server.onRequest(t, r);
                        srv.write(t, resp.responseBytes(), toCli);
                    }
                } else {
                    if (e.seg.isPureAck()) pureAcks++;
                    cli.onSegment(t, e.seg, toSrv);
                    long n = cli.read(t, Long.MAX_VALUE, toSrv);
                    if (n > 0) client.onResponseBytes(t, n);
                }
            } else {
                cli.onTimer(t, toSrv);
                srv.onTimer(t, toCli);
            }
        }
        assertEquals(50, client.latencyNanos().getTotalCount());
        // 4028 B response = 3 segments sent at once (initial cwnd 10): latency ~ one RTT (40 us)
        long p50 = client.latencyNanos().getValueAtPercentile(50);
        assertTrue(p50 >= 40 * US && p50 <= 41 * US, "p50 " + p50);
        assertEquals(0, cli.sender().retransmits() + srv.sender().retransmits());
        assertEquals(0, cli.receiver().outOfOrderSegments());
        assertTrue(srv.receiver().acksPiggybacked() >= 49, "server ACKs ride on responses");
        assertEquals(50L * (24 + 16), srv.receiver().bytesRead());
    }
}
