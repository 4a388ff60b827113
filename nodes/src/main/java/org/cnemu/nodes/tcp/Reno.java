package org.cnemu.nodes.tcp;

/**
 * Reno (tcp_reno_cong_avoid): slow start adds the packets acked, congestion avoidance adds one packet
 * per cwnd packets acked (tcp_cong_avoid_ai with snd_cwnd_cnt), a loss halves: max(cwnd / 2, 2).
 */
public final class Reno implements CongestionControl {
  private int cnt;

  @Override
  public String name() {
    return "reno";
  }

  @Override
  public int onAck(int cwnd, int ssthresh, int acked, long ack, long sndNxt, long nowNanos, long minRttNanos) {
    if (cwnd < ssthresh) {
      long r = CongestionControl.slowStart(cwnd, ssthresh, acked);
      cwnd = (int) (r >>> 32);
      acked = (int) r;
      if (acked == 0) return cwnd;
    }
    return avoidAi(cwnd, cwnd, acked);
  }

  /** tcp_cong_avoid_ai(tp, w, acked). */
  int avoidAi(int cwnd, int w, int acked) {
    if (cnt >= w) {
      cnt = 0;
      cwnd++;
    }
    cnt += acked;
    if (cnt >= w) {
      int delta = cnt / w;
      cnt -= delta * w;
      cwnd += delta;
    }
    return cwnd;
  }

  @Override
  public int ssthresh(int cwnd, long nowNanos) {
    return Math.max(cwnd >> 1, 2);
  }
}
