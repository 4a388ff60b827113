package org.cnemu.nodes.transport;

import org.HdrHistogram.Histogram;

/**
 * Latency probe with one outstanding probe (like a ping-pong netperf TCP_RR with a single transaction in
 * flight): send a probe, wait for its reply, record the RTT in nanoseconds, wait {@code gapNanos}, repeat.
 * A probe unanswered after {@code timeoutNanos} counts as lost and the next one is sent; its late reply is
 * ignored.
 */
public final class PingPong {
    public record Probe(long flowId, long probeId, int bytes, long sentAtNanos) { }

    private final long flowId;
    private final int probeBytes;
    private final long gapNanos;
    private final long timeoutNanos;
    private final long maxProbes;
    private final Histogram rtt = new Histogram(3);
    private long nextSend;
    private Probe outstanding;
    private long sent;
    private long answered;
    private long lost;
    private long stale;

    public PingPong(long flowId, int probeBytes, long gapNanos, long timeoutNanos, long startNanos, long maxProbes) {
        if (probeBytes <= 0 || gapNanos < 0 || timeoutNanos <= 0) throw new IllegalArgumentException("bad parameters");
        this.flowId = flowId;
        this.probeBytes = probeBytes;
        this.gapNanos = gapNanos;
        this.timeoutNanos = timeoutNanos;
        this.maxProbes = maxProbes;
        this.nextSend = startNanos;
    }

    /** Next time {@link #poll} or {@link #onTimer} has something to do, or Long.MAX_VALUE. */
    public long nextDeadline() {
        if (outstanding != null) return outstanding.sentAtNanos() + timeoutNanos;
        return sent >= maxProbes ? Long.MAX_VALUE : nextSend;
    }

    /** Returns a probe to send if one is due, else null. */
    public Probe poll(long nowNanos) {
        onTimer(nowNanos);
        if (outstanding != null || sent >= maxProbes || nowNanos < nextSend) return null;
        outstanding = new Probe(flowId, sent++, probeBytes, nowNanos);
        return outstanding;
    }

    /** Expires the outstanding probe if its timeout passed. */
    public void onTimer(long nowNanos) {
        if (outstanding != null && nowNanos >= outstanding.sentAtNanos() + timeoutNanos) {
            lost++;
            outstanding = null;
            nextSend = nowNanos;
        }
    }

    /** The reply to {@code probeId} arrived; returns the RTT or -1 if stale/unknown. */
    public long onReply(long nowNanos, long probeId) {
        if (outstanding == null || outstanding.probeId() != probeId) {
            stale++;
            return -1;
        }
        long r = nowNanos - outstanding.sentAtNanos();
        rtt.recordValue(Math.max(0, r));
        answered++;
        outstanding = null;
        nextSend = nowNanos + gapNanos;
        return r;
    }

    public Histogram rttNanos() { return rtt; }
    public long sent() { return sent; }
    public long answered() { return answered; }
    public long lost() { return lost; }
    public long staleReplies() { return stale; }
}
