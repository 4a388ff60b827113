package org.cnemu.nodes.transport;

import java.util.ArrayList;
import java.util.List;

/**
 * Bookkeeping of one iperf3 TCP stream. Sender side: the application writes messages of
 * {@code messageBytes} (iperf3 -l, default 128 KiB for TCP) into the socket as long as the send buffer takes
 * them, optionally rate-limited (iperf3 -b: a new message starts only when the cumulative bits written are
 * not ahead of rate x elapsed), optionally up to a total (iperf3 -n). Receiver side: goodput as bytes read by
 * the application per interval (iperf3 -i), for a throughput-over-time series.
 *
 * <p>Driving it: call {@link #writeTo(long, TcpSender)} at start, after every ACK the sender processed, and
 * at {@link #nextWriteTime()} when rate-limited; call {@link #onRead(long, long)} with the bytes the
 * receiving application read.
 */
public final class IperfStream {
    /** Goodput of one interval. */
    public record Interval(long startNanos, long endNanos, long bytes) {
        public double gbps() {
            long d = endNanos - startNanos;
            return d <= 0 ? 0 : bytes * 8.0 / d;
        }
    }

    private final long flowId;
    private final long messageBytes;
    private final long rateBps;
    private final long totalBytes;
    private final long startNanos;
    private final long intervalNanos;

    private long bytesWritten;
    private long messagesWritten;
    private long messageLeft;
    private long messageSize;

    private final List<Long> bins = new ArrayList<>();
    private long bytesRead;
    private long firstReadNanos = -1;
    private long lastReadNanos = -1;

    /**
     * @param messageBytes  application write size (iperf3 -l)
     * @param rateBps       0 = unlimited, else target rate in bits/s of application bytes
     * @param totalBytes    0 = unlimited, else stop after this many bytes (iperf3 -n)
     * @param startNanos    virtual start time of the test
     * @param intervalNanos reporting interval of the goodput series (iperf3 -i)
     */
    public IperfStream(long flowId, long messageBytes, long rateBps, long totalBytes, long startNanos, long intervalNanos) {
        if (messageBytes <= 0) throw new IllegalArgumentException("messageBytes must be > 0");
        if (rateBps < 0 || totalBytes < 0) throw new IllegalArgumentException("negative rate or total");
        if (intervalNanos <= 0) throw new IllegalArgumentException("intervalNanos must be > 0");
        this.flowId = flowId;
        this.messageBytes = messageBytes;
        this.rateBps = rateBps;
        this.totalBytes = totalBytes;
        this.startNanos = startNanos;
        this.intervalNanos = intervalNanos;
        this.messageLeft = firstMessageSize();
        this.messageSize = messageLeft;
    }

    private long firstMessageSize() {
        return totalBytes > 0 ? Math.min(messageBytes, totalBytes) : messageBytes;
    }

    // ------------------------------------------------------------------ sender side

    /** True when the total (if any) has been written. */
    public boolean doneWriting() {
        return totalBytes > 0 && bytesWritten >= totalBytes;
    }

    /** Earliest time the next message may start (rate limit), or Long.MAX_VALUE when done. */
    public long nextWriteTime() {
        if (doneWriting()) return Long.MAX_VALUE;
        if (rateBps == 0 || messageLeft < messageSize) return startNanos; // finish a started message first
        return startNanos + Pacing.timeForBits(bytesWritten * 8, rateBps);
    }

    /** Writes as much as the socket and the rate limit allow at {@code nowNanos}; returns the bytes written. */
    public long writeTo(long nowNanos, TcpSender sender) {
        long wrote = 0;
        while (!doneWriting() && nowNanos >= nextWriteTime()) {
            long n = sender.write(messageLeft);
            if (n == 0) break;
            wrote += n;
            bytesWritten += n;
            messageLeft -= n;
            if (messageLeft == 0) {
                messagesWritten++;
                long remaining = totalBytes > 0 ? totalBytes - bytesWritten : messageBytes;
                messageLeft = Math.min(messageBytes, remaining);
                messageSize = messageLeft;
                if (messageLeft == 0) break;
            }
        }
        return wrote;
    }

    public long bytesWritten() { return bytesWritten; }
    public long messagesWritten() { return messagesWritten; }

    // ------------------------------------------------------------------ receiver side

    /** The receiving application read {@code bytes} at {@code nowNanos}. */
    public void onRead(long nowNanos, long bytes) {
        if (bytes <= 0) return;
        bytesRead += bytes;
        if (firstReadNanos < 0) firstReadNanos = nowNanos;
        lastReadNanos = nowNanos;
        long idx = Math.max(0, (nowNanos - startNanos) / intervalNanos);
        if (idx > Integer.MAX_VALUE - 8) throw new IllegalStateException("too many intervals");
        while (bins.size() <= idx) bins.add(0L);
        bins.set((int) idx, bins.get((int) idx) + bytes);
    }

    /** Goodput per interval from the start up to the last interval with a read (empty intervals included). */
    public List<Interval> intervals() {
        List<Interval> out = new ArrayList<>(bins.size());
        for (int i = 0; i < bins.size(); i++) {
            long s = startNanos + i * intervalNanos;
            out.add(new Interval(s, s + intervalNanos, bins.get(i)));
        }
        return out;
    }

    /** Mean goodput in Gbit/s between {@code fromNanos} and {@code toNanos} over whole intervals inside it. */
    public double goodputGbps(long fromNanos, long toNanos) {
        long bytes = 0;
        long covered = 0;
        for (Interval iv : intervals()) {
            if (iv.startNanos() >= fromNanos && iv.endNanos() <= toNanos) {
                bytes += iv.bytes();
                covered += intervalNanos;
            }
        }
        return covered == 0 ? 0 : bytes * 8.0 / covered;
    }

    public long bytesRead() { return bytesRead; }
    public long flowId() { return flowId; }
    public long firstReadNanos() { return firstReadNanos; }
    public long lastReadNanos() { return lastReadNanos; }
}
