package org.cnemu.nodes.tcp;

/**
 * HyStart (hybrid slow start) of Linux 4.4's and 5.4's tcp_cubic.c: its module parameters and the millisecond
 * clock it runs on. Both kernels read bictcp_clock(): ktime_get_real() in ms when CONFIG_HZ < 1000, else
 * jiffies_to_msecs(jiffies); the switch to microseconds (bictcp_clock_us, tcp_mstamp) came only in Linux 5.6.
 *
 * @param enabled tcp_cubic's {@code hystart} (1 by default)
 * @param lowWindow {@code hystart_low_window} (16): HyStart runs only while cwnd is at least this
 * @param ackDeltaMs {@code hystart_ack_delta} (2 ms): the largest spacing of two ACKs of one train
 * @param clockPhaseNanos where the host's millisecond clock ticks relative to virtual time 0: a real host's
 *     wall-clock millisecond boundary is unrelated to when a run starts (0 with CONFIG_HZ = 1000, where the clock
 *     is the jiffies counter, which ticks on the model's jiffy boundaries)
 */
public record Hystart(boolean enabled, int lowWindow, int ackDeltaMs, long clockPhaseNanos) {
  /** HyStart off (the model's CUBIC without it). */
  public static final Hystart OFF = new Hystart(false, 16, 2, 0);

  /** bictcp_clock(): the host's millisecond clock at virtual time {@code nowNanos}. */
  long clockMs(long nowNanos) {
    return (nowNanos + clockPhaseNanos) / 1_000_000L;
  }
}
