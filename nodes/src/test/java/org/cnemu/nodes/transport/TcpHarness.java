package org.cnemu.nodes.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Tiny deterministic discrete-event harness for tests: one TcpSender and one TcpReceiver joined by a
 * data pipe (rate, propagation delay, optional drop-tail queue limit, per-segment drop and extra delay rules)
 * and an ACK pipe (delay only). Ties are broken by insertion order. Virtual time only.
 */
final class TcpHarness {
    interface SegmentRule {
        boolean test(long wireIndex, TcpSegment seg);
    }

    interface DelayRule {
        long extra(long wireIndex, TcpSegment seg);
    }

    record Sent(long time, TcpSegment seg) { }

    private record Ev(long time, long order, int kind, TcpSegment seg) { }

    private static final int DATA = 0;
    private static final int ACK = 1;
    private static final int SND_TIMER = 2;
    private static final int RCV_TIMER = 3;
    private static final int APP_READ = 4;

    final TcpSender snd;
    final TcpReceiver rcv;
    final long rateBps;
    final long delayNanos;
    final long ackDelayNanos;
    long queueLimitBytes = Long.MAX_VALUE;
    SegmentRule drop = (i, s) -> false;
    DelayRule extraDelay = (i, s) -> 0;
    boolean appReads = true;
    IperfStream iperf;

    long now;
    private long order;
    private long linkFree;
    private long wireIndex;
    private final PriorityQueue<Ev> events = new PriorityQueue<>((a, b) -> a.time != b.time
            ? Long.compare(a.time, b.time) : Long.compare(a.order, b.order));
    private long sndTimerAt = Long.MAX_VALUE;
    private long rcvTimerAt = Long.MAX_VALUE;
    final List<Sent> sent = new ArrayList<>();
    final List<Sent> acks = new ArrayList<>();
    long dropped;
    long queueDrops;
    long maxInflightOverWindow = Long.MIN_VALUE; // max over emissions of (endSeq - (sndUna + sndWnd))
    long maxInflightOverCwnd = Long.MIN_VALUE;
    long maxReadable;
    private final PriorityQueue<long[]> departures = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    private long queuedBytes;

    TcpHarness(TcpConfig cfg, CongestionControl cc, long rateBps, long oneWayDelayNanos) {
        this.snd = new TcpSender(1, cfg, cc, cfg.receiveBufferBytes());
        this.rcv = new TcpReceiver(1, cfg);
        this.rateBps = rateBps;
        this.delayNanos = oneWayDelayNanos;
        this.ackDelayNanos = oneWayDelayNanos;
    }

    private void push(long t, int kind, TcpSegment s) {
        events.add(new Ev(t, order++, kind, s));
    }

    final SegmentOutput senderOut = this::onSenderEmit;
    final SegmentOutput receiverOut = this::onReceiverEmit;

    private void onReceiverEmit(TcpSegment seg) {
        acks.add(new Sent(now, seg));
        push(now + ackDelayNanos, ACK, seg);
    }

    private void onSenderEmit(TcpSegment seg) {
        sent.add(new Sent(now, seg));
        if (seg.lenBytes() > 0) {
            maxInflightOverWindow = Math.max(maxInflightOverWindow, seg.endSeq() - (snd.sndUna() + snd.sndWnd()));
            if (!seg.retransmission() || snd.sndNxt() == seg.endSeq()) {
                maxInflightOverCwnd = Math.max(maxInflightOverCwnd, snd.inflightBytes() - snd.cwndBytes());
            }
        }
        for (TcpSegment w : seg.split(snd.config().mssBytes())) {
            long idx = wireIndex++;
            if (drop.test(idx, w)) {
                dropped++;
                continue;
            }
            while (!departures.isEmpty() && departures.peek()[0] <= now) {
                queuedBytes -= departures.poll()[1];
            }
            long bytes = Math.max(w.lenBytes(), 1);
            if (queuedBytes + bytes > queueLimitBytes) {
                queueDrops++;
                continue;
            }
            long ser = Pacing.mulDiv(bytes * 8, 1_000_000_000L, rateBps);
            long depart = Math.max(now, linkFree) + ser;
            linkFree = depart;
            queuedBytes += bytes;
            departures.add(new long[] {depart, bytes});
            push(depart + delayNanos + extraDelay.extra(idx, w), DATA, w);
        }
    }

    void start() {
        if (iperf != null) iperf.writeTo(now, snd);
        snd.trySend(now, senderOut);
        reschedule();
    }

    void scheduleRead(long at) {
        push(at, APP_READ, null);
    }

    private void reschedule() {
        long d = snd.nextTimerDeadline();
        if (d != Long.MAX_VALUE && d != sndTimerAt) {
            sndTimerAt = d;
            push(d, SND_TIMER, null);
        }
        long r = rcv.nextTimerDeadline();
        if (r != Long.MAX_VALUE && r != rcvTimerAt) {
            rcvTimerAt = r;
            push(r, RCV_TIMER, null);
        }
    }

    private void appRead() {
        long n = rcv.read(now, Long.MAX_VALUE, receiverOut);
        if (iperf != null) iperf.onRead(now, n);
    }

    void runUntil(long until) {
        while (!events.isEmpty() && events.peek().time <= until) {
            Ev e = events.poll();
            now = e.time;
            switch (e.kind) {
                case DATA -> {
                    rcv.onSegment(now, e.seg, receiverOut);
                    maxReadable = Math.max(maxReadable, rcv.readableBytes());
                    if (appReads) appRead();
                }
                case ACK -> {
                    snd.onAck(now, e.seg, senderOut);
                    if (iperf != null) {
                        iperf.writeTo(now, snd);
                        snd.trySend(now, senderOut);
                    }
                }
                case SND_TIMER -> {
                    if (now == sndTimerAt) sndTimerAt = Long.MAX_VALUE;
                    snd.onTimer(now, senderOut); // may be stale: must be harmless
                }
                case RCV_TIMER -> {
                    if (now == rcvTimerAt) rcvTimerAt = Long.MAX_VALUE;
                    rcv.onTimer(now, receiverOut);
                }
                case APP_READ -> appRead();
                default -> throw new IllegalStateException();
            }
            reschedule();
        }
        now = Math.max(now, until);
    }

    /** Sent data segments (super-segments as emitted) covering byte {@code seq}. */
    List<Sent> transmissionsOf(long seq) {
        List<Sent> out = new ArrayList<>();
        for (Sent s : sent) {
            if (s.seg().lenBytes() > 0 && s.seg().seq() <= seq && seq < s.seg().endSeq()) out.add(s);
        }
        return out;
    }
}
