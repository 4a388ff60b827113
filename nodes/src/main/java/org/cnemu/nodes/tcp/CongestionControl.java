package org.cnemu.nodes.tcp;

import java.util.Locale;

/**
 * A congestion-control module (Linux tcp_congestion_ops): how cwnd grows on ACKs and what ssthresh
 * becomes on a loss. Windows are in packets, as in Linux. One instance per connection.
 */
public interface CongestionControl {
  /** Linux TCP_INFINITE_SSTHRESH. */
  int INFINITE_SSTHRESH = 0x7fffffff;

  String name();

  /**
   * cong_avoid: {@code acked} packets were newly acknowledged outside a window reduction and the flow
   * was cwnd-limited; {@code ack} is the ACK's cumulative sequence, {@code sndNxt} the sender's snd_nxt.
   * Returns the new cwnd.
   */
  int onAck(int cwnd, int ssthresh, int acked, long ack, long sndNxt, long nowNanos, long minRttNanos);

  /**
   * pkts_acked: the ACK acknowledged or SACKed data; {@code caRttNanos} is its RTT sample for congestion
   * control (the newest newly acked or SACKed never-retransmitted segment's; -1: none). Runs before
   * {@link #onAck} on the same ACK. Returns the new ssthresh.
   */
  default int onRttSample(int cwnd, int ssthresh, long caRttNanos, long nowNanos) {
    return ssthresh;
  }

  /** ssthresh on a loss (fast recovery, TLP-detected loss or RTO), from the cwnd at the loss. */
  int ssthresh(int cwnd, long nowNanos);

  /** The connection entered the Loss state (an RTO fired: set_state(TCP_CA_Loss)); {@code sndNxt} is snd_nxt. */
  default void onLoss(long nowNanos, long sndNxt) {}

  /** Linux tcp_slow_start: cwnd grows by the packets acked up to ssthresh; returns {new cwnd, acked left}. */
  static long slowStart(int cwnd, int ssthresh, int acked) {
    int c = (int) Math.min((long) cwnd + acked, ssthresh);
    int left = acked - (c - cwnd);
    return ((long) c << 32) | (left & 0xffffffffL);
  }

  /** The socket's module: cubic (the default, with the profile's HyStart) or reno. */
  static CongestionControl of(TcpConfig cfg) {
    String name = cfg.congestionControl();
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "reno" -> new Reno();
      case "cubic" -> new Cubic(cfg.hystart(), cfg.jiffyNanos());
      default -> throw new IllegalArgumentException("unknown congestion control '" + name + "' (cubic, reno)");
    };
  }
}
