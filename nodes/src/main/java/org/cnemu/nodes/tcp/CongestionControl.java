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
   * was cwnd-limited. Returns the new cwnd.
   */
  int onAck(int cwnd, int ssthresh, int acked, long nowNanos, long minRttNanos);

  /** ssthresh on a loss (fast recovery, TLP-detected loss or RTO), from the cwnd at the loss. */
  int ssthresh(int cwnd, long nowNanos);

  /** An RTO fired (CA_EVENT_LOSS). */
  default void onRto() {}

  /** Linux tcp_slow_start: cwnd grows by the packets acked up to ssthresh; returns {new cwnd, acked left}. */
  static long slowStart(int cwnd, int ssthresh, int acked) {
    int c = (int) Math.min((long) cwnd + acked, ssthresh);
    int left = acked - (c - cwnd);
    return ((long) c << 32) | (left & 0xffffffffL);
  }

  /** cubic (the default) or reno. */
  static CongestionControl byName(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "reno" -> new Reno();
      case "cubic" -> new Cubic();
      default -> throw new IllegalArgumentException("unknown congestion control '" + name + "' (cubic, reno)");
    };
  }
}
