package org.cnemu.experiments.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.TimeUnit;
import org.slf4j.Marker;

/**
 * Rate limit for what the cluster transport logs (loggers under {@code org.apache.pekko.remote} and
 * {@code org.apache.pekko.stream}): their lines can be caused by anyone who reaches a cluster port, so
 * a peer must not be able to fill the log and the disk. Up to {@link #burst} lines pass, then one line
 * per {@link #refillSeconds}; the first line let through after a suppression says how many were dropped.
 * Configured in logback.xml.
 */
public final class RemoteLogLimit extends TurboFilter {
  private static final String[] PREFIXES = {"org.apache.pekko.remote", "org.apache.pekko.stream"};

  private int burst = 5;
  private int refillSeconds = 60;
  private double tokens = -1; // set on first use from burst
  private long lastNanos;
  private long suppressed;
  private final ThreadLocal<Boolean> reporting = ThreadLocal.withInitial(() -> false);

  /** Lines that pass before the limit applies. */
  public void setBurst(int burst) {
    this.burst = burst;
  }

  /** Seconds per further line once the burst is spent. */
  public void setRefillSeconds(int refillSeconds) {
    this.refillSeconds = refillSeconds;
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == null || !level.isGreaterOrEqual(Level.WARN) || reporting.get() || !limited(logger.getName())) {
      return FilterReply.NEUTRAL;
    }
    long dropped;
    synchronized (this) {
      long now = System.nanoTime();
      if (tokens < 0) {
        tokens = burst;
        lastNanos = now;
      }
      tokens = Math.min(burst, tokens + (now - lastNanos) / (double) TimeUnit.SECONDS.toNanos(refillSeconds));
      lastNanos = now;
      if (tokens < 1) {
        suppressed++;
        return FilterReply.DENY;
      }
      tokens -= 1;
      dropped = suppressed;
      suppressed = 0;
    }
    if (dropped > 0) {
      reporting.set(true);
      try {
        logger.warn("{} earlier lines from the cluster transport were dropped (at most {} lines, then one per {} s)",
            dropped, burst, refillSeconds);
      } finally {
        reporting.set(false);
      }
    }
    return FilterReply.NEUTRAL;
  }

  private static boolean limited(String name) {
    for (String p : PREFIXES) if (name.startsWith(p)) return true;
    return false;
  }
}
