package org.cnemu.nodes.kernel;

import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.cnemu.nodes.tcp.Hystart;
import org.cnemu.nodes.tcp.TcpConfig;

/** The TCP configuration of a socket from its host's profile (kernel.tcp sysctls) and its workload. */
final class TcpSetup {
  /** TCP_TIMEOUT_INIT: the RTO before the first RTT sample. */
  static final long INIT_RTO_NANOS = 1_000_000_000L;
  /** TCP_RTO_MAX. */
  static final long MAX_RTO_NANOS = 120_000_000_000L;
  /** TCP_MAX_QUICKACKS. */
  static final int QUICK_ACKS = 16;

  private TcpSetup() {}

  /**
   * @param stack the host's stack: an overlay's sockets route by a device 50 B smaller than the physical MTU,
   *     so their MSS is too ({@link Profile#mssBytes})
   * @param nodelay the workload's TCP_NODELAY ({@link Load#nodelay}: a socket option, not a sysctl)
   * @param wallClockPhaseNanos where the host's wall-clock millisecond ticks relative to virtual time 0 ({@link
   *     HostKernel#wallClockPhaseNanos}): CUBIC's HyStart clock with CONFIG_HZ &lt; 1000; with HZ = 1000 it is the
   *     jiffies counter, on the model's jiffy boundaries
   */
  static TcpConfig config(Profile p, StackKind stack, String congestionControl, boolean nodelay,
      long wallClockPhaseNanos) {
    long phase = p.jiffyNanos <= 1_000_000L ? 0 : wallClockPhaseNanos;
    Hystart hy = new Hystart(p.cubicHystart, p.cubicHystartLowWindow, p.cubicHystartAckDeltaMs, phase);
    return new TcpConfig(p.mssBytes(stack), p.groMaxSegs, p.tcpWmem, p.tcpRmem, p.tcpRmemDefault, congestionControl,
        p.jiffyNanos, p.minRtoNanos, INIT_RTO_NANOS, MAX_RTO_NANOS, p.delayedAckNanos, QUICK_ACKS, p.tcpRackTlp,
        p.tcpReordering, p.tcpMaxReordering, nodelay, p.tcpAutocorking, p.tcpLimitOutputBytes, hy,
        p.tcpCompSackNr, p.tcpCompSackDelayNanos);
  }
}
