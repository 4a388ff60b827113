package org.cnemu.nodes.tcp;

/**
 * CUBIC (Linux tcp_cubic.c of 4.4 and 5.4): W(t) = C (t - K)^3 + W_max with C = 0.4, beta = 717/1024,
 * fast convergence and the TCP-friendly region; t counts from the epoch start plus the minimum RTT.
 * Congestion avoidance adds one packet per {@code cnt} packets acked (bictcp_update's cnt, at least 2;
 * at most 20 before the first loss), through tcp_cong_avoid_ai. Arithmetic in IEEE double with
 * StrictMath: deterministic.
 *
 * <p>HyStart ({@link Hystart}; bictcp_acked, hystart_update, bictcp_hystart_reset): in slow start with cwnd of at
 * least {@code hystart_low_window}, each ACK carrying an RTT sample (ack_sample.rtt_us / 4.4's rtt_us: the
 * newest newly acked or SACKed never-retransmitted segment) may end slow start by setting ssthresh = cwnd:
 * <ul>
 *   <li>ACK train: the ACK came within {@code hystart_ack_delta} ms of the last one of the train and more than
 *       delay_min / 2 (delay_min in ms << 3, so {@code delay_min >> 4} ms) has passed since the round started.
 *       Both times are the host's millisecond clock (bictcp_clock), so with data-centre RTTs (delay_min = 1:
 *       under 125 us) the train fires on the first ACK after the clock ticked during the round.</li>
 *   <li>Delay: the least of a round's first HYSTART_MIN_SAMPLES = 8 samples exceeds delay_min +
 *       clamp(delay_min >> 3, 4 << 3, 16 << 3), i.e. the RTT grew by 4 to 16 ms.</li>
 * </ul>
 * A round starts (bictcp_hystart_reset: round_start = last_ack = now, end_seq = snd_nxt, the round's samples
 * cleared) on the first cwnd-limited slow-start ACK beyond end_seq (bictcp_cong_avoid, which runs after
 * bictcp_acked on the same ACK) and on an RTO (bictcp_state(TCP_CA_Loss), with bictcp_reset). Once found, HyStart
 * stays off until bictcp_reset. Samples within 1 s (HZ jiffies) of the CUBIC epoch start are discarded ("right
 * after fast recovery"). Before the first round (bictcp_init) nothing is read: cwnd starts at 10 &lt; 16 and the
 * first cwnd-limited ACK starts a round. Sources: tcp_cubic.c of Linux 4.4 (ReallySnow/msm-4.4, whose HyStart is
 * 4.4's) and 5.0.1 (VVvector/linux-5.0.1, HyStart unchanged through 5.4): docs/calibration.md, "HyStart".
 */
public final class Cubic implements CongestionControl {
  /** BICTCP_BETA_SCALE = 1024, beta = 717: ssthresh = cwnd * 717 / 1024 (~0.7). */
  static final int BETA = 717;
  static final double C = 0.4;
  private static final double BETA_F = BETA / 1024.0;
  private static final double FRIENDLY = 3.0 * (1 - BETA_F) / (1 + BETA_F);
  /** HYSTART_MIN_SAMPLES. */
  static final int MIN_SAMPLES = 8;
  /** HYSTART_DELAY_MIN and HYSTART_DELAY_MAX: 4 and 16 ms, in ms << 3. */
  static final int DELAY_MIN = 4 << 3, DELAY_MAX = 16 << 3;
  static final int FOUND_TRAIN = 1, FOUND_DELAY = 2;

  private final Reno ai = new Reno();
  private final Hystart hy;
  private final long jiffyNanos;
  private double lastMax; // packets
  private long epochStart = -1;
  private double origin;
  private double k;
  private double est;
  private int ackCnt;
  // HyStart (struct bictcp)
  /** Least RTT sample, ms << 3 (0: none). */
  int delayMin;
  /** HYSTART_ACK_TRAIN / HYSTART_DELAY once the exit point was found. */
  int found;
  private long roundStartMs;
  private long lastAckMs;
  private long endSeq;
  private int currRtt;
  private int sampleCnt;

  /** @param jiffyNanos 1 s / CONFIG_HZ (the epoch start is kept in jiffies) */
  public Cubic(Hystart hystart, long jiffyNanos) {
    this.hy = hystart;
    this.jiffyNanos = jiffyNanos;
  }

  @Override
  public String name() {
    return "cubic";
  }

  @Override
  public int onAck(int cwnd, int ssthresh, int acked, long ack, long sndNxt, long nowNanos, long minRttNanos) {
    if (cwnd < ssthresh) {
      if (hy.enabled() && ack > endSeq) hystartReset(nowNanos, sndNxt);
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

  /** bictcp_acked with HyStart's hystart_update: returns the new ssthresh (cwnd when slow start ends here). */
  @Override
  public int onRttSample(int cwnd, int ssthresh, long caRttNanos, long nowNanos) {
    if (caRttNanos < 0) return ssthresh;
    // discard delay samples right after fast recovery: (s32)(tcp_time_stamp - epoch_start) < HZ
    if (epochStart >= 0 && nowNanos / jiffyNanos - epochStart / jiffyNanos < 1_000_000_000L / jiffyNanos) {
      return ssthresh;
    }
    long rttUs = caRttNanos / 1000;
    int delay = (int) Math.min(Integer.MAX_VALUE, (rttUs << 3) / 1000);
    if (delay == 0) delay = 1;
    if (delayMin == 0 || delayMin > delay) delayMin = delay;
    if (!hy.enabled() || cwnd >= ssthresh || cwnd < hy.lowWindow() || found != 0) return ssthresh;
    boolean exit = false;
    long now = hy.clockMs(nowNanos);
    if (now - lastAckMs <= hy.ackDeltaMs()) { // ACK train
      lastAckMs = now;
      if (now - roundStartMs > delayMin >> 4) {
        found |= FOUND_TRAIN;
        exit = true;
      }
    }
    if (sampleCnt < MIN_SAMPLES) { // delay increase: the least of the round's first samples
      if (currRtt == 0 || currRtt > delay) currRtt = delay;
      sampleCnt++;
    } else if (currRtt > delayMin + Math.min(Math.max(delayMin >> 3, DELAY_MIN), DELAY_MAX)) {
      found |= FOUND_DELAY;
      exit = true;
    }
    return exit ? cwnd : ssthresh;
  }

  /** bictcp_hystart_reset. */
  private void hystartReset(long nowNanos, long sndNxt) {
    roundStartMs = lastAckMs = hy.clockMs(nowNanos);
    endSeq = sndNxt;
    currRtt = 0;
    sampleCnt = 0;
  }

  @Override
  public int ssthresh(int cwnd, long nowNanos) {
    epochStart = -1;
    if (cwnd < lastMax) lastMax = cwnd * (1024.0 + BETA) / 2048.0; // fast convergence
    else lastMax = cwnd;
    return Math.max((int) ((long) cwnd * BETA / 1024), 2);
  }

  /** bictcp_state(TCP_CA_Loss): bictcp_reset, then bictcp_hystart_reset (with HyStart on). */
  @Override
  public void onLoss(long nowNanos, long sndNxt) {
    lastMax = 0;
    epochStart = -1;
    ackCnt = 0;
    est = 0;
    delayMin = 0;
    found = 0;
    if (hy.enabled()) hystartReset(nowNanos, sndNxt);
  }
}
