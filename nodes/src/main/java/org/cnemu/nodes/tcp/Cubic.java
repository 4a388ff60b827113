package org.cnemu.nodes.tcp;

/**
 * CUBIC (Linux tcp_cubic.c without HyStart): W(t) = C (t - K)^3 + W_max with C = 0.4, beta = 717/1024,
 * fast convergence and the TCP-friendly region; t counts from the epoch start plus the minimum RTT.
 * Congestion avoidance adds one packet per {@code cnt} packets acked (bictcp_update's cnt, at least 2;
 * at most 20 before the first loss), through tcp_cong_avoid_ai. Arithmetic in IEEE double with
 * StrictMath: deterministic.
 */
public final class Cubic implements CongestionControl {
  /** BICTCP_BETA_SCALE = 1024, beta = 717: ssthresh = cwnd * 717 / 1024 (~0.7). */
  static final int BETA = 717;
  static final double C = 0.4;
  private static final double BETA_F = BETA / 1024.0;
  private static final double FRIENDLY = 3.0 * (1 - BETA_F) / (1 + BETA_F);

  private final Reno ai = new Reno();
  private double lastMax; // packets
  private long epochStart = -1;
  private double origin;
  private double k;
  private double est;
  private int ackCnt;

  @Override
  public String name() {
    return "cubic";
  }

  @Override
  public int onAck(int cwnd, int ssthresh, int acked, long nowNanos, long minRttNanos) {
    if (cwnd < ssthresh) {
      long r = CongestionControl.slowStart(cwnd, ssthresh, acked);
      cwnd = (int) (r >>> 32);
      acked = (int) r;
      if (acked == 0) return cwnd;
    }
    if (epochStart < 0) {
      epochStart = nowNanos;
      ackCnt = 0;
      if (cwnd < lastMax) {
        k = StrictMath.cbrt((lastMax - cwnd) / C);
        origin = lastMax;
      } else {
        k = 0;
        origin = cwnd;
      }
      est = cwnd;
    }
    ackCnt += acked;
    double t = (nowNanos - epochStart + Math.max(0, minRttNanos)) / 1e9;
    double d = t - k;
    double target = origin + C * d * d * d;
    int cnt = target > cwnd ? (int) Math.max(1, cwnd / (target - cwnd)) : 100 * cwnd;
    if (lastMax == 0 && cnt > 20) cnt = 20;
    // TCP friendliness: Reno's window growth with beta 0.7
    double delta = FRIENDLY;
    est += delta * ackCnt / cwnd;
    ackCnt = 0;
    if (est > cwnd) {
      int maxCnt = (int) Math.max(1, cwnd / (est - cwnd));
      cnt = Math.min(cnt, maxCnt);
    }
    cnt = Math.max(cnt, 2);
    return ai.avoidAi(cwnd, cnt, acked);
  }

  @Override
  public int ssthresh(int cwnd, long nowNanos) {
    epochStart = -1;
    if (cwnd < lastMax) lastMax = cwnd * (1024.0 + BETA) / 2048.0; // fast convergence
    else lastMax = cwnd;
    return Math.max((int) ((long) cwnd * BETA / 1024), 2);
  }

  @Override
  public void onRto() {
    lastMax = 0;
    epochStart = -1;
  }
}
