package org.cnemu.nodes.transport;

/**
 * Per-connection TCP parameters (both directions). Defaults follow Linux 5.4 where a default exists.
 * Use the {@code with...} methods to derive variants; the record is immutable.
 *
 * @param mssBytes              maximum segment size: 1448 B = MTU 1500 - 20 IP - 20 TCP - 12 timestamp option
 * @param gsoMaxBytes           largest super-segment the sender emits (TSO/GSO); {@code <= mssBytes} means
 *                              plain MSS segments. Linux GSO_MAX_SIZE = 65536.
 * @param initialCwndSegments   initial congestion window in segments (RFC 6928, Linux TCP_INIT_CWND = 10)
 * @param sendBufferBytes       socket send buffer (tcp_wmem max 4 MiB): unacked + unsent bytes limit
 * @param receiveBufferBytes    socket receive buffer (tcp_rmem max 6 MiB): bounds the advertised window
 * @param minRtoNanos           lower bound of RTO (Linux TCP_RTO_MIN = 200 ms)
 * @param maxRtoNanos           upper bound of RTO (Linux TCP_RTO_MAX = 120 s)
 * @param initialRtoNanos       RTO before the first RTT sample (RFC 6298 / Linux TCP_TIMEOUT_INIT = 1 s)
 * @param timestamps            RTT from TCP timestamps (RFC 7323, Linux default on); false: Karn's algorithm
 * @param dupAckThreshold       duplicate ACKs that trigger fast retransmit (RFC 5681: 3; Linux tp->reordering = 3)
 * @param delayedAckNanos       delayed-ACK timeout (Linux TCP_DELACK_MIN = 40 ms)
 * @param ackEverySegments      ACK at least every this many full-sized segments received (RFC 1122/Linux: 2)
 * @param quickAckSegments      segments ACKed immediately at connection start (Linux quick-ack mode, at most 16;
 *                              0 disables)
 * @param noDelay               TCP_NODELAY: disable Nagle (sub-MSS segments are sent even with data in flight)
 * @param linuxRtoFormula       true: RTO = SRTT + max(4*RTTVAR, minRto) like Linux __tcp_set_rto;
 *                              false: RTO = max(minRto, SRTT + 4*RTTVAR) as RFC 6298
 */
public record TcpConfig(int mssBytes, int gsoMaxBytes, int initialCwndSegments, long sendBufferBytes,
                        int receiveBufferBytes, long minRtoNanos, long maxRtoNanos, long initialRtoNanos,
                        boolean timestamps, int dupAckThreshold, long delayedAckNanos, int ackEverySegments,
                        int quickAckSegments, boolean noDelay, boolean linuxRtoFormula) {

    public static final long MS = 1_000_000L;

    public TcpConfig {
        if (mssBytes <= 0) throw new IllegalArgumentException("mssBytes must be > 0");
        if (initialCwndSegments <= 0) throw new IllegalArgumentException("initialCwndSegments must be > 0");
        if (receiveBufferBytes < mssBytes) throw new IllegalArgumentException("receive buffer smaller than MSS");
        if (sendBufferBytes < mssBytes) throw new IllegalArgumentException("send buffer smaller than MSS");
        if (minRtoNanos <= 0 || maxRtoNanos < minRtoNanos) throw new IllegalArgumentException("bad RTO bounds");
        if (initialRtoNanos <= 0) throw new IllegalArgumentException("initialRtoNanos must be > 0");
        if (dupAckThreshold < 1) throw new IllegalArgumentException("dupAckThreshold must be >= 1");
        if (delayedAckNanos <= 0) throw new IllegalArgumentException("delayedAckNanos must be > 0");
        if (ackEverySegments < 1) throw new IllegalArgumentException("ackEverySegments must be >= 1");
        if (quickAckSegments < 0) throw new IllegalArgumentException("quickAckSegments must be >= 0");
    }

    /** Linux 5.4 defaults, TSO/GSO on with 64 KiB super-segments. */
    public static TcpConfig linuxDefaults() {
        return new TcpConfig(1448, 65536, 10, 4L * 1024 * 1024, 6 * 1024 * 1024, 200 * MS, 120_000 * MS,
                1_000 * MS, true, 3, 40 * MS, 2, 16, false, true);
    }

    /** Whether the sender emits super-segments larger than one MSS. */
    public boolean tso() {
        return gsoMaxBytes > mssBytes;
    }

    public TcpConfig withMss(int v) { return new TcpConfig(v, gsoMaxBytes, initialCwndSegments, sendBufferBytes, receiveBufferBytes, minRtoNanos, maxRtoNanos, initialRtoNanos, timestamps, dupAckThreshold, delayedAckNanos, ackEverySegments, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withGsoMaxBytes(int v) { return new TcpConfig(mssBytes, v, initialCwndSegments, sendBufferBytes, receiveBufferBytes, minRtoNanos, maxRtoNanos, initialRtoNanos, timestamps, dupAckThreshold, delayedAckNanos, ackEverySegments, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withInitialCwndSegments(int v) { return new TcpConfig(mssBytes, gsoMaxBytes, v, sendBufferBytes, receiveBufferBytes, minRtoNanos, maxRtoNanos, initialRtoNanos, timestamps, dupAckThreshold, delayedAckNanos, ackEverySegments, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withSendBufferBytes(long v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, v, receiveBufferBytes, minRtoNanos, maxRtoNanos, initialRtoNanos, timestamps, dupAckThreshold, delayedAckNanos, ackEverySegments, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withReceiveBufferBytes(int v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, sendBufferBytes, v, minRtoNanos, maxRtoNanos, initialRtoNanos, timestamps, dupAckThreshold, delayedAckNanos, ackEverySegments, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withMinRtoNanos(long v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, sendBufferBytes, receiveBufferBytes, v, maxRtoNanos, initialRtoNanos, timestamps, dupAckThreshold, delayedAckNanos, ackEverySegments, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withMaxRtoNanos(long v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, sendBufferBytes, receiveBufferBytes, minRtoNanos, v, initialRtoNanos, timestamps, dupAckThreshold, delayedAckNanos, ackEverySegments, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withInitialRtoNanos(long v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, sendBufferBytes, receiveBufferBytes, minRtoNanos, maxRtoNanos, v, timestamps, dupAckThreshold, delayedAckNanos, ackEverySegments, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withTimestamps(boolean v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, sendBufferBytes, receiveBufferBytes, minRtoNanos, maxRtoNanos, initialRtoNanos, v, dupAckThreshold, delayedAckNanos, ackEverySegments, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withDupAckThreshold(int v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, sendBufferBytes, receiveBufferBytes, minRtoNanos, maxRtoNanos, initialRtoNanos, timestamps, v, delayedAckNanos, ackEverySegments, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withDelayedAckNanos(long v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, sendBufferBytes, receiveBufferBytes, minRtoNanos, maxRtoNanos, initialRtoNanos, timestamps, dupAckThreshold, v, ackEverySegments, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withAckEverySegments(int v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, sendBufferBytes, receiveBufferBytes, minRtoNanos, maxRtoNanos, initialRtoNanos, timestamps, dupAckThreshold, delayedAckNanos, v, quickAckSegments, noDelay, linuxRtoFormula); }
    public TcpConfig withQuickAckSegments(int v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, sendBufferBytes, receiveBufferBytes, minRtoNanos, maxRtoNanos, initialRtoNanos, timestamps, dupAckThreshold, delayedAckNanos, ackEverySegments, v, noDelay, linuxRtoFormula); }
    public TcpConfig withNoDelay(boolean v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, sendBufferBytes, receiveBufferBytes, minRtoNanos, maxRtoNanos, initialRtoNanos, timestamps, dupAckThreshold, delayedAckNanos, ackEverySegments, quickAckSegments, v, linuxRtoFormula); }
    public TcpConfig withLinuxRtoFormula(boolean v) { return new TcpConfig(mssBytes, gsoMaxBytes, initialCwndSegments, sendBufferBytes, receiveBufferBytes, minRtoNanos, maxRtoNanos, initialRtoNanos, timestamps, dupAckThreshold, delayedAckNanos, ackEverySegments, quickAckSegments, noDelay, v); }
}
