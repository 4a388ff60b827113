/**
 * Transport layer of cnemu: pure, deterministic, engine-independent TCP and UDP endpoints and the
 * application workloads that drive them. Nothing here reads the wall clock, uses randomness (except a
 * {@link java.util.SplittableRandom} handed in), or iterates a hash map: every method takes the virtual time
 * {@code long nowNanos} and emits segments through a {@link org.cnemu.nodes.transport.SegmentOutput}.
 *
 * <h2>Model</h2>
 * <ul>
 *   <li>{@link org.cnemu.nodes.transport.TcpSegment}: header fields only (64-bit byte sequence numbers, no
 *       payload). Super-segments (TSO/GSO on transmit, GRO on receive) are single records with
 *       {@code lenBytes} up to 64 KiB; {@code split}/{@code tryCoalesce} help the host model.</li>
 *   <li>{@link org.cnemu.nodes.transport.TcpSender}: slow start, congestion avoidance through a pluggable
 *       {@link org.cnemu.nodes.transport.CongestionControl} ({@link org.cnemu.nodes.transport.RenoCongestionControl},
 *       {@link org.cnemu.nodes.transport.CubicCongestionControl}), fast retransmit on the third duplicate
 *       ACK with NewReno fast recovery (RFC 6582, window inflation and partial-ACK retransmission), RTO
 *       with RFC 6298 estimation from timestamps (or Karn's rule), Linux RTO floor and exponential
 *       backoff, go-back-N with cwnd = 1 MSS after a timeout, flight bounded by min(cwnd, rwnd), Nagle,
 *       persist timer with zero-window probes.</li>
 *   <li>{@link org.cnemu.nodes.transport.TcpReceiver}: cumulative ACKs, out-of-order queue of byte ranges,
 *       immediate duplicate ACK per out-of-order arrival and immediate ACK when a hole is filled (Linux
 *       tcp_data_queue / __tcp_ack_snd_check), delayed ACK every 2 full segments or on a 40 ms timer,
 *       quick-ack mode at start, receive window = buffer - unread bytes with receiver SWS avoidance and a
 *       right edge that never retreats, window-update ACK when a read doubles the window.</li>
 *   <li>{@link org.cnemu.nodes.transport.TcpEndpoint}: both halves with ACK piggybacking.</li>
 *   <li>{@link org.cnemu.nodes.transport.UdpSource} / {@link org.cnemu.nodes.transport.UdpSink}: open-loop
 *       pacing from the cumulative bit count (no drift), loss/reorder/duplicate detection.</li>
 *   <li>Workloads: {@link org.cnemu.nodes.transport.IperfStream}, {@link org.cnemu.nodes.transport.RequestResponseClient}
 *       / {@link org.cnemu.nodes.transport.RequestResponseServer}, {@link org.cnemu.nodes.transport.PingPong},
 *       {@link org.cnemu.nodes.transport.MessageFramer} for message boundaries on a byte stream.</li>
 * </ul>
 *
 * <h2>Simplifications versus Linux</h2>
 * <ul>
 *   <li>No connection setup/teardown (SYN/FIN): a connection starts established, with the peer's window
 *       known. No 32-bit sequence wrap, no window scaling granularity, no tcp_adv_win_scale overhead
 *       halving, no receive-buffer autotuning (the buffer is the configured maximum).</li>
 *   <li>No SACK scoreboard, RACK-TLP, PRR, D-SACK/Eifel undo, or adaptive reordering threshold
 *       ({@code tp->reordering}): loss recovery is NewReno, which repairs one hole per RTT, and every
 *       reordering deeper than the duplicate-ACK threshold causes a spurious fast retransmit and a cwnd
 *       reduction that is never undone. ACKs from a receiver holding out-of-order data carry a
 *       {@code SACK} flag only so that they count as duplicates even if the window changed (as SACKed
 *       segments do in Linux). Real Linux tolerates reordering better after it has detected it; the
 *       model is closer to a kernel early in a flow or to the mFlow/Falcon papers' observations.</li>
 *   <li>No tail-loss probe: a tail loss waits for the RTO. No F-RTO.</li>
 *   <li>CUBIC without HyStart; Reno/CUBIC slow start adds the acked bytes (no ABC limit), as Linux.</li>
 *   <li>No pacing (fq / internal TCP pacing), no TSO autosizing or tcp_tso_should_defer, no TSQ: the
 *       sender emits what cwnd and rwnd allow, up to the GSO size per super-segment; the host model adds
 *       queueing and CPU costs.</li>
 *   <li>Fast recovery ends with cwnd = ssthresh (Linux tcp_end_cwnd_reduction); on an RTO during fast
 *       recovery or a repeated RTO ssthresh is kept (Linux tcp_enter_loss).</li>
 *   <li>Quick-ack mode only at connection start; Linux also re-enters it (e.g. after the delayed-ACK
 *       timer in interactive mode) and adapts the delayed-ACK timeout (ato).</li>
 * </ul>
 *
 * <h2>Sources</h2>
 * RFC 5681 (congestion control), RFC 6298 (RTO), RFC 6582 (NewReno), RFC 8312 (CUBIC), RFC 7323
 * (timestamps, TS.Recent), RFC 1122 (delayed ACK, SWS avoidance), RFC 6928 (initial window 10); Linux 5.4
 * net/ipv4/tcp_input.c (ACK policy, ofo queue, window selection), tcp_output.c (__tcp_select_window,
 * tcp_mss_split_point), tcp_timer.c, tcp_cong.c (tcp_slow_start, tcp_cong_avoid_ai), tcp_cubic.c.
 */
package org.cnemu.nodes.transport;
