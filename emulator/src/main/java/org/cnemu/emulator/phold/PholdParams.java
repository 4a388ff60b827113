package org.cnemu.emulator.phold;

import com.typesafe.config.Config;
import org.cnemu.emulator.config.Units;

/**
 * PHOLD settings. {@code actualMinDelayNanos} below {@code lookaheadNanos} deliberately breaks the
 * declared lookahead (test hook for the causality check).
 */
public record PholdParams(int lps, int population, long lookaheadNanos, long meanDelayNanos, double remote,
    long actualMinDelayNanos) {

  public PholdParams {
    if (lps < 1) throw new IllegalArgumentException("lps must be >= 1");
    if (population < 1) throw new IllegalArgumentException("population must be >= 1");
    if (lookaheadNanos < 1) throw new IllegalArgumentException("lookahead must be >= 1ns");
    // a negative mean would draw delays below the lookahead: a causality violation, not a benchmark
    if (meanDelayNanos < 0) throw new IllegalArgumentException("mean delay must be >= 0ns");
    if (remote < 0 || remote > 1) throw new IllegalArgumentException("remote must be within 0..1");
    if (actualMinDelayNanos <= 0) actualMinDelayNanos = lookaheadNanos;
  }

  public static PholdParams from(Config phold) {
    return new PholdParams(phold.getInt("lps"), phold.getInt("population"), Units.nanos(phold, "lookahead"),
        Units.nanos(phold, "mean-delay"), phold.getDouble("remote"), Units.nanos(phold, "actual-min-delay"));
  }

  public static String lpName(int i) {
    return "lp" + i;
  }
}
