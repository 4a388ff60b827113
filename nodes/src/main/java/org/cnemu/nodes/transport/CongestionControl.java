package org.cnemu.nodes.transport;

/**
 * Pluggable congestion-window growth and reduction (the Linux tcp_congestion_ops idea). Loss detection,
 * fast recovery (NewReno) and RTO handling live in {@link TcpSender}; an algorithm only decides how cwnd
 * grows on ACKs and what ssthresh becomes on a loss. Implementations are stateful: one instance per
 * connection.
 */
public interface CongestionControl {
    String name();

    /**
     * An ACK advanced snd_una by {@code ackedBytes} outside fast recovery and the connection was
     * cwnd-limited: grow cwnd (slow start or congestion avoidance).
     */
    void onAck(CongestionState s, long nowNanos, long ackedBytes);

    /** A loss was detected (fast retransmit or RTO): return the new ssthresh in bytes. May update internal state. */
    long ssthreshOnLoss(CongestionState s, long nowNanos);

    /** The RTO fired (after {@link #ssthreshOnLoss}); cwnd is then set to one MSS by the sender. */
    default void onRto(CongestionState s, long nowNanos) { }

    /** Fast recovery ended with a full ACK; cwnd has just been set to ssthresh. */
    default void onRecoveryExit(CongestionState s, long nowNanos) { }

    /** Linux tcp_slow_start: cwnd grows by the bytes acked, at most up to ssthresh; returns the leftover. */
    static long slowStart(CongestionState s, long ackedBytes) {
        long room = s.ssthresh - s.cwnd;
        long grow = Math.min(ackedBytes, Math.max(0, room));
        s.cwnd += grow;
        return ackedBytes - grow;
    }

    /** Creates an algorithm by name: "reno" or "cubic". */
    static CongestionControl byName(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "reno", "newreno" -> new RenoCongestionControl();
            case "cubic" -> new CubicCongestionControl();
            default -> throw new IllegalArgumentException("unknown congestion control '" + name + "' (reno, cubic)");
        };
    }
}
