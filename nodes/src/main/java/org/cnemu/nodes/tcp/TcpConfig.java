package org.cnemu.nodes.tcp;

/**
 * The TCP knobs of one socket: the kernel's sysctls (from the host profile's {@code kernel.tcp}) and
 * the socket's options. Times in ns; the kernel's timers run on jiffies of {@code jiffyNanos}.
 *
 * @param mss segment payload bytes (MTU - 52: IP + TCP with timestamps)
 * @param tsoSegs segments per TSO/GSO skb (size goal: 64 KiB GSO_MAX_SIZE / MSS)
 * @param sndbufBytes tcp_wmem[2]: unsent + unacknowledged bytes the socket may hold
 * @param rmemBytes tcp_rmem[2]: the receive buffer autotuning may grow to
 * @param rmemDefaultBytes tcp_rmem[1]: the initial receive buffer
 * @param congestionControl "cubic" or "reno"
 * @param jiffyNanos 1 s / CONFIG_HZ: the granularity of the delayed-ACK, RTO, TLP and RACK timers
 * @param minRtoNanos TCP_RTO_MIN (200 ms)
 * @param initRtoNanos TCP_TIMEOUT_INIT (1 s): RTO before the first RTT sample
 * @param maxRtoNanos TCP_RTO_MAX (120 s): cap of the backed-off RTO
 * @param delackNanos TCP_DELACK_MIN / TCP_ATO_MIN (40 ms)
 * @param quickAcks TCP_MAX_QUICKACKS (16): segments ACKed at once at connection start
 * @param rackTlp Linux 5.4 loss detection: RACK with its reordering window and reorder timer as the
 *     only loss detector (the dupthresh survives as a zero window while no reordering was seen). False:
 *     Linux 4.4: FACK/dupthresh marking plus RACK with a static 1 ms window and no timer.
 * @param reordering net.ipv4.tcp_reordering (3): the initial reordering degree
 * @param maxReordering net.ipv4.tcp_max_reordering (300)
 * @param nodelay TCP_NODELAY: Nagle off
 * @param autocorking net.ipv4.tcp_autocorking
 * @param limitOutputBytes net.ipv4.tcp_limit_output_bytes (TSQ)
 * @param hystart CUBIC's HyStart (tcp_cubic's module parameters) and the host's millisecond clock
 * @param compSackNr net.ipv4.tcp_comp_sack_nr (Linux 4.18+: 44): SACK compression, 0 = off (Linux 4.4)
 * @param compSackDelayNanos net.ipv4.tcp_comp_sack_delay_ns (1 ms): the cap on the compressed-ACK timer
 */
public record TcpConfig(int mss, int tsoSegs, long sndbufBytes, long rmemBytes, long rmemDefaultBytes,
    String congestionControl, long jiffyNanos, long minRtoNanos, long initRtoNanos, long maxRtoNanos,
    long delackNanos, int quickAcks, boolean rackTlp, int reordering, int maxReordering, boolean nodelay,
    boolean autocorking, long limitOutputBytes, Hystart hystart, int compSackNr, long compSackDelayNanos) {

  /** The time a timer armed at {@code now} for {@code delay} fires: jiffies(now) + ceil(delay) jiffies. */
  public long deadline(long now, long delayNanos) {
    long j = jiffyNanos;
    return (now / j + (Math.max(0, delayNanos) + j - 1) / j) * j;
  }
}
