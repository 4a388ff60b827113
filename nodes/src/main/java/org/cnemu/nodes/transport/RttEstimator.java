package org.cnemu.nodes.transport;

/**
 * SRTT/RTTVAR estimator and retransmission timeout (RFC 6298), in integer nanoseconds.
 * Exponential backoff doubles the RTO per expiry up to the maximum; a new RTT sample (which only
 * arrives for an ACK of new data) recomputes the RTO and thereby clears the backoff, as Linux does.
 */
public final class RttEstimator {
    private final long minRto;
    private final long maxRto;
    private final boolean linuxFormula;
    private long srtt = -1;
    private long rttvar;
    private long rto;
    private long minRtt = Long.MAX_VALUE;
    private long latestRtt = -1;
    private long samples;
    private int backoff;

    public RttEstimator(long initialRtoNanos, long minRtoNanos, long maxRtoNanos, boolean linuxFormula) {
        this.minRto = minRtoNanos;
        this.maxRto = maxRtoNanos;
        this.linuxFormula = linuxFormula;
        this.rto = Math.min(maxRtoNanos, Math.max(minRtoNanos, initialRtoNanos));
    }

    public static RttEstimator of(TcpConfig c) {
        return new RttEstimator(c.initialRtoNanos(), c.minRtoNanos(), c.maxRtoNanos(), c.linuxRtoFormula());
    }

    /** Feeds one RTT measurement (RFC 6298 section 2, alpha = 1/8, beta = 1/4). */
    public void sample(long rttNanos) {
        if (rttNanos < 0) return;
        long r = Math.max(1, rttNanos);
        samples++;
        latestRtt = r;
        minRtt = Math.min(minRtt, r);
        if (srtt < 0) {
            srtt = r;
            rttvar = r / 2;
        } else {
            rttvar = rttvar - rttvar / 4 + Math.abs(srtt - r) / 4;
            srtt = srtt - srtt / 8 + r / 8;
        }
        backoff = 0;
        rto = computeRto();
    }

    private long computeRto() {
        long v = linuxFormula ? srtt + Math.max(4 * rttvar, minRto) : Math.max(minRto, srtt + Math.max(1, 4 * rttvar));
        return Math.min(maxRto, v);
    }

    /** RTO expired: double it (RFC 6298 5.5), bounded by the maximum. */
    public void backOff() {
        backoff++;
        rto = Math.min(maxRto, rto > maxRto / 2 ? maxRto : rto * 2);
    }

    /** Current RTO including backoff. */
    public long rtoNanos() { return rto; }
    /** Smoothed RTT, or -1 before the first sample. */
    public long srttNanos() { return srtt; }
    public long rttvarNanos() { return rttvar; }
    /** Smallest RTT seen, or -1 before the first sample. */
    public long minRttNanos() { return minRtt == Long.MAX_VALUE ? -1 : minRtt; }
    public long latestRttNanos() { return latestRtt; }
    public long sampleCount() { return samples; }
    public int backoffCount() { return backoff; }
}
