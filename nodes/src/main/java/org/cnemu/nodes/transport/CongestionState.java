package org.cnemu.nodes.transport;

/**
 * The sender's congestion variables as seen by a {@link CongestionControl}: cwnd and ssthresh in bytes,
 * plus read-only context (MSS, RTT estimates, flight size).
 */
public final class CongestionState {
    /** "Infinite" initial slow-start threshold (Linux TCP_INFINITE_SSTHRESH). */
    public static final long INFINITE_SSTHRESH = Long.MAX_VALUE / 4;

    private final int mss;
    long cwnd;
    long ssthresh = INFINITE_SSTHRESH;
    long flightBytes;
    long srttNanos = -1;
    long minRttNanos = -1;

    CongestionState(int mss, long initialCwnd) {
        this.mss = mss;
        this.cwnd = initialCwnd;
    }

    public int mss() { return mss; }
    public long cwnd() { return cwnd; }
    public long ssthresh() { return ssthresh; }
    /** Bytes sent and not yet cumulatively acknowledged (snd_nxt - snd_una) when the hook is called. */
    public long flightBytes() { return flightBytes; }
    public long srttNanos() { return srttNanos; }
    public long minRttNanos() { return minRttNanos; }
    public boolean inSlowStart() { return cwnd < ssthresh; }

    /** Sets cwnd, never below one MSS. */
    /** A state for a sender outside this package (the host model's TCP), which feeds it on every ACK. */
    public static CongestionState create(int mss, long initialCwnd) {
        return new CongestionState(mss, initialCwnd);
    }

    /** Brings the state up to date before an algorithm call: window, threshold, flight and RTT. */
    public void sync(long cwndBytes, long ssthreshBytes, long flight, long srtt) {
        cwnd = cwndBytes;
        ssthresh = ssthreshBytes;
        flightBytes = flight;
        if (srtt > 0) {
            srttNanos = srtt;
            if (minRttNanos < 0 || srtt < minRttNanos) minRttNanos = srtt;
        }
    }

    public void setCwnd(long bytes) { cwnd = Math.max(mss, bytes); }
    /** Sets ssthresh, never below two MSS (RFC 5681 eq. 4). */
    public void setSsthresh(long bytes) { ssthresh = Math.max(2L * mss, bytes); }
}
