package org.cnemu.nodes.tcp;

/**
 * Linux tcp_rtt_estimator and __tcp_set_rto: srtt (gain 1/8), mdev (gain 1/4, held as 4 x the mean
 * deviation), RTO = srtt + max(mdev, rto_min) in whole jiffies, at most TCP_RTO_MAX; TCP_TIMEOUT_INIT
 * before the first sample. Backoff doubles the armed timeout per expiry (inet_csk_rto_backoff) up to
 * TCP_RTO_MAX; a new sample clears it (RFC 6298: only on a valid measurement). min RTT: the least sample
 * (Linux keeps a 10 s windowed minimum; runs are shorter).
 */
public final class RttEstimator {
  private final TcpConfig cfg;
  private long srtt;
  private long mdev;
  private long minRtt = Long.MAX_VALUE;
  private long rto;
  private int backoff;

  public RttEstimator(TcpConfig cfg) {
    this.cfg = cfg;
    this.rto = cfg.initRtoNanos();
  }

  /** One RTT measurement. */
  public void sample(long rttNanos) {
    long m = Math.max(1, rttNanos);
    if (m < minRtt) minRtt = m;
    if (srtt == 0) {
      srtt = m;
      mdev = 2 * m;
    } else {
      mdev += (4 * Math.abs(m - srtt) - mdev) / 4;
      srtt += (m - srtt) / 8;
    }
    long j = cfg.jiffyNanos();
    long raw = srtt + Math.max(mdev, cfg.minRtoNanos());
    rto = Math.min(cfg.maxRtoNanos(), (raw + j - 1) / j * j);
    backoff = 0;
  }

  /** The RTO timeout to arm now (with backoff). */
  public long timeoutNanos() {
    long t = rto;
    for (int i = 0; i < backoff && t < cfg.maxRtoNanos(); i++) t <<= 1;
    return Math.min(t, cfg.maxRtoNanos());
  }

  /** An RTO expired: the next timeout doubles (icsk_backoff++). */
  public void backOff() {
    if (timeoutNanos() < cfg.maxRtoNanos()) backoff++;
  }

  public long srttNanos() {
    return srtt;
  }

  /** Least RTT seen, 0 before the first sample. */
  public long minRttNanos() {
    return minRtt == Long.MAX_VALUE ? 0 : minRtt;
  }

  /** RTO without backoff. */
  public long rtoNanos() {
    return rto;
  }

  public int backoff() {
    return backoff;
  }
}
