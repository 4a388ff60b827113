package org.cnemu.nodes.transport;

/**
 * The sending half of a TCP connection (what an iperf3 client's socket does), byte-sequence based.
 *
 * <h2>How a host entity drives it</h2>
 * <ol>
 *   <li>The application puts data in with {@link #write(long)} (bounded by the send buffer) or
 *       {@link #writeUnlimited()} (bulk), then the entity calls {@link #trySend(long, SegmentOutput)}:
 *       every segment that cwnd, the peer's receive window, Nagle and the send buffer allow is emitted.</li>
 *   <li>Each ACK from the peer goes to {@link #onAck(long, TcpSegment, SegmentOutput)}, which updates
 *       RTT, window, congestion state, performs fast retransmit / NewReno recovery and emits what the
 *       ACK clocked out.</li>
 *   <li>After every call the entity reads {@link #nextTimerDeadline()} and (re)schedules one timer event
 *       at that virtual time ({@link Long#MAX_VALUE} = none). When a timer event fires it calls
 *       {@link #onTimer(long, SegmentOutput)}; a stale timer (deadline moved or cancelled) does nothing.</li>
 * </ol>
 * Segments are emitted as GSO/TSO super-segments of up to {@link TcpConfig#gsoMaxBytes()} when TSO is
 * configured, else as MSS-sized segments; {@link TcpSegment#split(int)} cuts them for the wire.
 */
public final class TcpSender {

    /** Source of the reverse-direction ACK fields that data segments piggyback (see {@link TcpEndpoint}). */
    public interface AckSource {
        long ackNumber();
        int windowBytes();
        long tsEcr();
        boolean hasOutOfOrderData();
        /** A data segment just carried the current ACK: a pending delayed ACK is no longer needed. */
        void onPiggybacked(long nowNanos);
    }

    /** Observer of congestion window changes (for cwnd-over-time series). */
    @FunctionalInterface
    public interface CwndListener {
        void onCwnd(long nowNanos, long cwndBytes, long ssthreshBytes);
    }

    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private final long flowId;
    private final TcpConfig cfg;
    private final CongestionControl cc;
    private final CongestionState st;
    private final RttEstimator rtt;
    private final int mss;
    private final long maxSeg;
    private AckSource ackSource;
    private CwndListener cwndListener;

    // sequence space
    private long sndUna;
    private long sndNxt;
    private long sndMax;
    private long writeSeq;
    private boolean unlimited;
    private long sndWnd;

    // loss recovery
    private boolean inRecovery;
    private boolean inLoss;
    private long recover;
    private int dupAcks;
    private boolean cwndLimitedFlag;

    // timers
    private long rtoDeadline = NO_DEADLINE;
    private long persistDeadline = NO_DEADLINE;
    private int persistBackoff;

    // Karn RTT timing (timestamps off)
    private long timedEnd = -1;
    private long timedSentAt;

    // counters
    private long segmentsSent;
    private long superSegmentsSent;
    private long bytesSent;
    private long fastRetransmits;
    private long timeoutRetransmits;
    private long fastRecoveries;
    private long rtoEvents;
    private long dupAcksReceived;
    private long acksReceived;
    private long probesSent;
    private long cwndSamples;
    private long cwndSampleSum;
    private long maxCwnd;
    private long lastCwndReported = -1;
    private long lastSsthreshReported = -1;

    /**
     * @param flowId            flow id stamped on every segment
     * @param cfg               TCP parameters
     * @param cc                congestion control instance (one per connection)
     * @param initialPeerWindow receive window the peer announced in its SYN/SYN-ACK (bytes)
     */
    public TcpSender(long flowId, TcpConfig cfg, CongestionControl cc, int initialPeerWindow) {
        this.flowId = flowId;
        this.cfg = cfg;
        this.cc = cc;
        this.mss = cfg.mssBytes();
        this.maxSeg = cfg.tso() ? (long) (cfg.gsoMaxBytes() / mss) * mss : mss;
        this.st = new CongestionState(mss, (long) cfg.initialCwndSegments() * mss);
        this.rtt = RttEstimator.of(cfg);
        this.sndWnd = initialPeerWindow;
        this.maxCwnd = st.cwnd;
    }

    /** Sender whose peer announced a window equal to this config's receive buffer. */
    public TcpSender(long flowId, TcpConfig cfg, CongestionControl cc) {
        this(flowId, cfg, cc, cfg.receiveBufferBytes());
    }

    public void setAckSource(AckSource src) { this.ackSource = src; }
    public void setCwndListener(CwndListener l) { this.cwndListener = l; }

    // ------------------------------------------------------------------ application side

    /** Bytes the application may still write (send buffer minus unacked and unsent bytes). */
    public long writableBytes() {
        if (unlimited) return 0;
        return Math.max(0, cfg.sendBufferBytes() - (writeSeq - sndUna));
    }

    /** Queues up to {@code bytes} of application data; returns how many were accepted. Does not send. */
    public long write(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative write");
        if (unlimited) return 0;
        long accepted = Math.min(bytes, writableBytes());
        writeSeq += accepted;
        return accepted;
    }

    /** Bulk mode: the application always has data (iperf3 without -n). */
    public void writeUnlimited() {
        unlimited = true;
    }

    /** Bytes written by the application and not yet sent for the first time. */
    public long unsentBytes() {
        return unlimited ? Long.MAX_VALUE : Math.max(0, writeSeq - sndMax);
    }

    /** True when every written byte has been acknowledged. */
    public boolean allAcked() {
        return !unlimited && sndUna == writeSeq;
    }

    // ------------------------------------------------------------------ transmit

    /** Emits every segment currently allowed; returns how many (super-)segments were emitted. */
    public int trySend(long nowNanos, SegmentOutput out) {
        int n = 0;
        TcpSegment s;
        while ((s = nextSegment(nowNanos)) != null) {
            out.emit(s);
            n++;
        }
        if (n == 0) maybeArmPersist(nowNanos);
        return n;
    }

    /**
     * The next segment allowed now, or null. The segment counts as sent when returned: the caller must
     * transmit it (pull interface for a host model that wants one segment per TX opportunity).
     */
    public TcpSegment nextSegment(long nowNanos) {
        long dataEnd = unlimited ? Long.MAX_VALUE : writeSeq;
        if (sndNxt >= dataEnd) return null;
        long inflight = sndNxt - sndUna;
        long cwndRoom = st.cwnd - inflight;
        long wndRoom = sndUna + sndWnd - sndNxt;
        long room = Math.min(cwndRoom, wndRoom);
        if (room <= 0) {
            if (cwndRoom <= wndRoom) cwndLimitedFlag = true;
            return null;
        }
        long avail = dataEnd - sndNxt;
        boolean retrans = sndNxt < sndMax;
        long len = Math.min(Math.min(room, avail), maxSeg);
        boolean boundary = len == avail;
        if (retrans && len >= sndMax - sndNxt) {
            len = sndMax - sndNxt;
            boundary = true;
        }
        if (len < mss) {
            if (!boundary) {
                // the window allows only a fragment: send it only when nothing is in flight (SWS avoidance)
                if (inflight > 0) {
                    if (cwndRoom <= wndRoom) cwndLimitedFlag = true;
                    return null;
                }
            } else if (!retrans && !cfg.noDelay() && inflight > 0) {
                return null; // Nagle: a sub-MSS tail waits while data is unacknowledged
            }
        } else if (len > mss && !boundary && len % mss != 0) {
            len -= len % mss; // Linux tcp_mss_split_point: whole MSS multiples unless at the tail
        }
        return emitData(nowNanos, sndNxt, (int) len, retrans, false);
    }

    private TcpSegment emitData(long now, long seq, int len, boolean retrans, boolean fastRetransmit) {
        TcpSegment seg = build(now, seq, len, retrans, 0);
        int count = seg.segmentCount(mss);
        segmentsSent += count;
        superSegmentsSent++;
        bytesSent += len;
        if (retrans) {
            if (fastRetransmit) fastRetransmits += count;
            else timeoutRetransmits += count;
            timedEnd = -1; // Karn: never time a retransmitted range
        } else if (!cfg.timestamps() && timedEnd < 0) {
            timedEnd = seq + len;
            timedSentAt = now;
        }
        if (!fastRetransmit) {
            sndNxt = seq + len;
            if (sndNxt > sndMax) sndMax = sndNxt;
        }
        if (rtoDeadline == NO_DEADLINE) rtoDeadline = now + rtt.rtoNanos();
        persistDeadline = NO_DEADLINE;
        persistBackoff = 0;
        return seg;
    }

    private TcpSegment build(long now, long seq, int len, boolean retrans, int extraFlags) {
        int flags = extraFlags;
        long ack = 0;
        int win = 0;
        long tsEcr = TcpSegment.NO_TS;
        if (ackSource != null) {
            flags |= TcpSegment.ACK;
            ack = ackSource.ackNumber();
            win = ackSource.windowBytes();
            tsEcr = ackSource.tsEcr();
            if (ackSource.hasOutOfOrderData()) flags |= TcpSegment.SACK;
            ackSource.onPiggybacked(now);
        }
        if (len > 0) flags |= TcpSegment.PSH;
        long tsVal = cfg.timestamps() ? now : TcpSegment.NO_TS;
        if (!cfg.timestamps()) tsEcr = TcpSegment.NO_TS;
        return new TcpSegment(flowId, seq, len, ack, win, flags, tsVal, tsEcr, retrans);
    }

    private void maybeArmPersist(long now) {
        boolean pending = unlimited || writeSeq > sndNxt;
        if (!pending || sndMax != sndUna || persistDeadline != NO_DEADLINE || rtoDeadline != NO_DEADLINE) return;
        if (sndUna + sndWnd - sndNxt > 0) return; // not window-blocked
        persistDeadline = now + persistInterval();
    }

    private long persistInterval() {
        long v = rtt.rtoNanos();
        for (int i = 0; i < persistBackoff && v < cfg.maxRtoNanos(); i++) v *= 2;
        return Math.min(v, cfg.maxRtoNanos());
    }

    // ------------------------------------------------------------------ ACK processing

    /** Processes an incoming segment's ACK fields, then sends whatever is allowed. */
    public void onAck(long nowNanos, TcpSegment seg, SegmentOutput out) {
        if (!seg.isAck()) {
            return;
        }
        acksReceived++;
        long ack = seg.ack();
        if (ack > sndMax || ack < sndUna) {
            return; // acks data never sent, or an old reordered ACK: ignored (RFC 5681/793)
        }
        if (ack > sndUna) {
            onNewAck(nowNanos, seg, ack, out);
        } else {
            boolean outstanding = sndMax > sndUna;
            boolean dup = seg.lenBytes() == 0 && outstanding
                    && (seg.has(TcpSegment.SACK) || seg.windowBytes() == sndWnd);
            sndWnd = seg.windowBytes();
            if (dup) onDupAck(nowNanos, out);
        }
        sampleCwnd(nowNanos);
        trySend(nowNanos, out);
    }

    private void onNewAck(long now, TcpSegment seg, long ack, SegmentOutput out) {
        long acked = ack - sndUna;
        long priorInflight = sndNxt - sndUna;
        boolean cwndLimited = cwndLimitedFlag || priorInflight + mss > st.cwnd
                || (st.inSlowStart() && 2 * priorInflight >= st.cwnd);
        cwndLimitedFlag = false;

        // RTT sample
        if (cfg.timestamps()) {
            if (seg.tsEcrNanos() != TcpSegment.NO_TS && seg.tsEcrNanos() <= now) rtt.sample(now - seg.tsEcrNanos());
        } else if (timedEnd >= 0 && ack >= timedEnd) {
            rtt.sample(now - timedSentAt);
            timedEnd = -1;
        }
        st.srttNanos = rtt.srttNanos();
        st.minRttNanos = rtt.minRttNanos();

        sndUna = ack;
        if (sndNxt < sndUna) sndNxt = sndUna; // the receiver had later data queued (after go-back-N)
        sndWnd = seg.windowBytes();
        st.flightBytes = sndNxt - sndUna;

        if (inRecovery) {
            if (ack >= recover) {
                inRecovery = false;
                dupAcks = 0;
                st.cwnd = Math.max(mss, st.ssthresh); // Linux tcp_end_cwnd_reduction: cwnd = ssthresh
                cc.onRecoveryExit(st, now);
            } else {
                // NewReno partial ACK (RFC 6582 3.2 step 5)
                TcpSegment rtx = emitData(now, sndUna, (int) Math.min(mss, sndMax - sndUna), true, true);
                out.emit(rtx);
                long c = st.cwnd - acked + (acked >= mss ? mss : 0);
                st.setCwnd(c);
                if (!partialAckSeen) {
                    partialAckSeen = true;
                    rtoDeadline = now + rtt.rtoNanos();
                }
                return;
            }
        } else {
            dupAcks = 0;
            if (inLoss && ack >= recover) inLoss = false;
            if (cwndLimited) cc.onAck(st, now, acked);
        }
        rtoDeadline = sndMax > sndUna ? now + rtt.rtoNanos() : NO_DEADLINE;
    }

    private boolean partialAckSeen;

    private void onDupAck(long now, SegmentOutput out) {
        dupAcksReceived++;
        dupAcks++;
        if (inRecovery) {
            st.cwnd += mss; // window inflation (RFC 5681 3.2 step 4)
            return;
        }
        if (dupAcks == cfg.dupAckThreshold() && !inLoss && sndUna >= recover) {
            fastRecoveries++;
            st.flightBytes = sndNxt - sndUna;
            st.setSsthresh(cc.ssthreshOnLoss(st, now));
            recover = sndMax;
            inRecovery = true;
            partialAckSeen = false;
            timedEnd = -1;
            TcpSegment rtx = emitData(now, sndUna, (int) Math.min(mss, sndMax - sndUna), true, true);
            out.emit(rtx);
            st.cwnd = st.ssthresh + (long) cfg.dupAckThreshold() * mss;
        }
    }

    // ------------------------------------------------------------------ timers

    /** Earliest virtual time at which {@link #onTimer} has work, or {@link #NO_DEADLINE}. */
    public long nextTimerDeadline() {
        return Math.min(rtoDeadline, persistDeadline);
    }

    /** Timer event: fires the RTO or the persist timer if due; harmless if stale. */
    public void onTimer(long nowNanos, SegmentOutput out) {
        if (persistDeadline != NO_DEADLINE && nowNanos >= persistDeadline) {
            persistDeadline = NO_DEADLINE;
            boolean pending = unlimited || writeSeq > sndNxt;
            if (pending && sndMax == sndUna && sndUna + sndWnd - sndNxt <= 0) {
                probesSent++;
                out.emit(build(nowNanos, sndUna - 1, 0, false, TcpSegment.PROBE));
                persistBackoff++;
                persistDeadline = nowNanos + persistInterval();
            } else {
                trySend(nowNanos, out);
            }
        }
        if (rtoDeadline != NO_DEADLINE && nowNanos >= rtoDeadline) {
            rtoDeadline = NO_DEADLINE;
            if (sndMax == sndUna) return;
            onRto(nowNanos, out);
        }
    }

    private void onRto(long now, SegmentOutput out) {
        rtoEvents++;
        st.flightBytes = sndNxt - sndUna;
        if (!inLoss && !inRecovery) {
            // Linux tcp_enter_loss recomputes ssthresh only from the Open/Disorder states: not on a repeated
            // timeout and not when fast recovery (which already reduced it, with an inflated cwnd) times out
            st.setSsthresh(cc.ssthreshOnLoss(st, now));
        }
        cc.onRto(st, now);
        st.cwnd = mss;
        inRecovery = false;
        inLoss = true;
        recover = sndMax;
        dupAcks = 0;
        sndNxt = sndUna; // go-back-N
        timedEnd = -1;
        rtt.backOff();
        sampleCwnd(now);
        trySend(now, out);
        if (rtoDeadline == NO_DEADLINE && sndMax > sndUna) rtoDeadline = now + rtt.rtoNanos();
    }

    private void sampleCwnd(long now) {
        cwndSamples++;
        cwndSampleSum += st.cwnd;
        if (st.cwnd > maxCwnd) maxCwnd = st.cwnd;
        if (cwndListener != null && (st.cwnd != lastCwndReported || st.ssthresh != lastSsthreshReported)) {
            lastCwndReported = st.cwnd;
            lastSsthreshReported = st.ssthresh;
            cwndListener.onCwnd(now, st.cwnd, st.ssthresh);
        }
    }

    // ------------------------------------------------------------------ state and counters

    public long flowId() { return flowId; }
    public TcpConfig config() { return cfg; }
    public CongestionControl congestionControl() { return cc; }
    public RttEstimator rttEstimator() { return rtt; }
    public long sndUna() { return sndUna; }
    public long sndNxt() { return sndNxt; }
    public long sndMax() { return sndMax; }
    /** Sequence number one past the last byte written by the application. */
    public long writeSeq() { return writeSeq; }
    public long sndWnd() { return sndWnd; }
    public long cwndBytes() { return st.cwnd; }
    public long ssthreshBytes() { return st.ssthresh; }
    public long inflightBytes() { return sndNxt - sndUna; }
    public boolean inFastRecovery() { return inRecovery; }
    /** True after an RTO until everything outstanding at the timeout is acknowledged. */
    public boolean inLossRecovery() { return inLoss; }
    public long rtoDeadline() { return rtoDeadline; }
    public long persistDeadline() { return persistDeadline; }

    /** Wire segments (MSS units) sent, including retransmissions. */
    public long segmentsSent() { return segmentsSent; }
    /** Segments handed to the caller (a GSO super-segment counts once). */
    public long superSegmentsSent() { return superSegmentsSent; }
    /** Payload bytes sent, including retransmissions. */
    public long bytesSent() { return bytesSent; }
    /** Segments retransmitted by fast retransmit and NewReno partial ACKs. */
    public long fastRetransmits() { return fastRetransmits; }
    /** Segments retransmitted after an RTO (go-back-N), in MSS units. */
    public long timeoutRetransmits() { return timeoutRetransmits; }
    public long retransmits() { return fastRetransmits + timeoutRetransmits; }
    /** Number of fast-recovery episodes entered. */
    public long fastRecoveries() { return fastRecoveries; }
    public long rtoEvents() { return rtoEvents; }
    public long dupAcksReceived() { return dupAcksReceived; }
    public long acksReceived() { return acksReceived; }
    public long probesSent() { return probesSent; }
    /** cwnd samples taken (one per ACK and per RTO). */
    public long cwndSamples() { return cwndSamples; }
    /** Mean of the cwnd samples in bytes (0 before any). */
    public long meanCwndBytes() { return cwndSamples == 0 ? 0 : cwndSampleSum / cwndSamples; }
    public long maxCwndBytes() { return maxCwnd; }
}
