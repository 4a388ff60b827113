package org.cnemu.nodes.transport;

import java.util.function.LongSupplier;

/**
 * The receiving half of a TCP connection: cumulative ACKs, an out-of-order queue of byte ranges,
 * delayed ACKs, the receive window and the application's reads.
 *
 * <h2>ACK policy (Linux tcp_input.c)</h2>
 * <ul>
 *   <li>A segment with seq &gt; rcv_nxt is out of order: it is queued (as a range) and answered by an
 *       immediate duplicate ACK carrying the {@link TcpSegment#SACK} hint; it counts in
 *       {@link #outOfOrderSegments()}.</li>
 *   <li>An in-order segment while the out-of-order queue is non-empty (it fills a hole, fully or partly)
 *       is ACKed immediately.</li>
 *   <li>A segment entirely below rcv_nxt (spurious retransmission) is ACKed immediately (Linux
 *       tcp_send_dupack, D-SACK).</li>
 *   <li>Otherwise the ACK is delayed until {@link TcpConfig#ackEverySegments()} full-sized segments are
 *       unacknowledged (a GRO super-segment of len bytes counts as ceil(len / MSS) segments) or the
 *       delayed-ACK timer ({@link TcpConfig#delayedAckNanos()}) fires. The first
 *       {@link TcpConfig#quickAckSegments()} segments are ACKed at once (quick-ack mode).</li>
 *   <li>Zero-window probes ({@link TcpSegment#PROBE}) are answered by an immediate ACK.</li>
 * </ul>
 * The advertised window is receive buffer minus bytes not yet read by the application; it never moves its
 * right edge backwards, and a window below one MSS is advertised as 0 (receiver SWS avoidance). After a
 * read that at least doubles the window, a window-update ACK is sent (Linux tcp_cleanup_rbuf).
 *
 * <p>The entity calls {@link #onSegment}, {@link #read}, and {@link #onTimer} at
 * {@link #nextTimerDeadline()}; ACKs go to the given {@link SegmentOutput}.
 */
public final class TcpReceiver implements TcpSender.AckSource {
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private final long flowId;
    private final TcpConfig cfg;
    private final int mss;
    private final long rcvBuf;
    private final RangeSet ooo = new RangeSet();
    private LongSupplier ackSeqSource = () -> 0L;

    private long rcvNxt;
    private long readSeq;
    private long lastAckSent;
    private long lastRightEdge;
    private long tsRecent = TcpSegment.NO_TS;
    private int unackedSegments;
    private long delackDeadline = NO_DEADLINE;
    private int quickAcksLeft;

    private long segmentsReceived;
    private long bytesReceived;
    private long bytesDelivered;
    private long bytesRead;
    private long acksSent;
    private long acksPiggybacked;
    private long dupAcksSent;
    private long outOfOrderSegments;
    private long outOfOrderMssSegments;
    private long duplicateSegments;
    private long droppedSegments;
    private long delayedAcksFired;
    private long windowUpdatesSent;
    private long probesAnswered;

    public TcpReceiver(long flowId, TcpConfig cfg) {
        this.flowId = flowId;
        this.cfg = cfg;
        this.mss = cfg.mssBytes();
        this.rcvBuf = cfg.receiveBufferBytes();
        this.quickAcksLeft = cfg.quickAckSegments();
        this.lastRightEdge = rcvBuf;
    }

    /** Supplies the sequence number stamped on pure ACKs (the local sender's snd_nxt; default 0). */
    public void setAckSeqSource(LongSupplier s) {
        this.ackSeqSource = s;
    }

    // ------------------------------------------------------------------ receive

    /** Processes one (possibly GRO-coalesced) segment; pure ACKs are ignored here (they go to the sender). */
    public void onSegment(long nowNanos, TcpSegment seg, SegmentOutput out) {
        if (seg.has(TcpSegment.PROBE)) {
            probesAnswered++;
            sendAck(nowNanos, out, true);
            return;
        }
        if (seg.lenBytes() == 0) return;
        segmentsReceived++;
        bytesReceived += seg.lenBytes();
        int nSegs = seg.segmentCount(mss);
        long start = seg.seq();
        long end = seg.endSeq();
        long rightEdge = readSeq + rcvBuf;
        if (end <= rcvNxt) {
            duplicateSegments++;
            sendAck(nowNanos, out, true);
            return;
        }
        if (start >= rightEdge) {
            droppedSegments++; // beyond the window: no buffer for it
            sendAck(nowNanos, out, true);
            return;
        }
        if (end > rightEdge) end = rightEdge;
        if (start > rcvNxt) {
            outOfOrderSegments++;
            outOfOrderMssSegments += nSegs;
            ooo.add(start, end);
            sendAck(nowNanos, out, true);
            return;
        }
        boolean hadOoo = !ooo.isEmpty();
        if (start <= lastAckSent && seg.tsValNanos() != TcpSegment.NO_TS) {
            tsRecent = seg.tsValNanos(); // RFC 7323: SEG.SEQ <= Last.ACK.sent
        }
        long before = rcvNxt;
        rcvNxt = end;
        if (hadOoo) {
            ooo.trimBelow(rcvNxt);
            rcvNxt = ooo.drainFrom(rcvNxt);
        }
        bytesDelivered += rcvNxt - before;
        unackedSegments += nSegs;
        if (hadOoo) {
            sendAck(nowNanos, out, false);
        } else if (quickAcksLeft > 0) {
            quickAcksLeft = Math.max(0, quickAcksLeft - nSegs);
            sendAck(nowNanos, out, false);
        } else if (unackedSegments >= cfg.ackEverySegments()) {
            sendAck(nowNanos, out, false);
        } else if (delackDeadline == NO_DEADLINE) {
            delackDeadline = nowNanos + cfg.delayedAckNanos();
        }
    }

    private void sendAck(long now, SegmentOutput out, boolean dupCause) {
        int win = advertisedWindow();
        boolean sack = !ooo.isEmpty();
        if (dupCause && rcvNxt == lastAckSent) dupAcksSent++;
        TcpSegment ack = new TcpSegment(flowId, ackSeqSource.getAsLong(), 0, rcvNxt, win,
                TcpSegment.ACK | (sack ? TcpSegment.SACK : 0),
                cfg.timestamps() ? now : TcpSegment.NO_TS, cfg.timestamps() ? tsRecent : TcpSegment.NO_TS, false);
        acksSent++;
        noteAckSent(win);
        out.emit(ack);
    }

    private void noteAckSent(int win) {
        lastAckSent = rcvNxt;
        lastRightEdge = Math.max(lastRightEdge, rcvNxt + win);
        unackedSegments = 0;
        delackDeadline = NO_DEADLINE;
    }

    /** The window to advertise now, in bytes. */
    public int advertisedWindow() {
        long free = readSeq + rcvBuf - rcvNxt;
        if (free < mss) free = 0;
        long keep = lastRightEdge - rcvNxt; // never move the right edge backwards
        return (int) Math.min(Integer.MAX_VALUE, Math.max(free, Math.max(0, keep)));
    }

    // ------------------------------------------------------------------ application

    /** Bytes in order and not yet read by the application. */
    public long readableBytes() {
        return rcvNxt - readSeq;
    }

    /**
     * The application copies up to {@code maxBytes} to user space; returns the bytes read. May emit a
     * window-update ACK when the window at least doubles (Linux tcp_cleanup_rbuf).
     */
    public long read(long nowNanos, long maxBytes, SegmentOutput out) {
        long n = Math.min(Math.max(0, maxBytes), rcvNxt - readSeq);
        if (n == 0) return 0;
        readSeq += n;
        bytesRead += n;
        long windowNow = Math.max(0, lastRightEdge - rcvNxt);
        if (2 * windowNow <= rcvBuf) {
            long free = readSeq + rcvBuf - rcvNxt;
            if (free >= mss && free >= 2 * windowNow) {
                windowUpdatesSent++;
                sendAck(nowNanos, out, false);
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ timers

    public long nextTimerDeadline() {
        return delackDeadline;
    }

    /** Delayed-ACK timer; harmless if stale. */
    public void onTimer(long nowNanos, SegmentOutput out) {
        if (delackDeadline != NO_DEADLINE && nowNanos >= delackDeadline) {
            delayedAcksFired++;
            sendAck(nowNanos, out, false);
        }
    }

    // ------------------------------------------------------------------ AckSource (piggybacking)

    @Override public long ackNumber() { return rcvNxt; }
    @Override public int windowBytes() { return advertisedWindow(); }
    @Override public long tsEcr() { return tsRecent; }
    @Override public boolean hasOutOfOrderData() { return !ooo.isEmpty(); }

    @Override
    public void onPiggybacked(long nowNanos) {
        acksPiggybacked++;
        noteAckSent(advertisedWindow());
    }

    // ------------------------------------------------------------------ state and counters

    public long flowId() { return flowId; }
    public long rcvNxt() { return rcvNxt; }
    /** Sequence number up to which the application has read. */
    public long readSeq() { return readSeq; }
    public long lastAckSent() { return lastAckSent; }
    public long delayedAckDeadline() { return delackDeadline; }
    /** Bytes held in the out-of-order queue. */
    public long outOfOrderQueuedBytes() { return ooo.totalLength(); }
    public int outOfOrderRanges() { return ooo.rangeCount(); }

    /** Segments (GRO super-segments count once) with payload received, including duplicates. */
    public long segmentsReceived() { return segmentsReceived; }
    public long bytesReceived() { return bytesReceived; }
    /** Bytes delivered in order to the socket receive queue. */
    public long bytesDelivered() { return bytesDelivered; }
    /** Bytes the application has read. */
    public long bytesRead() { return bytesRead; }
    /** Pure ACKs sent (window updates and probe answers included; piggybacked ACKs excluded). */
    public long acksSent() { return acksSent; }
    public long acksPiggybacked() { return acksPiggybacked; }
    /** ACKs triggered by an out-of-order, duplicate or out-of-window segment that did not advance the ACK. */
    public long dupAcksSent() { return dupAcksSent; }
    /** Arrivals with seq &gt; rcv_nxt (each GRO super-segment counts once): the mFlow metric. */
    public long outOfOrderSegments() { return outOfOrderSegments; }
    /** Same as {@link #outOfOrderSegments()} but counted in MSS units (ceil(len / MSS) per arrival). */
    public long outOfOrderMssSegments() { return outOfOrderMssSegments; }
    /** Arrivals entirely below rcv_nxt (spurious retransmissions). */
    public long duplicateSegments() { return duplicateSegments; }
    /** Arrivals entirely beyond the receive window (socket buffer full). */
    public long droppedSegments() { return droppedSegments; }
    public long delayedAcksFired() { return delayedAcksFired; }
    public long windowUpdatesSent() { return windowUpdatesSent; }
    public long probesAnswered() { return probesAnswered; }
}
