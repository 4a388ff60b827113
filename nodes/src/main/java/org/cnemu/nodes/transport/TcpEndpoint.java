package org.cnemu.nodes.transport;

/**
 * One side of a full-duplex TCP connection: a {@link TcpSender} for the outgoing byte stream and a
 * {@link TcpReceiver} for the incoming one. Outgoing data segments piggyback the receiver's ACK (which
 * cancels a pending delayed ACK), pure ACKs carry the sender's snd_nxt as sequence number. Use it for
 * request/response and ping-pong connections; a one-way iperf flow may equally use a bare sender and
 * receiver.
 */
public final class TcpEndpoint {
    private final TcpSender sender;
    private final TcpReceiver receiver;

    public TcpEndpoint(long flowId, TcpConfig cfg, CongestionControl cc) {
        this.receiver = new TcpReceiver(flowId, cfg);
        this.sender = new TcpSender(flowId, cfg, cc, cfg.receiveBufferBytes());
        sender.setAckSource(receiver);
        receiver.setAckSeqSource(sender::sndNxt);
    }

    public TcpSender sender() { return sender; }
    public TcpReceiver receiver() { return receiver; }

    /** An incoming segment: its payload (if any) goes to the receiver, its ACK fields to the sender. */
    public void onSegment(long nowNanos, TcpSegment seg, SegmentOutput out) {
        if (seg.lenBytes() > 0 || seg.has(TcpSegment.PROBE)) receiver.onSegment(nowNanos, seg, out);
        if (seg.isAck()) sender.onAck(nowNanos, seg, out);
    }

    /** Application write followed by transmission of what is allowed; returns bytes accepted. */
    public long write(long nowNanos, long bytes, SegmentOutput out) {
        long n = sender.write(bytes);
        sender.trySend(nowNanos, out);
        return n;
    }

    public long read(long nowNanos, long maxBytes, SegmentOutput out) {
        return receiver.read(nowNanos, maxBytes, out);
    }

    public long nextTimerDeadline() {
        return Math.min(sender.nextTimerDeadline(), receiver.nextTimerDeadline());
    }

    public void onTimer(long nowNanos, SegmentOutput out) {
        receiver.onTimer(nowNanos, out);
        sender.onTimer(nowNanos, out);
    }
}
