package org.cnemu.nodes.transport;

import java.util.function.Consumer;

/**
 * Open-loop UDP sender at a fixed rate (iperf3 -u -b RATE -l LEN). Datagram k (from 0) of burst
 * b = k / burst is due at start + floor(b * burst * wireBytes * 8 * 1e9 / rate): the schedule is computed from
 * the cumulative bit count, so there is no drift however many datagrams are sent. With burst = 1 the
 * datagrams are evenly paced; with burst &gt; 1 each burst leaves back to back and the mean rate is kept.
 */
public final class UdpSource {
    private final long flowId;
    private final long rateBps;
    private final int payloadBytes;
    private final int wireBytes;
    private final long startNanos;
    private final int burst;
    private final long maxDatagrams;
    private long nextSeq;
    private long bytesSent;

    /**
     * @param rateBps      target rate in bits/s counted over wireBytes
     * @param payloadBytes UDP payload per datagram
     * @param wireBytes    size used for pacing (payload + header overhead known to the caller)
     * @param startNanos   virtual time of the first datagram
     * @param burst        datagrams per burst (1 = smooth pacing)
     * @param maxDatagrams stop after this many (Long.MAX_VALUE = unlimited)
     */
    public UdpSource(long flowId, long rateBps, int payloadBytes, int wireBytes, long startNanos, int burst,
                     long maxDatagrams) {
        if (rateBps <= 0) throw new IllegalArgumentException("rate must be > 0");
        if (payloadBytes < 0 || wireBytes <= 0) throw new IllegalArgumentException("bad datagram size");
        if (burst < 1) throw new IllegalArgumentException("burst must be >= 1");
        this.flowId = flowId;
        this.rateBps = rateBps;
        this.payloadBytes = payloadBytes;
        this.wireBytes = wireBytes;
        this.startNanos = startNanos;
        this.burst = burst;
        this.maxDatagrams = maxDatagrams;
    }

    public UdpSource(long flowId, long rateBps, int payloadBytes, int wireBytes, long startNanos) {
        this(flowId, rateBps, payloadBytes, wireBytes, startNanos, 1, Long.MAX_VALUE);
    }

    /** Send time of datagram {@code k}. */
    public long sendTimeOf(long k) {
        long burstStart = (k / burst) * burst;
        return startNanos + Pacing.timeForBits(burstStart * wireBytes * 8L, rateBps);
    }

    /** Virtual time of the next datagram, or Long.MAX_VALUE when done. */
    public long nextSendTime() {
        return nextSeq >= maxDatagrams ? Long.MAX_VALUE : sendTimeOf(nextSeq);
    }

    /** The next datagram if it is due at {@code nowNanos}, else null. */
    public UdpDatagram poll(long nowNanos) {
        if (nextSeq >= maxDatagrams) return null;
        long t = sendTimeOf(nextSeq);
        if (t > nowNanos) return null;
        UdpDatagram d = new UdpDatagram(flowId, nextSeq, payloadBytes, wireBytes, t);
        nextSeq++;
        bytesSent += payloadBytes;
        return d;
    }

    /** Emits every datagram due at {@code nowNanos}; returns how many. */
    public int emitDue(long nowNanos, Consumer<UdpDatagram> out) {
        int n = 0;
        UdpDatagram d;
        while ((d = poll(nowNanos)) != null) {
            out.accept(d);
            n++;
        }
        return n;
    }

    public long datagramsSent() { return nextSeq; }
    public long payloadBytesSent() { return bytesSent; }
    public long rateBps() { return rateBps; }
    public long flowId() { return flowId; }
}
