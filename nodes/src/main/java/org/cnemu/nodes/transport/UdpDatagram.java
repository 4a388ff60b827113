package org.cnemu.nodes.transport;

/**
 * One UDP datagram as header fields.
 *
 * @param flowId       flow id
 * @param seq          per-flow sequence number (iperf3 puts one in the payload), from 0
 * @param payloadBytes UDP payload length
 * @param wireBytes    bytes the datagram occupies for rate pacing (payload + headers, as the caller configured)
 * @param sentAtNanos  virtual send time (for one-way delay and jitter)
 */
public record UdpDatagram(long flowId, long seq, int payloadBytes, int wireBytes, long sentAtNanos) {
}
