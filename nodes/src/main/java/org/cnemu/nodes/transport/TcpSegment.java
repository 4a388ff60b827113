package org.cnemu.nodes.transport;

import java.util.ArrayList;
import java.util.List;

/**
 * One TCP segment as header fields only (no payload bytes). Sequence numbers are 64-bit byte offsets
 * in the flow (no 32-bit wrap-around); the first data byte of a connection has sequence 0.
 *
 * <p>A segment may be a GSO/TSO or GRO super-segment whose {@code lenBytes} covers several MSS; use
 * {@link #split(int)} to cut it into wire segments and {@link #tryCoalesce(TcpSegment)} to merge
 * consecutive in-order segments as GRO does.
 *
 * @param flowId      stable id of the flow (direction-independent or not: the caller decides)
 * @param seq         sequence number of the first payload byte (for a pure ACK: the sender's snd_nxt)
 * @param lenBytes    TCP payload length in bytes (0 for a pure ACK or a window probe)
 * @param ack         cumulative acknowledgement: next byte expected by the sender of this segment
 * @param windowBytes advertised receive window in bytes (unscaled)
 * @param flags       bit set of {@link #ACK}, {@link #PSH}, {@link #FIN}, {@link #SYN}, {@link #SACK}, {@link #PROBE}
 * @param tsValNanos  TCP timestamp value: virtual send time of this segment, or {@link #NO_TS}
 * @param tsEcrNanos  TCP timestamp echo reply: the peer's tsVal being echoed, or {@link #NO_TS}
 * @param retransmission model annotation (not a header field): true if this segment re-sends bytes
 *                       already sent once; lets the host model count retransmitted packets per flow
 */
public record TcpSegment(long flowId, long seq, int lenBytes, long ack, int windowBytes, int flags,
                         long tsValNanos, long tsEcrNanos, boolean retransmission) {

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    /**
     * Stands for "this ACK carries SACK blocks": the receiver holds out-of-order data. The sender counts
     * such ACKs as duplicate ACKs even when the advertised window changed, as Linux counts SACKed segments.
     */
    public static final int SACK = 0x100;
    /** Zero-window probe (Linux sends snd_una-1 with no data); the receiver answers with an immediate ACK. */
    public static final int PROBE = 0x200;
    /** Linux GRO_MAX_SIZE / GSO_MAX_SIZE: 64 KiB. */
    public static final int GRO_MAX_BYTES = 65536;
    /** Marker for "no timestamp". */
    public static final long NO_TS = -1L;

    public TcpSegment {
        if (lenBytes < 0) throw new IllegalArgumentException("negative length " + lenBytes);
        if (windowBytes < 0) throw new IllegalArgumentException("negative window " + windowBytes);
    }

    /** Sequence number one past the last payload byte. */
    public long endSeq() {
        return seq + lenBytes;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public boolean isAck() {
        return has(ACK);
    }

    /** A segment without payload that is not a probe: only the ACK/window fields matter. */
    public boolean isPureAck() {
        return lenBytes == 0 && !has(PROBE) && !has(SYN) && !has(FIN);
    }

    /** Number of MSS-sized wire segments this (super-)segment stands for (at least 1). */
    public int segmentCount(int mss) {
        if (lenBytes <= mss) return 1;
        return (lenBytes + mss - 1) / mss;
    }

    /**
     * Cuts a GSO/TSO super-segment into wire segments of at most {@code mss} bytes, as the NIC (TSO) or
     * the GSO layer does: all pieces share ack, window, flags and timestamps.
     */
    public List<TcpSegment> split(int mss) {
        if (mss <= 0) throw new IllegalArgumentException("mss " + mss);
        if (lenBytes <= mss) return List.of(this);
        List<TcpSegment> out = new ArrayList<>(segmentCount(mss));
        long s = seq;
        int left = lenBytes;
        while (left > 0) {
            int l = Math.min(mss, left);
            out.add(new TcpSegment(flowId, s, l, ack, windowBytes, flags, tsValNanos, tsEcrNanos, retransmission));
            s += l;
            left -= l;
        }
        return out;
    }

    /**
     * GRO merge: returns the coalesced segment if {@code next} directly follows this one in sequence space
     * in the same flow, both carry data, and their ACK/flags agree (Linux tcp_gro_receive flushes on
     * differing ack or flags); otherwise null. The merged segment keeps this segment's timestamps and
     * the latest ack/window.
     */
    public TcpSegment tryCoalesce(TcpSegment next) {
        if (next.flowId != flowId || lenBytes == 0 || next.lenBytes == 0) return null;
        if (next.seq != endSeq() || next.ack != ack || next.flags != flags) return null;
        if (next.retransmission != retransmission) return null;
        long merged = (long) lenBytes + next.lenBytes;
        if (merged > GRO_MAX_BYTES) return null;
        return new TcpSegment(flowId, seq, (int) merged, next.ack, next.windowBytes, flags, tsValNanos, tsEcrNanos,
                retransmission);
    }
}
