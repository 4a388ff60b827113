package org.cnemu.nodes.transport;

import org.HdrHistogram.Histogram;

/**
 * Receiving UDP application (iperf3 -s for UDP): counts datagrams and bytes, detects loss and reordering
 * from sequence numbers. A datagram with seq below the highest seen is "reordered" (late) if it fills a
 * gap, else a duplicate. {@link #lost()} is the number of sequence numbers still missing below the highest
 * seen (a late arrival reduces it, as in iperf3). One-way delays go to an HdrHistogram (ns); jitter follows
 * RFC 3550 (J += (|D| - J) / 16), as iperf3 reports it.
 */
public final class UdpSink {
    private final RangeSet missing = new RangeSet();
    private final Histogram oneWayDelay = new Histogram(3);
    private long highestSeq = -1;
    private long datagrams;
    private long bytes;
    private long reordered;
    private long duplicates;
    private long lastTransit = Long.MIN_VALUE;
    private double jitterNanos;

    public void onDatagram(long nowNanos, UdpDatagram d) {
        long seq = d.seq();
        if (seq <= highestSeq) {
            if (missing.contains(seq)) {
                missing.remove(seq, seq + 1);
                reordered++;
            } else {
                duplicates++;
                return;
            }
        } else {
            if (seq > highestSeq + 1) missing.add(highestSeq + 1, seq);
            highestSeq = seq;
        }
        datagrams++;
        bytes += d.payloadBytes();
        long transit = nowNanos - d.sentAtNanos();
        if (transit >= 0) oneWayDelay.recordValue(transit);
        if (lastTransit != Long.MIN_VALUE) {
            double dd = Math.abs((double) (transit - lastTransit));
            jitterNanos += (dd - jitterNanos) / 16.0;
        }
        lastTransit = transit;
    }

    public long datagrams() { return datagrams; }
    public long payloadBytes() { return bytes; }
    public long lost() { return missing.totalLength(); }
    public long reordered() { return reordered; }
    public long duplicates() { return duplicates; }
    public long highestSeq() { return highestSeq; }
    public double jitterNanos() { return jitterNanos; }
    public Histogram oneWayDelayNanos() { return oneWayDelay; }
}
